/**
 * What an encoder leaves out because the client's format cannot carry it, counted, so that
 * nothing is dropped silently. Pure: no I/O.
 * @module
 */

/** The kinds of data a format may not carry. */
export type Dropped =
  /** Exemplars of counters and buckets (text formats). */
  | "exemplar"
  /** Created timestamps (`_created`) (text formats). */
  | "created_timestamp"
  /** Units (`# UNIT`) (text formats). */
  | "unit"
  /**
   * The buckets of a native histogram (text and OpenMetrics 1.0): served as its classic
   * histogram when it has one, else with only its `+Inf` bucket, `_sum` and `_count`.
   */
  | "native_histogram_buckets";

/** Every kind of dropped data, in the order metrics and docs list them. */
export const DROPPED: readonly Dropped[] = [
  "exemplar",
  "created_timestamp",
  "unit",
  "native_histogram_buckets",
];

/** How many of each kind an encoding dropped. */
export type DroppedCounts = Record<Dropped, number>;

/** Counts of nothing dropped, to add to. */
export function noneDropped(): DroppedCounts {
  return { exemplar: 0, created_timestamp: 0, unit: 0, native_histogram_buckets: 0 };
}

/** An encoded exposition, and what its format could not carry. */
export interface Encoded {
  /** The encoded exposition. */
  readonly body: Uint8Array<ArrayBuffer>;
  /** What it could not carry, counted by kind. */
  readonly dropped: DroppedCounts;
}
