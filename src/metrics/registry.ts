/** The program's own metrics: counters, gauges and histograms with labels. */
import type { HistogramFamily, Label, ValueFamily, ValueMetric } from "../exposition/model.ts";

interface Series {
  readonly labels: Label[];
  value: number;
}

function labelsOf(names: readonly string[], values: readonly string[]): Label[] {
  return names.map((name, i) => ({ name, value: values[i] ?? "" }));
}

/** A metric whose series are set or added to by label values. */
class SimpleMetric {
  readonly name: string;
  readonly help: string;
  readonly type: ValueFamily["type"];
  readonly labelNames: readonly string[];
  readonly #series = new Map<string, Series>();

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

  collect(): ValueFamily {
    const metrics: ValueMetric[] = [];
    for (const s of this.#series.values()) metrics.push({ labels: s.labels, value: s.value });
    return { name: this.name, type: this.type, help: this.help, metrics };
  }
}

/** A monotonically increasing count. */
export class Counter extends SimpleMetric {
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
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  readonly buckets: readonly number[];
  readonly #series = new Map<string, HistogramSeries>();

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
