/**
 * Decoder of Prometheus's protobuf exposition: length-delimited
 * `io.prometheus.client.MetricFamily` messages (Content-Type
 * `application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited`).
 * Pure: no I/O.
 *
 * Each metric becomes the samples a text exposition of it would have, in a `SampleStore`, its
 * label set written in canonical text form into the store's aux bytes (values escaped, names
 * outside the legacy set quoted), hashed as the text decoder hashes the same labels:
 * counters a value (with its exemplar) and `_created`; gauges and untyped a value; summaries
 * their quantiles, `_sum`, `_count` and `_created`; histograms and gauge histograms their
 * native histogram (when it has native fields, by Prometheus's rule: a zero threshold or zero
 * count above 0, or a span), then their classic buckets (with a `+Inf` bucket of the count
 * when they have classic buckets but none at `+Inf`; a histogram without native fields is a
 * classic one, as Prometheus reads it), `_sum`, `_count` (`_gsum`, `_gcount`) and `_created`.
 * Float histograms keep their float counts. A `timestamp_ms` of 0 is no timestamp, as
 * Prometheus reads it. Families of one name given twice are one family.
 *
 * Malformed input throws a `DecodeError`: line 1, and as column the byte offset + 1 where
 * the faulty field starts; its message names the offset and the family. Memory stays
 * proportional to the body: label sets copied for each bucket or quantile may take at most
 * `AUX_FACTOR` times its size.
 * @module
 */
import { formatValue } from "./_number.ts";
import {
  BACKSLASH,
  COMMA,
  DecodeError,
  EQUALS,
  finishLabelHash,
  HASH_START,
  hashByte,
  isLegacyLabelName,
  LF,
  LOWER_N,
  MANY_LABELS,
  QUOTE,
  sampleHash,
  textOf,
  utf8SequenceLength,
} from "./_scan.ts";
import { canonicalLabels } from "./label_bytes.ts";
import { BoundedReader, WireError, type WireReader } from "./_protobuf_reader.ts";
import {
  BUCKET as BUCKET_MESSAGE,
  BUCKET_SPAN,
  COUNTER,
  EXEMPLAR,
  type Field,
  GAUGE,
  HISTOGRAM,
  LABEL_PAIR,
  METRIC,
  METRIC_FAMILY,
  METRIC_TYPES,
  QUANTILE as QUANTILE_MESSAGE,
  SUMMARY,
  TIMESTAMP,
  wireTypesOf,
} from "./_protobuf_schema.ts";
import * as schema from "./_protobuf_schema.ts";
import type { BucketSpan, Exemplar, Label, MetricType, NativeHistogram } from "./model.ts";
import {
  BUCKET,
  COUNT,
  CREATED,
  type Exposition,
  GCOUNT,
  GSUM,
  NATIVE,
  QUANTILE,
  type Role,
  SampleStore,
  SUM,
  VALUE,
} from "./store.ts";

export { DecodeError };

// The tags read, as constants of this module: compared in every switch of the decoder, where
// imported bindings cost more (a 100k-series decode took some 8 % longer with them).
const {
  T_BUCKET_BOUND,
  T_BUCKET_COUNT,
  T_BUCKET_COUNT_FLOAT,
  T_BUCKET_EXEMPLAR,
  T_COUNTER_CREATED,
  T_COUNTER_EXEMPLAR,
  T_COUNTER_VALUE,
  T_EXEMPLAR_LABEL,
  T_EXEMPLAR_TIMESTAMP,
  T_EXEMPLAR_VALUE,
  T_FAMILY_HELP,
  T_FAMILY_METRIC,
  T_FAMILY_NAME,
  T_FAMILY_TYPE,
  T_FAMILY_UNIT,
  T_GAUGE_VALUE,
  T_HISTOGRAM_BUCKET,
  T_HISTOGRAM_COUNT,
  T_HISTOGRAM_COUNT_FLOAT,
  T_HISTOGRAM_CREATED,
  T_HISTOGRAM_EXEMPLARS,
  T_HISTOGRAM_NEGATIVE_COUNT,
  T_HISTOGRAM_NEGATIVE_COUNT_PACKED,
  T_HISTOGRAM_NEGATIVE_DELTA,
  T_HISTOGRAM_NEGATIVE_DELTA_PACKED,
  T_HISTOGRAM_NEGATIVE_SPAN,
  T_HISTOGRAM_POSITIVE_COUNT,
  T_HISTOGRAM_POSITIVE_COUNT_PACKED,
  T_HISTOGRAM_POSITIVE_DELTA,
  T_HISTOGRAM_POSITIVE_DELTA_PACKED,
  T_HISTOGRAM_POSITIVE_SPAN,
  T_HISTOGRAM_SCHEMA,
  T_HISTOGRAM_SUM,
  T_HISTOGRAM_ZERO_COUNT,
  T_HISTOGRAM_ZERO_COUNT_FLOAT,
  T_HISTOGRAM_ZERO_THRESHOLD,
  T_LABEL_NAME,
  T_LABEL_VALUE,
  T_METRIC_COUNTER,
  T_METRIC_GAUGE,
  T_METRIC_HISTOGRAM,
  T_METRIC_LABEL,
  T_METRIC_SUMMARY,
  T_METRIC_TIMESTAMP,
  T_METRIC_UNTYPED,
  T_QUANTILE_QUANTILE,
  T_QUANTILE_VALUE,
  T_SPAN_LENGTH,
  T_SPAN_OFFSET,
  T_SUMMARY_COUNT,
  T_SUMMARY_CREATED,
  T_SUMMARY_QUANTILE,
  T_SUMMARY_SUM,
  T_TIMESTAMP_NANOS,
  T_TIMESTAMP_SECONDS,
} = schema;

