/**
 * Encoder of Prometheus's protobuf exposition: one length-delimited
 * `io.prometheus.client.MetricFamily` message per merged family. Pure: no I/O.
 *
 * Each metric (the samples that share a metric number, in one run or not) becomes a
 * `Metric`: its own labels (without a bucket's `le` or a quantile's `quantile`), then the
 * target labels, relabelled when they may conflict; its value by type (info and stateset are
 * gauges, unknown is untyped; `_created` as created timestamps); exemplars of counters and
 * classic buckets; native histograms; units. Label and metric names outside the legacy set
 * are escaped by `escaping` unless it is `allow-utf-8`. What protobuf cannot carry (an
 * exemplar or `_created` of a gauge, an exemplar of a summary) is left out and counted; a
 * summary's count is an integer on the wire (rounded), a histogram's count and buckets are
 * written as floats when they are not integers.
 *
 * Label sets are copied from their canonical bytes into `LabelPair` fields without making
 * strings; metrics of one value and family headers are written as bytes, the other metrics
 * with `@bufbuild/protobuf`'s `BinaryWriter` (see README, Dependencies, for the figures).
 * @module
 */
import { BinaryWriter } from "@bufbuild/protobuf/wire";
import { BACKSLASH, EQUALS, isEscaped, LF, LOWER_N, QUOTE } from "./_scan.ts";
import {
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
  T_HISTOGRAM_NEGATIVE_DELTA,
  T_HISTOGRAM_NEGATIVE_SPAN,
  T_HISTOGRAM_POSITIVE_COUNT,
  T_HISTOGRAM_POSITIVE_DELTA,
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
} from "./_protobuf_schema.ts";
import { ByteWriter } from "./_writer.ts";
import { type DroppedCounts, type Encoded, noneDropped } from "./conversion.ts";
import { helpLength, helpText } from "./help.ts";
import { closingQuote, labelsOf } from "./label_bytes.ts";
import type { MergedFamily, MergedPart, TargetLabels } from "./merge.ts";
import type { BucketSpan, Exemplar, LabelSet, MetricType, NativeHistogram } from "./model.ts";
import { escapeLabelName, escapeName, type Escaping } from "./names.ts";
import { relabelLabels } from "./relabel.ts";
import {
  BUCKET,
  COUNT,
  CREATED,
  GCOUNT,
  GSUM,
  NATIVE,
  QUANTILE,
  type SampleStore,
  SUM,
  VALUE,
} from "./store.ts";

/** The Content-Type of the protobuf exposition. */
export const PROTOBUF_CONTENT_TYPE =
  "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited";

/** Options of {@linkcode encodeProtobuf}. */
export interface EncodeProtobufOptions {
  /** How names outside the legacy set are written; `underscores` by default. */
  readonly escaping?: Escaping;
}

/** The `MetricType` number of each family type. */
const PROTO_TYPES: Readonly<Record<MetricType, number>> = {
  counter: 0,
  gauge: 1,
  summary: 2,
  unknown: 3,
  histogram: 4,
  gaugehistogram: 5,
  info: 1,
  stateset: 1,
};

/** A `Gauge`/`Untyped` message (a double field) and a `Quantile` (two) take this many bytes. */
const GAUGE_SIZE = 9;
const utf8 = new TextEncoder();

/** The first size of the buffer a family is written in. */
const FAMILY_SIZE = 4096;
const QUANTILE_SIZE = 18;

const TWO_32 = 2 ** 32;
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/** A native histogram that needs no span to be told from a classic one. */
const NO_OP_SPANS: readonly BucketSpan[] = [{ offset: 0, length: 0 }];

/** Encodes merged families as length-delimited `MetricFamily` messages, in the order given. */
export function encodeProtobuf(
  families: readonly MergedFamily[],
  options: EncodeProtobufOptions = {},
): Encoded {
  const encoder = new ProtobufEncoder(options.escaping ?? "underscores", sizeHint(families));
  for (const family of families) encoder.family(family);
  return { body: encoder.out.result(), dropped: encoder.dropped };
}

