/** BENCHMARKS.md: the results of `deno task bench`, with the targets checked. */
import {
  BASELINE_COMMIT,
  type BaselineResult,
  type FormatsResult,
  SIDE_BY_SIDE_ROUNDS,
} from "./side_by_side.ts";
import { type Stage, STAGES } from "./bench_names.ts";
import type { ServedPayload, TargetResult } from "./end_to_end.ts";
import type { EngineResult, FormatResult, ScalingResult } from "./engine_results.ts";
import { percentile } from "./load.ts";
import { bytes, duration, num, ratio, table, verdict } from "./report.ts";
import { V8_FLAGS } from "../src/v8_flags.ts";

/** RSS after the first scrapes, and then as more are made; the last is after all of them. */
export interface RssCheck {
  readonly payload: string;
  /** The most RSS may grow from the first checkpoint to the last, as a fraction. */
  readonly tolerance: number;
  /** The RSS of each run's process once started, before any scrape. */
  readonly freshMB: readonly number[];
  /** The RSS of each run (a fresh process) after each count of scrapes. */
  readonly runs: readonly (readonly RssCheckpoint[])[];
  /** Why the counts differ from the (1,000 then 10,000), when they do. */
  readonly note?: string;
}

/** The RSS of a process after a count of scrapes. */
export interface RssCheckpoint {
  readonly scrapes: number;
  readonly rssMB: number;
}

/** RSS growth of a run from checkpoint `from` to the last, as a fraction. */
function runGrowth(run: readonly RssCheckpoint[], from = 0): number {
  return run[run.length - 1]!.rssMB / run[from]!.rssMB - 1;
}

/** The median growth of a check's runs from checkpoint `from` to the last. */
function growth(check: RssCheck, from = 0): number {
  return percentile(check.runs.map((run) => runGrowth(run, from)).sort((a, b) => a - b), 0.5);
}

/** Everything a run of `deno task bench` measured. */
export interface Results {
  readonly machine: {
    readonly cpu: string;
    readonly cores: number;
    readonly memoryGB: number;
    readonly kernel: string;
    readonly runtime: string;
    readonly backend: string;
    readonly load: string;
    readonly exporterExporter: string;
  };
  readonly settings: {
    readonly connections: number;
    readonly rounds: number;
    readonly nodeSeconds: number;
    readonly bigSeconds: number;
    readonly latencySeconds: number;
    readonly warmupRequests: { readonly node: number; readonly big: number; readonly slow: number };
    readonly slowExporterMs: number;
    readonly peakRssBoundMB: Readonly<Record<number, number>>;
    readonly rssBoundMB: { readonly fresh: number; readonly afterScrapes: number };
  };
  readonly engine: readonly EngineResult[];
  readonly engineScaling: readonly ScalingResult[];
  /** The text pipeline side by side with the engine before issue 13; why not, if not run. */
  readonly baseline: readonly BaselineResult[] | string;
  /** Protobuf and text decode+encode, side by side. */
  readonly formatsSideBySide: readonly FormatsResult[];
  /** Decoding and encoding of each format. */
  readonly formats: readonly FormatResult[];
  readonly payloads: readonly ServedPayload[];
  /** Under load: each target and payload. */
  readonly throughput: readonly TargetResult[];
  /** Under load, node_exporter payload: exporter_exporter and reverse_exporter asked for gzip. */
  readonly gzip: readonly TargetResult[];
  /** At one connection, node_exporter payload: direct, exporter_exporter, reverse_exporter. */
  readonly latency: readonly TargetResult[];
  /** At one connection: 1, 4 and 16 exporters on one path, fast and slow exporters. */
  readonly exporterScaling: readonly TargetResult[];
  readonly leaks: readonly RssCheck[];
}

const STAGE_TITLES: Record<Stage, string> = {
  "decode": "decode",
  "relabel+merge": "relabel+merge",
  "encode": "encode",
  "pipeline": "pipeline",
};

