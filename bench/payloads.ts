/** The expositions the benchmarks use: the node_exporter capture and generated gauges. */

/** The node_exporter 1.5 capture of the test fixtures. */
export const NODE_EXPORTER_FIXTURE = new URL(
  "../tests/fixtures/node_exporter_1.5.prom",
  import.meta.url,
);

/**
 * The same capture in protobuf, converted once with `encodeProtobuf` (checked against it and
 * by `protoc --decode_raw` in tests/exposition/encode_protobuf_test.ts).
 */
export const NODE_EXPORTER_PROTOBUF_FIXTURE = new URL(
  "../tests/fixtures/node_exporter_1.5.pb",
  import.meta.url,
);

/** Series per family in a generated exposition. */
export const SERIES_PER_FAMILY = 100;

/** An exposition the engine benchmarks measure. */
export interface Payload {
  readonly name: string;
  /** Its body, as an exporter sends it (read or generated on each call). */
  bytes(): Uint8Array;
  /** Whether it is large (megabytes): benchmarks run it a fixed, small number of times. */
  readonly large: boolean;
}

/** The payloads of the engine micro-benchmarks and of the end-to-end runs. */
export const ENGINE_PAYLOADS: readonly Payload[] = [
  { name: "node_exporter", bytes: () => Deno.readFileSync(NODE_EXPORTER_FIXTURE), large: false },
  { name: "100k series", bytes: () => generatedBody(100_000), large: true },
];

/** `generatedExposition(series)` as UTF-8 bytes. */
export function generatedBody(series: number): Uint8Array {
  return new TextEncoder().encode(generatedExposition(series));
}

/** Reads the node_exporter capture as text. */
export function nodeExporterText(): string {
  return Deno.readTextFileSync(NODE_EXPORTER_FIXTURE);
}

/** Reads the node_exporter capture in protobuf. */
export function nodeExporterProtobuf(): Uint8Array {
  return Deno.readFileSync(NODE_EXPORTER_PROTOBUF_FIXTURE);
}

/**
 * A text 0.0.4 exposition of `series` gauge series: `series / 100` families of 100 series,
 * each with 3 labels (`instance`, `job`, `device`), a HELP and a TYPE line. The same count
 * always gives the same text; 100,000 series make about 7 MB.
 */
export function generatedExposition(series: number): string {
  const families = Math.ceil(series / SERIES_PER_FAMILY);
  const parts: string[] = [];
  let n = 0;
  for (let f = 0; f < families && n < series; f++) {
    const name = `bench_gauge_${String(f).padStart(5, "0")}`;
    parts.push(`# HELP ${name} Generated gauge number ${f}.\n`);
    parts.push(`# TYPE ${name} gauge\n`);
    for (let s = 0; s < SERIES_PER_FAMILY && n < series; s++, n++) {
      const instance = `host-${String(s % 25).padStart(2, "0")}:9100`;
      const device = `sd${String.fromCharCode(97 + (s % 26))}${s >> 2}`;
      parts.push(
        `${name}{instance="${instance}",job="node",device="${device}"} ${sampleValue(n)}\n`,
      );
    }
  }
  return parts.join("");
}

/** A varied but deterministic value: integers, decimals and exponent forms. */
function sampleValue(n: number): string {
  switch (n % 4) {
    case 0:
      return String(n * 7);
    case 1:
      return String((n * 7919) % 1000003 / 1000);
    case 2:
      return `${(n % 9) + 1}.${n % 997}e+${String(6 + (n % 7)).padStart(2, "0")}`;
    default:
      return String(((n * 31) % 997) / 8);
  }
}
