/**
 * Merging of several exporters' expositions into one valid one: each family once, each
 * series once, the program's own names kept for its own series. Pure: no I/O.
 * @module
 */
import { sampleHash } from "./_scan.ts";
import { canonicalLabels, forEachLabel, labelsOf, type LabelSpan } from "./label_bytes.ts";
import type { Help } from "./help.ts";
import type { LabelSet, MetricType } from "./model.ts";
import { relabelLabels } from "./relabel.ts";
import type { Exposition, SampleStore } from "./store.ts";

/** The prefix of the program's own series: an exporter's families under it are renamed. */
export const RESERVED_PREFIX = "reverse_exporter_";

/** What an exporter's families of a reserved name are renamed with: `exported_` + name. */
export const EXPORTED_PREFIX = "exported_";

/** The labels added to every sample of an exporter, in the forms the engine uses them. */
export interface TargetLabels {
  /** The labels, in the order they are written. */
  readonly labels: LabelSet;
  /** Their canonical form, `name="value",...`. */
  readonly bytes: Uint8Array;
  /** The sum of their hashes (see `labelHash`). */
  readonly hash: number;
  /** Their names. */
  readonly names: ReadonlySet<string>;
}

const NO_TARGET_LABELS = targetLabelsOf([]);

/** The target labels `labels`, ready for merging and encoding. */
export function targetLabelsOf(labels: LabelSet): TargetLabels {
  const { bytes, hash } = canonicalLabels(labels);
  return { labels, bytes, hash, names: new Set(labels.map((l) => l.name)) };
}

/** One exporter's exposition, for a merge. */
export interface MergeSource {
  /** The exporter it comes from, for conflict reports; "" for the program's own series. */
  readonly exporterName: string;
  /** The decoded exposition. */
  readonly exposition: Exposition;
  /** Added after each sample's own labels; none when absent. */
  readonly target?: TargetLabels;
  /** The program's own series, which may use names starting with `reverse_exporter_`. */
  readonly own?: boolean;
}

/** The samples one exporter gives a merged family. */
export interface MergedPart {
  /** The store of the part's samples. */
  readonly store: SampleStore;
  /** Its samples, in the store; never empty. */
  readonly indices: Int32Array;
  /** The labels added to each of its samples. */
  readonly target: TargetLabels;
  /** Whether a sample may have a label named like a target label (which is then renamed). */
  readonly mayConflict: boolean;
}

/** A family of a merge: its metadata, and the samples of each exporter that has it. */
export interface MergedFamily {
  /** Its name in the exposition served (escaped for the client when it had to be). */
  readonly name: string;
  /** The family's type. */
  readonly type: MetricType;
  /** Its help text (the first exporter's that has one). */
  readonly help: Help | undefined;
  /** Its unit, if any. */
  readonly unit: string | undefined;
  /** Its samples, by exporter, in merge order. */
  readonly parts: readonly MergedPart[];
}

/** Something the merge had to resolve, reported once per family and exporter. */
export interface MergeConflict {
  /**
   * `type`: the family's type disagrees with an earlier exporter's; `duplicate`: a series
   * was given before; `reserved`: a family named like the program's own series, renamed.
   */
  readonly kind: "type" | "duplicate" | "reserved";
  /** The family's name. */
  readonly family: string;
  /** The exporter whose family it was. */
  readonly exporterName: string;
  /** Samples of this exporter that were dropped (0 when all were kept). */
  readonly droppedSamples: number;
  /** What happened, for the log. */
  readonly detail: string;
}

/** The merged families, sorted by name, and the conflicts met on the way. */
export interface MergeResult {
  /** The merged families, sorted by name. */
  readonly families: MergedFamily[];
  /** The conflicts met, once per family and exporter. */
  readonly conflicts: MergeConflict[];
}

/** Options of {@linkcode mergeSources}. */
export interface MergeOptions {
  /** The name a family is served under (escaped for the client); the name itself by default. */
  readonly nameOf?: (name: string) => string;
}

interface Entry {
  readonly name: string;
  type: MetricType;
  help: Help | undefined;
  unit: string | undefined;
  readonly parts: MergedPart[];
  readonly exporters: string[];
}

const SIMPLE_TYPES: ReadonlySet<MetricType> = new Set([
  "counter",
  "gauge",
  "unknown",
  "info",
  "stateset",
]);

