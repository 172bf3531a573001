/**
 * The compact form of a decoded exposition, which every decoder fills and every encoder reads:
 * its samples kept in a few typed arrays, their label sets as positions in bytes, instead of
 * as objects. A 100k-series exposition made of objects is over a million of them, and the
 * garbage collector's work on them was most of the engine's time and memory.
 *
 * A sample is one line of a text exposition: a counter's value, a histogram's bucket, its sum.
 * Samples of one metric (a histogram's buckets, sum and count) share a metric number, and
 * each has a role. Label sets are kept in canonical text form, `name="escaped value",...`
 * without braces, as positions in `labels`: where the body was text written that way, the
 * positions point into the body itself; otherwise (protobuf, blanks in a text label set) the
 * decoder writes the canonical form after it. A bucket's `le` and a quantile's `quantile`
 * label are part of its label set, as written. Pure: no I/O.
 * @module
 */
import type { Help } from "./help.ts";
import type { Exemplar, MetricType, NativeHistogram } from "./model.ts";

/** Sample roles: what a sample is within its metric. */
export const VALUE = 0;
/** A classic histogram bucket (`_bucket`, with `le`). */
export const BUCKET = 1;
/** `_sum` of a histogram or summary. */
export const SUM = 2;
/** `_count` of a histogram or summary. */
export const COUNT = 3;
/** A summary quantile (with `quantile`). */
export const QUANTILE = 4;
/** `_created`: when the metric was created, in seconds since the epoch. */
export const CREATED = 5;
/** `_gcount` of a gauge histogram. */
export const GCOUNT = 6;
/** `_gsum` of a gauge histogram. */
export const GSUM = 7;
/** A native histogram: its value is its position in `natives`. */
export const NATIVE = 8;

/** A sample role: `VALUE` ... `NATIVE`. */
export type Role = number;

/** The name suffix of each role's samples (a family `foo`'s bucket is `foo_bucket`). */
export const ROLE_SUFFIX: readonly string[] = [
  "",
  "_bucket",
  "_sum",
  "_count",
  "",
  "_created",
  "_gcount",
  "_gsum",
  "",
];

/** A family of a decoded exposition: its samples are those of `indices` in the store. */
export interface StoredFamily {
  /** The family's name. */
  readonly name: string;
  /** Its type. */
  readonly type: MetricType;
  /** Its help text; undefined when it had none. */
  readonly help: Help | undefined;
  /** Its unit; undefined when it had none. */
  readonly unit: string | undefined;
  /** Indices of its samples in the store, in the order decoded; never empty. */
  readonly indices: Int32Array;
}

/** A decoded exposition: its families, in order of first appearance, and their samples. */
export interface Exposition {
  /** Its families, in order of first appearance. */
  readonly families: readonly StoredFamily[];
  /** Their samples. */
  readonly store: SampleStore;
}

const NO_FAMILIES = new Int32Array(0);
const FIRST_AUX = 256;

/**
 * The samples of one decoded exposition.
 *
 * Its arrays live outside the JavaScript heap, where the collector frees them late: they hold
 * no more than each sample needs (timestamps, bounds and exemplars only once a sample has
 * one), and the arrays they outgrow are freed as soon as they are copied.
 */
