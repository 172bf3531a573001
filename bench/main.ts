/**
 * `deno task bench`: the engine micro-benchmarks and scaling run, the end-to-end comparison
 * with nginx direct and exporter_exporter, the exporter-count scaling and the memory checks;
 * prints the results and writes them to BENCHMARKS.md.
 *
 * `deno task bench` runs it; `deno task bench --builtin` uses the built-in static server and
 * load generator even where nginx and wrk are installed, and leaves exporter_exporter out.
 * @module
 */
import {
  renderBenchmarks,
  type Results,
  type RssCheck,
  type RssCheckpoint,
} from "./benchmarks_md.ts";
import {
  type Asks,
  compare,
  type Contender,
  EXPORTER_EXPORTER,
  hasExporterExporter,
  measure,
  moduleName,
  running,
  type ServedPayload,
  startExporterExporter,
  startReverseExporter,
  type TargetResult,
  writeReverseExporterConfig,
} from "./end_to_end.ts";
import { runBaseline, runFormats } from "./side_by_side.ts";
import { runEngineBenchmarks } from "./engine_results.ts";
import { runLoad } from "./load.ts";
import { generatedBody, NODE_EXPORTER_FIXTURE } from "./payloads.ts";
import { freePort, installed, readProc, type Service, versionOf } from "./processes.ts";
import { formatMarkdown, say } from "./report.ts";
import { startBuiltin, startStaticBackend } from "./static_backend.ts";

const REPO = new URL("..", import.meta.url).pathname;
/** Where the runs write their files (configurations, payloads, nginx's); git ignores it. */
const WORK = `${REPO}.tmp/bench`;

/** The settings of the runs, as the report states them. */
export const SETTINGS = {
  /** Concurrent connections of the throughput runs (as the peers were measured). */
  connections: 4,
  /**
   * How many runs of each target a comparison makes (direct, exporter_exporter and
   * reverse_exporter in turn, so that a disturbance of the machine falls on all alike); the
   * report gives the median run. The RSS checks also run this many times, each on a fresh
   * process, and are judged on their median. Runs of the scaling table are single.
   */
  rounds: 3,
  /** Seconds of each throughput run, on the node_exporter and the 100k-series payloads. */
  nodeSeconds: 5,
  bigSeconds: 10,
  /** Seconds of each run at one connection (added latency, exporter scaling). */
  latencySeconds: 3,
  /**
   * Requests sent before each run, not measured: for a fresh process's JIT (with 20 before a
   * run at one connection, the first run of a process measured p50 0.1-0.2 ms above the same
   * run repeated). Fewer on the 100k-series payload, whose requests each do 135 times the work;
   * and fewer before the runs on exporters that answer in 50 ms, which come last, on a process
   * warmed up by the others.
   */
  warmupRequests: { node: 400, big: 8, slow: 20 },
  /** How long the slow exporters of the exporter scaling run take to answer. */
  slowExporterMs: 50,
  /**
   * The bounds on reverse_exporter's peak RSS serving the 100k payload under load, by number
   * of exporters (issue 18).
   */
  peakRssBoundMB: { 1: 150, 4: 300 },
  /** The bounds on the RSS of a fresh process, and after the leak check's scrapes (issue 18). */
  rssBoundMB: { fresh: 50, afterScrapes: 70 },
  /** The leak check: RSS after `total` scrapes within `tolerance` of RSS after `first`. */
  leak: { first: 1_000, total: 10_000, tolerance: 0.1 },
  /** The same on the 100k-series payload, scaled down to finish in about a minute. */
  bigLeak: {
    first: 50,
    total: 500,
    tolerance: 0.1,
    note: "scaled down from 1,000 then 10,000: at about 13 scrapes/s, 10,000 would take " +
      "over 12 minutes",
  },
} as const;

