/** The formats the engine benchmarks measure, and the payloads in each. */
import {
  decodeExposition,
  type Encoded,
  encodeOpenMetrics,
  encodeProtobuf,
  encodeText,
  type MergedFamily,
  mergeSources,
} from "../src/exposition/mod.ts";

/** The formats measured. */
export const BENCH_FORMATS = ["text", "openmetrics", "protobuf"] as const;

/** One format measured. */
export type BenchFormat = (typeof BENCH_FORMATS)[number];

/** The Content-Type of each format's body. */
const CONTENT_TYPES: Readonly<Record<BenchFormat, string>> = {
  text: "text/plain; version=0.0.4; charset=utf-8",
  openmetrics: "application/openmetrics-text; version=1.0.0; charset=utf-8",
  protobuf:
    "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited",
};

/** Merged families encoded in `format`. */
export function encodeIn(families: readonly MergedFamily[], format: BenchFormat): Encoded {
  switch (format) {
    case "text":
      return encodeText(families);
    case "openmetrics":
      return encodeOpenMetrics(families, { version: "1.0.0" });
    case "protobuf":
      return encodeProtobuf(families);
  }
}

/** A text exposition's body in `format` (converted by our encoders), and its Content-Type. */
export function payloadIn(
  text: Uint8Array,
  format: BenchFormat,
): { body: Uint8Array; contentType: string } {
  const exposition = decodeExposition(text);
  const families = mergeSources([{ exporterName: "", exposition }]).families;
  return { body: encodeIn(families, format).body, contentType: CONTENT_TYPES[format] };
}

/** The name of the benchmark of `stage` in `format` on `payload`. */
export function formatBenchName(
  stage: "decode" | "encode",
  format: BenchFormat,
  payload: string,
): string {
  return `${stage} ${format} / ${payload}`;
}
