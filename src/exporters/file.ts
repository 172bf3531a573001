/**
 * The `file` backend: reads a metrics file (node_exporter's textfile format) on every
 * scrape. A file replaced by rename while it is read is read whole: the open file stays
 * the old one.
 *
 * Permissions: `read` of the file.
 */
import { errorMessage } from "../error_message.ts";
import type { FileExporterConfig } from "../config/types.ts";
import { type Exporter, type ExporterContext, type Payload, ScrapeFailure } from "./exporter.ts";
import { readBounded } from "./bounded_read.ts";
import type { BudgetHold } from "./byte_budget.ts";

/** The Deno permissions a `file` exporter needs. */
export function filePermissions(config: FileExporterConfig): Deno.PermissionDescriptor[] {
  return [{ name: "read", path: config.path }];
}

/** Creates the backend of a `file` exporter. */
export function createFileExporter(config: FileExporterConfig, context: ExporterContext): Exporter {
  return {
    scrape: (scrape) => readMetricsFile(config, context, scrape.hold),
    close: () => {},
  };
}

async function readMetricsFile(
  config: FileExporterConfig,
  context: ExporterContext,
  hold: BudgetHold,
): Promise<Payload> {
  const { path, bodySizeLimit } = config;
  // Only regular files: opening a FIFO or a device could block the scrape past its deadline.
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch (error) {
    throw new ScrapeFailure("read", `cannot read ${path}: ${errorMessage(error)}`);
  }
  if (!info.isFile) throw new ScrapeFailure("read", `${path} is not a regular file`);
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true });
  } catch (error) {
    throw new ScrapeFailure("read", `cannot open ${path}: ${errorMessage(error)}`);
  }
  let body: Uint8Array;
  try {
    const info = await file.stat();
    if (!info.isFile) throw new ScrapeFailure("read", `${path} is not a regular file`);
    if (info.mtime !== null) {
      context.metrics.fileModified.set(
        [context.path, config.name, path],
        info.mtime.getTime() / 1000,
      );
    }
    if (info.size > bodySizeLimit) {
      throw new ScrapeFailure(
        "body_too_large",
        `${path} is ${info.size} bytes, larger than the limit of ${bodySizeLimit} bytes`,
      );
    }
    body = await readBounded(file.readable, {
      limit: bodySizeLimit,
      what: path,
      hold,
      sizeHint: info.size,
    });
  } catch (error) {
    try {
      file.close();
    } catch {
      // closed by its stream already
    }
    if (error instanceof ScrapeFailure) throw error;
    throw new ScrapeFailure("read", `cannot read ${path}: ${errorMessage(error)}`);
  }
  return { body, what: path };
}