/** How the runs of a comparison were made, for the report. */
function roundsText(rounds: number): string {
  return `Each target ran ${rounds} times, in turn with the others, each run on a freshly ` +
    "started process, so that a disturbance of the machine falls on all alike; the tables give " +
    "the medians of its runs' requests/s, p50s and p99s.";
}

/** The whole of BENCHMARKS.md. */
export function renderBenchmarks(r: Results): string {
  const { settings: s } = r;
  const load = r.machine.load.startsWith("built-in") ? "the built-in client" : "wrk";
  return [
    "# Benchmarks",
    "",
    "Written by `deno task bench` (`bench/main.ts`); do not edit by hand: run the command again.",
    "Every number comes from one run on the machine below; ratios compare targets measured in",
    "that same run.",
    "",
    "## Machine",
    "",
    table(["", ""], [
      ["CPU", `${r.machine.cpu}, ${r.machine.cores} cores`],
      ["memory", `${num(r.machine.memoryGB, 1)} GB`],
      ["kernel", `Linux ${r.machine.kernel}`],
      ["runtime", r.machine.runtime],
      ["static backend", r.machine.backend],
      ["load generator", r.machine.load],
      ["exporter_exporter", r.machine.exporterExporter],
    ]),
    "",
    "## Targets",
    "",
    targets(r),
    "",
    "## Engine",
    "",
    "Mean time per iteration of `Deno.bench` (`bench/engine_bench.ts`), as MB/s of the",
    "exporter's text (and series/s for the pipeline), decoded from its bytes. One exporter, whose",
    "samples all get `exporter_name`. relabel+merge is `mergeSources`, which keeps each series",
    "once and attaches each exporter's target labels; `encodeText` (text 0.0.4) writes each line",
    "relabelled, so encode includes relabelling.",
    `Run with the V8 flags reverse_exporter ships with (\`${V8_FLAGS}\`), as is every`,
    "reverse_exporter below.",
    "",
    engineTable(r.engine),
    "",
    "### Side by side with the engine before issue 13",
    "",
    "Issue 13 bounds the text 0.0.4 pipeline by 1.1x the figures committed before the engine was",
    `rewritten. That engine is taken out of git (commit ${BASELINE_COMMIT.slice(0, 7)}), and each`,
    "engine runs the same pipeline (decode, relabel+merge, encode) on the same payload in a plain",
    "timing loop, in processes of its own, the two in turn for",
    `${SIDE_BY_SIDE_ROUNDS} rounds (\`bench/side_by_side.ts\`, \`bench/pipeline_timing.ts\`); each figure is the`,
    "median of every batch's mean. The engine before issue 13 is given the body as a string, as",
    "its benchmarks gave it (its scrapes decoded the body as UTF-8 before it): its times have no",
    "UTF-8 decoding in them, ours start from the bytes. With reverse_exporter's V8 flags, as its",
    "committed figures were measured, and without.",
    "",
    baselineTable(r.baseline),
    "",
    "### Each format",
    "",
    "Mean time per iteration of `Deno.bench` (`bench/formats_bench.ts`): the payloads converted",
    "into each format by our encoders, decoded from their bytes, and the merged families (one",
    "exporter, with `exporter_name`) encoded back in the same format.",
    "",
    formatsTable(r.formats),
    "",
    "Protobuf against text as issue 13 bounds it (the Targets above), decode+encode measured as",
    "above but in a plain timing loop in processes of their own, the two formats in turn for",
    `${SIDE_BY_SIDE_ROUNDS} rounds (\`bench/side_by_side.ts\`); the medians of every batch's mean:`,
    "`Deno.bench`'s means of a few iterations on the large payload swing with a collection or two.",
    "",
    table(
      ["payload", "text", "protobuf", "ratio", "batches each"],
      r.formatsSideBySide.map((f) => [
        f.payload,
        duration(f.textMs),
        duration(f.protobufMs),
        `${num(f.protobufMs / f.textMs, 2)}x`,
        num(f.batches, 0),
      ]),
    ),
    "",
    `## End to end: ${s.connections} concurrent connections`,
    "",
    `${load} with ${s.connections} connections for ${s.nodeSeconds} s (node_exporter payload)`,
    `or ${s.bigSeconds} s (100k series), after ${s.warmupRequests.node} (or`,
    `${s.warmupRequests.big}) requests of warm-up. Targets on 127.0.0.1, in front of`,
    `the same static backend (${r.machine.backend}).`,
    `${roundsText(s.rounds)} No request asks for gzip (wrk does not), so every target`,
    "serves the same uncompressed text. source MB/s counts the exporter text the target read",
    "(per exporter); peak RSS is the highest VmHWM of the target's processes; CPU per request is",
    "the user and system time of the target's processes (all their threads) during its runs,",
    "divided by the requests served: on 2 cores shared with the load generator and the backend,",
    "it is the cost that throughput is made of.",
    "",
    ...r.payloads.flatMap((p) => [
      `### ${p.name} payload (${bytes(p.bytes)})`,
      "",
      throughputTable(r.throughput.filter((t) => t.payload === p.name), p),
      "",
      ratios(r.throughput.filter((t) => t.payload === p.name)),
      "",
    ]),
    "## As Prometheus asks: a format, and gzip, node_exporter payload",
    "",
    `${load} with ${s.connections} connections for ${s.nodeSeconds} s, each request with`,
    "`Accept-Encoding: gzip` and the Accept header of Prometheus 3 (OpenMetrics first) or of",
    "Prometheus 3 with native histograms (protobuf first), as Prometheus sends them; and",
    "reverse_exporter asked for text without encoding, run in turn for comparison.",
    "reverse_exporter answers in the format asked for, gzipped (at the fastest level)" +
    (r.gzip.some((t) => t.target === "exporter_exporter")
      ? "; exporter_exporter passes its backend's text answer through, and the backend does not compress."
      : "."),
    roundsText(s.rounds),
    "",
    gzipTable(r.gzip),
    "",
    "## Added latency: one connection, node_exporter payload",
    "",
    `${load} with 1 connection for ${s.latencySeconds} s each, after ${s.warmupRequests.node}`,
    `requests of warm-up. ${roundsText(s.rounds)}`,
    "",
    latencyTable(r.latency),
    "",
    "## Scaling",
    "",
    "### Engine: the pipeline at 1k to 1M series",
    "",
    "`bench/scaling_bench.ts`: one exporter's generated gauges (100 series per family).",
    "",
    engineScalingTable(r.engineScaling),
    "",
    "### Exporters on one path: one connection, node_exporter payload",
    "",
    `Exporters served by ${r.machine.backend} answer at once, so 16 exporters are 16 times the`,
    `work of one on the same 2 cores; exporters answering after ${s.slowExporterMs} ms (the`,
    "built-in server) show that they are scraped concurrently. One process, one run each:",
    `${s.warmupRequests.node} requests of warm-up before each run on nginx's exporters,`,
    `${s.warmupRequests.slow} before each on the slow ones.`,
    "",
    exporterScalingTable(r.exporterScaling),
    "",
    "## Memory",
    "",
    memoryTable(r),
    "",
  ].join("\n");
}

