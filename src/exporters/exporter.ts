/**
 * What every kind of exporter provides: its {@linkcode ExporterKind} (how its keys are read,
 * what it needs, how it is made) and, once made, an {@linkcode Exporter} whose scrape returns
 * the exporter's body.
 * @module
 */
import type { ExporterConfig, ExporterSchema } from "../config/types.ts";
import type { Fields, Mapping } from "../config/fields.ts";
import type { Logger } from "../log.ts";
import type { OwnMetrics } from "../metrics/own_metrics.ts";
import type { Payload, ScrapeEngine } from "../scrape/engine.ts";
import type { BudgetHold, ByteBudget } from "./byte_budget.ts";

export type { Payload };

/** Why a scrape failed, as counted in `reverse_exporter_exporter_scrape_failures_total`. */
export type FailureCause =
  | "timeout"
  | "canceled"
  | "connect"
  | "http_status"
  | "read"
  | "start"
  | "exit_code"
  | "body_too_large"
  | "memory_limit"
  | "invalid_body"
  | "decode"
  | "stale";

/** A failed scrape of one exporter, with a cause and a human-readable reason. */
export class ScrapeFailure extends Error {
  /** The failure's category, for metrics. */
  readonly category: FailureCause;

  /** A failure of `category`, described by `message`. */
  constructor(category: FailureCause, message: string) {
    super(message);
    this.name = "ScrapeFailure";
    this.category = category;
  }
}

/** What a scrape of a configured path passes to each of its exporters. */
export interface ScrapeContext {
  /** Aborts when the exporter's deadline passes or the client goes away. */
  readonly signal: AbortSignal;
  /** The query parameters of the request to the configured path. */
  readonly query: URLSearchParams;
  /** The scrape's share of `web.max_bytes_in_flight`, given back once it has answered. */
  readonly hold: BudgetHold;
}

/** A running exporter: what scrapes one configured exporter. */
export interface Exporter {
  /** Scrapes once: the body, not yet decoded; rejects with {@linkcode ScrapeFailure}. */
  scrape(context: ScrapeContext): Promise<Payload>;
  /** Releases what it holds (connections, timers, processes). */
  close(): void;
  /** The last run, for exporters that run on a schedule of theirs (exec_cached). */
  lastRun?(): RunStatus | undefined;
}

/** One run of an exporter that runs on a schedule of its own (exec_cached). */
export interface RunStatus {
  /** Epoch milliseconds when it started. */
  readonly at: number;
  /** How long it took. */
  readonly durationSeconds: number;
  /** Why it failed; undefined when it succeeded. */
  readonly error: string | undefined;
}

/** What a running exporter may use of the rest of the program. */
export interface ExporterContext {
  /** The configured path the exporter belongs to, for logs and metrics. */
  readonly path: string;
  /** Where it logs. */
  readonly logger: Logger;
  /** The program's own metrics, which it updates. */
  readonly metrics: OwnMetrics;
  /** `web.max_bytes_in_flight`, for what an exporter reads on a schedule of its own (script runs). */
  readonly budget: ByteBudget;
  /** Where bodies are decoded (exec_cached checks each run's output there). */
  readonly engine: ScrapeEngine;
}

/**
 * A kind of exporter: everything about it that the rest of the program needs, typed by its
 * own `Settings`. Each kind's module exports one; src/exporters/mod.ts lists them.
 */
export interface ExporterKind<Settings> extends ExporterSchema<Settings> {
  /** The Deno permissions an exporter of this kind needs. */
  permissions(config: ExporterConfig<Settings>): Deno.PermissionDescriptor[];
  /** Where it scrapes, for the landing page and logs, never with credentials. */
  target(config: ExporterConfig<Settings>): string;
  /** How long a scrape may take at most (its `timeout`); Infinity: only the scrape budget. */
  timeoutMs(config: ExporterConfig<Settings>): number;
  /** Whether its scrapes depend on the request's query (then shared only for the same query). */
  forwardsQuery(config: ExporterConfig<Settings>): boolean;
  /** Whether a running exporter stays across a reload that leaves its configuration unchanged. */
  readonly survivesReload: boolean;
  /** Makes the running exporter of `config`. */
  create(config: ExporterConfig<Settings>, context: ExporterContext): Promise<Exporter>;
}

/** Default `timeout` of http and exec exporters. */
export const DEFAULT_TIMEOUT_MS = 10_000;

/** The `timeout` key, where 0 means no timeout of its own (Infinity). */
export function readTimeout(
  fields: Fields,
  m: Mapping,
  options: { at: string; fallback: number },
): number {
  const ms = fields.duration(m, { key: "timeout", ...options });
  return ms === 0 ? Infinity : ms;
}

/** The failure an aborted scrape gets: `timeout` for its deadline, `canceled` otherwise. */
export function abortFailure(signal: AbortSignal, what: string): ScrapeFailure {
  const reason: unknown = signal.reason;
  if (reason instanceof DOMException && reason.name === "TimeoutError") {
    return new ScrapeFailure("timeout", `${what}: deadline exceeded`);
  }
  return new ScrapeFailure("canceled", `${what}: canceled (the client went away)`);
}

/** The failure of a body over its limit (`body_too_large`). */
export function tooLarge(
  options: { readonly limit: number; readonly what: string },
): ScrapeFailure {
  return new ScrapeFailure(
    "body_too_large",
    `${options.what} is larger than the limit of ${options.limit} bytes`,
  );
}
