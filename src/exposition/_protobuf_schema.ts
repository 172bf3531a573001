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
  readonly number: number;
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

/** A `MetricType`'s name. */
export type ProtoMetricType = (typeof METRIC_TYPES)[number];

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
export const T_FAMILY_NAME = tagOf(METRIC_FAMILY.name);
export const T_FAMILY_HELP = tagOf(METRIC_FAMILY.help);
export const T_FAMILY_TYPE = tagOf(METRIC_FAMILY.type);
export const T_FAMILY_METRIC = tagOf(METRIC_FAMILY.metric);
export const T_FAMILY_UNIT = tagOf(METRIC_FAMILY.unit);
export const T_METRIC_LABEL = tagOf(METRIC.label);
export const T_METRIC_GAUGE = tagOf(METRIC.gauge);
export const T_METRIC_COUNTER = tagOf(METRIC.counter);
export const T_METRIC_SUMMARY = tagOf(METRIC.summary);
export const T_METRIC_UNTYPED = tagOf(METRIC.untyped);
export const T_METRIC_HISTOGRAM = tagOf(METRIC.histogram);
export const T_METRIC_TIMESTAMP = tagOf(METRIC.timestampMs);
export const T_LABEL_NAME = tagOf(LABEL_PAIR.name);
export const T_LABEL_VALUE = tagOf(LABEL_PAIR.value);
export const T_GAUGE_VALUE = tagOf(GAUGE.value);
export const T_COUNTER_VALUE = tagOf(COUNTER.value);
export const T_COUNTER_EXEMPLAR = tagOf(COUNTER.exemplar);
export const T_COUNTER_CREATED = tagOf(COUNTER.createdTimestamp);
export const T_QUANTILE_QUANTILE = tagOf(QUANTILE.quantile);
export const T_QUANTILE_VALUE = tagOf(QUANTILE.value);
export const T_SUMMARY_COUNT = tagOf(SUMMARY.sampleCount);
export const T_SUMMARY_SUM = tagOf(SUMMARY.sampleSum);
export const T_SUMMARY_QUANTILE = tagOf(SUMMARY.quantile);
export const T_SUMMARY_CREATED = tagOf(SUMMARY.createdTimestamp);
export const T_HISTOGRAM_COUNT = tagOf(HISTOGRAM.sampleCount);
export const T_HISTOGRAM_SUM = tagOf(HISTOGRAM.sampleSum);
export const T_HISTOGRAM_BUCKET = tagOf(HISTOGRAM.bucket);
export const T_HISTOGRAM_COUNT_FLOAT = tagOf(HISTOGRAM.sampleCountFloat);
export const T_HISTOGRAM_SCHEMA = tagOf(HISTOGRAM.schema);
export const T_HISTOGRAM_ZERO_THRESHOLD = tagOf(HISTOGRAM.zeroThreshold);
export const T_HISTOGRAM_ZERO_COUNT = tagOf(HISTOGRAM.zeroCount);
export const T_HISTOGRAM_ZERO_COUNT_FLOAT = tagOf(HISTOGRAM.zeroCountFloat);
export const T_HISTOGRAM_NEGATIVE_SPAN = tagOf(HISTOGRAM.negativeSpan);
export const T_HISTOGRAM_NEGATIVE_DELTA = tagOf(HISTOGRAM.negativeDelta);
export const T_HISTOGRAM_NEGATIVE_COUNT = tagOf(HISTOGRAM.negativeCount);
export const T_HISTOGRAM_POSITIVE_SPAN = tagOf(HISTOGRAM.positiveSpan);
export const T_HISTOGRAM_POSITIVE_DELTA = tagOf(HISTOGRAM.positiveDelta);
export const T_HISTOGRAM_POSITIVE_COUNT = tagOf(HISTOGRAM.positiveCount);
export const T_HISTOGRAM_NEGATIVE_DELTA_PACKED = packedTagOf(HISTOGRAM.negativeDelta);
export const T_HISTOGRAM_NEGATIVE_COUNT_PACKED = packedTagOf(HISTOGRAM.negativeCount);
export const T_HISTOGRAM_POSITIVE_DELTA_PACKED = packedTagOf(HISTOGRAM.positiveDelta);
export const T_HISTOGRAM_POSITIVE_COUNT_PACKED = packedTagOf(HISTOGRAM.positiveCount);
export const T_HISTOGRAM_CREATED = tagOf(HISTOGRAM.createdTimestamp);
export const T_HISTOGRAM_EXEMPLARS = tagOf(HISTOGRAM.exemplars);
export const T_BUCKET_COUNT = tagOf(BUCKET.cumulativeCount);
export const T_BUCKET_BOUND = tagOf(BUCKET.upperBound);
export const T_BUCKET_EXEMPLAR = tagOf(BUCKET.exemplar);
export const T_BUCKET_COUNT_FLOAT = tagOf(BUCKET.cumulativeCountFloat);
export const T_SPAN_OFFSET = tagOf(BUCKET_SPAN.offset);
export const T_SPAN_LENGTH = tagOf(BUCKET_SPAN.length);
export const T_EXEMPLAR_LABEL = tagOf(EXEMPLAR.label);
export const T_EXEMPLAR_VALUE = tagOf(EXEMPLAR.value);
export const T_EXEMPLAR_TIMESTAMP = tagOf(EXEMPLAR.timestamp);
export const T_TIMESTAMP_SECONDS = tagOf(TIMESTAMP.seconds);
export const T_TIMESTAMP_NANOS = tagOf(TIMESTAMP.nanos);
