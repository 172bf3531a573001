/** Merging of several sources' families into one valid exposition. Pure: no I/O. */
import { relabelLabels, relabelSamples } from "./relabel.ts";
import { sampleCount, sampleObjects, type StoredSamples, storedSamplesOf } from "./sample_store.ts";
import type { LabelSet, MetricFamily, MetricType, Sample } from "./types.ts";

/** One source of families for a merge, in the order sources are given. */
export interface MergeSource {
  /** The exporter the families come from, for conflict reports. */
  readonly exporterName: string;
  readonly families: readonly MetricFamily[];
  /**
   * True when the source's samples may collide with another source's series
   * (an exporter with `no_rewrite`): its series are then checked for duplicates.
   */
  readonly mayCollide: boolean;
  /**
   * Labels added to every sample of the source, as `relabelFamilies` adds them. Absent or
   * empty: none. `mergeFamilies` returns the samples relabelled; `mergeSources` leaves them
   * to the encoder, so no relabelled copy of each sample is ever made.
   */
  readonly targetLabels?: LabelSet;
}

/** The samples one source gives a merged family, and the labels to add to each of them. */
export interface SamplePart {
  /** Sample objects, or samples still in the store of the text they were decoded from. */
  readonly samples: readonly Sample[] | StoredSamples;
  /** Added after each sample's own labels when encoded (see `relabelFamilies`). */
  readonly targetLabels: LabelSet;
}

/** A family of a merge, its samples still in the parts its sources gave. */
export interface MergedFamily {
  readonly name: string;
  readonly type: MetricType;
  /** Unescaped help text; absent when no source gave one. */
  readonly help?: string;
  /** Never empty; each part has samples. */
  readonly parts: readonly SamplePart[];
}

/** Something the merge had to resolve, reported once per family and exporter. */
export interface MergeConflict {
  /** `type`: the family's type disagrees; `duplicate`: a series was already present. */
  readonly kind: "type" | "duplicate";
  readonly family: string;
  readonly exporterName: string;
  /** Samples of this exporter that were dropped (0 when all were kept). */
  readonly droppedSamples: number;
  readonly detail: string;
}

/** The merged families, sorted by name, and the conflicts met on the way. */
export interface MergeResult {
  readonly families: MetricFamily[];
  readonly conflicts: MergeConflict[];
}

/** The merged families of `mergeSources`, sorted by name, and the conflicts met on the way. */
export interface MergedSources {
  readonly families: MergedFamily[];
  readonly conflicts: MergeConflict[];
}

interface Part {
  readonly source: MergeSource;
  readonly family: MetricFamily;
}

const NO_LABELS: LabelSet = [];

interface Entry {
  readonly name: string;
  type: MetricType;
  help: string | undefined;
  readonly parts: Part[];
}

const SIMPLE_TYPES: ReadonlySet<MetricType> = new Set(["counter", "gauge", "untyped"]);

/**
 * Merges families by name, so each appears once with one HELP and one TYPE, each sample
 * relabelled with its source's `targetLabels`.
 *
 * Rules: the first HELP wins; counter, gauge and untyped families that disagree become
 * untyped with every sample kept; a histogram or summary that disagrees with the first
 * source's type is dropped from the later source; when a source `mayCollide`, a series
 * (name and label set, once relabelled) already given by an earlier source is dropped.
 */
export function mergeFamilies(sources: readonly MergeSource[]): MergeResult {
  const { families, conflicts } = mergeSources(sources);
  return { families: families.map(toFamily), conflicts };
}

/**
 * Merges as `mergeFamilies` does, but leaves each source's samples as they are, in parts
 * that carry the source's target labels: `encodeMerged` writes them relabelled.
 */
export function mergeSources(sources: readonly MergeSource[]): MergedSources {
  const entries = new Map<string, Entry>();
  const conflicts: MergeConflict[] = [];
  for (const source of sources) {
    for (const family of source.families) {
      const count = sampleCount(family);
      if (count === 0) continue; // nothing to serve, and no type to impose
      const entry = entries.get(family.name);
      if (entry === undefined) {
        entries.set(family.name, {
          name: family.name,
          type: family.type,
          help: family.help,
          parts: [{ source, family }],
        });
        continue;
      }
      entry.help ??= family.help;
      if (entry.type !== family.type) {
        if (SIMPLE_TYPES.has(entry.type) && SIMPLE_TYPES.has(family.type)) {
          conflicts.push({
            kind: "type",
            family: family.name,
            exporterName: source.exporterName,
            droppedSamples: 0,
            detail: `${family.type} disagrees with ${entry.type}: family served as untyped`,
          });
          entry.type = "untyped";
        } else {
          conflicts.push({
            kind: "type",
            family: family.name,
            exporterName: source.exporterName,
            droppedSamples: count,
            detail: `${family.type} disagrees with ${entry.type}: samples of this exporter dropped`,
          });
          continue;
        }
      }
      entry.parts.push({ source, family });
    }
  }
  // The default order is by UTF-16 code units, as `<` compares; without a comparator to
  // call, sorting is several times faster.
  const names = [...entries.keys()].sort();
  const families = names.map((name) => toMerged(entries.get(name)!, conflicts));
  return { families, conflicts };
}

function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function toMerged(entry: Entry, conflicts: MergeConflict[]): MergedFamily {
  const { name, type, help } = entry;
  const parts = entry.parts.length > 1 && entry.parts.some((p) => p.source.mayCollide)
    ? withoutDuplicates(name, entry.parts, conflicts)
    : entry.parts.map(toSamplePart);
  return help === undefined ? { name, type, parts } : { name, type, help, parts };
}

function toSamplePart(part: Part): SamplePart {
  return {
    samples: storedSamplesOf(part.family) ?? part.family.samples,
    targetLabels: part.source.targetLabels ?? NO_LABELS,
  };
}

/** A merged family with its samples relabelled, in one array. */
function toFamily(merged: MergedFamily): MetricFamily {
  const { name, type, help, parts } = merged;
  let samples: Sample[];
  if (parts.length === 1 && parts[0]!.targetLabels.length === 0) {
    samples = sampleObjects(parts[0]!.samples) as Sample[];
  } else {
    samples = parts.flatMap((p) => relabelSamples(sampleObjects(p.samples), p.targetLabels));
  }
  return help === undefined ? { name, type, samples } : { name, type, help, samples };
}

function withoutDuplicates(
  family: string,
  parts: readonly Part[],
  conflicts: MergeConflict[],
): SamplePart[] {
  const seen = new Set<string>();
  const kept: SamplePart[] = [];
  for (const part of parts) {
    const target = part.source.targetLabels ?? NO_LABELS;
    const samples: Sample[] = [];
    let dropped = 0;
    for (const s of part.family.samples) {
      const key = seriesKey(s.name, relabelLabels(s.labels, target));
      if (seen.has(key)) {
        dropped++;
        continue;
      }
      seen.add(key);
      samples.push(s);
    }
    if (samples.length > 0) kept.push({ samples, targetLabels: target });
    if (dropped > 0) {
      conflicts.push({
        kind: "duplicate",
        family,
        exporterName: part.source.exporterName,
        droppedSamples: dropped,
        detail: "series already given by an earlier exporter: dropped",
      });
    }
  }
  return kept;
}

/** A string that identifies a series: its name and its labels in name order. */
function seriesKey(name: string, labels: LabelSet): string {
  const sorted = [...labels].sort((a, b) => compareNames(a.name, b.name));
  let key = name;
  for (const l of sorted) key += "\u0000" + l.name + "\u0000" + l.value;
  return key;
}
