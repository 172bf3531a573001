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

/**
 * Decode, relabel+merge and encode (text 0.0.4): from an exporter's body to the bytes served;
 * then the exposition and the answer are freed, as a scrape frees them once it has served the
 * answer (their memory given back at once rather than left to the collector, whose pauses
 * would otherwise fall on whichever benchmark runs next). Returns the answer's length. `body`
 * is kept: pass it through {@linkcode reusable}.
 */
export function pipeline(body: Uint8Array): number {
  const exposition = decodeExposition(body);
  const answer = encodeText(mergeSources(oneSource(exposition)).families).body;
  exposition.store.release();
  const length = answer.length;
  answer.buffer.transfer(0);
  return length;
}

/**
 * `body` as a view that does not span its buffer: `SampleStore.release` frees a body only when
 * it is a buffer of its own, so that this one is kept for the next iteration.
 */
export function reusable(body: Uint8Array): Uint8Array {
  const padded = new Uint8Array(body.length + 1);
  padded.set(body);
  return padded.subarray(0, body.length);
}
