/**
 * Times the text 0.0.4 pipeline of one scrape (decode, relabel+merge, encode) in a plain
 * loop, in a process of its own: `deno run --allow-read=tests/fixtures
 * bench/pipeline_timing.ts <payload>` times this repository's engine, and with
 * `--baseline <folder>` (absolute or relative to the repository, and read access to it) the engine before issue 13 that
 * bench/side_by_side.ts took out of git into that folder. `<payload>` is a name of
 * `ENGINE_PAYLOADS`. Prints one line of JSON: the mean time of each batch, in ms.
 *
 * The engine before issue 13 took the exporter's body as a string (its scrapes decoded the
 * body as UTF-8 first, outside the engine): it is given the string, so that its time has no
 * UTF-8 decoding in it, as its committed figures had none. Plain batches of a timing
 * loop, not `Deno.bench`, whose own heap (80 to 160 MB) made the collector's pauses a part
 * of every time it measured.
 * @module
 */
import { parseArgs } from "@std/cli/parse-args";
import { ENGINE_PAYLOADS } from "./payloads.ts";
import { decodeExposition, mergeSources } from "../src/exposition/mod.ts";
import { BENCH_FORMATS, type BenchFormat, encodeIn, payloadIn } from "./formats.ts";
import { oneSource, pipeline, reusable } from "./pipeline.ts";
import { say } from "./report.ts";

/** What the baseline's bench/pipeline.ts exports. */
interface BaselinePipeline {
  pipeline(text: string): unknown;
}

/** Iterations by payload: before timing, in each batch, and batches. */
const RUNS = {
  small: { warmup: 1_000, batch: 100, batches: 30 },
  large: { warmup: 3, batch: 1, batches: 12 },
} as const;

async function main(): Promise<void> {
  const args = parseArgs(Deno.args, { string: ["baseline", "format"] });
  const payload = ENGINE_PAYLOADS.find((p) => p.name === String(args._[0]));
  const format = BENCH_FORMATS.find((f) => f === args.format);
  if (payload === undefined || (args.format !== undefined && format === undefined)) {
    throw new Error(
      "usage: pipeline_timing.ts [--baseline <folder> | --format <format>] <payload name>",
    );
  }
  const body = payload.bytes();
  let run: () => unknown;
  if (format !== undefined) {
    run = decodeAndEncode(body, format);
  } else if (args.baseline === undefined) {
    const input = reusable(body);
    run = () => pipeline(input);
  } else {
    // A relative folder is relative to the repository.
    const folder = new URL(args.baseline.replace(/\/?$/, "/"), new URL("../", import.meta.url));
    const url = new URL("bench/pipeline.ts", folder);
    const baseline = await import(url.href) as BaselinePipeline;
    const text = new TextDecoder().decode(body);
    run = () => baseline.pipeline(text);
  }
  const runs = payload.large ? RUNS.large : RUNS.small;
  for (let i = 0; i < runs.warmup; i++) run();
  const means: number[] = [];
  for (let b = 0; b < runs.batches; b++) {
    const start = performance.now();
    for (let i = 0; i < runs.batch; i++) run();
    means.push((performance.now() - start) / runs.batch);
  }
  say(JSON.stringify(means));
}

/**
 * Decoding `text` converted into `format`, and encoding its merged families back in `format`,
 * each freed at once, as bench/formats_bench.ts times them.
 */
function decodeAndEncode(text: Uint8Array, format: BenchFormat): () => void {
  const converted = payloadIn(text, format);
  const body = reusable(converted.body);
  const { contentType } = converted;
  const merged = mergeSources(oneSource(decodeExposition(body, { contentType }))).families;
  return () => {
    decodeExposition(body, { contentType }).store.release();
    encodeIn(merged, format).body.buffer.transfer(0);
  };
}

if (import.meta.main) await main();
