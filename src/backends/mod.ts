/**
 * The backends: one module per kind of exporter, each scraping its source and
 * declaring the permissions its configuration needs.
 * @module
 */
import type { ExporterConfig } from "../config/types.ts";
import type { Backend } from "./backend.ts";
import { createHttpBackend, httpPermissions } from "./http.ts";

export * from "./backend.ts";

/** A kind of exporter that this version cannot scrape yet. */
export class UnsupportedExporterError extends Error {
  constructor(config: ExporterConfig) {
    super(`exporter "${config.name}": kind "${config.kind}" is not yet supported by this version`);
    this.name = "UnsupportedExporterError";
  }
}

/** Creates the backend of one configured exporter. */
export function createBackend(config: ExporterConfig): Promise<Backend> {
  switch (config.kind) {
    case "http":
      return createHttpBackend(config);
    case "file":
    case "exec":
    case "exec_cached":
      return Promise.reject(new UnsupportedExporterError(config));
  }
}

/** The Deno permissions one configured exporter needs. */
export function backendPermissions(config: ExporterConfig): Deno.PermissionDescriptor[] {
  switch (config.kind) {
    case "http":
      return httpPermissions(config);
    case "file":
    case "exec":
    case "exec_cached":
      return [];
  }
}