/** About the size of the encoding, so that it is mostly written into one buffer. */
function sizeHint(families: readonly MergedFamily[]): number {
  const stores = new Set<SampleStore>();
  let size = 4096;
  for (const family of families) {
    size += family.name.length + helpLength(family.help) + 16;
    for (const part of family.parts) {
      stores.add(part.store);
      size += part.indices.length * (part.target.bytes.length + 24);
    }
  }
  // Label sets take about as much as in text; names and values are not repeated.
  for (const store of stores) size += store.auxLength + (store.input.length >> 1);
  return size;
}

/**
 * Writes each family into a buffer of its own (reused), then into `out` after its length.
 * Its header and metrics of one value (most of any exposition) are written there as bytes:
 * the library's writer costs several calls and checks for each field. The library's
 * `BinaryWriter` writes the metrics with more fields (counters with an exemplar or a created
 * timestamp, summaries, histograms), which are then copied into the family.
 */
class ProtobufEncoder {
  readonly out: ByteWriter;
  readonly dropped: DroppedCounts = noneDropped();
  /** Writes messages other than metrics of one value, which are then copied into `#family`. */
  readonly w = new BinaryWriter();
  readonly #escaping: Escaping;
  /** Each part's target labels as `LabelPair` fields. */
  readonly #targets = new Map<TargetLabels, Uint8Array>();
  /** The family being written (without its length), and the labels of its metric. */
  #family = new Uint8Array(FAMILY_SIZE);
  #familyView = new DataView(this.#family.buffer);
  #familyLength = 0;

  constructor(escaping: Escaping, size: number) {
    this.#escaping = escaping;
    this.out = new ByteWriter(size);
  }

  family(family: MergedFamily): void {
    const name = escapeName(family.name, this.#escaping);
    this.#familyLength = 0;
    this.#string(T_FAMILY_NAME, name);
    const help = helpText(family.help);
    if (help !== undefined) this.#string(T_FAMILY_HELP, help);
    const type = this.room(this.#familyLength + 2);
    type[this.#familyLength++] = T_FAMILY_TYPE;
    type[this.#familyLength++] = PROTO_TYPES[family.type];
    for (const part of family.parts) this.#part(family.type, part);
    if (family.unit !== undefined) this.#string(T_FAMILY_UNIT, family.unit);
    const out = this.out;
    const length = this.#familyLength;
    out.reserve(5 + length);
    out.length = writeVarint(out.bytes, out.length, length);
    out.copy(this.#family, 0, length);
  }

  /** Appends a string field to the family (quicker than the library for short text). */
  #string(tag: number, text: string): void {
    const at = this.#familyLength;
    const family = this.room(at + 7 + text.length * 3);
    family[at] = tag;
    let o = at + 2;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c >= 0x80) {
        o = at + 2 + utf8.encodeInto(text, family.subarray(at + 2)).written;
        break;
      }
      family[o++] = c;
    }
    this.#familyLength = endLength(family, at + 1, o);
  }

  /** Appends bytes the library wrote to the family. */
  #append(bytes: Uint8Array): void {
    const at = this.#familyLength;
    this.room(at + bytes.length).set(bytes, at);
    this.#familyLength = at + bytes.length;
  }

  /** Writes the metrics of one part: runs of samples of one metric, or groups of them. */
  #part(type: MetricType, part: MergedPart): void {
    const { store, indices } = part;
    const metricOf = store.metric;
    // Metrics each in one run of samples show as runs of increasing metric numbers.
    let runs = true;
    let current = -1;
    for (let n = 0; n < indices.length; n++) {
      const m = metricOf[indices[n]!]!;
      if (m === current) continue;
      if (m < current) {
        runs = false;
        break;
      }
      current = m;
    }
    const labels = new PartLabelPairs(this, part);
    if (runs) {
      let from = 0;
      for (let n = 1; n <= indices.length; n++) {
        if (n < indices.length && metricOf[indices[n]!] === metricOf[indices[from]!]) continue;
        this.#metric(type, labels, { indices, from, to: n });
        from = n;
      }
      return;
    }
    // Interleaved samples (text histograms written line by line): grouped by metric.
    const groups = new Map<number, number[]>();
    for (const i of indices) {
      const group = groups.get(metricOf[i]!);
      if (group === undefined) groups.set(metricOf[i]!, [i]);
      else group.push(i);
    }
    for (const group of groups.values()) {
      this.#metric(type, labels, { indices: group, from: 0, to: group.length });
    }
  }

