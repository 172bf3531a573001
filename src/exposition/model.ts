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
  readonly name: string;
  readonly value: string;
}

/** The labels of one metric, in the order they were written. */
export type LabelSet = readonly Label[];

/** An exemplar: a labelled example of an observation, with an optional time. */
export interface Exemplar {
  readonly labels: LabelSet;
  readonly value: number;
  /** Milliseconds since the epoch, possibly fractional. */
  readonly timestampMs?: number;
}

/** A classic histogram bucket: cumulative count of observations up to `upperBound`. */
export interface Bucket {
  readonly upperBound: number;
  readonly count: number;
  /** The `le` label as the source wrote it (`"1.0"`), when it did not write it as we would. */
  readonly le?: string;
  readonly exemplar?: Exemplar;
}

/** A summary quantile. */
export interface Quantile {
  readonly quantile: number;
  readonly value: number;
  /** The `quantile` label as the source wrote it, when it did not write it as we would. */
  readonly label?: string;
}

/** A run of consecutive native histogram buckets, `offset` from the end of the previous run. */
export interface BucketSpan {
  readonly offset: number;
  readonly length: number;
}

/**
 * A native (exponential) histogram, as the protobuf format carries it: integer buckets as
 * deltas, float buckets as absolute counts.
 */
export interface NativeHistogram {
  readonly schema: number;
  readonly zeroThreshold: number;
  readonly zeroCount: number;
  readonly count: number;
  readonly sum: number;
  /** Whether counts are floats (`*_count_float`, `*_count` buckets) rather than integers. */
  readonly float: boolean;
  readonly positiveSpans: readonly BucketSpan[];
  /** Integer histograms: deltas; float histograms: absolute counts. */
  readonly positiveBuckets: readonly number[];
  readonly negativeSpans: readonly BucketSpan[];
  readonly negativeBuckets: readonly number[];
  readonly exemplars: readonly Exemplar[];
}

/** What every metric has. */
interface MetricBase {
  readonly labels: LabelSet;
  /** Milliseconds since the epoch. */
  readonly timestampMs?: number;
}

/** A metric with one value: counter, gauge, unknown, info, stateset. */
export interface ValueMetric extends MetricBase {
  readonly value: number;
  /** Counters only: when the counter was created, in ms since the epoch. */
  readonly createdMs?: number;
  /** Counters only. */
  readonly exemplar?: Exemplar;
}

/** A histogram or gauge histogram metric: classic buckets, a native histogram, or both. */
export interface HistogramMetric extends MetricBase {
  readonly count?: number;
  readonly sum?: number;
  readonly buckets: readonly Bucket[];
  readonly native?: NativeHistogram;
  readonly createdMs?: number;
}

/** A summary metric. */
export interface SummaryMetric extends MetricBase {
  readonly count?: number;
  readonly sum?: number;
  readonly quantiles: readonly Quantile[];
  readonly createdMs?: number;
}

/** A metric of any type. */
export type Metric = ValueMetric | HistogramMetric | SummaryMetric;

/** What every family has. */
interface FamilyBase {
  readonly name: string;
  /** Unescaped help text; absent when the source gave none. */
  readonly help?: string;
  /** The unit (OpenMetrics `# UNIT`, protobuf `unit`); absent when the source gave none. */
  readonly unit?: string;
}

/** A family of one-value metrics. */
export interface ValueFamily extends FamilyBase {
  readonly type: "counter" | "gauge" | "unknown" | "info" | "stateset";
  readonly metrics: readonly ValueMetric[];
}

/** A family of histograms or gauge histograms. */
export interface HistogramFamily extends FamilyBase {
  readonly type: "histogram" | "gaugehistogram";
  readonly metrics: readonly HistogramMetric[];
}

/** A family of summaries. */
export interface SummaryFamily extends FamilyBase {
  readonly type: "summary";
  readonly metrics: readonly SummaryMetric[];
}

/** A metric family: metrics that share a name, a type, a help text and a unit. */
export type MetricFamily = ValueFamily | HistogramFamily | SummaryFamily;
