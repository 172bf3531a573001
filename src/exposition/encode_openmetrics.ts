/** Placeholder until the encoder lands (branch engine, work in progress). */
import type { Encoded } from "./conversion.ts";
import type { MergedFamily } from "./merge.ts";

/** Not written yet. */
export function encodeOpenMetrics(
  _families: readonly MergedFamily[],
  _options: Record<string, unknown> = {},
): Encoded {
  throw new Error("encodeOpenMetrics: not written yet");
}