  /** Writes one `Metric` from samples `indices[from, to)` of a part. */
  #metric(
    type: MetricType,
    labels: PartLabelPairs,
    samples: { indices: ArrayLike<number>; from: number; to: number },
  ): void {
    const { indices, from, to } = samples;
    const store = labels.store;
    const role = store.role;
    // Labels from a sample without `le` or `quantile`, if there is one.
    let source = indices[from]!;
    for (let n = from; n < to; n++) {
      const r = role[indices[n]!]!;
      if (r !== BUCKET && r !== QUANTILE) {
        source = indices[n]!;
        break;
      }
    }
    const sourceRole = role[source]!;
    const skip = sourceRole === BUCKET ? "le" : sourceRole === QUANTILE ? "quantile" : "";
    // Whole milliseconds on the wire, an int64 (NaN: none).
    let timestamp = Math.round(store.timestampOf(indices[from]!));
    if (!Number.isSafeInteger(timestamp)) timestamp = NaN;
    // A metric of one value, without exemplar or created timestamp.
    const simple = to - from === 1 && sourceRole === VALUE && type !== "summary" &&
      type !== "histogram" && type !== "gaugehistogram" &&
      store.exemplarOf(source) === undefined && !(timestamp < 0);
    // The metric's tag and length (1 byte if it is short, else moved), then its labels.
    const header = this.#familyLength;
    const labelsStart = header + 2;
    const labelsEnd = labels.write(source, { skip, at: labelsStart });
    if (simple) {
      this.#oneValue(type, store.value[source]!, { header, end: labelsEnd, timestamp });
      return;
    }
    const w = this.w;
    w.uint32(T_FAMILY_METRIC).fork();
    w.raw(this.#family.subarray(labelsStart, labelsEnd));
    switch (type) {
      case "summary":
        this.#summary(store, samples);
        break;
      case "histogram":
      case "gaugehistogram":
        this.#histogram(store, samples);
        break;
      default:
        this.#value(type, store, samples);
    }
    if (timestamp === timestamp) w.uint32(T_METRIC_TIMESTAMP).int64(timestamp);
    w.join();
    this.#append(w.finish());
  }

  /**
   * Ends a metric of one value in the family, whose labels are written up to `end`: its value
   * field, its timestamp, and its tag and length at `header`.
   */
  #oneValue(
    type: MetricType,
    value: number,
    metric: { header: number; end: number; timestamp: number },
  ): void {
    const { header, timestamp } = metric;
    let o = metric.end;
    let family = this.room(o + 2 + GAUGE_SIZE + 11 + 5);
    family[o++] = type === "counter"
      ? T_METRIC_COUNTER
      : type === "unknown"
      ? T_METRIC_UNTYPED
      : T_METRIC_GAUGE;
    family[o++] = GAUGE_SIZE;
    family[o++] = T_GAUGE_VALUE; // the tag of Counter's value too
    this.#familyView.setFloat64(o, value, true);
    o += 8;
    if (timestamp === timestamp) {
      family[o++] = T_METRIC_TIMESTAMP;
      o = writeVarint(family, o, timestamp);
    }
    const start = header + 2;
    const size = o - start;
    family[header] = T_FAMILY_METRIC;
    if (size < 0x80) {
      family[header + 1] = size;
    } else {
      const shift = varintSize(size) - 1;
      family = this.room(o + shift);
      family.copyWithin(start + shift, start, o);
      writeVarint(family, header + 1, size);
      o += shift;
    }
    this.#familyLength = o;
  }

  /** The family's buffer, with room for at least `n` bytes (what it holds kept). */
  room(n: number): Uint8Array {
    if (n <= this.#family.length) return this.#family;
    const grown = new Uint8Array(Math.max(n, this.#family.length * 2));
    grown.set(this.#family);
    this.#family = grown;
    this.#familyView = new DataView(grown.buffer);
    return grown;
  }

  /**
   * The values of a metric's samples but buckets and quantiles; counts the exemplars of
   * samples other than values and buckets as dropped.
   */
  #gather(
    store: SampleStore,
    samples: { indices: ArrayLike<number>; from: number; to: number },
  ): MetricValues {
    const { indices, from, to } = samples;
    const values: MetricValues = {
      value: 0,
      exemplar: undefined,
      count: 0,
      sum: 0,
      created: NaN,
      native: undefined,
    };
    for (let n = from; n < to; n++) {
      const i = indices[n]!;
      const role = store.role[i]!;
      const value = store.value[i]!;
      switch (role) {
        case VALUE:
          values.value = value;
          values.exemplar = store.exemplarOf(i);
          continue;
        case BUCKET:
          continue;
        case COUNT:
        case GCOUNT:
          values.count = value;
          break;
        case SUM:
        case GSUM:
          values.sum = value;
          break;
        case CREATED:
          values.created = value;
          break;
        case NATIVE:
          values.native = store.natives[value];
          break;
      }
      if (store.exemplarOf(i) !== undefined) this.dropped.exemplar++;
    }
    return values;
  }

  #value(
    type: MetricType,
    store: SampleStore,
    samples: { indices: ArrayLike<number>; from: number; to: number },
  ): void {
    const w = this.w;
    const { value, exemplar, created } = this.#gather(store, samples);
    if (type !== "counter") {
      if (exemplar !== undefined) this.dropped.exemplar++;
      if (created === created) this.dropped.created_timestamp++;
      w.uint32(type === "unknown" ? T_METRIC_UNTYPED : T_METRIC_GAUGE).uint32(GAUGE_SIZE);
      w.uint32(T_GAUGE_VALUE).double(value);
      return;
    }
    w.uint32(T_METRIC_COUNTER).fork();
    w.uint32(T_COUNTER_VALUE).double(value);
    if (exemplar !== undefined) this.#exemplar(T_COUNTER_EXEMPLAR, exemplar);
    this.#created(T_COUNTER_CREATED, created);
    w.join();
  }

  #summary(
    store: SampleStore,
    samples: { indices: ArrayLike<number>; from: number; to: number },
  ): void {
    const { indices, from, to } = samples;
    const w = this.w;
    const { count, sum, created } = this.#gather(store, samples);
    w.uint32(T_METRIC_SUMMARY).fork();
    // A summary's count is an integer on the wire.
    const whole = Math.round(count);
    this.#uint64(T_SUMMARY_COUNT, Number.isSafeInteger(whole) && whole > 0 ? whole : 0);
    w.uint32(T_SUMMARY_SUM).double(sum);
    for (let n = from; n < to; n++) {
      const i = indices[n]!;
      if (store.role[i] !== QUANTILE) continue;
      w.uint32(T_SUMMARY_QUANTILE).uint32(QUANTILE_SIZE);
      w.uint32(T_QUANTILE_QUANTILE).double(store.boundOf(i));
      w.uint32(T_QUANTILE_VALUE).double(store.value[i]!);
    }
    this.#created(T_SUMMARY_CREATED, created);
    w.join();
  }

  #histogram(
    store: SampleStore,
    samples: { indices: ArrayLike<number>; from: number; to: number },
  ): void {
    const { indices, from, to } = samples;
    const w = this.w;
    let { count, sum, created, native } = this.#gather(store, samples);
    if (native !== undefined && !isWritable(native)) {
      this.dropped.native_histogram_buckets++;
      native = undefined;
    }
    if (native !== undefined) {
      count = native.count;
      sum = native.sum;
    }
    w.uint32(T_METRIC_HISTOGRAM).fork();
    const floatCount = native?.float === true || !isCount(count);
    if (!floatCount) this.#uint64(T_HISTOGRAM_COUNT, count);
    w.uint32(T_HISTOGRAM_SUM).double(sum);
    for (let n = from; n < to; n++) {
      const i = indices[n]!;
      if (store.role[i] === BUCKET) this.#bucket(store, i);
    }
    if (floatCount) w.uint32(T_HISTOGRAM_COUNT_FLOAT).double(count);
    if (native !== undefined) this.#native(native);
    this.#created(T_HISTOGRAM_CREATED, created);
    if (native !== undefined) {
      for (const e of native.exemplars) this.#exemplar(T_HISTOGRAM_EXEMPLARS, e);
    }
    w.join();
  }

  #bucket(store: SampleStore, i: number): void {
    const w = this.w;
    const count = store.value[i]!;
    const exemplar = store.exemplarOf(i);
    w.uint32(T_HISTOGRAM_BUCKET).fork();
    if (isCount(count)) this.#uint64(T_BUCKET_COUNT, count);
    w.uint32(T_BUCKET_BOUND).double(store.boundOf(i));
    if (exemplar !== undefined) this.#exemplar(T_BUCKET_EXEMPLAR, exemplar);
    if (!isCount(count)) w.uint32(T_BUCKET_COUNT_FLOAT).double(count);
    w.join();
  }

  /** The native histogram's fields of a `Histogram` message (after its classic ones). */
  #native(h: NativeHistogram): void {
    const w = this.w;
    w.uint32(T_HISTOGRAM_SCHEMA).sint32(h.schema);
    w.uint32(T_HISTOGRAM_ZERO_THRESHOLD).double(h.zeroThreshold);
    if (h.float) w.uint32(T_HISTOGRAM_ZERO_COUNT_FLOAT).double(h.zeroCount);
    else this.#uint64(T_HISTOGRAM_ZERO_COUNT, h.zeroCount);
    this.#spans(T_HISTOGRAM_NEGATIVE_SPAN, h.negativeSpans);
    if (h.float) this.#doubles(T_HISTOGRAM_NEGATIVE_COUNT, h.negativeBuckets);
    else this.#deltas(T_HISTOGRAM_NEGATIVE_DELTA, h.negativeBuckets);
    // Without spans, zero threshold and zero count, a no-op span tells it is native.
    const noOp = h.positiveSpans.length === 0 && h.negativeSpans.length === 0 &&
      !(h.zeroThreshold > 0) && !(h.zeroCount > 0);
    this.#spans(T_HISTOGRAM_POSITIVE_SPAN, noOp ? NO_OP_SPANS : h.positiveSpans);
    if (h.float) this.#doubles(T_HISTOGRAM_POSITIVE_COUNT, h.positiveBuckets);
    else this.#deltas(T_HISTOGRAM_POSITIVE_DELTA, h.positiveBuckets);
  }

  #spans(tag: number, spans: readonly BucketSpan[]): void {
    const w = this.w;
    for (const span of spans) {
      w.uint32(tag).fork();
      w.uint32(T_SPAN_OFFSET).sint32(span.offset);
      w.uint32(T_SPAN_LENGTH).uint32(span.length);
      w.join();
    }
  }

  /** Repeated sint64 fields, one each (unpacked, as proto2 and the Go client write them). */
  #deltas(tag: number, deltas: readonly number[]): void {
    const w = this.w;
    for (const d of deltas) {
      w.uint32(tag);
      // sint32 and sint64 write the same bytes for values in 32 bits, without a bigint.
      if (d >= INT32_MIN && d <= INT32_MAX) w.sint32(d);
      else w.sint64(d);
    }
  }

  #doubles(tag: number, values: readonly number[]): void {
    const w = this.w;
    for (const v of values) w.uint32(tag).double(v);
  }

  /** A uint64 field: a varint, through `uint32` (no bigint) below 2^32. */
  #uint64(tag: number, value: number): void {
    const w = this.w;
    w.uint32(tag);
    if (value < TWO_32) w.uint32(value);
    else w.uint64(value);
  }

  /**
   * A `Timestamp` message of `seconds` since the epoch (possibly fractional); false, writing
   * nothing, when it is none (infinite, NaN, beyond 2^53 s).
   */
  #timestamp(tag: number, seconds: number): boolean {
    let whole = Math.floor(seconds);
    if (!Number.isSafeInteger(whole)) return false;
    let nanos = Math.round((seconds - whole) * 1e9);
    if (nanos >= 1e9) {
      whole++;
      nanos -= 1e9;
    }
    const w = this.w;
    w.uint32(tag).fork();
    if (whole !== 0) w.uint32(T_TIMESTAMP_SECONDS).int64(whole);
    if (nanos !== 0) w.uint32(T_TIMESTAMP_NANOS).int32(nanos);
    w.join();
    return true;
  }

  /** A created timestamp field; counted as dropped when it is no time (infinite, NaN). */
  #created(tag: number, seconds: number): void {
    if (seconds === seconds && !this.#timestamp(tag, seconds)) this.dropped.created_timestamp++;
  }

  #exemplar(tag: number, exemplar: Exemplar): void {
    const w = this.w;
    w.uint32(tag).fork();
    for (const label of exemplar.labels) {
      w.uint32(T_EXEMPLAR_LABEL).fork();
      w.uint32(T_LABEL_NAME).string(this.#labelName(label.name));
      w.uint32(T_LABEL_VALUE).string(label.value);
      w.join();
    }
    w.uint32(T_EXEMPLAR_VALUE).double(exemplar.value);
    if (exemplar.timestampMs !== undefined) {
      this.#timestamp(T_EXEMPLAR_TIMESTAMP, exemplar.timestampMs / 1000);
    }
    w.join();
  }

  /**
   * A label name as written: escaped when it is outside the legacy set (`escapeLabelName` keeps
   * legacy names even with `dots`, which escapes their underscores, as Prometheus's
   * `EscapeMetricFamily` does).
   */
  #labelName(name: string): string {
    return escapeLabelName(name, this.#escaping);
  }

  /** The `LabelPair` fields of `target`, names escaped. */
  targetPairs(target: TargetLabels): Uint8Array {
    let pairs = this.#targets.get(target);
    if (pairs === undefined) {
      const w = new BinaryWriter();
      this.labelPairs(w, target.labels);
      pairs = w.finish();
      this.#targets.set(target, pairs);
    }
    return pairs;
  }

  /** Writes `labels` as `LabelPair` fields of a `Metric`, names escaped. */
  labelPairs(w: BinaryWriter, labels: LabelSet): void {
    for (const label of labels) {
      w.uint32(T_METRIC_LABEL).fork();
      w.uint32(T_LABEL_NAME).string(this.#labelName(label.name));
      w.uint32(T_LABEL_VALUE).string(label.value);
      w.join();
    }
  }

  get escaping(): Escaping {
    return this.#escaping;
  }
}

