/** The program's own metrics: counters, gauges and histograms with labels. */
import type { HistogramFamily, Label, ValueFamily, ValueMetric } from "../exposition/model.ts";

/** One series of a metric: its labels and its value. */
export interface Series {
  /** Its labels, named as the metric's label names. */
  readonly labels: Label[];
  /** Its value, set or added to. */
  value: number;
}

function labelsOf(names: readonly string[], values: readonly string[]): Label[] {
  return names.map((name, i) => ({ name, value: values[i] ?? "" }));
}

/** A metric whose series are set or added to by label values (counters and gauges). */
export class SimpleMetric {
  /** The family's name. */
  readonly name: string;
  /** Its help text. */
  readonly help: string;
  /** Its type: counter or gauge. */
  readonly type: ValueFamily["type"];
  /** The names of the labels its series have, in order. */
  readonly labelNames: readonly string[];
  readonly #series = new Map<string, Series>();

  /** A metric named `name` of `type`, with the label names its series have. */
  constructor(
    name: string,
    help: string,
    type: ValueFamily["type"],
    labelNames: readonly string[],
  ) {
    this.name = name;
    this.help = help;
    this.type = type;
    this.labelNames = labelNames;
  }

  /** The series of the label values `values`, made at 0 if it is new. */
  protected series(values: readonly string[]): Series {
    const k = values.join("\u0000");
    let s = this.#series.get(k);
    if (s === undefined) {
      s = { labels: labelsOf(this.labelNames, values), value: 0 };
      this.#series.set(k, s);
    }
    return s;
  }

  /** Forgets every series whose label values start with `prefix`. */
  removeWhere(prefix: readonly string[]): void {
    for (const [k, s] of this.#series) {
      if (prefix.every((v, i) => s.labels[i]?.value === v)) this.#series.delete(k);
    }
  }

  /** The family, with a metric per series. */
  collect(): ValueFamily {
    const metrics: ValueMetric[] = [];
    for (const s of this.#series.values()) metrics.push({ labels: s.labels, value: s.value });
    return { name: this.name, type: this.type, help: this.help, metrics };
  }
}

/** A monotonically increasing count. */
export class Counter extends SimpleMetric {
  /** A counter named `name`, with the label names its series have. */
  constructor(name: string, help: string, labelNames: readonly string[] = []) {
    super(name, help, "counter", labelNames);
  }

  /** Adds `amount` (default 1) to the series of these label values. */
  inc(values: readonly string[] = [], amount = 1): void {
    this.series(values).value += amount;
  }
}

/** A value that goes up and down. */
export class Gauge extends SimpleMetric {
  /** A gauge named `name`, with the label names its series have. */
  constructor(name: string, help: string, labelNames: readonly string[] = []) {
    super(name, help, "gauge", labelNames);
  }

  /** Sets the series of these label values. */
  set(values: readonly string[], value: number): void {
    this.series(values).value = value;
  }
}

interface HistogramSeries {
  readonly labels: Label[];
  readonly counts: number[];
  sum: number;
  count: number;
}

/** Observations counted into cumulative buckets. */
export class Histogram {
  /** The family's name. */
  readonly name: string;
  /** Its help text. */
  readonly help: string;
  /** The names of the labels its series have, in order. */
  readonly labelNames: readonly string[];
  /** The upper bounds of its buckets, +Inf left out. */
  readonly buckets: readonly number[];
  readonly #series = new Map<string, HistogramSeries>();

  /** A histogram named `name`, with the label names its series have and its buckets' bounds. */
  constructor(
    name: string,
    help: string,
    labelNames: readonly string[],
    buckets: readonly number[],
  ) {
    this.name = name;
    this.help = help;
    this.labelNames = labelNames;
    this.buckets = buckets;
  }

  /** Records one observation for these label values. */
  observe(values: readonly string[], value: number): void {
    const k = values.join("\u0000");
    let s = this.#series.get(k);
    if (s === undefined) {
      s = {
        labels: labelsOf(this.labelNames, values),
        counts: this.buckets.map(() => 0),
        sum: 0,
        count: 0,
      };
      this.#series.set(k, s);
    }
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]!) s.counts[i]!++;
    s.sum += value;
    s.count++;
  }

  /** Forgets every series whose label values start with `prefix`. */
  removeWhere(prefix: readonly string[]): void {
    for (const [k, s] of this.#series) {
      if (prefix.every((v, i) => s.labels[i]?.value === v)) this.#series.delete(k);
    }
  }

  /** The family, with a metric per series. */
  collect(): HistogramFamily {
    const metrics = [...this.#series.values()].map((s) => ({
      labels: s.labels,
      count: s.count,
      sum: s.sum,
      buckets: [
        ...this.buckets.map((upperBound, i) => ({ upperBound, count: s.counts[i]! })),
        { upperBound: Infinity, count: s.count },
      ],
    }));
    return { name: this.name, type: "histogram", help: this.help, metrics };
  }
}

/** Anything that can be collected into one family. */
export type Metric = Counter | Gauge | Histogram;