function pct(fraction: number): string {
  return `${fraction >= 0 ? "+" : ""}${num(fraction * 100, 1)} %`;
}

function stageMBps(e: EngineResult, stage: Stage): number {
  return e.bytes / 1e6 / (e.stages[stage].meanMs / 1000);
}

function engineTable(engine: readonly EngineResult[]): string {
  return table(
    [
      "payload",
      "text",
      "series",
      ...STAGES.map((s) => `${STAGE_TITLES[s]}`),
      "pipeline MB/s",
      "pipeline series/s",
    ],
    engine.map((e) => [
      e.payload,
      bytes(e.bytes),
      num(e.series, 0),
      ...STAGES.map((s) => `${duration(e.stages[s].meanMs)} (${num(stageMBps(e, s), 0)} MB/s)`),
      num(stageMBps(e, "pipeline"), 1),
      num(e.series / (e.stages.pipeline.meanMs / 1000), 0),
    ]),
  );
}

function formatsTable(formats: readonly FormatResult[]): string {
  const perSeriesUs = (f: FormatResult) => (f.decode.meanMs + f.encode.meanMs) * 1000 / f.series;
  return table(
    ["payload", "format", "body", "decode", "encode", "decode+encode per series"],
    formats.map((f) => [
      f.payload,
      f.format,
      bytes(f.bytes),
      `${duration(f.decode.meanMs)} (${num(f.bytes / 1e3 / f.decode.meanMs, 0)} MB/s)`,
      `${duration(f.encode.meanMs)} (${num(f.bytes / 1e3 / f.encode.meanMs, 0)} MB/s)`,
      `${num(perSeriesUs(f), 3)} us`,
    ]),
  );
}

