/**
 * The exporters: one module per kind, each exporting its {@linkcode ExporterKind} (its keys,
 * what it needs, how it scrapes), and the table of the kinds.
 * @module
 */
import type { ExporterConfig } from "../config/types.ts";
import type { ExporterKind } from "./exporter.ts";
import { execKind } from "./exec.ts";
import { execCachedKind } from "./exec_cached.ts";
import { fileKind } from "./file.ts";
import { httpKind } from "./http.ts";

export type {
  Exporter,
  ExporterContext,
  ExporterKind,
  FailureCause,
  RunStatus,
  ScrapeContext,
} from "./exporter.ts";
export { ScrapeFailure } from "./exporter.ts";

/**
 * Every kind of exporter, in the order a path lists its exporters. A kind's settings are
 * read by its own `parse` (validation is handed this table), so an exporter's `kind` names
 * the kind whose functions take its settings.
 */
export const KINDS: readonly ExporterKind<unknown>[] = [
  httpKind,
  fileKind,
  execKind,
  execCachedKind,
];

/** The kind of a configured exporter. */
export function kindOf(config: ExporterConfig): ExporterKind<unknown> {
  const kind = KINDS.find((k) => k.name === config.kind);
  if (kind === undefined) throw new Error(`no exporter kind named ${config.kind}`);
  return kind;
}