export class SampleStore {
  /** The body the label positions below `inputLength` refer to. */
  readonly input: Uint8Array;
  /** Label positions from here on refer to `aux`, at `position - inputLength`. */
  readonly inputLength: number;
  /** Label sets the decoder wrote in canonical form. */
  aux: Uint8Array = new Uint8Array(FIRST_AUX);
  /** Bytes used in `aux`. */
  auxLength = 0;
  /** Every label name of the exposition, to tell at once whether target labels can conflict. */
  readonly labelNames = new Set<string>();
  /** Whether a label name is not a legacy one (`[a-zA-Z_][a-zA-Z0-9_]*`) and is written quoted. */
  quotedLabelNames = false;
  /** How many samples there are. */
  length = 0;
  /** The metric of each sample: samples of one metric share it. */
  metric: Int32Array;
  /** The role of each sample (`VALUE` ...). */
  role: Uint8Array;
  /** Where each sample's label set starts, in the label bytes (input, then aux). */
  start: Int32Array;
  /** Where it ends. */
  end: Int32Array;
  /** The value of each sample. */
  value: Float64Array;
  /** A hash of each sample's label set and role, the same for the same series in any order. */
  hash: Int32Array;
  /** Buckets' `le` and quantiles' `quantile` as numbers (NaN for others); undefined while none. */
  bound: Float64Array | undefined;
  /** The timestamp in ms of each sample (NaN when it has none); undefined while none has. */
  timestamp: Float64Array | undefined;
  /** The exemplar of each sample (its position in `exemplars`, -1 for none); undefined while none. */
  exemplar: Int32Array | undefined;
  /** Exemplars of counters and buckets. */
  readonly exemplars: Exemplar[] = [];
  /** Native histograms, by the value of their `NATIVE` samples. */
  readonly natives: NativeHistogram[] = [];
  /**
   * The family the decoder gave each sample (its position among the families), while it
   * decodes: `takeFamilies` frees them once it has gathered each family's samples.
   */
  family: Int32Array;
  /** How many metrics there are; the next metric's number. */
  metrics = 0;
  /** The samples of every family, in family order (`takeFamilies`). */
  #indices: Int32Array | undefined;

  /** A store for the decoding of `input`, sized for about `expectedSamples` samples. */
  constructor(input: Uint8Array, expectedSamples: number) {
    this.input = input;
    this.inputLength = input.length;
    const size = Math.max(expectedSamples, 16);
    this.metric = new Int32Array(size);
    this.role = new Uint8Array(size);
    this.start = new Int32Array(size);
    this.end = new Int32Array(size);
    this.value = new Float64Array(size);
    this.hash = new Int32Array(size);
    this.family = new Int32Array(size);
  }

  /** Makes room for one more sample; returns its index (not yet counted in `length`). */
  reserve(): number {
    const i = this.length;
    if (i < this.value.length) return i;
    const size = Math.ceil(i * 1.5) + 64;
    this.metric = grown(this.metric, size);
    this.role = grown(this.role, size);
    this.start = grown(this.start, size);
    this.end = grown(this.end, size);
    this.value = grown(this.value, size);
    this.hash = grown(this.hash, size);
    this.family = grown(this.family, size);
    if (this.bound !== undefined) this.bound = grown(this.bound, size).fill(NaN, i);
    if (this.timestamp !== undefined) this.timestamp = grown(this.timestamp, size).fill(NaN, i);
    if (this.exemplar !== undefined) this.exemplar = grown(this.exemplar, size).fill(-1, i);
    return i;
  }

  /** Sets the bound (`le`, `quantile`) of sample `i`. */
  setBound(i: number, bound: number): void {
    this.bound ??= new Float64Array(this.value.length).fill(NaN);
    this.bound[i] = bound;
  }

  /** Sets the timestamp of sample `i`, in ms. */
  setTimestamp(i: number, timestampMs: number): void {
    this.timestamp ??= new Float64Array(this.value.length).fill(NaN);
    this.timestamp[i] = timestampMs;
  }

  /** Sets the exemplar of sample `i`. */
  setExemplar(i: number, exemplar: Exemplar): void {
    this.exemplar ??= new Int32Array(this.value.length).fill(-1);
    this.exemplar[i] = this.exemplars.length;
    this.exemplars.push(exemplar);
  }

  /** The timestamp of sample `i` in ms; NaN when it has none. */
  timestampOf(i: number): number {
    return this.timestamp === undefined ? NaN : this.timestamp[i]!;
  }

  /** The bound of sample `i`; NaN when it has none. */
  boundOf(i: number): number {
    return this.bound === undefined ? NaN : this.bound[i]!;
  }

  /** The exemplar of sample `i`, if any. */
  exemplarOf(i: number): Exemplar | undefined {
    if (this.exemplar === undefined) return undefined;
    const e = this.exemplar[i]!;
    return e < 0 ? undefined : this.exemplars[e];
  }