/** Label sets written for a body take at most this many times its size, and `AUX_SLACK`. */
export const AUX_FACTOR = 32;
const AUX_SLACK = 1 << 20;

/** The family type of each `MetricType`, by number. */
const FAMILY_TYPES: readonly MetricType[] = [
  "counter",
  "gauge",
  "summary",
  "unknown",
  "histogram",
  "gaugehistogram",
];

/** The `Metric` field each `MetricType` keeps its value in, by number. */
const VALUE_FIELDS: readonly Field[] = [
  METRIC.counter,
  METRIC.gauge,
  METRIC.summary,
  METRIC.untyped,
  METRIC.histogram,
  METRIC.histogram,
];

const METRIC_FIELD_NAMES: Readonly<Record<number, string>> = {
  [METRIC.gauge.number]: "gauge",
  [METRIC.counter.number]: "counter",
  [METRIC.summary.number]: "summary",
  [METRIC.untyped.number]: "untyped",
  [METRIC.histogram.number]: "histogram",
};

/** Each message's fields' wire types, to tell a wrong wire type from an unknown field. */
const WIRE_TYPES = {
  MetricFamily: wireTypesOf(METRIC_FAMILY),
  Metric: wireTypesOf(METRIC),
  LabelPair: wireTypesOf(LABEL_PAIR),
  Gauge: wireTypesOf(GAUGE),
  Counter: wireTypesOf(COUNTER),
  Summary: wireTypesOf(SUMMARY),
  Quantile: wireTypesOf(QUANTILE_MESSAGE),
  Histogram: wireTypesOf(HISTOGRAM),
  Bucket: wireTypesOf(BUCKET_MESSAGE),
  BucketSpan: wireTypesOf(BUCKET_SPAN),
  Exemplar: wireTypesOf(EXEMPLAR),
  Timestamp: wireTypesOf(TIMESTAMP),
} as const;

type MessageName = keyof typeof WIRE_TYPES;

/** Bytes a label value cannot have as they are: `\\`, `"`, newline (escaped), non-ASCII (checked). */
const SPECIAL = new Uint8Array(256);
SPECIAL[BACKSLASH] = SPECIAL[QUOTE] = SPECIAL[LF] = 1;
SPECIAL.fill(1, 0x80);

const UTF8 = new TextDecoder("utf-8", { fatal: true });

/** Decodes a length-delimited protobuf exposition into an `Exposition`; throws a `DecodeError`. */
export function decodeProtobuf(body: Uint8Array): Exposition {
  return new ProtobufDecoder(body, new BoundedReader(body)).decode();
}

/** Decodes with the reader given (for the comparison of readers in the benchmarks). */
export function decodeProtobufWith(body: Uint8Array, reader: WireReader): Exposition {
  return new ProtobufDecoder(body, reader).decode();
}

/** What the decoder knows of a family. */
interface FamilyBuilder {
  readonly name: string;
  readonly type: MetricType;
  help: string | undefined;
  unit: string | undefined;
  readonly id: number;
  count: number;
}

/** The label names of one metric. */
class LabelNames {
  count = 0;
  /** Where each name is in the body. */
  readonly start: number[] = [];
  readonly end: number[] = [];
  readonly names: string[] = [];
  /** Whether it is written quoted (not a legacy name). */
  readonly quoted: boolean[] = [];
  /** The FNV-1a state of the label hash after the name (as written) and `=`. */
  readonly hash: number[] = [];
  /** The names, once there are many. */
  readonly seen = new Set<string>();

  set(k: number, name: { start: number; end: number; name: string; quoted: boolean }): void {
    this.start[k] = name.start;
    this.end[k] = name.end;
    this.names[k] = name.name;
    this.quoted[k] = name.quoted;
  }
}

/** The canonical bytes of an `le` or `quantile` label, and its label hash. */
interface BoundLabel {
  readonly bytes: Uint8Array;
  readonly hash: number;
}

