/**
 * The end-to-end benchmark: the same load against a static backend directly, through
 * exporter_exporter (when installed) and through reverse_exporter (the real `main.ts`, with
 * exactly the permissions its configuration needs), all on loopback.
 */
import { runLoad } from "./load.ts";
import type { LoadResult } from "./load.ts";
import { freePort, installed, type Memory, type Service, startService } from "./processes.ts";
import { V8_FLAGS } from "../src/v8_flags.ts";

/** The repository's root directory. */
const REPO = new URL("..", import.meta.url).pathname;

/** A payload the backend serves, as a file of the backend's directory. */
export interface ServedPayload {
  /** Name in the report. */
  readonly name: string;
  /** Its file in the backend's directory (`node.prom`). */
  readonly file: string;
  readonly bytes: number;
}

/** One row of the side-by-side table: a target under load. */
export interface TargetResult {
  readonly target: string;
  readonly payload: string;
  /** Exporters behind the target (0: the backend itself). */
  readonly exporters: number;
  readonly load: LoadResult;
  /** Memory of the target's process after the run; undefined when not measured. */
  readonly memory: Memory | undefined;
  /**
   * CPU time the target's process used per request during the run (all its threads), in ms;
   * undefined when not measured (the direct backend: nginx works in a child process).
   */
  readonly cpuMsPerRequest: number | undefined;
}

/** How a reverse_exporter under test is configured: its paths and their exporters' URLs. */
export interface ReverseExporterPaths {
  /** Path (`/node1`) to the address of each of its http exporters. */
  readonly [path: string]: readonly string[];
}

/** Writes a configuration of `paths` listening on `port`; returns its file name. */
export async function writeReverseExporterConfig(
  paths: ReverseExporterPaths,
  options: { dir: string; port: number },
): Promise<string> {
  const lines = [
    "web:",
    "  listen:",
    `    - tcp://127.0.0.1:${options.port}`,
    "reverse_exporters:",
  ];
  for (const [path, addresses] of Object.entries(paths)) {
    lines.push(`  - path: ${path}`, "    exporters:", "      http:");
    addresses.forEach((address, i) => {
      lines.push(
        `        - name: e${i}`,
        `          address: ${address}`,
        "          timeout: 60s",
      );
    });
  }
  const file = `${options.dir}/reverse_exporter.yml`;
  await Deno.writeTextFile(file, lines.join("\n") + "\n");
  return file;
}

/**
 * Starts reverse_exporter on `configFile` (which listens on `port`) with the flags its own
 * `--print-permissions` gives (the least the configuration needs) and the V8 flags it ships with.
 */
export async function startReverseExporter(configFile: string, port: number): Promise<Service> {
  const main = `${REPO}main.ts`;
  const printed = await new Deno.Command("deno", {
    args: [
      "run",
      "--no-prompt",
      `--allow-read=${configFile}`,
      main,
      "--config-file",
      configFile,
      "--print-permissions",
    ],
    cwd: REPO,
    stderr: "piped",
  }).output();
  if (!printed.success) {
    throw new Error(`--print-permissions failed: ${new TextDecoder().decode(printed.stderr)}`);
  }
  const flags = new TextDecoder().decode(printed.stdout).trim().split(/\s+/);
  return startService("deno", [
    "run",
    `--v8-flags=${V8_FLAGS}`,
    "--no-prompt",
    ...flags,
    main,
    "--config-file",
    configFile,
    "--log-level",
    "error",
  ], { name: "reverse_exporter", port, cwd: REPO });
}

/** Whether Debian's prometheus-exporter-exporter is installed. */
export function hasExporterExporter(): Promise<boolean> {
  return installed(EXPORTER_EXPORTER, "-version");
}

/** The command of Debian's package `prometheus-exporter-exporter`. */
export const EXPORTER_EXPORTER = "prometheus-exporter-exporter";

/**
 * Starts exporter_exporter with one module per payload (named after its file, `node` for
 * `node.prom`), each proxying the backend's file; scraped at `/proxy?module=<name>`. Its
 * modules verify (decode and re-encode) what they proxy, its default.
 */
export async function startExporterExporter(
  backendPort: number,
  options: { dir: string; payloads: readonly ServedPayload[] },
): Promise<Service> {
  const port = freePort();
  const modules = options.payloads.map((p) =>
    [
      `  ${moduleName(p)}:`,
      "    method: http",
      "    timeout: 60s",
      "    http:",
      "      address: 127.0.0.1",
      `      port: ${backendPort}`,
      `      path: /${p.file}`,
    ].join("\n")
  );
  const file = `${options.dir}/exporter_exporter.yml`;
  await Deno.writeTextFile(file, `modules:\n${modules.join("\n")}\n`);
  return startService(EXPORTER_EXPORTER, [
    "-config.file",
    file,
    "-web.listen-address",
    `127.0.0.1:${port}`,
  ], { name: "exporter_exporter", port });
}

/** The exporter_exporter module of a payload. */
export function moduleName(payload: ServedPayload): string {
  return payload.file.replace(/\.prom$/, "");
}

/** What one load run needs: where to send it, how much, and whom to measure. */
export interface RunOptions {
  readonly target: string;
  readonly payload: ServedPayload;
  readonly exporters: number;
  readonly connections: number;
  readonly seconds: number;
  readonly wrk: boolean;
  /** Requests sent first, not measured (JIT warm-up, connection set-up). */
  readonly warmupRequests: number;
}

/** Warms `url` up, sends the load, and measures `service`'s memory after it. */
export async function measure(
  url: string,
  options: RunOptions & { service: Service | undefined },
): Promise<TargetResult> {
  await runLoad(url, {
    connections: options.connections,
    requests: options.warmupRequests,
    wrk: false,
  });
  const service = options.target === "direct" ? undefined : options.service;
  const cpuBefore = await service?.cpuSeconds();
  const load = await runLoad(url, {
    connections: options.connections,
    seconds: options.seconds,
    wrk: options.wrk,
  });
  const cpuAfter = await service?.cpuSeconds();
  if (load.errors > 0) {
    throw new Error(`${options.target} on ${options.payload.name}: ${load.errors} failed requests`);
  }
  return {
    target: options.target,
    payload: options.payload.name,
    exporters: options.exporters,
    load,
    memory: options.service === undefined ? undefined : await options.service.memory(),
    cpuMsPerRequest: cpuBefore === undefined || cpuAfter === undefined || load.requests === 0
      ? undefined
      : (cpuAfter - cpuBefore) * 1000 / load.requests,
  };
}
