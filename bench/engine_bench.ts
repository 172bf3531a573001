/**
 * Micro-benchmarks of the exposition engine, as one scrape with one exporter runs it:
 * decode, relabel+merge, encode, and the whole pipeline, on the node_exporter capture and on
 * the generated 100,000-series exposition. `deno task bench` turns their times into MB/s and
 * series/s; `deno bench --allow-read=tests/fixtures bench/engine_bench.ts` prints the times.
 *
 * Decoding reads the body's bytes, as they come from an exporter. relabel+merge is
 * `mergeSources`: it groups the families, keeps each series once and attaches each exporter's
 * target labels; `encodeText` then writes every line relabelled (text 0.0.4), so "encode"
 * includes relabelling. What each iteration makes is freed at its end, as a scrape frees it
 * (see pipeline.ts).
 * @module
 */
import {
  decodeExposition,
  encodeText,
  type Exposition,
  type MergedFamily,
  mergeSources,
} from "../src/exposition/mod.ts";
import { benchName, type Stage } from "./bench_names.ts";
import { ENGINE_PAYLOADS, type Payload } from "./payloads.ts";
import { oneSource, pipeline, reusable } from "./pipeline.ts";

function register(payload: Payload): void {
  // Made when the payload's first benchmark runs, not when it is registered: the 100k-series
  // payload's data, made first, left the collector in a state that made the node_exporter
  // payload's merges several times slower than in a process of their own.
  let made: { body: Uint8Array; exposition: Exposition; merged: MergedFamily[] } | undefined;
  const data = () => {
    if (made !== undefined) return made;
    const body = reusable(payload.bytes());
    const exposition = decodeExposition(body);
    made = { body, exposition, merged: mergeSources(oneSource(exposition)).families };
    return made;
  };
  // Large payloads take tens of ms an iteration: a fixed count keeps the run short.
  const iterations = payload.large ? { n: 20, warmup: 3 } : {};
  const group = payload.name;
  const bench = (stage: Stage, run: (d: NonNullable<typeof made>) => void, baseline = false) =>
    Deno.bench({
      name: benchName(stage, payload.name),
      group,
      baseline,
      ...(stage === "relabel+merge" ? {} : iterations),
      fn(b) {
        const d = data();
        b.start();
        run(d);
        b.end();
      },
    });
  bench("decode", (d) => decodeExposition(d.body).store.release());
  bench("relabel+merge", (d) => void mergeSources(oneSource(d.exposition)));
  bench("encode", (d) => void encodeText(d.merged).body.buffer.transfer(0));
  bench("pipeline", (d) => void pipeline(d.body), true);
}

for (const payload of ENGINE_PAYLOADS) register(payload);