/** The fields of a `Histogram` message. */
interface HistogramFields {
  count: number;
  countFloat: number;
  sum: number;
  schema: number;
  zeroThreshold: number;
  zeroCount: number;
  zeroCountFloat: number;
  /** Where each classic `Bucket` message starts and ends. */
  buckets: number[];
  negativeSpans: BucketSpan[];
  negativeDeltas: number[];
  negativeCounts: number[];
  positiveSpans: BucketSpan[];
  positiveDeltas: number[];
  positiveCounts: number[];
  created: number;
  exemplars: Exemplar[];
}

class ProtobufDecoder {
  readonly #b: Uint8Array;
  readonly #r: WireReader;
  readonly store: SampleStore;
  readonly #families = new Map<string, FamilyBuilder>();
  readonly #auxLimit: number;
  /** The family being read, for error messages. */
  #familyName: string | undefined;
  #familyStart = 0;
  /** Where each metric of the family being read starts and ends. */
  #metricStarts: number[] = [];
  #metricEnds: number[] = [];

  /** The label names of the metric being read, and of the one before (to reuse its strings). */
  #labels = new LabelNames();
  #prior = new LabelNames();
  /** The metric's canonical label set in aux (label positions), the sum of its label hashes. */
  #labelsStart = 0;
  #labelsEnd = 0;
  #labelsHash = 0;
  /** The metric's number, family and timestamp. */
  #metric = 0;
  #family: FamilyBuilder | undefined;
  #timestamp = NaN;
  /** `le` and `quantile` labels by bound, as bytes with their hash. */
  readonly #boundLabels = {
    le: new Map<number, BoundLabel>(),
    quantile: new Map<number, BoundLabel>(),
  };

  constructor(body: Uint8Array, reader: WireReader) {
    this.#b = body;
    this.#r = reader;
    // A gauge with a few labels takes some 70 bytes.
    this.store = new SampleStore(body, body.length >> 6);
    this.store.auxReserve(body.length);
    this.#auxLimit = body.length * AUX_FACTOR + AUX_SLACK;
  }

  decode(): Exposition {
    const r = this.#r;
    const end = this.#b.length;
    r.pos = 0;
    try {
      while (r.pos < end) {
        this.#familyStart = r.pos;
        this.#familyName = undefined;
        r.end = end;
        const at = r.pos;
        const size = r.uint32();
        if (size > end - r.pos) {
          throw new WireError(`message length ${size} beyond the end of the body`, at);
        }
        const familyEnd = r.pos + size;
        this.#readFamily(familyEnd);
        r.pos = familyEnd;
      }
    } catch (e) {
      if (e instanceof WireError) this.#fail(e.message, e.at);
      throw e;
    }
    return this.store.takeFamilies([...this.#families.values()]);
  }

  /** Throws the DecodeError of `reason` at byte `at`, naming the family. */
  #fail(reason: string, at: number): never {
    const family = this.#familyName === undefined
      ? `the family at byte ${this.#familyStart}`
      : `family ${JSON.stringify(this.#familyName)}`;
    throw new DecodeError(`${reason} (byte ${at}, ${family})`, {
      line: 1,
      column: at + 1,
      invalidUtf8: reason === "invalid UTF-8",
    });
  }

  /**
   * A field that the code reading `message` did not expect with this tag: an unknown field
   * (skipped, as protobuf wants), or a known one with a wrong wire type (an error).
   */
  #other(message: MessageName, tag: number, at: number): void {
    const number = tag >>> 3;
    const wire = tag & 7;
    if (number === 0) this.#fail("invalid field number 0", at);
    const wires = WIRE_TYPES[message];
    if (number < wires.length && wires[number] !== 0) {
      this.#fail(`wrong wire type ${wire} for field ${number} of ${message}`, at);
    }
    this.#r.skip(wire, at);
  }

  /** A string field: its UTF-8 checked text. */
  #string(): string {
    const r = this.#r;
    const end = r.length();
    const start = r.pos;
    this.#checkUtf8(start, end);
    r.pos = end;
    return textOf(this.#b, start, end);
  }

  #checkUtf8(start: number, end: number): void {
    const b = this.#b;
    for (let p = start; p < end;) {
      if (b[p]! < 0x80) {
        p++;
        continue;
      }
      const n = utf8SequenceLength(b, p);
      if (n === 0 || p + n > end) this.#fail("invalid UTF-8", p);
      p += n;
    }
  }

  #readFamily(end: number): void {
    const r = this.#r;
    let name: string | undefined;
    let nameAt = r.pos;
    let help: string | undefined;
    let unit: string | undefined;
    let type = 0;
    let typeAt = r.pos;
    const starts = this.#metricStarts;
    const ends = this.#metricEnds;
    let metrics = 0;
    while (r.pos < end) {
      const at = r.pos;
      const tag = r.uint32();
      switch (tag) {
        case T_FAMILY_NAME:
          nameAt = at;
          name = this.#string();
          this.#familyName = name === "" ? undefined : name;
          break;
        case T_FAMILY_HELP:
          help = this.#string();
          break;
        case T_FAMILY_TYPE:
          typeAt = at;
          type = r.int64();
          break;
        case T_FAMILY_METRIC: {
          const metricEnd = r.length();
          starts[metrics] = r.pos;
          ends[metrics] = metricEnd;
          metrics++;
          r.pos = metricEnd;
          break;
        }
        case T_FAMILY_UNIT:
          unit = this.#string();
          break;
        default:
          this.#other("MetricFamily", tag, at);
      }
    }
    if (name === undefined || name === "") this.#fail("empty family name", nameAt);
    const familyType = FAMILY_TYPES[type];
    if (familyType === undefined) this.#fail(`unknown metric type ${type}`, typeAt);
    let family = this.#families.get(name);
    if (family === undefined) {
      family = { name, type: familyType, help, unit, id: this.#families.size, count: 0 };
      this.#families.set(name, family);
    } else if (family.type !== familyType) {
      this.#fail(`family given again as ${METRIC_TYPES[type]}, first as ${family.type}`, typeAt);
    } else {
      family.help ??= help;
      family.unit ??= unit;
    }
    this.#family = family;
    for (let m = 0; m < metrics; m++) {
      r.pos = starts[m]!;
      r.end = ends[m]!;
      this.#readMetric(type);
    }
  }

  #readMetric(type: number): void {
    const r = this.#r;
    const end = r.end;
    const store = this.store;
    this.#startLabels();
    const valueField = VALUE_FIELDS[type]!;
    let valueStart = -1;
    let valueEnd = -1;
    let timestamp = NaN;
    while (r.pos < end) {
      const at = r.pos;
      const tag = r.uint32();
      switch (tag) {
        case T_METRIC_LABEL: {
          const labelEnd = r.length();
          r.end = labelEnd;
          this.#readLabel(at);
          r.pos = labelEnd;
          r.end = end;
          break;
        }
        case T_METRIC_GAUGE:
        case T_METRIC_COUNTER:
        case T_METRIC_SUMMARY:
        case T_METRIC_UNTYPED:
        case T_METRIC_HISTOGRAM: {
          const field = tag >>> 3;
          if (field !== valueField.number) {
            this.#fail(
              `a ${METRIC_FIELD_NAMES[field]} in a family of type ${METRIC_TYPES[type]}`,
              at,
            );
          }
          valueEnd = r.length();
          valueStart = r.pos;
          r.pos = valueEnd;
          break;
        }
        case T_METRIC_TIMESTAMP: {
          const ms = r.int64();
          // As the text decoder, timestamps JS numbers hold exactly.
          if (!Number.isSafeInteger(ms)) this.#fail(`timestamp ${ms} out of range`, at);
          timestamp = ms === 0 ? NaN : ms;
          break;
        }
        default:
          this.#other("Metric", tag, at);
      }
    }
    this.#labelsEnd = store.auxPosition;
    this.#metric = store.metrics++;
    this.#timestamp = timestamp;
    // An absent value message reads as an empty one, as protobuf's defaults have it.
    if (valueStart < 0) valueStart = valueEnd = end;
    r.pos = valueStart;
    r.end = valueEnd;
    switch (type) {
      case 0:
        this.#counter();
        break;
      case 1:
      case 3:
        this.#gauge();
        break;
      case 2:
        this.#summary();
        break;
      default:
        this.#histogram(type === 5);
    }
  }

  #startLabels(): void {
    const prior = this.#prior;
    this.#prior = this.#labels;
    this.#labels = prior;
    prior.count = 0;
    this.#labelsHash = 0;
    this.#labelsStart = this.store.auxPosition;
  }

  /** Reads a `LabelPair` of the metric and writes it to aux in canonical form. */
  #readLabel(at: number): void {
    const r = this.#r;
    const end = r.end;
    let nameStart = r.pos;
    let nameEnd = r.pos;
    let valueStart = r.pos;
    let valueEnd = r.pos;
    while (r.pos < end) {
      const fieldAt = r.pos;
      const tag = r.uint32();
      if (tag === T_LABEL_NAME) {
        nameEnd = r.length();
        nameStart = r.pos;
        r.pos = nameEnd;
      } else if (tag === T_LABEL_VALUE) {
        valueEnd = r.length();
        valueStart = r.pos;
        r.pos = valueEnd;
      } else {
        this.#other("LabelPair", tag, fieldAt);
      }
    }
    if (nameStart === nameEnd) this.#fail("empty label name", at);
    const labels = this.#labels;
    const k = labels.count;
    this.#setName(k, nameStart, nameEnd, at);
    labels.count = k + 1;
    const b = this.#b;
    const store = this.store;
    this.#reserveAux((nameEnd - nameStart + valueEnd - valueStart) * 2 + 6);
    const aux = store.aux;
    let o = store.auxLength;
    if (k > 0) aux[o++] = COMMA;
    if (labels.quoted[k]) {
      aux[o++] = QUOTE;
      store.auxLength = o;
      this.#escaped(nameStart, nameEnd, 0);
      o = store.auxLength;
      aux[o++] = QUOTE;
    } else {
      for (let p = nameStart; p < nameEnd; p++) aux[o++] = b[p]!;
    }
    aux[o++] = EQUALS;
    aux[o++] = QUOTE;
    store.auxLength = o;
    const h = this.#escaped(valueStart, valueEnd, labels.hash[k]!);
    aux[store.auxLength++] = QUOTE;
    this.#labelsHash = (this.#labelsHash + finishLabelHash(h)) | 0;
  }

  /**
   * Sets label `k`'s name from `b[start, end)`: the previous metric's when the same (no new
   * string), else a new one, UTF-8 checked, added to the store's names; fails on a duplicate.
   */
  #setName(k: number, start: number, end: number, at: number): void {
    const b = this.#b;
    const labels = this.#labels;
    const prior = this.#prior;
    if (k < prior.count) {
      const priorStart = prior.start[k]!;
      if (prior.end[k]! - priorStart === end - start) {
        let same = true;
        for (let i = 0; i < end - start; i++) {
          if (b[start + i] !== b[priorStart + i]) {
            same = false;
            break;
          }
        }
        if (same) {
          labels.set(k, { start, end, name: prior.names[k]!, quoted: prior.quoted[k]! });
          labels.hash[k] = prior.hash[k]!;
          this.#checkDuplicate(k, at);
          return;
        }
      }
    }
    this.#checkUtf8(start, end);
    const name = textOf(b, start, end);
    const quoted = !isLegacyLabelName(name);
    if (quoted) this.store.quotedLabelNames = true;
    this.store.labelNames.add(name);
    labels.set(k, { start, end, name, quoted });
    // The hash of the name as written (escaped when quoted) and `=`.
    let h = HASH_START;
    for (let p = start; p < end; p++) {
      const c = b[p]!;
      if (c === BACKSLASH || c === QUOTE || c === LF) {
        h = hashByte(hashByte(h, BACKSLASH), c === LF ? LOWER_N : c);
      } else {
        h = hashByte(h, c);
      }
    }
    labels.hash[k] = hashByte(h, EQUALS);
    this.#checkDuplicate(k, at);
  }

  #checkDuplicate(k: number, at: number): void {
    const names = this.#labels.names;
    const name = names[k]!;
    if (k < MANY_LABELS) {
      for (let i = 0; i < k; i++) if (names[i] === name) this.#fail(`duplicate label ${name}`, at);
      return;
    }
    // Hostile inputs with thousands of labels must not cost quadratic time.
    const seen = this.#labels.seen;
    if (k === MANY_LABELS) {
      seen.clear();
      for (let i = 0; i < k; i++) seen.add(names[i]!);
    }
    if (seen.has(name)) this.#fail(`duplicate label ${name}`, at);
    seen.add(name);
  }

  #reserveAux(n: number): void {
    const store = this.store;
    if (store.auxLength + n > this.#auxLimit) {
      this.#fail(
        `label sets take over ${AUX_FACTOR} times the body's size`,
        this.#r.pos,
      );
    }
    store.auxReserve(n);
  }

  /**
   * Writes `b[start, end)` to aux escaped (`\\`, `\"`, `\n`), checking UTF-8; returns the
   * label hash `h` continued over the bytes written. Room must have been reserved.
   */
  #escaped(start: number, end: number, h: number): number {
    const b = this.#b;
    const store = this.store;
    const aux = store.aux;
    let o = store.auxLength;
    for (let p = start; p < end; p++) {
      const c = b[p]!;
      if (SPECIAL[c] === 0) {
        aux[o++] = c;
        h = Math.imul(h ^ c, 0x01000193);
      } else if (c >= 0x80) {
        const n = utf8SequenceLength(b, p);
        if (n === 0 || p + n > end) this.#fail("invalid UTF-8", p);
        for (let i = 0; i < n; i++) {
          const x = b[p + i]!;
          aux[o++] = x;
          h = Math.imul(h ^ x, 0x01000193);
        }
        p += n - 1;
      } else {
        aux[o++] = BACKSLASH;
        h = Math.imul(h ^ BACKSLASH, 0x01000193);
        const x = c === LF ? LOWER_N : c;
        aux[o++] = x;
        h = Math.imul(h ^ x, 0x01000193);
      }
    }
    store.auxLength = o;
    return h;
  }

  /** Adds a sample of the metric with its label set; returns its index. */
  #push(role: Role, value: number): number {
    return this.#pushWith(role, value, this.#labelsStart, this.#labelsEnd, this.#labelsHash);
  }

  #pushWith(role: Role, value: number, start: number, end: number, labelsHash: number): number {
    const store = this.store;
    const i = store.reserve();
    store.metric[i] = this.#metric;
    store.role[i] = role;
    store.start[i] = start;
    store.end[i] = end;
    store.value[i] = value;
    store.hash[i] = sampleHash(labelsHash, role);
    store.family[i] = this.#family!.id;
    const timestamp = this.#timestamp;
    if (timestamp === timestamp) store.setTimestamp(i, timestamp);
    store.length = i + 1;
    this.#family!.count++;
    return i;
  }

  /**
   * Adds a bucket or quantile: the metric's label set and `le`/`quantile` written as text
   * writes it. Fails when the metric has a label of that name.
   */
  #pushBounded(role: Role, bound: number, value: number): number {
    const labelName = role === BUCKET ? "le" : "quantile";
    const labels = this.#labels;
    for (let k = 0; k < labels.count; k++) {
      if (labels.names[k] === labelName) {
        this.#fail(`duplicate label ${labelName}`, labels.start[k]!);
      }
    }
    const label = this.#boundLabel(labelName, bound);
    const store = this.store;
    const ownStart = this.#labelsStart - store.inputLength;
    const ownLength = this.#labelsEnd - this.#labelsStart;
    this.#reserveAux(ownLength + 1 + label.bytes.length);
    const start = store.auxPosition;
    const aux = store.aux;
    let o = store.auxLength;
    for (let p = ownStart; p < ownStart + ownLength; p++) aux[o++] = aux[p]!;
    if (ownLength > 0) aux[o++] = COMMA;
    aux.set(label.bytes, o);
    store.auxLength = o + label.bytes.length;
    const i = this.#pushWith(
      role,
      value,
      start,
      store.auxPosition,
      (this.#labelsHash + label.hash) | 0,
    );
    store.setBound(i, bound);
    return i;
  }

  /** The canonical bytes and hash of `le="bound"` or `quantile="bound"`. */
  #boundLabel(name: "le" | "quantile", bound: number): BoundLabel {
    const labels = this.#boundLabels[name];
    // -0 is written "-0", but is the same key as 0.
    const negativeZero = Object.is(bound, -0);
    const cached = negativeZero ? undefined : labels.get(bound);
    if (cached !== undefined) return cached;
    const label = canonicalLabels([{ name, value: formatValue(bound) }]);
    if (labels.size > 4096) labels.clear();
    if (!negativeZero) labels.set(bound, label);
    this.store.labelNames.add(name);
    return label;
  }

  #gauge(): void {
    const r = this.#r;
    const end = r.end;
    let value = 0;
    while (r.pos < end) {
      const at = r.pos;
      const tag = r.uint32();
      if (tag === T_GAUGE_VALUE) value = r.double();
      else this.#other("Gauge", tag, at);
    }
    this.#push(VALUE, value);
  }

  #counter(): void {
    const r = this.#r;
    const end = r.end;
    let value = 0;
    let exemplar: Exemplar | undefined;
    let created = NaN;
    while (r.pos < end) {
      const at = r.pos;
      const tag = r.uint32();
      if (tag === T_COUNTER_VALUE) value = r.double();
      else if (tag === T_COUNTER_EXEMPLAR) exemplar = this.#exemplar();
      else if (tag === T_COUNTER_CREATED) created = this.#timestampSeconds();
      else this.#other("Counter", tag, at);
    }
    const i = this.#push(VALUE, value);
    if (exemplar !== undefined) this.store.setExemplar(i, exemplar);
    if (created === created) this.#push(CREATED, created);
  }

  #summary(): void {
    const r = this.#r;
    const end = r.end;
    let count = 0;
    let sum = 0;
    let created = NaN;
    const quantiles: number[] = [];
    while (r.pos < end) {
      const at = r.pos;
      const tag = r.uint32();
      switch (tag) {
        case T_SUMMARY_COUNT:
          count = r.uint64();
          break;
        case T_SUMMARY_SUM:
          sum = r.double();
          break;
        case T_SUMMARY_QUANTILE: {
          const quantileEnd = r.length();
          quantiles.push(r.pos, quantileEnd);
          r.pos = quantileEnd;
          break;
        }
        case T_SUMMARY_CREATED:
          created = this.#timestampSeconds();
          break;
        default:
          this.#other("Summary", tag, at);
      }
    }
    for (let q = 0; q < quantiles.length; q += 2) {
      r.pos = quantiles[q]!;
      r.end = quantiles[q + 1]!;
      let quantile = 0;
      let value = 0;
      while (r.pos < r.end) {
        const at = r.pos;
        const tag = r.uint32();
        if (tag === T_QUANTILE_QUANTILE) quantile = r.double();
        else if (tag === T_QUANTILE_VALUE) value = r.double();
        else this.#other("Quantile", tag, at);
      }
      this.#pushBounded(QUANTILE, quantile, value);
    }
    this.#push(SUM, sum);
    this.#push(COUNT, count);
    if (created === created) this.#push(CREATED, created);
  }

  #histogram(gauge: boolean): void {
    const h = this.#histogramFields();
    const r = this.#r;
    const native = h.positiveSpans.length > 0 || h.negativeSpans.length > 0 ||
      h.zeroThreshold > 0 || h.zeroCount > 0 || h.zeroCountFloat > 0;
    if (native) {
      const float = h.countFloat > 0 || h.zeroCountFloat > 0;
      const histogram: NativeHistogram = {
        schema: h.schema,
        zeroThreshold: h.zeroThreshold,
        zeroCount: float ? h.zeroCountFloat : h.zeroCount,
        count: float ? h.countFloat : h.count,
        sum: h.sum,
        float,
        positiveSpans: h.positiveSpans,
        positiveBuckets: float ? h.positiveCounts : h.positiveDeltas,
        negativeSpans: h.negativeSpans,
        negativeBuckets: float ? h.negativeCounts : h.negativeDeltas,
        exemplars: h.exemplars,
      };
      this.#push(NATIVE, this.store.natives.length);
      this.store.natives.push(histogram);
    }
    // Prometheus reads a float count when it is not 0.
    const count = h.countFloat !== 0 ? h.countFloat : h.count;
    if (!native || h.buckets.length > 0) {
      let infinite = false;
      for (let k = 0; k < h.buckets.length; k += 2) {
        r.pos = h.buckets[k]!;
        r.end = h.buckets[k + 1]!;
        if (this.#bucket()) infinite = true;
      }
      if (!infinite) this.#pushBounded(BUCKET, Infinity, count);
    }
    this.#push(gauge ? GSUM : SUM, h.sum);
    this.#push(gauge ? GCOUNT : COUNT, count);
    if (h.created === h.created) this.#push(CREATED, h.created);
  }

  /** Reads a `Bucket` and adds its sample; returns whether its bound is +Inf. */
  #bucket(): boolean {
    const r = this.#r;
    const end = r.end;
    let count = 0;
    let countFloat = 0;
    let bound = 0;
    let exemplar: Exemplar | undefined;
    while (r.pos < end) {
      const at = r.pos;
      const tag = r.uint32();
      switch (tag) {
        case T_BUCKET_COUNT:
          count = r.uint64();
          break;
        case T_BUCKET_BOUND:
          bound = r.double();
          break;
        case T_BUCKET_EXEMPLAR:
          exemplar = this.#exemplar();
          break;
        case T_BUCKET_COUNT_FLOAT:
          countFloat = r.double();
          break;
        default:
          this.#other("Bucket", tag, at);
      }
    }
    const i = this.#pushBounded(BUCKET, bound, countFloat !== 0 ? countFloat : count);
    if (exemplar !== undefined) this.store.setExemplar(i, exemplar);
    return bound === Infinity;
  }

  #histogramFields(): HistogramFields {
    const r = this.#r;
    const end = r.end;
    const h: HistogramFields = {
      count: 0,
      countFloat: 0,
      sum: 0,
      schema: 0,
      zeroThreshold: 0,
      zeroCount: 0,
      zeroCountFloat: 0,
      buckets: [],
      negativeSpans: [],
      negativeDeltas: [],
      negativeCounts: [],
      positiveSpans: [],
      positiveDeltas: [],
      positiveCounts: [],
      created: NaN,
      exemplars: [],
    };
    while (r.pos < end) {
      const at = r.pos;
      const tag = r.uint32();
      switch (tag) {
        case T_HISTOGRAM_COUNT:
          h.count = r.uint64();
          break;
        case T_HISTOGRAM_SUM:
          h.sum = r.double();
          break;
        case T_HISTOGRAM_BUCKET: {
          const bucketEnd = r.length();
          h.buckets.push(r.pos, bucketEnd);
          r.pos = bucketEnd;
          break;
        }
        case T_HISTOGRAM_COUNT_FLOAT:
          h.countFloat = r.double();
          break;
        case T_HISTOGRAM_SCHEMA:
          h.schema = r.sint32();
          break;
        case T_HISTOGRAM_ZERO_THRESHOLD:
          h.zeroThreshold = r.double();
          break;
        case T_HISTOGRAM_ZERO_COUNT:
          h.zeroCount = r.uint64();
          break;
        case T_HISTOGRAM_ZERO_COUNT_FLOAT:
          h.zeroCountFloat = r.double();
          break;
        case T_HISTOGRAM_NEGATIVE_SPAN:
          h.negativeSpans.push(this.#span());
          break;
        case T_HISTOGRAM_POSITIVE_SPAN:
          h.positiveSpans.push(this.#span());
          break;
        case T_HISTOGRAM_NEGATIVE_DELTA:
          h.negativeDeltas.push(r.sint64());
          break;
        case T_HISTOGRAM_POSITIVE_DELTA:
          h.positiveDeltas.push(r.sint64());
          break;
        case T_HISTOGRAM_NEGATIVE_COUNT:
          h.negativeCounts.push(r.double());
          break;
        case T_HISTOGRAM_POSITIVE_COUNT:
          h.positiveCounts.push(r.double());
          break;
        case T_HISTOGRAM_NEGATIVE_DELTA_PACKED:
          this.#packed(h.negativeDeltas, () => r.sint64());
          break;
        case T_HISTOGRAM_POSITIVE_DELTA_PACKED:
          this.#packed(h.positiveDeltas, () => r.sint64());
          break;
        case T_HISTOGRAM_NEGATIVE_COUNT_PACKED:
          this.#packed(h.negativeCounts, () => r.double());
          break;
        case T_HISTOGRAM_POSITIVE_COUNT_PACKED:
          this.#packed(h.positiveCounts, () => r.double());
          break;
        case T_HISTOGRAM_CREATED:
          h.created = this.#timestampSeconds();
          break;
        case T_HISTOGRAM_EXEMPLARS:
          h.exemplars.push(this.#exemplar());
          break;
        default:
          this.#other("Histogram", tag, at);
      }
    }
    return h;
  }

  /** Reads a `BucketSpan` message. */
  #span(): BucketSpan {
    const r = this.#r;
    const outer = r.end;
    const end = r.length();
    r.end = end;
    let offset = 0;
    let length = 0;
    while (r.pos < end) {
      const at = r.pos;
      const tag = r.uint32();
      if (tag === T_SPAN_OFFSET) offset = r.sint32();
      else if (tag === T_SPAN_LENGTH) length = r.uint32();
      else this.#other("BucketSpan", tag, at);
    }
    r.end = outer;
    return { offset, length };
  }

  /** Reads the values of a packed repeated field with `read`, into `into`. */
  #packed(into: number[], read: () => number): void {
    const r = this.#r;
    const outer = r.end;
    r.end = r.length();
    while (r.pos < r.end) into.push(read());
    r.end = outer;
  }

  /** Reads a `Timestamp` message as seconds since the epoch. */
  #timestampSeconds(): number {
    const [seconds, nanos] = this.#timestampParts();
    return seconds + nanos / 1e9;
  }

  /** Reads a `Timestamp` message: seconds and nanoseconds. */
  #timestampParts(): [number, number] {
    const r = this.#r;
    const outer = r.end;
    const end = r.length();
    r.end = end;
    let seconds = 0;
    let nanos = 0;
    while (r.pos < end) {
      const at = r.pos;
      const tag = r.uint32();
      if (tag === T_TIMESTAMP_SECONDS) seconds = r.int64();
      else if (tag === T_TIMESTAMP_NANOS) nanos = r.int64();
      else this.#other("Timestamp", tag, at);
    }
    r.end = outer;
    return [seconds, nanos];
  }

  /** Reads an `Exemplar` message. */
  #exemplar(): Exemplar {
    const r = this.#r;
    const outer = r.end;
    const end = r.length();
    r.end = end;
    const labels: Label[] = [];
    let value = 0;
    let timestampMs: number | undefined;
    while (r.pos < end) {
      const at = r.pos;
      const tag = r.uint32();
      if (tag === T_EXEMPLAR_LABEL) {
        const label = this.#exemplarLabel(at);
        if (labels.some((l) => l.name === label.name)) {
          this.#fail(`duplicate exemplar label ${label.name}`, at);
        }
        labels.push(label);
      } else if (tag === T_EXEMPLAR_VALUE) {
        value = r.double();
      } else if (tag === T_EXEMPLAR_TIMESTAMP) {
        const [seconds, nanos] = this.#timestampParts();
        timestampMs = seconds * 1000 + nanos / 1e6;
      } else {
        this.#other("Exemplar", tag, at);
      }
    }
    r.end = outer;
    return timestampMs === undefined ? { labels, value } : { labels, value, timestampMs };
  }

  /** Reads a `LabelPair` of an exemplar, as a label. */
  #exemplarLabel(at: number): Label {
    const r = this.#r;
    const outer = r.end;
    const end = r.length();
    r.end = end;
    let name = "";
    let value = "";
    while (r.pos < end) {
      const fieldAt = r.pos;
      const tag = r.uint32();
      if (tag === T_LABEL_NAME) name = this.#utf8String();
      else if (tag === T_LABEL_VALUE) value = this.#utf8String();
      else this.#other("LabelPair", tag, fieldAt);
    }
    r.end = outer;
    if (name === "") this.#fail("empty label name", at);
    return { name, value };
  }

  /** A string field of any length, UTF-8 checked, not interned. */
  #utf8String(): string {
    const r = this.#r;
    const end = r.length();
    const start = r.pos;
    this.#checkUtf8(start, end);
    r.pos = end;
    return UTF8.decode(this.#b.subarray(start, end));
  }
}