async function main(): Promise<void> {
  // `--builtin`: the built-in server and client even where nginx and wrk are installed, and
  // no exporter_exporter (to try the fallbacks).
  const builtin = Deno.args.includes("--builtin");
  await Deno.mkdir(`${WORK}/www`, { recursive: true });
  const wrk = !builtin && await installed("wrk", "-v");
  const exporterExporter = !builtin && await hasExporterExporter();

  say("engine micro-benchmarks and scaling (deno bench) ...");
  const engine = await runEngineBenchmarks();
  say("the text pipeline side by side with the engine before issue 13 ...");
  const baseline = await runBaseline(WORK);
  say("protobuf and text decode+encode side by side ...");
  const formatsSideBySide = await runFormats();

  const payloads = await writePayloads(`${WORK}/www`);
  const [node, big] = payloads as [ServedPayload, ServedPayload];
  const backend = await startStaticBackend(`${WORK}/www`, {
    workDir: WORK,
    preferNginx: !builtin,
  });
  await using _backend = backend.service;
  const slow = await startBuiltin(`${WORK}/www`);
  await using _slow = slow;
  const direct = (p: ServedPayload) => backend.service.url(`/${p.file}`);
  const slowUrl = slow.url(`/${node.file}?delay_ms=${SETTINGS.slowExporterMs}`);
  const times = (n: number, url: string) => Array.from({ length: n }, () => url);
  const paths = {
    "/node1": [direct(node)],
    "/node4": times(4, direct(node)),
    "/node16": times(16, direct(node)),
    "/big1": [direct(big)],
    "/big4": times(4, direct(big)),
    "/slow1": [slowUrl],
    "/slow4": times(4, slowUrl),
    "/slow16": times(16, slowUrl),
  };
  const reversePort = freePort();
  const config = await writeReverseExporterConfig(paths, { dir: WORK, port: reversePort });
  const reverse = () => startReverseExporter(config, reversePort);
  const startExporterExporterOn = (path: string) => async () =>
    running(await startExporterExporter(backend.service.port, { dir: WORK, payloads }), path);
  const backendAt = (url: string) => () =>
    Promise.resolve({ url, service: backend.service, async [Symbol.asyncDispose]() {} });

  /** A throughput run of `target` on `payload`, asking for gzip or not, and for a format. */
  const loaded = (
    payload: ServedPayload,
    target: string,
    exporters: number,
    asked: { gzip?: boolean; asks?: Asks } = {},
  ) => ({
    target,
    payload,
    exporters,
    connections: SETTINGS.connections,
    seconds: payload === node ? SETTINGS.nodeSeconds : SETTINGS.bigSeconds,
    wrk,
    warmupRequests: payload === node ? SETTINGS.warmupRequests.node : SETTINGS.warmupRequests.big,
    gzip: asked.gzip ?? false,
    asks: asked.asks ?? "text",
  });
  const throughput: TargetResult[] = [];
  for (const payload of payloads) {
    const run = (target: string, exporters: number) => loaded(payload, target, exporters);
    say(`end to end, ${payload.name} ...`);
    const path = payload === node ? "/node" : "/big";
    const contenders: Contender[] = [
      { options: run("direct", 0), start: backendAt(direct(payload)) },
      ...(exporterExporter
        ? [{
          options: run(EE, 1),
          start: startExporterExporterOn(`/proxy?module=${moduleName(payload)}`),
        }]
        : []),
      ...[1, 4].map((exporters) => ({
        options: run("reverse_exporter", exporters),
        start: async () => running(await reverse(), `${path}${exporters}`),
      })),
    ];
    throughput.push(...await compare(contenders, SETTINGS.rounds));
  }

  say("end to end, node_exporter payload, asked as Prometheus asks ...");
  const prometheusAsks: Asks[] = [
    "OpenMetrics (Prometheus 3)",
    "protobuf (Prometheus 3, native histograms)",
  ];
  const gzip = await compare([
    ...(exporterExporter
      ? prometheusAsks.map((asks) => ({
        options: loaded(node, EE, 1, { gzip: true, asks }),
        start: startExporterExporterOn(`/proxy?module=${moduleName(node)}`),
      }))
      : []),
    {
      options: loaded(node, "reverse_exporter", 1),
      start: async () => running(await reverse(), "/node1"),
    },
    ...(["text", ...prometheusAsks] as Asks[]).map((asks) => ({
      options: loaded(node, "reverse_exporter", 1, { gzip: true, asks }),
      start: async () => running(await reverse(), "/node1"),
    })),
  ], SETTINGS.rounds);

  say("latency at one connection, and exporters on one path ...");
  const oneConnection = (
    target: string,
    exporters: number,
    warmupRequests: number = SETTINGS.warmupRequests.node,
  ) => ({
    target,
    payload: node,
    exporters,
    connections: 1,
    seconds: SETTINGS.latencySeconds,
    wrk,
    warmupRequests,
    gzip: false,
    service: undefined,
  });
  const latency = await compare([
    { options: oneConnection("direct", 0), start: backendAt(direct(node)) },
    ...(exporterExporter
      ? [{
        options: oneConnection(EE, 1),
        start: startExporterExporterOn(`/proxy?module=${moduleName(node)}`),
      }]
      : []),
    {
      options: oneConnection("reverse_exporter", 1),
      start: async () => running(await reverse(), "/node1"),
    },
  ], SETTINGS.rounds);
  const scaling: TargetResult[] = [];
  {
    await using server = await reverse();
    for (const exporters of [1, 4, 16]) {
      scaling.push(
        await measure(
          server.url(`/node${exporters}`),
          oneConnection(backend.description, exporters),
        ),
      );
    }
    for (const exporters of [1, 4, 16]) {
      const target = `exporters answering in ${SETTINGS.slowExporterMs} ms`;
      scaling.push(
        await measure(
          server.url(`/slow${exporters}`),
          oneConnection(target, exporters, SETTINGS.warmupRequests.slow),
        ),
      );
    }
  }

  say(`memory: ${SETTINGS.leak.total} scrapes of ${node.name}, then of ${big.name} ...`);
  const leaks = [
    await leakCheck(reverse, { url: "/node1", payload: node, ...SETTINGS.leak }),
    await leakCheck(reverse, { url: "/big1", payload: big, ...SETTINGS.bigLeak }),
  ];

  const results: Results = {
    machine: await machine(engine.cpu, engine.runtime, {
      backend: backend.description,
      wrk,
      exporterExporter,
    }),
    settings: SETTINGS,
    engine: engine.engine,
    formats: engine.formats,
    engineScaling: engine.scaling,
    baseline,
    formatsSideBySide,
    payloads,
    throughput,
    gzip,
    latency,
    exporterScaling: scaling,
    leaks,
  };
  const markdown = await formatMarkdown(renderBenchmarks(results));
  await Deno.writeTextFile(`${REPO}BENCHMARKS.md`, markdown);
  say(markdown);
  say("written to BENCHMARKS.md");
}

