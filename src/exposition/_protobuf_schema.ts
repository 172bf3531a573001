/**
 * The messages of Prometheus's protobuf exposition, `io.prometheus.client.MetricFamily`, as
 * their field numbers and wire types: written from prometheus/client_model's metrics.proto
 * (proto2). Decoder and encoder read them from here. Pure: no I/O.
 * @module
 */

/** Protobuf wire types. */
export const VARINT = 0;
/** 8 bytes, little-endian (double). */
export const I64 = 1;
/** A varint length, then that many bytes (strings, messages, packed repeated fields). */
export const LEN = 2;

/** A wire type the schema uses. */
export type WireType = typeof VARINT | typeof I64 | typeof LEN;

/** One field of a message: its number and wire type, and whether it may repeat. */
export interface Field {
  /** Its field number. */
  readonly number: number;
  /** The wire type it is written with. */
  readonly wire: WireType;
  /** Repeated scalars may also come packed (one LEN field), as every parser must accept. */
  readonly repeated?: boolean;
}

function field(number: number, wire: WireType, repeated = false): Field {
  return { number, wire, repeated };
}

/** `LabelPair`. */
export const LABEL_PAIR = {
  name: field(1, LEN),
  value: field(2, LEN),
} as const;

/** `google.protobuf.Timestamp`. */
export const TIMESTAMP = {
  seconds: field(1, VARINT), // int64
  nanos: field(2, VARINT), // int32
} as const;

/** `Gauge` and `Untyped`. */
export const GAUGE = {
  value: field(1, I64),
} as const;

/** `Counter`. */
export const COUNTER = {
  value: field(1, I64),
  exemplar: field(2, LEN),
  createdTimestamp: field(3, LEN),
} as const;

/** `Quantile`. */
export const QUANTILE = {
  quantile: field(1, I64),
  value: field(2, I64),
} as const;

/** `Summary`. */
export const SUMMARY = {
  sampleCount: field(1, VARINT), // uint64
  sampleSum: field(2, I64),
  quantile: field(3, LEN, true),
  createdTimestamp: field(4, LEN),
} as const;

/** `Histogram`: classic buckets, and the native histogram's fields. */
export const HISTOGRAM = {
  sampleCount: field(1, VARINT), // uint64
  sampleSum: field(2, I64),
  bucket: field(3, LEN, true),
  sampleCountFloat: field(4, I64),
  schema: field(5, VARINT), // sint32
  zeroThreshold: field(6, I64),
  zeroCount: field(7, VARINT), // uint64
  zeroCountFloat: field(8, I64),
  negativeSpan: field(9, LEN, true),
  negativeDelta: field(10, VARINT, true), // sint64
  negativeCount: field(11, I64, true),
  positiveSpan: field(12, LEN, true),
  positiveDelta: field(13, VARINT, true), // sint64
  positiveCount: field(14, I64, true),
  createdTimestamp: field(15, LEN),
  exemplars: field(16, LEN, true),
} as const;

/** `Bucket`: a classic histogram bucket. */
export const BUCKET = {
  cumulativeCount: field(1, VARINT), // uint64
  upperBound: field(2, I64),
  exemplar: field(3, LEN),
  cumulativeCountFloat: field(4, I64),
} as const;

/** `BucketSpan`. */
export const BUCKET_SPAN = {
  offset: field(1, VARINT), // sint32
  length: field(2, VARINT), // uint32
} as const;

/** `Exemplar`. */
export const EXEMPLAR = {
  label: field(1, LEN, true),
  value: field(2, I64),
  timestamp: field(3, LEN),
} as const;

/** `Metric`: labels, one of the typed values, a timestamp. */
export const METRIC = {
  label: field(1, LEN, true),
  gauge: field(2, LEN),
  counter: field(3, LEN),
  summary: field(4, LEN),
  untyped: field(5, LEN),
  timestampMs: field(6, VARINT), // int64
  histogram: field(7, LEN),
} as const;

/** `MetricFamily`. */
export const METRIC_FAMILY = {
  name: field(1, LEN),
  help: field(2, LEN),
  type: field(3, VARINT), // MetricType
  metric: field(4, LEN, true),
  unit: field(5, LEN),
} as const;

/** `MetricType`, by its number. */
export const METRIC_TYPES = [
  "COUNTER",
  "GAUGE",
  "SUMMARY",
  "UNTYPED",
  "HISTOGRAM",
  "GAUGE_HISTOGRAM",
] as const;

/** The tag (field number and wire type) of a field, as written before its value. */
export function tagOf(f: Field): number {
  return f.number * 8 + f.wire;
}

