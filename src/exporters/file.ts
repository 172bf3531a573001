/**
 * The `file` kind: reads a metrics file (node_exporter's textfile format) on every scrape. A
 * file replaced by rename while it is read is read whole: the open file stays the old one.
 * It has no timeout of its own: a scrape waits for it within the scrape budget only.
 *
 * Permissions: `read` of the file.
 * @module
 */
import { errorMessage } from "../error_message.ts";
import type { ExporterConfig } from "../config/types.ts";
import type { Fields, Mapping } from "../config/fields.ts";
import {
  type ExporterContext,
  type ExporterKind,
  type Payload,
  ScrapeFailure,
} from "./exporter.ts";
import { readBounded } from "./_bounded_read.ts";
import type { BudgetHold } from "./byte_budget.ts";

/** The keys of a `file` exporter. */
export interface FileSettings {
  /** The metrics file (`path`), absolute. */
  readonly file: string;
}

/** The `file` kind. */
export const fileKind: ExporterKind<FileSettings> = {
  name: "file",
  keys: ["path"],
  standIns: { path: "defaults" },
  parse(fields: Fields, m: Mapping, at: string): FileSettings | undefined {
    const file = fields.requiredString(m, { key: "path", at });
    return file === undefined ? undefined : { file: fields.resolve(file) };
  },
  permissions: ({ settings }) => [{ name: "read", path: settings.file }],
  target: ({ settings }) => settings.file,
  timeoutMs: () => Infinity,
  forwardsQuery: () => false,
  survivesReload: false,
  create: (config, context) =>
    Promise.resolve({
      scrape: (scrape) => readMetricsFile(config, context, scrape.hold),
      close: () => {},
    }),
};

async function readMetricsFile(
  config: ExporterConfig<FileSettings>,
  context: ExporterContext,
  hold: BudgetHold,
): Promise<Payload> {
  const { bodySizeLimit } = config;
  const file = config.settings.file;
  // Only regular files: opening a FIFO or a device could block the scrape past its deadline.
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(file);
  } catch (error) {
    throw new ScrapeFailure("read", `cannot read ${file}: ${errorMessage(error)}`);
  }
  if (!info.isFile) throw new ScrapeFailure("read", `${file} is not a regular file`);
  let handle: Deno.FsFile;
  try {
    handle = await Deno.open(file, { read: true });
  } catch (error) {
    throw new ScrapeFailure("read", `cannot open ${file}: ${errorMessage(error)}`);
  }
  let body: Uint8Array;
  try {
    const info = await handle.stat();
    if (!info.isFile) throw new ScrapeFailure("read", `${file} is not a regular file`);
    if (info.mtime !== null) {
      context.metrics.fileModified.set(
        [context.path, config.name, file],
        info.mtime.getTime() / 1000,
      );
    }
    if (info.size > bodySizeLimit) {
      throw new ScrapeFailure(
        "body_too_large",
        `${file} is ${info.size} bytes, larger than the limit of ${bodySizeLimit} bytes`,
      );
    }
    body = await readBounded(handle.readable, {
      limit: bodySizeLimit,
      what: file,
      hold,
      sizeHint: info.size,
    });
  } catch (error) {
    try {
      handle.close();
    } catch {
      // closed by its stream already
    }
    if (error instanceof ScrapeFailure) throw error;
    throw new ScrapeFailure("read", `cannot read ${file}: ${errorMessage(error)}`);
  }
  return { body, what: file };
}
