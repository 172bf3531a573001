/** The data model of a decoded exposition: metric families, samples and label sets. */

/** The type of a metric family, as written in a `# TYPE` line of text format 0.0.4. */
export type MetricType = "counter" | "gauge" | "histogram" | "summary" | "untyped";

/** One label: a name and its (unescaped) value. */
export interface Label {
  readonly name: string;
  readonly value: string;
}

/** The labels of one sample, in the order they were written. */
export type LabelSet = readonly Label[];

/** One sample line: a metric name, its labels, its value and an optional timestamp in ms. */
export interface Sample {
  readonly name: string;
  readonly labels: LabelSet;
  readonly value: number;
  readonly timestampMs?: number | undefined;
}

/** A metric family: every sample that shares one `# HELP` and `# TYPE`. */
export interface MetricFamily {
  readonly name: string;
  readonly type: MetricType;
  /** Unescaped help text; absent when the source wrote no `# HELP` line. */
  readonly help?: string;
  readonly samples: Sample[];
}
