/**
 * The engine's scaling: the whole pipeline of one exporter (decode, relabel+merge, encode) on
 * generated expositions of 1,000 to 1,000,000 series. `deno task bench` turns the times into
 * a cost per series.
 * @module
 */
import { SCALING_SERIES, scalingBenchName } from "./bench_names.ts";
import { generatedBody } from "./payloads.ts";
import { pipeline, reusable } from "./pipeline.ts";

for (const series of SCALING_SERIES) register(series);

function register(series: number): void {
  // One body at a time: the 1M-series body alone is 77 MB.
  let body: Uint8Array | undefined;
  Deno.bench({
    name: scalingBenchName(series),
    group: "scaling",
    // Large runs take up to seconds an iteration: fixed counts keep the whole run short.
    ...(series >= 1_000_000 ? { n: 8, warmup: 1 } : series >= 100_000 ? { n: 15, warmup: 2 } : {}),
    fn(b) {
      body ??= reusable(generatedBody(series));
      b.start();
      pipeline(body);
      b.end();
    },
  });
}
