/**
 * The grouping of a decoded family's lines into metrics, shared by the text decoders: the
 * lines with the same labels but `le` or `quantile`, and the same timestamp, are one metric
 * (a histogram's buckets, sum, count and created; a counter's total and created). Pure: no
 * I/O.
 * @module
 */
import { BACKSLASH, isEscaped, type Scanner } from "./_scan.ts";
import { readLabel } from "./label_bytes.ts";
import { BUCKET, QUANTILE } from "./store.ts";

/** The line just read, as `MetricGroups.metricOf` needs it. */
export interface GroupedLine {
  /** Its index in the store, whose label positions and role are set. */
  readonly sample: number;
  /** The position of its `le` or `quantile` label in the scanner's label set, or -1. */
  readonly skip: number;
  /** Its timestamp in ms; NaN for none. */
  readonly timestamp: number;
}

/** Metrics a family's table holds before it grows; it doubles each time. */
const FIRST_CAPACITY = 16;

/**
 * The metrics of a family while it is decoded: a hash table of their keys (the hash of their
 * labels but `le`/`quantile`, their timestamp, a sample of theirs to compare labels with),
 * chained, in typed arrays rather than an object per metric. `reset` empties it for the next
 * family, keeping its arrays.
 */
export class MetricGroups {
  #count = 0;
  /** The first key of each chain, by hash, where its stamp is the table's generation. */
  #heads = new Int32Array(FIRST_CAPACITY);
  #stamps = new Int32Array(FIRST_CAPACITY);
  #generation = 1;
  /** The next key of each key's chain; -1 for none. */
  #next = new Int32Array(FIRST_CAPACITY);
  #hash = new Int32Array(FIRST_CAPACITY);
  #metric = new Int32Array(FIRST_CAPACITY);
  #sample = new Int32Array(FIRST_CAPACITY);
  #timestamp = new Float64Array(FIRST_CAPACITY);
  /** The key of the last line's metric: the next line mostly belongs to it too. */
  #open = -1;

