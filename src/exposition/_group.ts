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

/** A metric: its labels but `le`/`quantile`, and its timestamp. */
interface MetricKey {
  readonly metric: number;
  readonly hash: number;
  /** A sample of it, whose label set is compared with the next lines'. */
  readonly sample: number;
  readonly timestamp: number;
}

/** The line just read, as `MetricGroups.metricOf` needs it. */
export interface GroupedLine {
  /** Its index in the store, whose label positions and role are set. */
  readonly sample: number;
  /** The position of its `le` or `quantile` label in the scanner's label set, or -1. */
  readonly skip: number;
  /** Its timestamp in ms; NaN for none. */
  readonly timestamp: number;
}

/** The metrics of one family, by the hash of their key, while it is decoded. */
export class MetricGroups {
  /** The metric of the last line: the next line mostly belongs to it too. */
  #open: MetricKey | undefined;
  readonly #byKey = new Map<number, MetricKey[]>();

  /**
   * The metric number of the line just read by `scanner`: that of the lines before it with
   * the same labels (but `le` or `quantile`) and timestamp, or a new one.
   */
  metricOf(scanner: Scanner, line: GroupedLine): number {
    const { sample, skip, timestamp } = line;
    const hash = skip < 0
      ? scanner.labelsHash
      : (scanner.labelsHash - scanner.labelHashes[skip]!) | 0;
    const open = this.#open;
    if (open !== undefined && sameMetric(scanner, open, { hash, skip, timestamp })) {
      return open.metric;
    }
    const candidates = this.#byKey.get(hash);
    if (candidates !== undefined) {
      for (const key of candidates) {
        if (sameMetric(scanner, key, { hash, skip, timestamp })) {
          this.#open = key;
          return key.metric;
        }
      }
    }
    const key: MetricKey = { metric: scanner.store.metrics++, hash, sample, timestamp };
    if (candidates === undefined) this.#byKey.set(hash, [key]);
    else candidates.push(key);
    this.#open = key;
    return key.metric;
  }
}

/** Whether the line just read belongs to the metric of `key`. */
function sameMetric(
  scanner: Scanner,
  key: MetricKey,
  line: { hash: number; skip: number; timestamp: number },
): boolean {
  if (key.hash !== line.hash) return false;
  const sameTime = key.timestamp === line.timestamp ||
    (key.timestamp !== key.timestamp && line.timestamp !== line.timestamp);
  return sameTime && sameLabels(scanner, key.sample, line.skip);
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
  let p = start - offset;
  const stop = store.end[sample]! - offset;
  const label = { nameStart: 0, nameEnd: 0, valueStart: 0, valueEnd: 0 };
  while (p < stop) {
    p = readLabel(bytes, p, label);
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
