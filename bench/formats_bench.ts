/**
 * Micro-benchmarks of each exposition format (issue 13): decode, and encode of the merged
 * families, for text 0.0.4, OpenMetrics 1.0 and protobuf, on the node_exporter capture and on
 * the generated 100,000-series exposition (converted into each format by our encoders).
 * `deno task bench` reports them; `deno bench --allow-read=tests/fixtures bench/formats_bench.ts`
 * prints the times. What each iteration makes is freed at its end, as a scrape frees it.
 * @module
 */
import { decodeExposition, mergeSources } from "../src/exposition/mod.ts";
import { BENCH_FORMATS, encodeIn, formatBenchName, payloadIn } from "./formats.ts";
import { ENGINE_PAYLOADS } from "./payloads.ts";
import { oneSource, reusable } from "./pipeline.ts";

for (const payload of ENGINE_PAYLOADS) {
  for (const format of BENCH_FORMATS) {
    const converted = payloadIn(payload.bytes(), format);
    const body = reusable(converted.body);
    const { contentType } = converted;
    const merged = mergeSources(oneSource(decodeExposition(body, { contentType }))).families;
    // Large payloads take tens of ms an iteration: a fixed count keeps the run short.
    const iterations = body.length > 1_000_000 ? { n: 20, warmup: 3 } : {};
    const group = `${payload.name} ${format}`;
    Deno.bench({
      name: formatBenchName("decode", format, payload.name),
      group,
      ...iterations,
      fn: () => decodeExposition(body, { contentType }).store.release(),
    });
    Deno.bench({
      name: formatBenchName("encode", format, payload.name),
      group,
      ...iterations,
      fn: () => void encodeIn(merged, format).body.buffer.transfer(0),
    });
  }
}
