/**
 * The exposition engine: decode, merge (with relabelling), encode, in every format. Pure
 * code with no I/O.
 * @module
 */
export * from "./model.ts";
export * from "./help.ts";
export * from "./store.ts";
export * from "./objects.ts";
export * from "./label_bytes.ts";
export * from "./names.ts";
export * from "./relabel.ts";
export * from "./merge.ts";
export * from "./conversion.ts";
export * from "./decode_text.ts";
export * from "./encode_text.ts";
export * from "./decode_openmetrics.ts";
export * from "./encode_openmetrics.ts";
export * from "./decode.ts";
export * from "./formats.ts";
export * from "./decode_protobuf.ts";
export * from "./encode_protobuf.ts";