const EE = "exporter_exporter";

/**
 * Scrapes `url` of a fresh reverse_exporter `total` times (4 at a time), reading its RSS after
 * the first `first` scrapes and then at each quarter of the rest; `SETTINGS.rounds` times, each
 * on a fresh process.
 */
async function leakCheck(
  start: () => Promise<Service>,
  options: {
    url: string;
    payload: ServedPayload;
    first: number;
    total: number;
    tolerance: number;
    note?: string;
  },
): Promise<RssCheck> {
  const steps = [options.first];
  for (let q = 1; q <= 4; q++) {
    steps.push(options.first + Math.round((options.total - options.first) * q / 4));
  }
  const runs: RssCheckpoint[][] = [];
  const freshMB: number[] = [];
  for (let round = 0; round < SETTINGS.rounds; round++) {
    await using server = await start();
    const url = server.url(options.url);
    freshMB.push((await server.memory()).rssMB);
    const checkpoints: RssCheckpoint[] = [];
    let done = 0;
    for (const scrapes of steps) {
      const load = await runLoad(url, {
        connections: SETTINGS.connections,
        requests: scrapes - done,
        wrk: false,
        gzip: true,
      });
      if (load.errors > 0) throw new Error(`${load.errors} failed scrapes of ${options.url}`);
      done = scrapes;
      checkpoints.push({ scrapes, rssMB: (await server.memory()).rssMB });
    }
    runs.push(checkpoints);
  }
  return {
    payload: options.payload.name,
    tolerance: options.tolerance,
    freshMB,
    runs,
    ...(options.note === undefined ? {} : { note: options.note }),
  };
}

/** Writes the payloads as files for the backend: the node_exporter capture and 100k series. */
async function writePayloads(dir: string): Promise<ServedPayload[]> {
  const node = await Deno.readFile(NODE_EXPORTER_FIXTURE);
  const big = generatedBody(100_000);
  await Deno.writeFile(`${dir}/node.prom`, node);
  await Deno.writeFile(`${dir}/big.prom`, big);
  return [
    { name: "node_exporter", file: "node.prom", bytes: node.length },
    { name: "100k series", file: "big.prom", bytes: big.length },
  ];
}

/** What the report says about the machine and the tools. */
async function machine(
  cpu: string,
  runtime: string,
  tools: { backend: string; wrk: boolean; exporterExporter: boolean },
): Promise<Results["machine"]> {
  const meminfo = await readProc("/proc/meminfo");
  const memKiB = Number(/^MemTotal:\s+(\d+) kB/m.exec(meminfo)?.[1] ?? NaN);
  const kernel = (await readProc("/proc/sys/kernel/osrelease")).trim();
  return {
    cpu,
    cores: navigator.hardwareConcurrency,
    memoryGB: memKiB * 1024 / 1e9,
    kernel,
    runtime: `${runtime}, V8 ${Deno.version.v8}`,
    backend: tools.backend,
    load: tools.wrk
      ? (await versionOf("wrk", "-v")).replace(/ Copyright.*/, "")
      : "built-in (wrk not installed, or --builtin)",
    exporterExporter: tools.exporterExporter
      ? (await versionOf(EXPORTER_EXPORTER, "-version")).replace(/ \(.*/, "")
      : "not installed (or --builtin)",
  };
}

if (import.meta.main) await main();
