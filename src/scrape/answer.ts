/**
 * The answer to one scrape request: the decoded expositions of the exporters merged, encoded
 * in the format the client asked for, and gzipped when it accepts gzip. Pure: no I/O.
 * @module
 */
import { gzipSync } from "node:zlib";
import {
  type DroppedCounts,
  type Encoded,
  encodeOpenMetrics,
  encodeProtobuf,
  encodeText,
  escapeName,
  type Escaping,
  type Format,
  type MergeConflict,
  type MergedFamily,
  type MergeSource,
  mergeSources,
} from "../exposition/mod.ts";

/** How to answer: the format and escaping negotiated, and whether to gzip. */
export interface AnswerFormat {
  /** The format negotiated with the client. */
  readonly format: Format;
  /** How names outside the legacy character set are written. */
  readonly escaping: Escaping;
  /** Whether the body is gzipped. */
  readonly gzip: boolean;
}

/** An answer's body, and what building it met. */
export interface Answer {
  /** The body, gzipped when asked. */
  readonly body: Uint8Array<ArrayBuffer>;
  /** What the format could not carry, counted by kind. */
  readonly dropped: DroppedCounts;
  /** The conflicts met while merging. */
  readonly conflicts: readonly MergeConflict[];
  /** The samples it holds. */
  readonly samples: number;
  /** The size of the body before gzip. */
  readonly bytes: number;
}

/**
 * The gzip level of answers: 1, the fastest. Prometheus asks every scrape for gzip, so this
 * is in the path of every scrape, where the default level costs much more CPU for a body not
 * much smaller (figures: BENCHMARKS.md, "Measurements behind the code").
 */
const GZIP_LEVEL = 1;

/** Merges `sources` and encodes them as `how` says. */
export function buildAnswer(sources: readonly MergeSource[], how: AnswerFormat): Answer {
  const { format, escaping } = how;
  const nameOf = escaping === "allow-utf-8"
    ? undefined
    : (name: string) => escapeName(name, escaping);
  const { families, conflicts } = mergeSources(sources, nameOf === undefined ? {} : { nameOf });
  const encoded = encode(families, { format, escaping });
  let samples = 0;
  for (const family of families) for (const part of family.parts) samples += part.indices.length;
  const bytes = encoded.body.length;
  if (!how.gzip) return { body: encoded.body, dropped: encoded.dropped, conflicts, samples, bytes };
  const gzipped = gzipSync(encoded.body, { level: GZIP_LEVEL });
  // The text is dead once compressed: its memory is freed now, not at a later collection.
  encoded.body.buffer.transfer(0);
  return {
    body: new Uint8Array(
      gzipped.buffer as ArrayBuffer,
      gzipped.byteOffset,
      gzipped.byteLength,
    ),
    dropped: encoded.dropped,
    conflicts,
    samples,
    bytes,
  };
}

function encode(
  families: readonly MergedFamily[],
  how: { format: Format; escaping: Escaping },
): Encoded {
  const { format, escaping } = how;
  switch (format.kind) {
    case "text":
      return encodeText(families, { version: format.version, escaping });
    case "openmetrics":
      return encodeOpenMetrics(families, { version: format.version, escaping });
    case "protobuf":
      return encodeProtobuf(families, { escaping });
  }
}
