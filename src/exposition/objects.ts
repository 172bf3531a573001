/**
 * The two forms of the data model: metric families as objects (model.ts), and an
 * `Exposition`, the compact form decoders fill and encoders read. Families of objects become
 * an exposition (the program's own metrics, tests) and an exposition becomes objects (tests,
 * tools). Pure: no I/O.
 * @module
 */
import { formatValue } from "./_number.ts";
import { isLegacyLabelName, sampleHash } from "./_scan.ts";
import { helpText } from "./help.ts";
import { canonicalLabels, labelsOf } from "./label_bytes.ts";
import type {
  Bucket,
  Exemplar,
  HistogramMetric,
  LabelSet,
  Metric,
  MetricFamily,
  Quantile,
  SummaryMetric,
  ValueMetric,
} from "./model.ts";
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
  type StoredFamily,
  SUM,
  VALUE,
} from "./store.ts";

const NO_BYTES = new Uint8Array(0);

/** The families of an exposition, as objects. */
export function familiesOf(exposition: Exposition): MetricFamily[] {
  return exposition.families.map((family) => familyOf(exposition.store, family));
}

/** A metric being gathered from its samples. */
interface MetricBuilder {
  labels: LabelSet | undefined;
  timestampMs: number | undefined;
  value?: number;
  createdMs?: number;
  exemplar?: Exemplar;
  count?: number;
  sum?: number;
  buckets?: Bucket[];
  quantiles?: Quantile[];
  native?: HistogramMetric["native"];
}

function familyOf(store: SampleStore, family: StoredFamily): MetricFamily {
  const metrics = new Map<number, MetricBuilder>();
  for (const i of family.indices) {
    let m = metrics.get(store.metric[i]!);
    if (m === undefined) {
      m = { labels: undefined, timestampMs: undefined };
      metrics.set(store.metric[i]!, m);
    }
    addSample(store, i, m);
  }
  const out: Record<string, unknown> = { name: family.name, type: family.type };
  if (family.help !== undefined) out.help = helpText(family.help);
  if (family.unit !== undefined) out.unit = family.unit;
  out.metrics = [...metrics.values()].map((m) => toMetric(family.type, m));
  return out as unknown as MetricFamily;
}

function addSample(store: SampleStore, i: number, m: MetricBuilder): void {
  const role = store.role[i]!;
  const value = store.value[i]!;
  const timestamp = store.timestampOf(i);
  if (m.timestampMs === undefined && timestamp === timestamp) m.timestampMs = timestamp;
  const start = store.start[i]!;
  const bytes = store.bytesAt(start);
  const offset = store.offsetAt(start);
  const all = labelsOf(bytes, { start: start - offset, end: store.end[i]! - offset });
  const boundName = role === BUCKET ? "le" : role === QUANTILE ? "quantile" : undefined;
  m.labels ??= boundName === undefined ? all : all.filter((l) => l.name !== boundName);
  const written = all.find((l) => l.name === boundName)?.value;
  const bound = store.boundOf(i);
  const exemplar = store.exemplarOf(i);
  switch (role) {
    case VALUE:
      m.value = value;
      if (exemplar !== undefined) m.exemplar = exemplar;
      break;
    case BUCKET:
      (m.buckets ??= []).push({
        upperBound: bound,
        count: value,
        ...(written === undefined || written === formatValue(bound) ? {} : { le: written }),
        ...(exemplar === undefined ? {} : { exemplar }),
      });
      break;
    case QUANTILE:
      (m.quantiles ??= []).push({
        quantile: bound,
        value,
        ...(written === undefined || written === formatValue(bound) ? {} : { label: written }),
      });
      break;
    case SUM:
    case GSUM:
      m.sum = value;
      break;
    case COUNT:
    case GCOUNT:
      m.count = value;
      break;
    case CREATED:
      m.createdMs = value * 1000;
      break;
    case NATIVE:
      m.native = store.natives[value]!;
      break;
  }
}

function toMetric(type: MetricFamily["type"], m: MetricBuilder): Metric {
  const out: Record<string, unknown> = { labels: m.labels ?? [] };
  if (m.timestampMs !== undefined) out.timestampMs = m.timestampMs;
  if (type === "histogram" || type === "gaugehistogram") {
    if (m.count !== undefined) out.count = m.count;
    if (m.sum !== undefined) out.sum = m.sum;
    out.buckets = m.buckets ?? [];
    if (m.native !== undefined) out.native = m.native;
  } else if (type === "summary") {
    if (m.count !== undefined) out.count = m.count;
    if (m.sum !== undefined) out.sum = m.sum;
    out.quantiles = m.quantiles ?? [];
  } else {
    out.value = m.value ?? NaN;
    if (m.exemplar !== undefined) out.exemplar = m.exemplar;
  }
  if (m.createdMs !== undefined) out.createdMs = m.createdMs;
  return out as unknown as Metric;
}