/** The tag of a repeated scalar field packed into one LEN field. */
export function packedTagOf(f: Field): number {
  return f.number * 8 + LEN;
}

/**
 * The wire types each field number of a message may come with (a bit per wire type; 0 for
 * fields it does not have, which are skipped), indexed by field number.
 */
export function wireTypesOf(message: Readonly<Record<string, Field>>): Uint8Array {
  let max = 0;
  for (const f of Object.values(message)) max = Math.max(max, f.number);
  const out = new Uint8Array(max + 1);
  for (const f of Object.values(message)) {
    out[f.number] = (1 << f.wire) | (f.repeated && f.wire !== LEN ? 1 << LEN : 0);
  }
  return out;
}

// Tags of the fields, as written before their values (a repeated scalar may also come
// packed, with its tag for wire type LEN).
/** The tag of `MetricFamily.name`. */
export const T_FAMILY_NAME: number = tagOf(METRIC_FAMILY.name);
/** The tag of `MetricFamily.help`. */
export const T_FAMILY_HELP: number = tagOf(METRIC_FAMILY.help);
/** The tag of `MetricFamily.type`. */
export const T_FAMILY_TYPE: number = tagOf(METRIC_FAMILY.type);
/** The tag of `MetricFamily.metric`. */
export const T_FAMILY_METRIC: number = tagOf(METRIC_FAMILY.metric);
/** The tag of `MetricFamily.unit`. */
export const T_FAMILY_UNIT: number = tagOf(METRIC_FAMILY.unit);
/** The tag of `Metric.label`. */
export const T_METRIC_LABEL: number = tagOf(METRIC.label);
/** The tag of `Metric.gauge`. */
export const T_METRIC_GAUGE: number = tagOf(METRIC.gauge);
/** The tag of `Metric.counter`. */
export const T_METRIC_COUNTER: number = tagOf(METRIC.counter);
/** The tag of `Metric.summary`. */
export const T_METRIC_SUMMARY: number = tagOf(METRIC.summary);
/** The tag of `Metric.untyped`. */
export const T_METRIC_UNTYPED: number = tagOf(METRIC.untyped);
/** The tag of `Metric.histogram`. */
export const T_METRIC_HISTOGRAM: number = tagOf(METRIC.histogram);
/** The tag of `Metric.timestampMs`. */
export const T_METRIC_TIMESTAMP: number = tagOf(METRIC.timestampMs);
/** The tag of `LabelPair.name`. */
export const T_LABEL_NAME: number = tagOf(LABEL_PAIR.name);
/** The tag of `LabelPair.value`. */
export const T_LABEL_VALUE: number = tagOf(LABEL_PAIR.value);
/** The tag of `Gauge.value`. */
export const T_GAUGE_VALUE: number = tagOf(GAUGE.value);
/** The tag of `Counter.value`. */
export const T_COUNTER_VALUE: number = tagOf(COUNTER.value);
/** The tag of `Counter.exemplar`. */
export const T_COUNTER_EXEMPLAR: number = tagOf(COUNTER.exemplar);
/** The tag of `Counter.createdTimestamp`. */
export const T_COUNTER_CREATED: number = tagOf(COUNTER.createdTimestamp);
/** The tag of `Quantile.quantile`. */
export const T_QUANTILE_QUANTILE: number = tagOf(QUANTILE.quantile);
/** The tag of `Quantile.value`. */
export const T_QUANTILE_VALUE: number = tagOf(QUANTILE.value);
/** The tag of `Summary.sampleCount`. */
export const T_SUMMARY_COUNT: number = tagOf(SUMMARY.sampleCount);
/** The tag of `Summary.sampleSum`. */
export const T_SUMMARY_SUM: number = tagOf(SUMMARY.sampleSum);
/** The tag of `Summary.quantile`. */
export const T_SUMMARY_QUANTILE: number = tagOf(SUMMARY.quantile);
/** The tag of `Summary.createdTimestamp`. */
export const T_SUMMARY_CREATED: number = tagOf(SUMMARY.createdTimestamp);
/** The tag of `Histogram.sampleCount`. */
export const T_HISTOGRAM_COUNT: number = tagOf(HISTOGRAM.sampleCount);
/** The tag of `Histogram.sampleSum`. */
export const T_HISTOGRAM_SUM: number = tagOf(HISTOGRAM.sampleSum);
/** The tag of `Histogram.bucket`. */
export const T_HISTOGRAM_BUCKET: number = tagOf(HISTOGRAM.bucket);
/** The tag of `Histogram.sampleCountFloat`. */
export const T_HISTOGRAM_COUNT_FLOAT: number = tagOf(HISTOGRAM.sampleCountFloat);
/** The tag of `Histogram.schema`. */
export const T_HISTOGRAM_SCHEMA: number = tagOf(HISTOGRAM.schema);
/** The tag of `Histogram.zeroThreshold`. */
export const T_HISTOGRAM_ZERO_THRESHOLD: number = tagOf(HISTOGRAM.zeroThreshold);
/** The tag of `Histogram.zeroCount`. */
export const T_HISTOGRAM_ZERO_COUNT: number = tagOf(HISTOGRAM.zeroCount);
/** The tag of `Histogram.zeroCountFloat`. */
export const T_HISTOGRAM_ZERO_COUNT_FLOAT: number = tagOf(HISTOGRAM.zeroCountFloat);
/** The tag of `Histogram.negativeSpan`. */
export const T_HISTOGRAM_NEGATIVE_SPAN: number = tagOf(HISTOGRAM.negativeSpan);
/** The tag of `Histogram.negativeDelta`. */
export const T_HISTOGRAM_NEGATIVE_DELTA: number = tagOf(HISTOGRAM.negativeDelta);
/** The tag of `Histogram.negativeCount`. */
export const T_HISTOGRAM_NEGATIVE_COUNT: number = tagOf(HISTOGRAM.negativeCount);
/** The tag of `Histogram.positiveSpan`. */
export const T_HISTOGRAM_POSITIVE_SPAN: number = tagOf(HISTOGRAM.positiveSpan);
/** The tag of `Histogram.positiveDelta`. */
export const T_HISTOGRAM_POSITIVE_DELTA: number = tagOf(HISTOGRAM.positiveDelta);
/** The tag of `Histogram.positiveCount`. */
export const T_HISTOGRAM_POSITIVE_COUNT: number = tagOf(HISTOGRAM.positiveCount);
/** The tag of `Histogram.negativeDelta` packed (wire type LEN). */
export const T_HISTOGRAM_NEGATIVE_DELTA_PACKED: number = packedTagOf(HISTOGRAM.negativeDelta);
/** The tag of `Histogram.negativeCount` packed (wire type LEN). */
export const T_HISTOGRAM_NEGATIVE_COUNT_PACKED: number = packedTagOf(HISTOGRAM.negativeCount);
/** The tag of `Histogram.positiveDelta` packed (wire type LEN). */
export const T_HISTOGRAM_POSITIVE_DELTA_PACKED: number = packedTagOf(HISTOGRAM.positiveDelta);
/** The tag of `Histogram.positiveCount` packed (wire type LEN). */
export const T_HISTOGRAM_POSITIVE_COUNT_PACKED: number = packedTagOf(HISTOGRAM.positiveCount);
/** The tag of `Histogram.createdTimestamp`. */
export const T_HISTOGRAM_CREATED: number = tagOf(HISTOGRAM.createdTimestamp);
/** The tag of `Histogram.exemplars`. */
export const T_HISTOGRAM_EXEMPLARS: number = tagOf(HISTOGRAM.exemplars);
/** The tag of `Bucket.cumulativeCount`. */
export const T_BUCKET_COUNT: number = tagOf(BUCKET.cumulativeCount);
/** The tag of `Bucket.upperBound`. */
export const T_BUCKET_BOUND: number = tagOf(BUCKET.upperBound);
/** The tag of `Bucket.exemplar`. */
export const T_BUCKET_EXEMPLAR: number = tagOf(BUCKET.exemplar);
/** The tag of `Bucket.cumulativeCountFloat`. */
export const T_BUCKET_COUNT_FLOAT: number = tagOf(BUCKET.cumulativeCountFloat);
/** The tag of `BucketSpan.offset`. */
export const T_SPAN_OFFSET: number = tagOf(BUCKET_SPAN.offset);
/** The tag of `BucketSpan.length`. */
export const T_SPAN_LENGTH: number = tagOf(BUCKET_SPAN.length);
/** The tag of `Exemplar.label`. */
export const T_EXEMPLAR_LABEL: number = tagOf(EXEMPLAR.label);
/** The tag of `Exemplar.value`. */
export const T_EXEMPLAR_VALUE: number = tagOf(EXEMPLAR.value);
/** The tag of `Exemplar.timestamp`. */
export const T_EXEMPLAR_TIMESTAMP: number = tagOf(EXEMPLAR.timestamp);
/** The tag of `Timestamp.seconds`. */
export const T_TIMESTAMP_SECONDS: number = tagOf(TIMESTAMP.seconds);
/** The tag of `Timestamp.nanos`. */
export const T_TIMESTAMP_NANOS: number = tagOf(TIMESTAMP.nanos);
