/** The engine's work for one scrape of a path with one exporter, as the benchmarks run it. */
import {
  decodeExposition,
  encodeText,
  type Exposition,
  type MergeSource,
  mergeSources,
  targetLabelsOf,
} from "../src/exposition/mod.ts";

/** The labels every sample of the exporter gets, as a path with one exporter adds them. */
export const TARGET_LABELS = targetLabelsOf([{ name: "exporter_name", value: "node" }]);

/** The merge sources of one exporter's exposition. */
export function oneSource(exposition: Exposition): MergeSource[] {
  return [{ exporterName: "node", exposition, target: TARGET_LABELS }];
}

/** Decode, relabel+merge and encode (text 0.0.4): from an exporter's body to the bytes served. */
export function pipeline(body: Uint8Array): Uint8Array {
  return encodeText(mergeSources(oneSource(decodeExposition(body))).families).body;
}
