/**
 * The V8 flags reverse_exporter runs with. `deno task compile` and `compile:locked` build them
 * into the binary (which then ignores `DENO_V8_FLAGS`: compile again to change them); `deno task
 * start` and the benchmark pass them to `deno run`.
 *
 * `--max-semi-space-size=4`: halves of at most 4 MB for V8's young generation, instead of 16 MB.
 * What a scrape allocates is garbage once its response is written; a smaller young generation
 * collects it more often and keeps less memory resident, at the cost of some CPU on large
 * payloads (figures: BENCHMARKS.md, "Measurements behind the code").
 * @module
 */

/** The value of `--v8-flags` for `deno run` and `deno compile`. */
export const V8_FLAGS = "--max-semi-space-size=4";
