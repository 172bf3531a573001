/**
 * The exposition engine: decode, relabel, merge, encode. Pure code with no I/O.
 * @module
 */
export * from "./types.ts";
export { sampleCount, type SampleStore, type StoredSamples } from "./sample_store.ts";
export * from "./decode_text.ts";
export * from "./decode_openmetrics.ts";
export * from "./decode.ts";
export * from "./encode_text.ts";
export * from "./relabel.ts";
export * from "./merge.ts";
