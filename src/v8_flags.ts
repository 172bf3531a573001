/**
 * The V8 flags reverse_exporter runs with. `deno task compile` and `compile:locked` build them
 * into the binary; `deno task start` and the benchmark pass them to `deno run`.
 *
 * `--max-semi-space-size=4`: a young generation of two 4 MB halves instead of V8's 16 MB. What a
 * scrape allocates is garbage once its response is written, so a smaller young generation
 * collects it as often as needed at no measurable cost, and keeps less memory resident. Measured
 * on 2 cores (`wrk -c4`, three runs each): peak RSS serving the 100k-series payload 243-272 MB
 * against 314-315 MB with one exporter, 517-580 MB against 598-639 MB with four, at the same
 * requests/s; on the node_exporter payload the same CPU time per request and a lower p99.
 * @module
 */

/** The value of `--v8-flags` for `deno run` and `deno compile`. */
export const V8_FLAGS = "--max-semi-space-size=4";
