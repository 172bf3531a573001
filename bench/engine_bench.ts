/**
 * Micro-benchmarks of the exposition engine, as one scrape with one exporter runs it:
 * decode, relabel+merge, encode, and the whole pipeline, on the node_exporter capture and on
 * the generated 100,000-series exposition. `deno task bench` turns their times into MB/s and
 * series/s; `deno bench --allow-read=tests/fixtures bench/engine_bench.ts` prints the times.
 *
 * relabel+merge is `mergeSources`: it groups the families and attaches each exporter's target
 * labels; `encodeMerged` then writes every line relabelled, so "encode" includes relabelling.
 * @module
 */
import { decodeExposition, encodeMerged, mergeSources } from "../src/exposition/mod.ts";
import { benchName } from "./bench_names.ts";
import { ENGINE_PAYLOADS, type Payload } from "./payloads.ts";
import { oneSource, pipeline } from "./pipeline.ts";

function register(payload: Payload): void {
  const text = payload.text();
  const families = decodeExposition(text);
  const merged = mergeSources(oneSource(families)).families;
  // Large payloads take tens of ms an iteration: a fixed count keeps the run short.
  const iterations = text.length > 1_000_000 ? { n: 20, warmup: 3 } : {};
  const group = payload.name;
  Deno.bench({
    name: benchName("decode", payload.name),
    group,
    ...iterations,
    fn: () => void decodeExposition(text),
  });
  Deno.bench({
    name: benchName("relabel+merge", payload.name),
    group,
    fn: () => void mergeSources(oneSource(families)),
  });
  Deno.bench({
    name: benchName("encode", payload.name),
    group,
    ...iterations,
    fn: () => void encodeMerged(merged),
  });
  Deno.bench({
    name: benchName("pipeline", payload.name),
    group,
    baseline: true,
    ...iterations,
    fn: () => void pipeline(text),
  });
}

for (const payload of ENGINE_PAYLOADS) register(payload);
