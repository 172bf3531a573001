/**
 * The backends: one module per kind of exporter, each scraping its source and
 * declaring the permissions its configuration needs.
 * @module
 */
import type { ExporterConfig } from "../config/types.ts";
import type { Backend, BackendContext } from "./backend.ts";
import { createExecBackend } from "./exec.ts";
import { createExecCachedBackend } from "./exec_cached.ts";
import { commandPermissions } from "./exec_run.ts";
import { createFileBackend, filePermissions } from "./file.ts";
import { createHttpBackend, httpPermissions } from "./http.ts";

export * from "./backend.ts";
export { BudgetHold, ByteBudget } from "./byte_budget.ts";

/** Creates the backend of one configured exporter. */
export function createBackend(config: ExporterConfig, context: BackendContext): Promise<Backend> {
  switch (config.kind) {
    case "http":
      return createHttpBackend(config);
    case "file":
      return Promise.resolve(createFileBackend(config, context));
    case "exec":
      return Promise.resolve(createExecBackend(config, context));
    case "exec_cached":
      return Promise.resolve(createExecCachedBackend(config, context));
  }
}

/** The Deno permissions one configured exporter needs. */
export function backendPermissions(config: ExporterConfig): Deno.PermissionDescriptor[] {
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