  /** The label position at which the next byte written to `aux` will be. */
  get auxPosition(): number {
    return this.inputLength + this.auxLength;
  }

  /** Makes room for `n` more bytes in `aux`. */
  auxReserve(n: number): void {
    if (this.auxLength + n <= this.aux.length) return;
    const out = new Uint8Array(Math.max(this.aux.length * 2, this.auxLength + n));
    out.set(this.aux.subarray(0, this.auxLength));
    free(this.aux);
    this.aux = out;
  }

  /** Appends bytes to `aux`. */
  auxWrite(bytes: Uint8Array, start: number, end: number): void {
    this.auxReserve(end - start);
    this.aux.set(bytes.subarray(start, end), this.auxLength);
    this.auxLength += end - start;
  }

  /** Appends one byte to `aux`. */
  auxByte(b: number): void {
    this.auxReserve(1);
    this.aux[this.auxLength++] = b;
  }

  /** Forgets `aux` bytes from `position` (a label position) on. */
  auxTruncate(position: number): void {
    this.auxLength = position - this.inputLength;
  }

  /** The bytes that label position `position` is in: `input`, or `aux`. */
  bytesAt(position: number): Uint8Array {
    return position < this.inputLength ? this.input : this.aux;
  }

  /** What to subtract from a label position to index `bytesAt(position)`. */
  offsetAt(position: number): number {
    return position < this.inputLength ? 0 : this.inputLength;
  }

  /**
   * Gathers each family's samples (a counting sort by family), frees what only decoding
   * needed, and returns the exposition.
   */
  takeFamilies(
    families: readonly {
      name: string;
      type: MetricType;
      help: Help | undefined;
      unit?: string | undefined;
      count: number;
    }[],
  ): Exposition {
    const offsets = new Int32Array(families.length + 1);
    for (let f = 0; f < families.length; f++) offsets[f + 1] = families[f]!.count;
    for (let f = 0; f < families.length; f++) offsets[f + 1]! += offsets[f]!;
    const indices = new Int32Array(this.length);
    this.#indices = indices;
    const next = offsets.slice(0, families.length);
    const familyOf = this.family;
    for (let i = 0; i < this.length; i++) indices[next[familyOf[i]!]!++] = i;
    free(this.family);
    this.family = NO_FAMILIES;
    const out: StoredFamily[] = [];
    for (let f = 0; f < families.length; f++) {
      const family = families[f]!;
      if (family.count === 0) continue;
      out.push({
        name: family.name,
        type: family.type,
        help: family.help,
        unit: family.unit,
        indices: indices.subarray(offsets[f]!, offsets[f + 1]!),
      });
    }
    return { families: out, store: this };
  }

  /**
   * Frees the store's memory now, rather than when it is collected: its arrays, and its input
   * when the input is a buffer of its own. The store, and its exposition, are then empty.
   */
  release(): void {
    const input = this.input;
    if (input.byteOffset === 0 && input.byteLength === input.buffer.byteLength) free(input);
    for (
      const array of [this.aux, this.metric, this.role, this.start, this.end, this.value, this.hash]
    ) free(array);
    if (this.bound !== undefined) free(this.bound);
    if (this.timestamp !== undefined) free(this.timestamp);
    if (this.exemplar !== undefined) free(this.exemplar);
    if (this.#indices !== undefined) free(this.#indices);
    this.length = 0;
  }
}

/** A copy of `array` with room for `size` elements; `array` is freed. */
function grown<T extends Int32Array | Float64Array | Uint8Array>(array: T, size: number): T {
  const out = new (array.constructor as new (size: number) => T)(size);
  out.set(array);
  free(array);
  return out;
}

/** Frees the memory of an array that only the store holds, now rather than when collected. */
function free(array: Int32Array | Float64Array | Uint8Array): void {
  const buffer = array.buffer;
  if (buffer instanceof ArrayBuffer && !buffer.detached) buffer.transfer(0);
}

/** How many samples an exposition has. */
export function sampleCountOf(exposition: Exposition): number {
  let n = 0;
  for (const f of exposition.families) n += f.indices.length;
  return n;
}
