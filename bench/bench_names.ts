/** The names of the engine benchmarks, shared by the benchmark files and the report. */

/** The stages of the engine micro-benchmarks, in the order of the report. */
export const STAGES = ["decode", "relabel+merge", "encode", "pipeline"] as const;

/** One stage of the engine. */
export type Stage = (typeof STAGES)[number];

/** The series counts of the scaling run. */
export const SCALING_SERIES = [1_000, 10_000, 100_000, 1_000_000] as const;

/** The name of the benchmark of `stage` on `payload`: `stage / payload`. */
export function benchName(stage: Stage, payload: string): string {
  return `${stage} / ${payload}`;
}

/** The name of the scaling benchmark of `series` series. */
export function scalingBenchName(series: number): string {
  return `pipeline / ${series} series`;
}