/**
 * Whether a native histogram's integers fit their fields (they do when it was decoded from
 * protobuf): schema and span offsets in 32 bits, span lengths in 32 bits from 0, integer
 * counts and deltas.
 */
function isWritable(h: NativeHistogram): boolean {
  const int32 = (n: number) => (n | 0) === n;
  const spans = (list: readonly BucketSpan[]) =>
    list.every((s) => int32(s.offset) && s.length >>> 0 === s.length);
  const integers = (list: readonly number[]) => list.every(Number.isSafeInteger);
  return int32(h.schema) && spans(h.positiveSpans) && spans(h.negativeSpans) &&
    (h.float || (isCount(h.zeroCount) && integers(h.positiveBuckets) &&
      integers(h.negativeBuckets)));
}

/** The values of a metric's samples, but its buckets and quantiles. */
interface MetricValues {
  value: number;
  exemplar: Exemplar | undefined;
  count: number;
  sum: number;
  /** Seconds; NaN when it has none. */
  created: number;
  native: NativeHistogram | undefined;
}

/** Whether `n` can be written as a uint64 count: a non-negative integer JS numbers hold. */
function isCount(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0 && !Object.is(n, -0);
}

/**
 * Writes the `LabelPair` fields of a part's samples: their own labels, copied from the
 * canonical bytes (unescaped where they have escapes), then the part's target labels.
 * Parts whose labels may conflict with the target labels, or whose names must be escaped,
 * go through label objects and `relabelLabels`.
 */