function targetName(t: TargetResult): string {
  if (t.target === "direct") return "direct (backend)";
  if (t.exporters === 0) return t.target;
  return `${t.target}, ${t.exporters} exporter${t.exporters === 1 ? "" : "s"}`;
}

function throughputTable(rows: readonly TargetResult[], payload: ServedPayload): string {
  return table(
    ["target", "requests/s", "p50", "p99", "source MB/s", "peak RSS", "CPU per request"],
    rows.map((t) => [
      targetName(t),
      num(t.load.requestsPerSecond, 1),
      duration(t.load.p50Ms),
      duration(t.load.p99Ms),
      num(t.load.requestsPerSecond * Math.max(1, t.exporters) * payload.bytes / 1e6, 1),
      t.memory === undefined ? "n/a" : `${num(t.memory.peakRssMB, 0)} MB`,
      t.cpuMsPerRequest === undefined ? "n/a" : duration(t.cpuMsPerRequest),
    ]),
  );
}

function gzipTable(rows: readonly TargetResult[]): string {
  return table(
    ["target", "asks for", "encoding", "requests/s", "p50", "p99", "CPU per request"],
    rows.map((t) => [
      targetName(t),
      t.asks,
      t.gzip ? "gzip" : "none",
      num(t.load.requestsPerSecond, 1),
      duration(t.load.p50Ms),
      duration(t.load.p99Ms),
      t.cpuMsPerRequest === undefined ? "n/a" : duration(t.cpuMsPerRequest),
    ]),
  );
}

function find(rows: readonly TargetResult[], target: string, exporters: number) {
  return rows.find((t) => t.target === target && t.exporters === exporters);
}

function ratios(rows: readonly TargetResult[]): string {
  const ours = find(rows, "reverse_exporter", 1);
  const peers: [string, TargetResult | undefined][] = [
    ["exporter_exporter", find(rows, "exporter_exporter", 1)],
    ["direct", find(rows, "direct", 0)],
  ];
  if (ours === undefined) return "";
  return table(
    [
      "reverse_exporter, 1 exporter / ...",
      "requests/s",
      "p50",
      "p99",
      "peak RSS",
      "CPU per request",
    ],
    peers.filter(([, peer]) => peer !== undefined).map(([name, peer]) => [
      name,
      ratio(ours.load.requestsPerSecond, peer!.load.requestsPerSecond),
      ratio(ours.load.p50Ms, peer!.load.p50Ms),
      ratio(ours.load.p99Ms, peer!.load.p99Ms),
      ours.memory && peer!.memory ? ratio(ours.memory.peakRssMB, peer!.memory.peakRssMB) : "n/a",
      ours.cpuMsPerRequest !== undefined && peer!.cpuMsPerRequest !== undefined
        ? ratio(ours.cpuMsPerRequest, peer!.cpuMsPerRequest)
        : "n/a",
    ]),
  );
}

function latencyTable(rows: readonly TargetResult[]): string {
  const direct = find(rows, "direct", 0);
  return table(
    ["target", "requests/s", "p50", "p99", "p50 added to direct"],
    rows.map((t) => [
      targetName(t),
      num(t.load.requestsPerSecond, 0),
      duration(t.load.p50Ms),
      duration(t.load.p99Ms),
      direct === undefined || t === direct ? "" : duration(t.load.p50Ms - direct.load.p50Ms),
    ]),
  );
}