/**
 * Merges the sources' families by name, so each appears once, with one HELP, one unit and
 * one type, and each series once.
 *
 * Rules: the first HELP and unit win. Families of one value whose types disagree are served as
 * gauges when all are gauges, infos or statesets, else as unknown, every sample kept. A
 * histogram, gauge histogram or summary that disagrees with the first exporter's type is
 * dropped from the later exporter. A series (name, labels once relabelled) given twice, by two
 * exporters or by one, is kept once: the first. An exporter's family named like the program's
 * own (`reverse_exporter_...`) is renamed `exported_reverse_exporter_...`.
 */
export function mergeSources(
  sources: readonly MergeSource[],
  options: MergeOptions = {},
): MergeResult {
  const nameOf = options.nameOf ?? ((name: string) => name);
  const entries = new Map<string, Entry>();
  const conflicts: MergeConflict[] = [];
  for (const source of sources) {
    const target = source.target ?? NO_TARGET_LABELS;
    const { store } = source.exposition;
    let mayConflict = false;
    for (const name of target.names) if (store.labelNames.has(name)) mayConflict = true;
    for (const family of source.exposition.families) {
      let name = family.name;
      if (!source.own && name.startsWith(RESERVED_PREFIX)) {
        name = EXPORTED_PREFIX + name;
        conflicts.push({
          kind: "reserved",
          family: family.name,
          exporterName: source.exporterName,
          droppedSamples: 0,
          detail: `the program's own prefix ${RESERVED_PREFIX}: renamed ${name}`,
        });
      }
      const key = nameOf(name);
      const part: MergedPart = { store, indices: family.indices, target, mayConflict };
      const entry = entries.get(key);
      if (entry === undefined) {
        entries.set(key, {
          name: key,
          type: family.type,
          help: family.help,
          unit: family.unit,
          parts: [part],
          exporters: [source.exporterName],
        });
        continue;
      }
      entry.help ??= family.help;
      entry.unit ??= family.unit;
      if (entry.type !== family.type) {
        const merged = mergedType(entry.type, family.type);
        if (merged === undefined) {
          conflicts.push({
            kind: "type",
            family: key,
            exporterName: source.exporterName,
            droppedSamples: family.indices.length,
            detail: `${family.type} disagrees with ${entry.type}: samples of this exporter dropped`,
          });
          continue;
        }
        // Reported even when the type served stays: this exporter's samples are not served
        // with the type it gave them.
        conflicts.push({
          kind: "type",
          family: key,
          exporterName: source.exporterName,
          droppedSamples: 0,
          detail: `${family.type} disagrees with ${entry.type}: family served as ${merged}`,
        });
        entry.type = merged;
      }
      entry.parts.push(part);
      entry.exporters.push(source.exporterName);
    }
  }
  // The default order is by UTF-16 code units, as `<` compares; without a comparator to
  // call, sorting is several times faster.
  const names = [...entries.keys()].sort();
  const dedup = new Deduplicator();
  const families: MergedFamily[] = [];
  for (const name of names) {
    const entry = entries.get(name)!;
    const parts = dedup.parts(entry, conflicts);
    if (parts.length === 0) continue;
    families.push({ name, type: entry.type, help: entry.help, unit: entry.unit, parts });
  }
  return { families, conflicts };
}

/** The type of a family of two exporters whose types disagree; undefined: keep the first. */
function mergedType(first: MetricType, later: MetricType): MetricType | undefined {
  if (!SIMPLE_TYPES.has(first) || !SIMPLE_TYPES.has(later)) return undefined;
  const gaugeLike = (t: MetricType) => t === "gauge" || t === "info" || t === "stateset";
  return gaugeLike(first) && gaugeLike(later) ? "gauge" : "unknown";
}

/**
 * Finds series given twice in a family: an open-addressing table of the samples' series
 * hashes (the stored hash of their own labels and role, plus their target labels'), each hit
 * compared label by label. The table is reused from family to family.
 */
class Deduplicator {
  #size = 0;
  #stamp = new Int32Array(0);
  #part = new Int32Array(0);
  #sample = new Int32Array(0);
  #hash = new Int32Array(0);
  #generation = 0;

