/**
 * The data model of an exposition, the same for every format: metric families, their metrics,
 * and what each type of metric holds. Decoders produce it (in the compact form of
 * `Exposition`, see store.ts, which `familiesOf` turns into these objects) and encoders take
 * it. Pure: no I/O.
 *
 * Names follow text 0.0.4 and protobuf, where a family is named as its samples are: a counter
 * `requests_total` (OpenMetrics writes its TYPE line as `requests`), an info `build_info`.
 * @module
 */

/** The type of a metric family: the OpenMetrics types, `unknown` being text 0.0.4's `untyped`. */
export type MetricType =
  | "counter"
  | "gauge"
  | "histogram"
  | "gaugehistogram"
  | "summary"
  | "info"
  | "stateset"
  | "unknown";

/** One label: a name and its (unescaped) value. */
export interface Label {
  /** The label's name. */
  readonly name: string;
  /** Its value, unescaped. */
  readonly value: string;
}

/** The labels of one metric, in the order they were written. */
export type LabelSet = readonly Label[];

/** An exemplar: a labelled example of an observation, with an optional time. */
export interface Exemplar {
  /** The exemplar's labels. */
  readonly labels: LabelSet;
  /** The value observed. */
  readonly value: number;
  /** Milliseconds since the epoch, possibly fractional. */
  readonly timestampMs?: number;
}

/** A classic histogram bucket: cumulative count of observations up to `upperBound`. */
export interface Bucket {
  /** The bucket's upper bound (`le`). */
  readonly upperBound: number;
  /** Observations up to the upper bound, cumulative. */
  readonly count: number;
  /** The `le` label as the source wrote it (`"1.0"`), when it did not write it as we would. */
  readonly le?: string;
  /** An exemplar of an observation in the bucket. */
  readonly exemplar?: Exemplar;
}

/** A summary quantile. */
export interface Quantile {
  /** The quantile (0 to 1). */
  readonly quantile: number;
  /** Its value. */
  readonly value: number;
  /** The `quantile` label as the source wrote it, when it did not write it as we would. */
  readonly label?: string;
}

/** A run of consecutive native histogram buckets, `offset` from the end of the previous run. */
export interface BucketSpan {
  /** Buckets skipped since the end of the previous span. */
  readonly offset: number;
  /** Consecutive buckets in the span. */
  readonly length: number;
}

/**
 * A native (exponential) histogram, as the protobuf format carries it: integer buckets as
 * deltas, float buckets as absolute counts.
 */
export interface NativeHistogram {
  /** The resolution: bucket boundaries grow by 2^(2^-schema). */
  readonly schema: number;
  /** Observations within this distance of zero count in the zero bucket. */
  readonly zeroThreshold: number;
  /** Observations in the zero bucket. */
  readonly zeroCount: number;
  /** Observations in all. */
  readonly count: number;
  /** The sum of the observations. */
  readonly sum: number;
  /** Whether counts are floats (`*_count_float`, `*_count` buckets) rather than integers. */
  readonly float: boolean;
  /** Spans of the buckets of positive observations. */
  readonly positiveSpans: readonly BucketSpan[];
  /** Integer histograms: deltas; float histograms: absolute counts. */
  readonly positiveBuckets: readonly number[];
  /** Spans of the buckets of negative observations. */
  readonly negativeSpans: readonly BucketSpan[];
  /** Integer histograms: deltas; float histograms: absolute counts. */
  readonly negativeBuckets: readonly number[];
  /** Exemplars of observations. */
  readonly exemplars: readonly Exemplar[];
}

/** What every metric has. */
export interface MetricBase {
  /** Its labels, in the order they were written. */
  readonly labels: LabelSet;
  /** Milliseconds since the epoch. */
  readonly timestampMs?: number;
}

/** A metric with one value: counter, gauge, unknown, info, stateset. */
export interface ValueMetric extends MetricBase {
  /** The metric's value. */
  readonly value: number;
  /** Counters only: when the counter was created, in ms since the epoch. */
  readonly createdMs?: number;
  /** Counters only. */
  readonly exemplar?: Exemplar;
}

/** A histogram or gauge histogram metric: classic buckets, a native histogram, or both. */
export interface HistogramMetric extends MetricBase {
  /** Observations in all (`_count`). */
  readonly count?: number;
  /** Their sum (`_sum`). */
  readonly sum?: number;
  /** Classic buckets, ascending, cumulative. */
  readonly buckets: readonly Bucket[];
  /** The native histogram, if it has one. */
  readonly native?: NativeHistogram;
  /** When the metric was created, in ms since the epoch. */
  readonly createdMs?: number;
}

/** A summary metric. */
export interface SummaryMetric extends MetricBase {
  /** Observations in all (`_count`). */
  readonly count?: number;
  /** Their sum (`_sum`). */
  readonly sum?: number;
  /** Quantiles, ascending. */
  readonly quantiles: readonly Quantile[];
  /** When the metric was created, in ms since the epoch. */
  readonly createdMs?: number;
}

/** A metric of any type. */
export type Metric = ValueMetric | HistogramMetric | SummaryMetric;

/** What every family has. */
export interface FamilyBase {
  /** Its name (a counter's with `_total`, as text 0.0.4 writes it). */
  readonly name: string;
  /** Unescaped help text; absent when the source gave none. */
  readonly help?: string;
  /** The unit (OpenMetrics `# UNIT`, protobuf `unit`); absent when the source gave none. */
  readonly unit?: string;
}

/** A family of one-value metrics. */
export interface ValueFamily extends FamilyBase {
  /** The family's type. */
  readonly type: "counter" | "gauge" | "unknown" | "info" | "stateset";
  /** Its metrics, in order. */
  readonly metrics: readonly ValueMetric[];
}

/** A family of histograms or gauge histograms. */
export interface HistogramFamily extends FamilyBase {
  /** The family's type. */
  readonly type: "histogram" | "gaugehistogram";
  /** Its metrics, in order. */
  readonly metrics: readonly HistogramMetric[];
}

/** A family of summaries. */
export interface SummaryFamily extends FamilyBase {
  /** The family's type. */
  readonly type: "summary";
  /** Its metrics, in order. */
  readonly metrics: readonly SummaryMetric[];
}

/** A metric family: metrics that share a name, a type, a help text and a unit. */
export type MetricFamily = ValueFamily | HistogramFamily | SummaryFamily;
