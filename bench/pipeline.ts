/** The engine's work for one scrape of a path with one exporter, as the benchmarks run it. */
import {
  decodeExposition,
  encodeMerged,
  type LabelSet,
  type MergeSource,
  mergeSources,
  type MetricFamily,
} from "../src/exposition/mod.ts";

/** The labels every sample of the exporter gets, as a path with one exporter adds them. */
export const TARGET_LABELS: LabelSet = [{ name: "exporter_name", value: "node" }];

/** The merge sources of one exporter's families. */
export function oneSource(families: readonly MetricFamily[]): MergeSource[] {
  return [{ exporterName: "node", families, mayCollide: false, targetLabels: TARGET_LABELS }];
}

/** Decode, relabel+merge and encode: from an exporter's text to the bytes served. */
export function pipeline(text: string): Uint8Array {
  return encodeMerged(mergeSources(oneSource(decodeExposition(text))).families);
}