function perSeriesUs(s: ScalingResult): number {
  return s.time.meanMs * 1000 / s.series;
}

function baselineTable(baseline: readonly BaselineResult[] | string): string {
  if (typeof baseline === "string") {
    return baseline.charAt(0).toUpperCase() + baseline.slice(1) + ".";
  }
  return table(
    ["payload", "V8 flags", "this engine", "before issue 13", "ratio", "batches each"],
    baseline.map((b) => [
      b.payload,
      b.v8Flags === "" ? "none" : `\`${b.v8Flags}\``,
      duration(b.currentMs),
      duration(b.baselineMs),
      `${num(b.currentMs / b.baselineMs, 2)}x`,
      num(b.batches, 0),
    ]),
  );
}

function engineScalingTable(rows: readonly ScalingResult[]): string {
  const base = rows.find((s) => s.series === 10_000);
  return table(
    ["series", "text", "pipeline time", "per series", "MB/s", "per series vs 10k"],
    rows.map((s) => [
      num(s.series, 0),
      bytes(s.bytes),
      duration(s.time.meanMs),
      `${num(perSeriesUs(s), 2)} us`,
      num(s.bytes / 1e3 / s.time.meanMs, 1),
      base === undefined ? "" : ratio(perSeriesUs(s), perSeriesUs(base)),
    ]),
  );
}

function exporterScalingTable(rows: readonly TargetResult[]): string {
  return table(
    ["exporters", "exporters are", "requests/s", "p50", "p99", "p50 vs 1 exporter"],
    rows.map((t) => {
      const one = find(rows, t.target, 1);
      return [
        String(t.exporters),
        t.target,
        num(t.load.requestsPerSecond, 1),
        duration(t.load.p50Ms),
        duration(t.load.p99Ms),
        one === undefined ? "" : ratio(t.load.p50Ms, one.load.p50Ms),
      ];
    }),
  );
}

/** The peak RSS of reverse_exporter serving the 100k-series payload, with each bound. */
function peakRss(r: Results): { t: TargetResult; peakMB: number; boundMB: number }[] {
  const big = r.payloads[1]?.name;
  return r.throughput
    .filter((t) => t.target === "reverse_exporter" && t.payload === big)
    .map((t) => ({
      t,
      peakMB: t.memory?.peakRssMB ?? NaN,
      boundMB: r.settings.peakRssBoundMB[t.exporters] ?? NaN,
    }));
}

/** The median of `values`. */
function median(values: readonly number[]): number {
  return percentile([...values].sort((a, b) => a - b), 0.5);
}

function memoryTable(r: Results): string {
  const big = r.payloads[1]?.name;
  return [
    `Peak RSS (VmHWM) of reverse_exporter serving the ${big} payload to ${r.settings.connections}`,
    "concurrent scrapes, checked against its bound:",
    "",
    table(
      ["exporters", "peak RSS", "bound", "result"],
      peakRss(r).map(({ t, peakMB, boundMB }) => [
        String(t.exporters),
        `${num(peakMB, 0)} MB`,
        `${boundMB} MB`,
        verdict(Number.isNaN(peakMB) ? undefined : peakMB <= boundMB),
      ]),
    ),
    "",
    "RSS (VmRSS) of a fresh reverse_exporter once it answers (before any scrape), 1 exporter;",
    "then scraped 4 at a time by the built-in",
    "client (which asks for gzip, as Prometheus does), after the first scrapes and then at each",
    "quarter of the rest. The check is the last against the first; the second half shows whether",
    "RSS is still growing or has settled (the first scrapes also warm the process up). Each check",
    `runs ${r.settings.rounds} times, each time on a freshly started process; its verdict is on`,
    "the median growth.",
    "",
    ...r.leaks.flatMap((l) => [
      table(
        [
          l.payload,
          "fresh",
          ...l.runs[0]!.map((c) => `after ${num(c.scrapes, 0)}`),
          "growth",
          "second half",
        ],
        l.runs.map((run, i) => [
          `run ${i + 1}`,
          `${num(l.freshMB[i] ?? NaN, 1)} MB`,
          ...run.map((c) => `${num(c.rssMB, 1)} MB`),
          pct(runGrowth(run)),
          pct(runGrowth(run, 2)),
        ]),
      ),
      "",
      `Median growth: ${pct(growth(l))} from first to last (bound ${
        num(l.tolerance * 100, 0)
      } %: ` +
      `${verdict(growth(l) <= l.tolerance)}); ${pct(growth(l, 2))} over the second half.` +
      (l.note === undefined ? "" : ` Counts ${l.note}.`),
      "",
    ]),
    ...DESIGN_MEASUREMENTS,
  ].join("\n");
}

