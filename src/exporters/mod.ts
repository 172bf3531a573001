/**
 * The backends: one module per kind of exporter, each scraping its source and
 * declaring the permissions its configuration needs.
 * @module
 */
import type { ExporterConfig } from "../config/types.ts";
import type { Exporter, ExporterContext } from "./exporter.ts";
import { createExecExporter } from "./exec.ts";
import { createExecCachedExporter } from "./exec_cached.ts";
import { commandPermissions } from "./exec_run.ts";
import { createFileExporter, filePermissions } from "./file.ts";
import { createHttpExporter, httpPermissions } from "./http.ts";

export * from "./exporter.ts";
export { BudgetHold, ByteBudget } from "./byte_budget.ts";

/** Creates the backend of one configured exporter. */
export function createExporter(
  config: ExporterConfig,
  context: ExporterContext,
): Promise<Exporter> {
  switch (config.kind) {
    case "http":
      return createHttpExporter(config);
    case "file":
      return Promise.resolve(createFileExporter(config, context));
    case "exec":
      return Promise.resolve(createExecExporter(config, context));
    case "exec_cached":
      return Promise.resolve(createExecCachedExporter(config, context));
  }
}

/** The Deno permissions one configured exporter needs. */
export function exporterPermissions(config: ExporterConfig): Deno.PermissionDescriptor[] {
  switch (config.kind) {
    case "http":
      return httpPermissions(config);
    case "file":
      return filePermissions(config);
    case "exec":
    case "exec_cached":
      return commandPermissions(config);
  }
}