  /** The parts of `entry` without the series given before; reports what was dropped. */
  parts(entry: Entry, conflicts: MergeConflict[]): MergedPart[] {
    const parts = entry.parts;
    let total = 0;
    for (const p of parts) total += p.indices.length;
    if (total < 2) return parts;
    this.#prepare(total);
    const out: MergedPart[] = [];
    for (let k = 0; k < parts.length; k++) {
      const part = parts[k]!;
      const { store, indices } = part;
      let kept: Int32Array | undefined;
      let keptLength = 0;
      for (let n = 0; n < indices.length; n++) {
        const i = indices[n]!;
        const hash = seriesHash(part, i);
        const duplicate = this.#insert(hash, parts, k, i);
        if (duplicate && kept === undefined) {
          kept = new Int32Array(indices.length);
          kept.set(indices.subarray(0, n));
          keptLength = n;
        } else if (!duplicate && kept !== undefined) {
          kept[keptLength++] = i;
        }
      }
      if (kept === undefined) {
        out.push(part);
        continue;
      }
      const dropped = indices.length - keptLength;
      conflicts.push({
        kind: "duplicate",
        family: entry.name,
        exporterName: entry.exporters[k]!,
        droppedSamples: dropped,
        detail: "series given before (by this exporter or an earlier one): dropped",
      });
      if (keptLength > 0) out.push({ ...part, store, indices: kept.subarray(0, keptLength) });
    }
    return out;
  }

  #prepare(total: number): void {
    let size = 64;
    while (size < total * 2) size *= 2;
    if (size > this.#size) {
      this.#size = size;
      this.#stamp = new Int32Array(size);
      this.#part = new Int32Array(size);
      this.#sample = new Int32Array(size);
      this.#hash = new Int32Array(size);
      this.#generation = 0;
    }
    this.#generation++;
  }

  /** Adds a sample; returns true, without adding it, when its series is already there. */
  #insert(hash: number, parts: readonly MergedPart[], part: number, sample: number): boolean {
    const mask = this.#size - 1;
    const generation = this.#generation;
    for (let slot = hash & mask;; slot = (slot + 1) & mask) {
      if (this.#stamp[slot] !== generation) {
        this.#stamp[slot] = generation;
        this.#part[slot] = part;
        this.#sample[slot] = sample;
        this.#hash[slot] = hash;
        return false;
      }
      if (this.#hash[slot] !== hash) continue;
      const other = parts[this.#part[slot]!]!;
      if (sameSeries(other, this.#sample[slot]!, parts[part]!, sample)) return true;
    }
  }
}

/** The series hash of sample `i` of `part`, its target labels included. */
function seriesHash(part: MergedPart, i: number): number {
  if (!part.mayConflict) return (part.store.hash[i]! + part.target.hash) | 0;
  const labels = relabelLabels(ownLabels(part.store, i), part.target.labels);
  return sampleHash(canonicalLabels(labels).hash, part.store.role[i]!);
}

/** The labels of stored sample `i`, `le` and `quantile` included. */
function ownLabels(store: SampleStore, i: number): LabelSet {
  const start = store.start[i]!;
  const offset = store.offsetAt(start);
  return labelsOf(store.bytesAt(start), { start: start - offset, end: store.end[i]! - offset });
}

/** Whether two samples are the same series: same role, same labels once relabelled. */
function sameSeries(a: MergedPart, i: number, b: MergedPart, j: number): boolean {
  if (a.store.role[i] !== b.store.role[j]) return false;
  if (a.store === b.store && a.target === b.target && !a.mayConflict) {
    return sameLabelSpans(a.store, i, j);
  }
  const left = relabelLabels(ownLabels(a.store, i), a.target.labels);
  const right = relabelLabels(ownLabels(b.store, j), b.target.labels);
  if (left.length !== right.length) return false;
  const key = (labels: LabelSet) =>
    labels.map((l) => `${l.name}\u0000${l.value}`).sort().join("\u0000");
  return key(left) === key(right);
}

/** Whether samples `i` and `j` of one store have the same labels, in any order. */
function sameLabelSpans(store: SampleStore, i: number, j: number): boolean {
  const spans = (k: number) => {
    const start = store.start[k]!;
    const offset = store.offsetAt(start);
    const out: LabelSpan[] = [];
    forEachLabel(
      store.bytesAt(start),
      { start: start - offset, end: store.end[k]! - offset },
      (l) => out.push(l),
    );
    return { bytes: store.bytesAt(start), spans: out };
  };
  const a = spans(i);
  const b = spans(j);
  if (a.spans.length !== b.spans.length) return false;
  return a.spans.every((x) =>
    b.spans.some((y) =>
      equal(a.bytes, x.nameStart, x.nameEnd, b.bytes, y.nameStart, y.nameEnd) &&
      equal(a.bytes, x.valueStart, x.valueEnd, b.bytes, y.valueStart, y.valueEnd)
    )
  );
}

function equal(
  a: Uint8Array,
  as: number,
  ae: number,
  b: Uint8Array,
  bs: number,
  be: number,
): boolean {
  if (ae - as !== be - bs) return false;
  for (let k = 0; k < ae - as; k++) if (a[as + k] !== b[bs + k]) return false;
  return true;
}
