/**
 * The end-to-end benchmark: the same load against a static backend directly, through
 * exporter_exporter (when installed) and through reverse_exporter (the real `main.ts`, with
 * exactly the permissions its configuration needs), all on loopback.
 */
import { type LoadResult, percentile, runLoad } from "./load.ts";
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
  /** Whether the requests asked for gzip. */
  readonly gzip: boolean;
  /** The format the requests asked for (see `ASKS`). */
  readonly asks: Asks;
  readonly load: LoadResult;
  /** Memory of the target's process after the run; undefined when not measured. */
  readonly memory: Memory | undefined;
  /**
   * CPU time the target's process used per request during the run (all its threads), in ms;
   * undefined when not measured (the direct backend: nginx works in a child process).
   */
  readonly cpuMsPerRequest: number | undefined;
}

/** What a run's requests ask for, as Prometheus asks: the Accept header of each. */
export const ASKS = {
  /** No Accept header, as wrk sends: text 0.0.4. */
  "text": undefined,
  /** Prometheus 3 by default: OpenMetrics first. */
  "OpenMetrics (Prometheus 3)":
    "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6," +
    "application/openmetrics-text;version=0.0.1;q=0.5," +
    "text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2",
  /** Prometheus 3 with native histograms: protobuf first. */
  "protobuf (Prometheus 3, native histograms)":
    "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.6," +
    "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5," +
    "application/openmetrics-text;version=0.0.1;q=0.4," +
    "text/plain;version=1.0.0;escaping=allow-utf-8;q=0.3,text/plain;version=0.0.4;q=0.2,*/*;q=0.1",
} as const;

/** One of `ASKS`. */
export type Asks = keyof typeof ASKS;

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
  /** Whether the requests ask for gzip, as Prometheus's do. */
  readonly gzip: boolean;
  /** The format they ask for; text (no Accept header) when absent. */
  readonly asks?: Asks;
}

/** One target of a comparison, started afresh for each of its runs. */
export interface Contender {
  readonly options: RunOptions;
  /**
   * Starts the target: the process to measure (undefined: not measured, as the backend
   * itself) and the URL to load. Disposing of it stops that process.
   */
  start(): Promise<RunningTarget>;
}

/** A started target. */
export interface RunningTarget extends AsyncDisposable {
  readonly url: string;
  readonly service: Service | undefined;
}

/** `service` as a started target loaded at `path`, stopped when disposed of. */
export function running(service: Service, path: string): RunningTarget {
  return { url: service.url(path), service, [Symbol.asyncDispose]: () => service.stop() };
}

/** Warms `url` up, sends the load, and measures `service`'s memory after it. */
export async function measure(
  url: string,
  options: RunOptions & { service: Service | undefined },
): Promise<TargetResult> {
  const [result] = await compare([{
    options,
    start: () =>
      Promise.resolve({ url, service: options.service, async [Symbol.asyncDispose]() {} }),
  }], 1);
  return result!;
}

/**
 * Runs each contender in turn, `rounds` times, each run on a freshly started target warmed up
 * first: a disturbance of the machine then falls on every contender alike, and no idle target
 * works (collects its garbage, say) during another's run. Each contender's result is the
 * medians of its runs' requests/s, p50s and p99s, its CPU time per request over all its runs,
 * and the highest memory of its processes.
 */
export async function compare(
  contenders: readonly Contender[],
  rounds: number,
): Promise<TargetResult[]> {
  const runs = contenders.map(() => [] as LoadResult[]);
  const cpuSeconds = contenders.map(() => 0);
  const memory = contenders.map((): Memory | undefined => undefined);
  for (let round = 0; round < rounds; round++) {
    for (const [i, { options, start }] of contenders.entries()) {
      await using target = await start();
      await runLoad(target.url, {
        connections: options.connections,
        requests: options.warmupRequests,
        wrk: false,
        gzip: options.gzip,
        accept: ASKS[options.asks ?? "text"],
      });
      const service = options.target === "direct" ? undefined : target.service;
      const cpuBefore = await service?.cpuSeconds();
      const load = await runLoad(target.url, {
        connections: options.connections,
        seconds: options.seconds,
        wrk: options.wrk,
        gzip: options.gzip,
        accept: ASKS[options.asks ?? "text"],
      });
      const cpuAfter = await service?.cpuSeconds();
      if (load.errors > 0) {
        throw new Error(
          `${options.target} on ${options.payload.name}: ${load.errors} failed requests`,
        );
      }
      runs[i]!.push(load);
      cpuSeconds[i]! += (cpuAfter ?? NaN) - (cpuBefore ?? NaN);
      const now = await target.service?.memory();
      const before = memory[i];
      memory[i] = now === undefined || before === undefined ? now ?? before : {
        rssMB: Math.max(now.rssMB, before.rssMB),
        peakRssMB: Math.max(now.peakRssMB, before.peakRssMB),
      };
    }
  }
  return contenders.map(({ options }, i) => {
    const load = medianLoad(runs[i]!);
    const cpu = cpuSeconds[i]!;
    return {
      target: options.target,
      payload: options.payload.name,
      exporters: options.exporters,
      gzip: options.gzip,
      asks: options.asks ?? "text",
      load,
      memory: memory[i],
      cpuMsPerRequest: Number.isNaN(cpu) || load.requests === 0
        ? undefined
        : cpu * 1000 / load.requests,
    };
  });
}

/** The median of each measure of `runs`; requests, seconds and errors are their sums. */
function medianLoad(runs: readonly LoadResult[]): LoadResult {
  const median = (pick: (run: LoadResult) => number) =>
    percentile(runs.map(pick).sort((a, b) => a - b), 0.5);
  const sum = (pick: (run: LoadResult) => number) => runs.reduce((n, r) => n + pick(r), 0);
  return {
    requests: sum((r) => r.requests),
    seconds: sum((r) => r.seconds),
    requestsPerSecond: median((r) => r.requestsPerSecond),
    p50Ms: median((r) => r.p50Ms),
    p99Ms: median((r) => r.p99Ms),
    errors: sum((r) => r.errors),
  };
}
