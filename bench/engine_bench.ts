/**
 * Micro-benchmarks of the exposition engine, as one scrape with one exporter runs it:
 * decode, relabel+merge, encode, and the whole pipeline, on the node_exporter capture and on
 * the generated 100,000-series exposition. `deno task bench` turns their times into MB/s and
 * series/s; `deno bench --allow-read=tests/fixtures bench/engine_bench.ts` prints the times.
 *
 * Decoding reads the body's bytes, as they come from an exporter. relabel+merge is
 * `mergeSources`: it groups the families, keeps each series once and attaches each exporter's
 * target labels; `encodeText` then writes every line relabelled (text 0.0.4), so "encode"
 * includes relabelling.
 * @module
 */
import { decodeExposition, encodeText, mergeSources } from "../src/exposition/mod.ts";
import { benchName } from "./bench_names.ts";
import { ENGINE_PAYLOADS, type Payload } from "./payloads.ts";
import { oneSource, pipeline } from "./pipeline.ts";

function register(payload: Payload): void {
  const body = payload.bytes();
  const exposition = decodeExposition(body);
  const merged = mergeSources(oneSource(exposition)).families;
  // Large payloads take tens of ms an iteration: a fixed count keeps the run short.
  const iterations = body.length > 1_000_000 ? { n: 20, warmup: 3 } : {};
  const group = payload.name;
  Deno.bench({
    name: benchName("decode", payload.name),
    group,
    ...iterations,
    fn: () => void decodeExposition(body),
  });
  Deno.bench({
    name: benchName("relabel+merge", payload.name),
    group,
    fn: () => void mergeSources(oneSource(exposition)),
  });
  Deno.bench({
    name: benchName("encode", payload.name),
    group,
    ...iterations,
    fn: () => void encodeText(merged),
  });
  Deno.bench({
    name: benchName("pipeline", payload.name),
    group,
    baseline: true,
    ...iterations,
    fn: () => void pipeline(body),
  });
}

for (const payload of ENGINE_PAYLOADS) register(payload);