/** An exposition holding `families`, as a decoder would have made it. */
export function expositionOf(families: readonly MetricFamily[]): Exposition {
  let expected = 0;
  for (const f of families) expected += f.metrics.length;
  const store = new SampleStore(NO_BYTES, expected);
  const built: {
    name: string;
    type: MetricFamily["type"];
    help: string | undefined;
    unit: string | undefined;
    count: number;
  }[] = [];
  families.forEach((family, id) => {
    const builder = {
      name: family.name,
      type: family.type,
      help: family.help,
      unit: family.unit,
      count: 0,
    };
    built.push(builder);
    for (const metric of family.metrics) {
      const writer = new MetricWriter(store, { family: id, metric, builder });
      switch (family.type) {
        case "histogram":
        case "gaugehistogram":
          writer.histogram(metric as HistogramMetric, family.type === "gaugehistogram");
          break;
        case "summary":
          writer.summary(metric as SummaryMetric);
          break;
        default:
          writer.value(metric as ValueMetric);
      }
    }
  });
  return store.takeFamilies(built);
}

/** Writes the samples of one metric into a store. */
class MetricWriter {
  readonly #store: SampleStore;
  readonly #family: number;
  readonly #metric: number;
  readonly #labels: { start: number; end: number; hash: number };
  readonly #labelBytes: Uint8Array;
  readonly #timestamp: number;
  readonly #builder: { count: number };

  constructor(
    store: SampleStore,
    what: { family: number; metric: Metric; builder: { count: number } },
  ) {
    this.#store = store;
    this.#family = what.family;
    this.#metric = store.metrics++;
    this.#builder = what.builder;
    const { bytes, hash } = canonicalLabels(what.metric.labels);
    const start = store.auxPosition;
    store.auxWrite(bytes, 0, bytes.length);
    this.#labels = { start, end: store.auxPosition, hash };
    this.#labelBytes = bytes;
    this.#timestamp = what.metric.timestampMs ?? NaN;
    for (const l of what.metric.labels) {
      store.labelNames.add(l.name);
      if (!isLegacyLabelName(l.name)) store.quotedLabelNames = true;
    }
  }

  value(metric: ValueMetric): void {
    const i = this.#push(VALUE, metric.value);
    if (metric.exemplar !== undefined) this.#store.setExemplar(i, metric.exemplar);
    this.#created(metric.createdMs);
  }

  histogram(metric: HistogramMetric, gauge: boolean): void {
    if (metric.native !== undefined) {
      this.#push(NATIVE, this.#store.natives.length);
      this.#store.natives.push(metric.native);
    }
    for (const bucket of metric.buckets) {
      const i = this.#bounded(BUCKET, {
        name: "le",
        value: bucket.le ?? formatValue(bucket.upperBound),
      }, bucket.count);
      this.#store.setBound(i, bucket.upperBound);
      if (bucket.exemplar !== undefined) this.#store.setExemplar(i, bucket.exemplar);
    }
    if (metric.sum !== undefined) this.#push(gauge ? GSUM : SUM, metric.sum);
    if (metric.count !== undefined) this.#push(gauge ? GCOUNT : COUNT, metric.count);
    this.#created(metric.createdMs);
  }

  summary(metric: SummaryMetric): void {
    for (const q of metric.quantiles) {
      const label = { name: "quantile", value: q.label ?? formatValue(q.quantile) };
      this.#store.setBound(this.#bounded(QUANTILE, label, q.value), q.quantile);
    }
    if (metric.sum !== undefined) this.#push(SUM, metric.sum);
    if (metric.count !== undefined) this.#push(COUNT, metric.count);
    this.#created(metric.createdMs);
  }

  #created(createdMs: number | undefined): void {
    if (createdMs !== undefined) this.#push(CREATED, createdMs / 1000);
  }

  /** A sample with the metric's labels and one more (`le`, `quantile`). */
  #bounded(role: Role, label: { name: string; value: string }, value: number): number {
    const store = this.#store;
    const extra = canonicalLabels([label]);
    const start = store.auxPosition;
    store.auxWrite(this.#labelBytes, 0, this.#labelBytes.length);
    if (this.#labelBytes.length > 0) store.auxByte(44); // ','
    store.auxWrite(extra.bytes, 0, extra.bytes.length);
    return this.#push(role, value, {
      start,
      end: store.auxPosition,
      hash: (this.#labels.hash + extra.hash) | 0,
    });
  }

  #push(role: Role, value: number, labels = this.#labels): number {
    const store = this.#store;
    const i = store.reserve();
    store.metric[i] = this.#metric;
    store.role[i] = role;
    store.start[i] = labels.start;
    store.end[i] = labels.end;
    store.value[i] = value;
    store.hash[i] = sampleHash(labels.hash, role);
    store.family[i] = this.#family;
    if (this.#timestamp === this.#timestamp) store.setTimestamp(i, this.#timestamp);
    store.length = i + 1;
    this.#builder.count++;
    return i;
  }
}
