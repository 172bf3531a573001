/**
 * Runs the engine benchmarks (`Deno.bench`, in `deno bench --json`) and turns their times
 * into throughputs: MB/s of exporter text and series/s.
 */
import { decodeExposition, sampleCountOf } from "../src/exposition/mod.ts";
import { V8_FLAGS } from "../src/v8_flags.ts";
import { benchName, SCALING_SERIES, scalingBenchName, type Stage, STAGES } from "./bench_names.ts";
import { BENCH_FORMATS, type BenchFormat, formatBenchName, payloadIn } from "./formats.ts";
import { ENGINE_PAYLOADS, generatedBody } from "./payloads.ts";

/** The time of one benchmark, in ms per iteration. */
export interface BenchTime {
  readonly meanMs: number;
  readonly minMs: number;
  readonly iterations: number;
}

/** The stages of the engine on one payload. */
export interface EngineResult {
  readonly payload: string;
  /** Bytes of the exporter's body. */
  readonly bytes: number;
  readonly series: number;
  readonly stages: Readonly<Record<Stage, BenchTime>>;
}

/** The pipeline on a generated exposition of `series` series. */
export interface ScalingResult {
  readonly series: number;
  readonly bytes: number;
  readonly time: BenchTime;
}

/** Decoding and encoding one payload in one format. */
export interface FormatResult {
  readonly payload: string;
  readonly format: BenchFormat;
  /** Bytes of the body in this format. */
  readonly bytes: number;
  readonly series: number;
  readonly decode: BenchTime;
  readonly encode: BenchTime;
}

/** Everything the engine benchmarks measured, and where. */
export interface EngineResults {
  readonly engine: EngineResult[];
  readonly formats: FormatResult[];
  readonly scaling: ScalingResult[];
  /** The CPU and runtime `deno bench` reports. */
  readonly cpu: string;
  readonly runtime: string;
}

interface BenchJson {
  cpu: string;
  runtime: string;
  benches: {
    name: string;
    results: { ok?: { n: number; avg: number; min: number } }[];
  }[];
}

const REPO = new URL("..", import.meta.url).pathname;

/**
 * Runs `bench/engine_bench.ts` and `bench/scaling_bench.ts`, with the V8 flags the program ships
 * with, and reads their results.
 */
export async function runEngineBenchmarks(): Promise<EngineResults> {
  const out = await new Deno.Command("deno", {
    args: [
      "bench",
      `--v8-flags=${V8_FLAGS}`,
      "--no-prompt",
      "--allow-read=tests/fixtures",
      "--json",
      "bench/engine_bench.ts",
      "bench/formats_bench.ts",
      "bench/scaling_bench.ts",
    ],
    cwd: REPO,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(`deno bench failed:\n${new TextDecoder().decode(out.stderr)}`);
  }
  const json = JSON.parse(new TextDecoder().decode(out.stdout)) as BenchJson;
  const times = new Map<string, BenchTime>();
  for (const bench of json.benches) {
    const ok = bench.results[0]?.ok;
    if (ok === undefined) throw new Error(`benchmark "${bench.name}" failed`);
    times.set(bench.name, { meanMs: ok.avg / 1e6, minMs: ok.min / 1e6, iterations: ok.n });
  }
  const time = (name: string) => {
    const t = times.get(name);
    if (t === undefined) throw new Error(`no result for benchmark "${name}"`);
    return t;
  };
  const engine = ENGINE_PAYLOADS.map((payload): EngineResult => {
    const body = payload.bytes();
    const stages = Object.fromEntries(
      STAGES.map((stage) => [stage, time(benchName(stage, payload.name))]),
    ) as Record<Stage, BenchTime>;
    return {
      payload: payload.name,
      bytes: body.length,
      series: seriesOf(body),
      stages,
    };
  });
  const formats = ENGINE_PAYLOADS.flatMap((payload) => {
    const text = payload.bytes();
    const series = seriesOf(text);
    return BENCH_FORMATS.map((format): FormatResult => ({
      payload: payload.name,
      format,
      bytes: payloadIn(text, format).body.length,
      series,
      decode: time(formatBenchName("decode", format, payload.name)),
      encode: time(formatBenchName("encode", format, payload.name)),
    }));
  });
  const scaling = SCALING_SERIES.map((series): ScalingResult => ({
    series,
    bytes: generatedBody(series).length,
    time: time(scalingBenchName(series)),
  }));
  return { engine, formats, scaling, cpu: json.cpu, runtime: json.runtime };
}

/** The number of samples (lines) of an exposition. */
export function seriesOf(body: Uint8Array): number {
  return sampleCountOf(decodeExposition(body));
}