  /**
   * The metric number of the line just read by `scanner`: that of the lines before it with
   * the same labels (but `le` or `quantile`) and timestamp, or a new one.
   */
  metricOf(scanner: Scanner, line: GroupedLine): number {
    const { skip, timestamp } = line;
    const hash = skip < 0
      ? scanner.labelsHash
      : (scanner.labelsHash - scanner.labelHashes[skip]!) | 0;
    const open = this.#open;
    if (open >= 0 && this.#isKey(open, { scanner, hash, skip, timestamp })) {
      return this.#metric[open]!;
    }
    const slot = hash & (this.#heads.length - 1);
    const first = this.#stamps[slot] === this.#generation ? this.#heads[slot]! : -1;
    for (let k = first; k >= 0; k = this.#next[k]!) {
      if (this.#isKey(k, { scanner, hash, skip, timestamp })) {
        this.#open = k;
        return this.#metric[k]!;
      }
    }
    if (this.#count === this.#hash.length) this.#grow();
    const k = this.#count++;
    this.#link(k, hash);
    this.#hash[k] = hash;
    this.#sample[k] = line.sample;
    this.#timestamp[k] = timestamp;
    this.#open = k;
    return this.#metric[k] = scanner.store.metrics++;
  }

  /** Empties the table, for another family. */
  reset(): void {
    this.#count = 0;
    this.#open = -1;
    this.#generation++;
  }

  /** Puts key `k` first in the chain of `hash`. */
  #link(k: number, hash: number): void {
    const slot = hash & (this.#heads.length - 1);
    this.#next[k] = this.#stamps[slot] === this.#generation ? this.#heads[slot]! : -1;
    this.#heads[slot] = k;
    this.#stamps[slot] = this.#generation;
  }

  /** Whether the line just read belongs to the metric of key `k`. */
  #isKey(
    k: number,
    line: { scanner: Scanner; hash: number; skip: number; timestamp: number },
  ): boolean {
    if (this.#hash[k] !== line.hash) return false;
    const timestamp = this.#timestamp[k]!;
    const sameTime = timestamp === line.timestamp ||
      (timestamp !== timestamp && line.timestamp !== line.timestamp);
    return sameTime && sameLabels(line.scanner, this.#sample[k]!, line.skip);
  }

  /** Doubles the table. */
  #grow(): void {
    const size = this.#hash.length * 2;
    const grown = <T extends Int32Array | Float64Array>(a: T): T => {
      const out = new (a.constructor as new (size: number) => T)(size);
      out.set(a);
      return out;
    };
    this.#next = grown(this.#next);
    this.#hash = grown(this.#hash);
    this.#metric = grown(this.#metric);
    this.#sample = grown(this.#sample);
    this.#timestamp = grown(this.#timestamp);
    this.#heads = new Int32Array(size);
    this.#stamps = new Int32Array(size);
    for (let k = 0; k < this.#count; k++) this.#link(k, this.#hash[k]!);
  }
}

/**
 * Whether the labels of stored sample `sample` (but its `le` or `quantile`) are those of the
 * label set just read (but label `skip`), in any order.
 */
function sameLabels(scanner: Scanner, sample: number, skip: number): boolean {
  const store = scanner.store;
  const start = store.start[sample]!;
  const bytes = store.bytesAt(start);
  const offset = store.offsetAt(start);
  const role = store.role[sample];
  const bound = role === BUCKET ? "le" : role === QUANTILE ? "quantile" : "";
  const b = scanner.b;
  let matched = 0;
  const stop = store.end[sample]! - offset;
  const label = { next: start - offset, nameStart: 0, nameEnd: 0, valueStart: 0, valueEnd: 0 };
  while (label.next < stop) {
    readLabel(bytes, label);
    const { nameStart, nameEnd, valueStart, valueEnd } = label;
    if (isText(bytes, nameStart, nameEnd, bound)) continue;
    let found = false;
    for (let j = 0; j < scanner.labelCount; j++) {
      if (j === skip) continue;
      if (
        equalBytes(bytes, nameStart, nameEnd, b, scanner.nameStart[j]!, scanner.nameEnd[j]!) &&
        (scanner.oddEscapes
          ? sameCanonicalValue(bytes, valueStart, valueEnd, b, {
            start: scanner.valueStart[j]!,
            end: scanner.valueEnd[j]!,
          })
          : equalBytes(
            bytes,
            valueStart,
            valueEnd,
            b,
            scanner.valueStart[j]!,
            scanner.valueEnd[j]!,
          ))
      ) {
        found = true;
        break;
      }
    }
    if (!found) return false;
    matched++;
  }
  return matched === scanner.labelCount - (skip < 0 ? 0 : 1);
}

/** Whether `b[start, end)` is the ASCII text `text` (never, for ""). */
function isText(b: Uint8Array, start: number, end: number, text: string): boolean {
  if (end - start !== text.length || text.length === 0) return false;
  for (let i = 0; i < text.length; i++) if (b[start + i] !== text.charCodeAt(i)) return false;
  return true;
}

/** Whether two byte ranges hold the same bytes. */
function equalBytes(
  a: Uint8Array,
  aStart: number,
  aEnd: number,
  b: Uint8Array,
  bStart: number,
  bEnd: number,
): boolean {
  if (aEnd - aStart !== bEnd - bStart) return false;
  for (let i = 0; i < aEnd - aStart; i++) if (a[aStart + i] !== b[bStart + i]) return false;
  return true;
}

/**
 * Whether the canonical escaped value `a[aStart, aEnd)` is the escaped value `raw` as written,
 * whose lone backslashes the canonical form doubles.
 */
function sameCanonicalValue(
  a: Uint8Array,
  aStart: number,
  aEnd: number,
  b: Uint8Array,
  raw: { start: number; end: number },
): boolean {
  let p = aStart;
  for (let q = raw.start; q < raw.end; q++) {
    const c = b[q]!;
    if (a[p++] !== c) return false;
    if (c !== BACKSLASH) continue;
    if (isEscaped(b[q + 1])) {
      if (a[p++] !== b[++q]) return false;
    } else if (a[p++] !== BACKSLASH) {
      return false;
    }
  }
  return p === aEnd;
}
