/**
 * The V8 flags reverse_exporter runs with. `deno task compile` and `compile:locked` build them
 * into the binary (which then ignores `DENO_V8_FLAGS`: compile again to change them); `deno task
 * start` and the benchmark pass them to `deno run`.
 *
 * `--max-semi-space-size=4`: halves of at most 4 MB for V8's young generation, instead of 16 MB.
 * What a scrape allocates is garbage once its response is written; a smaller young generation
 * collects it more often and keeps less memory resident. Measured on 2 cores (`wrk -c4`, three
 * runs each), serving the 100k-series payload: peak RSS 243-272 MB against 314-315 MB with one
 * exporter, 517-580 MB against 598-639 MB with four, at 12.4-13.6 against 13.2-13.8 requests/s;
 * on the node_exporter payload, the same CPU time per request and a lower p99. More frequent
 * collections may cost some CPU on large payloads: in the committed benchmark runs before and
 * after, CPU per request on the 100k-series payload went from 74 to 78 ms with one exporter.
 * @module
 */

/** The value of `--v8-flags` for `deno run` and `deno compile`. */
export const V8_FLAGS = "--max-semi-space-size=4";
