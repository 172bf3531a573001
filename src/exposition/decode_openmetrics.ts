/** Placeholder until the decoder lands (branch engine, work in progress). */
import type { Exposition } from "./store.ts";

/** Not written yet. */
export function decodeOpenMetrics(_body: Uint8Array): Exposition {
  throw new Error("decodeOpenMetrics: not written yet");
}