/**
 * The measurements behind choices in the code, whose comments point here. Each was measured
 * once, when the choice was made; the benchmark keeps them as they are.
 */
const DESIGN_MEASUREMENTS: readonly string[] = [
  "## Measurements behind the code",
  "",
  "Not measured by `deno task bench`: each was measured once, on 2 cores, when the choice was made,",
  "and is kept here for the comment in the code that points to it.",
  "",
  "- **V8 flags** (`src/v8_flags.ts`): `--max-semi-space-size=4` (halves of at most 4 MB for V8's",
  "  young generation, instead of 16 MB). Serving the 100k-series payload (`wrk -c4`, three runs",
  "  each): peak RSS 243-272 MB against 314-315 MB with one exporter, 517-580 MB against 598-639 MB",
  "  with four, at 12.4-13.6 against 13.2-13.8 requests/s; on the node_exporter payload, the same CPU",
  "  time per request and a lower p99. In the committed benchmark runs before and after, CPU per",
  "  request on the 100k-series payload went from 74 to 78 ms with one exporter. Smaller halves cost",
  "  more than they save: with 4, 2 and 1 MB, 0.42, 0.47 and 0.56 ms of CPU per request on the",
  "  node_exporter payload (wrk -c4), for a peak RSS of 295, 291 and 258 MB on the 100k-series one.",
  "- **One engine worker per core but one** (`src/config/_web.ts`): each worker holds a heap of its",
  "  own once used. On 2 cores, 100k-series payload, `wrk -c4 -d8s`, two runs each: one worker",
  "  served 36.0 and 46.6 requests/s at a peak RSS of 241 and 246 MB with one exporter, 7.6 and 8.3",
  "  requests/s at 376 and 344 MB with four; two workers 44.2 and 45.2 requests/s at 298 and 299 MB,",
  "  8.4 and 7.1 requests/s at 378 and 448 MB.",
  "- **gzip level 1** (`src/scrape/answer.ts`): the default level cost six times the CPU for a body",
  "  a quarter smaller.",
  "- **Answers as a one-chunk stream** (`src/server/app.ts`): a `Response` made from the bytes copies",
  "  them (a 7.5 MB exposition: 3 to 7 ms, and its size again in memory); a `Blob` copies them",
  "  outside the JavaScript heap, where the copies outlived the responses under load.",
  "- **http exporters through `node:http`, not `fetch`** (`src/exporters/_http_scrape.ts`): `fetch`",
  "  decompresses a gzip body in the thread that accepts and answers requests; a 100 MiB body held",
  "  other paths' answers up to 1.4 s.",
  "- **Keep-alive of 6 minutes** (`src/server/_node_listener.ts`): with Node's default of 5 s, every",
  "  Prometheus scrape opened a new connection, and on a TLS listener did a new handshake: 2 to 4 ms",
  "  of CPU a scrape, more than serving the node_exporter payload.",
  "- **bcrypt in a worker** (`src/server/_bcrypt_pool.ts`): a comparison at cost 10 takes bcryptjs",
  "  about 65 ms of CPU; on the thread that serves requests, 20 clients sending wrong passwords made",
  "  another path's median answer 1.4 s.",
  "- **`@hono/node-server`** (`src/server/_node_adapter.ts`): against the hand-made adapter it",
  "  replaced, on the node_exporter payload (one file exporter, `wrk -c4 -d5s`, the two in turn, 3",
  "  runs each): 1,705 against 1,567 requests/s and 0.57 against 0.64 ms of CPU per request",
  "  (medians); asked for gzip, 1,822 against 1,776 requests/s and 0.55 against 0.57 ms. An",
  "  earlier set, without CPU figures, had 1,595 against 1,631 requests/s: requests/s vary more than",
  "  that from set to set on shared cores, CPU per request much less.",
  "",
];

