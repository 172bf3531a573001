/** Builders of samples and families for the engine's tests. */
import type { MetricFamily, MetricType, Sample } from "../../src/exposition/mod.ts";

/** A sample as the decoder builds it: `timestampMs` is always present, maybe undefined. */
export function smp(
  name: string,
  labels: [string, string][],
  value: number,
  timestampMs?: number,
): Sample {
  return { name, labels: labels.map(([name, value]) => ({ name, value })), value, timestampMs };
}

/** A family, with `help` only when given. */
export function fam(
  name: string,
  type: MetricType,
  samples: Sample[],
  help?: string,
): MetricFamily {
  return help === undefined ? { name, type, samples } : { name, type, help, samples };
}