class PartLabelPairs {
  readonly store: SampleStore;
  readonly #encoder: ProtobufEncoder;
  readonly #part: MergedPart;
  readonly #slow: boolean;
  readonly #target: Uint8Array;

  constructor(encoder: ProtobufEncoder, part: MergedPart) {
    this.#encoder = encoder;
    this.#part = part;
    this.store = part.store;
    this.#slow = part.mayConflict ||
      (part.store.quotedLabelNames && encoder.escaping !== "allow-utf-8");
    this.#target = this.#slow ? new Uint8Array(0) : encoder.targetPairs(part.target);
  }

  /**
   * Writes the `LabelPair` fields of sample `i`, but the one named `skip` (`le`, `quantile`
   * or ""), into the family's buffer `at` a position; returns where they end.
   */
  write(i: number, where: { skip: "le" | "quantile" | ""; at: number }): number {
    const { skip, at } = where;
    const store = this.store;
    const start = store.start[i]!;
    const offset = store.offsetAt(start);
    const b = store.bytesAt(start);
    const encoder = this.#encoder;
    if (this.#slow) {
      let own = labelsOf(b, { start: start - offset, end: store.end[i]! - offset });
      if (skip !== "") own = own.filter((l) => l.name !== skip);
      const w = new BinaryWriter();
      encoder.labelPairs(w, relabelLabels(own, this.#part.target.labels));
      const pairs = w.finish();
      encoder.room(at + pairs.length).set(pairs, at);
      return at + pairs.length;
    }
    const end = store.end[i]! - offset;
    const target = this.#target;
    // A label pair takes at most 5 times its canonical length (tags and lengths).
    const out = encoder.room(at + (end - start + offset) * 5 + target.length + 16);
    let o = at;
    let p = start - offset;
    while (p < end) {
      // A canonical label: name or "quoted name", =, "escaped value", maybe a comma; each
      // length written in one byte first, and made room for when it takes more.
      const pair = o;
      out[o] = T_METRIC_LABEL;
      out[o + 2] = T_LABEL_NAME;
      const nameAt = o + 3;
      o += 4;
      let c = b[p]!;
      if (c === QUOTE) {
        for (c = b[++p]!; c !== QUOTE; c = b[++p]!) {
          if (c === BACKSLASH && isEscaped(b[p + 1])) c = unescaped(b[++p]!);
          out[o++] = c;
        }
        p += 2; // past `"=`
      } else {
        for (; c !== EQUALS; c = b[++p]!) out[o++] = c;
        p++;
      }
      o = endLength(out, nameAt, o);
      if (skip !== "" && isNamed(out, nameAt + 1, o, skip)) {
        p = closingQuote(b, p + 1) + 2;
        o = pair;
        continue;
      }
      out[o] = T_LABEL_VALUE;
      const valueAt = o + 1;
      o += 2;
      for (c = b[++p]!; c !== QUOTE; c = b[++p]!) {
        if (c === BACKSLASH && isEscaped(b[p + 1])) c = unescaped(b[++p]!);
        out[o++] = c;
      }
      p += 2; // past `",`
      o = endLength(out, valueAt, o);
      o = endLength(out, pair + 1, o);
    }
    return copy(target, 0, target.length, out, o);
  }
}

/**
 * Writes the length of the bytes from `at + 1` to `end` at `at`, where one byte was left
 * for it, moving them when it takes more; returns their end.
 */
function endLength(out: Uint8Array, at: number, end: number): number {
  const length = end - at - 1;
  if (length < 0x80) {
    out[at] = length;
    return end;
  }
  const shift = varintSize(length) - 1;
  out.copyWithin(at + 1 + shift, at + 1, end);
  writeVarint(out, at, length);
  return end + shift;
}

/** The byte an escape sequence `\\`, `\"` or `\n` stands for, by its second byte. */
function unescaped(c: number): number {
  return c === LOWER_N ? LF : c;
}

/** Whether `b[start, end)` is the ASCII text `name`. */
function isNamed(b: Uint8Array, start: number, end: number, name: string): boolean {
  if (end - start !== name.length) return false;
  for (let k = 0; k < name.length; k++) if (b[start + k] !== name.charCodeAt(k)) return false;
  return true;
}

/** The size of the varint of `n`, a safe integer from 0. */
function varintSize(n: number): number {
  let size = 1;
  for (; n >= 0x80; n = Math.floor(n / 0x80)) size++;
  return size;
}

/** Writes the varint of `n`, a safe integer from 0, at `o`; returns the position after it. */
function writeVarint(out: Uint8Array, o: number, n: number): number {
  for (; n >= 0x80; n = Math.floor(n / 0x80)) out[o++] = (n % 0x80) | 0x80;
  out[o++] = n;
  return o;
}

function copy(b: Uint8Array, start: number, end: number, out: Uint8Array, o: number): number {
  for (let p = start; p < end; p++) out[o++] = b[p]!;
  return o;
}