/** exporter_exporter, as the targets name it (EE). */
const EE = "exporter_exporter";

/** The issues' targets, each with what was measured and whether it was met. */
function targets(r: Results): string {
  const rows: string[][] = [];
  const big = r.engine.find((e) => e.series >= 100_000);
  if (big !== undefined) {
    const mbps = stageMBps(big, "pipeline");
    rows.push([
      "engine pipeline, 100k series",
      `${num(mbps, 1)} MB/s`,
      ">= 100 MB/s",
      verdict(mbps >= 100),
    ]);
  }
  if (typeof r.baseline === "string") {
    rows.push(["text pipeline vs the engine before issue 13", r.baseline, "<= 1.1x", "-"]);
  }
  for (const b of typeof r.baseline === "string" ? [] : r.baseline) {
    if (b.v8Flags === "") continue;
    const x = b.currentMs / b.baselineMs;
    rows.push([
      `text pipeline, ${b.payload}, vs the engine before issue 13 (side by side)`,
      `${duration(b.currentMs)} vs ${duration(b.baselineMs)} (${num(x, 2)}x)`,
      "<= 1.1x",
      verdict(x <= 1.1),
    ]);
  }
  for (const f of r.formatsSideBySide) {
    const x = f.protobufMs / f.textMs;
    const perSeries = (ms: number) => `${num(ms * 1000 / f.series, 3)} us`;
    rows.push([
      `protobuf decode+encode per series, ${f.payload} (side by side)`,
      `${perSeries(f.protobufMs)} vs ${perSeries(f.textMs)} (${num(x, 2)}x text's)`,
      "<= 1x",
      verdict(x <= 1),
    ]);
  }
  // Issue 18's targets: requests/s as ratios to exporter_exporter's, on each payload.
  const rpsBound: Readonly<Record<string, number>> = { "node_exporter": 2, "100k series": 3 };
  for (const payload of r.payloads) {
    const rows_ = r.throughput.filter((t) => t.payload === payload.name);
    const ours = find(rows_, "reverse_exporter", 1);
    const ee = find(rows_, "exporter_exporter", 1);
    const rps = ours && ee ? ours.load.requestsPerSecond / ee.load.requestsPerSecond : NaN;
    const bound = rpsBound[payload.name] ?? 1;
    rows.push([
      `requests/s, 1 exporter, ${payload.name}, ${r.settings.connections} connections`,
      ee ? `${ratio(ours?.load.requestsPerSecond ?? NaN, ee.load.requestsPerSecond)} of EE` : "n/a",
      `>= ${bound}x`,
      verdict(Number.isNaN(rps) ? undefined : rps >= bound),
    ]);
    const p99 = ours && ee ? ours.load.p99Ms / ee.load.p99Ms : NaN;
    rows.push([
      `p99, 1 exporter, ${payload.name}`,
      ee ? `${duration(ours?.load.p99Ms ?? NaN)} vs ${duration(ee.load.p99Ms)}` : "n/a",
      "<= EE's",
      verdict(Number.isNaN(p99) ? undefined : p99 <= 1),
    ]);
  }
  // CPU per request asked as Prometheus 3 asks (gzip; OpenMetrics, or protobuf first).
  for (
    const [what, asks] of [
      ["asked with gzip (OpenMetrics, as Prometheus 3 asks)", "OpenMetrics (Prometheus 3)"],
      ["asked for protobuf (and gzip)", "protobuf (Prometheus 3, native histograms)"],
    ] as const
  ) {
    const ours = r.gzip.find((t) => t.target === "reverse_exporter" && t.asks === asks && t.gzip);
    const ee = r.gzip.find((t) => t.target === EE && t.asks === asks);
    const x = ours?.cpuMsPerRequest !== undefined && ee?.cpuMsPerRequest !== undefined
      ? ours.cpuMsPerRequest / ee.cpuMsPerRequest
      : NaN;
    rows.push([
      `CPU per request, node_exporter payload, ${what}`,
      Number.isNaN(x)
        ? "n/a"
        : `${duration(ours!.cpuMsPerRequest!)} vs ${duration(ee!.cpuMsPerRequest!)} (${
          num(x, 2)
        }x)`,
      "<= 0.5x EE's",
      verdict(Number.isNaN(x) ? undefined : x <= 0.5),
    ]);
  }
  const direct = find(r.latency, "direct", 0);
  const ours = find(r.latency, "reverse_exporter", 1);
  if (direct && ours) {
    const added = ours.load.p50Ms - direct.load.p50Ms;
    rows.push([
      "p50 added to a direct scrape, node_exporter payload, 1 connection",
      duration(added),
      "< 0.5 ms",
      verdict(added < 0.5),
    ]);
  }
  const s10k = r.engineScaling.find((s) => s.series === 10_000);
  const s1m = r.engineScaling.find((s) => s.series === 1_000_000);
  if (s10k && s1m) {
    const growth = perSeriesUs(s1m) / perSeriesUs(s10k);
    rows.push([
      "cost per series at 1M vs 10k",
      `${num(growth, 2)}x`,
      "<= 1.5x",
      verdict(growth <= 1.5),
    ]);
  }
  const groups = new Set(r.exporterScaling.map((t) => t.target));
  for (const group of groups) {
    const one = find(r.exporterScaling, group, 1);
    const sixteen = find(r.exporterScaling, group, 16);
    if (one && sixteen) {
      const x = sixteen.load.p50Ms / one.load.p50Ms;
      // Exporters answering at once are 16 times the work (issue 18: <= 6x); slow ones show
      // that they are scraped concurrently (<= 2x).
      const bound = group.startsWith("exporters answering in") ? 2 : 6;
      rows.push([
        `p50 with 16 exporters vs 1 (${group})`,
        `${num(x, 2)}x`,
        `<= ${bound}x`,
        verdict(x <= bound),
      ]);
    }
  }
  for (const { t, peakMB, boundMB } of peakRss(r)) {
    rows.push([
      `peak RSS, ${t.payload}, ${t.exporters} exporter${t.exporters === 1 ? "" : "s"}, ` +
      `${r.settings.connections} scrapes at once`,
      `${num(peakMB, 0)} MB`,
      `<= ${boundMB} MB`,
      verdict(Number.isNaN(peakMB) ? undefined : peakMB <= boundMB),
    ]);
  }
  const small = r.leaks[0];
  if (small !== undefined) {
    const fresh = median(small.freshMB);
    const after = median(small.runs.map((run) => run[run.length - 1]!.rssMB));
    const scrapes = small.runs[0]![small.runs[0]!.length - 1]!.scrapes;
    const { fresh: freshBound, afterScrapes: afterBound } = r.settings.rssBoundMB;
    rows.push([
      "RSS of a fresh process (median)",
      `${num(fresh, 1)} MB`,
      `<= ${freshBound} MB`,
      verdict(fresh <= freshBound),
    ]);
    rows.push([
      `RSS after ${num(scrapes, 0)} scrapes, ${small.payload} (median)`,
      `${num(after, 1)} MB`,
      `<= ${afterBound} MB`,
      verdict(after <= afterBound),
    ]);
  }
  for (const l of r.leaks) {
    const run = l.runs[0]!;
    const first = run[0]!.scrapes;
    const last = run[run.length - 1]!.scrapes;
    rows.push([
      `RSS after ${num(last, 0)} vs ${num(first, 0)} scrapes, ${l.payload}` +
      (l.note === undefined ? "" : " (scaled down)"),
      `${pct(growth(l))} (median; second half ${pct(growth(l, 2))})`,
      `<= +${num(l.tolerance * 100, 0)} %`,
      verdict(growth(l) <= l.tolerance),
    ]);
  }
  return table(["target", "measured", "bound", "result"], rows);
}
