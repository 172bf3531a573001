/**
 * Samples kept as positions in the text they were decoded from, instead of as objects.
 *
 * A 100k-series exposition decoded into `Sample` objects is over a million objects, and the
 * garbage collector's work on them was most of the engine's time and memory. The text
 * decoder therefore records each sample in a few typed arrays (where its name and label set
 * are in the text, its value, its timestamp), and the encoder writes lines straight from the
 * text. `Sample` objects are made only if someone reads a family's `samples`. Pure: no I/O.
 * @module
 */
import type { Label, LabelSet, MetricFamily, MetricType, Sample } from "./types.ts";

const TAB = 9;
const SPACE = 32;
const QUOTE = 34;
const COMMA = 44;
const EQUALS = 61;
const BACKSLASH = 92;
const CLOSE_BRACE = 125;

const NO_LABELS: LabelSet = [];

/** The samples of one decoded text: positions in it, values and timestamps. */
export class SampleStore {
  /** The text the positions refer to. */
  readonly text: string;
  /** Every label name in the text, to tell at once whether target labels can conflict. */
  readonly labelNames = new Set<string>();
  /** How many samples there are. */
  length = 0;
  /** Start and end of each sample's name. */
  nameStart: Int32Array;
  nameEnd: Int32Array;
  /** Start of each sample's label set (its `{`) and end (past its `}`); equal: no labels. */
  labelStart: Int32Array;
  labelEnd: Int32Array;
  /**
   * 1 when the label set is written exactly as the encoder writes it (no blanks, no trailing
   * comma), so it can be copied as it is; label values always are, escapes included.
   */
  canonical: Uint8Array;
  values: Float64Array;
  /** Timestamps in ms; NaN when the sample has none. */
  timestamps: Float64Array;

  constructor(text: string) {
    this.text = text;
    // A guess from the text's size (a sample line is rarely under 64 characters), then
    // doubled as needed.
    const size = Math.min(Math.max(text.length >> 6, 64), 65536);
    this.nameStart = new Int32Array(size);
    this.nameEnd = new Int32Array(size);
    this.labelStart = new Int32Array(size);
    this.labelEnd = new Int32Array(size);
    this.canonical = new Uint8Array(size);
    this.values = new Float64Array(size);
    this.timestamps = new Float64Array(size);
  }

  /** Makes room for one more sample. */
  reserve(): void {
    if (this.length < this.values.length) return;
    const size = this.values.length * 2;
    const grow = <T extends Int32Array | Uint8Array | Float64Array>(
      a: T,
      make: (n: number) => T,
    ) => {
      const grown = make(size);
      grown.set(a);
      return grown;
    };
    this.nameStart = grow(this.nameStart, (n) => new Int32Array(n));
    this.nameEnd = grow(this.nameEnd, (n) => new Int32Array(n));
    this.labelStart = grow(this.labelStart, (n) => new Int32Array(n));
    this.labelEnd = grow(this.labelEnd, (n) => new Int32Array(n));
    this.canonical = grow(this.canonical, (n) => new Uint8Array(n));
    this.values = grow(this.values, (n) => new Float64Array(n));
    this.timestamps = grow(this.timestamps, (n) => new Float64Array(n));
  }

  /** Sample `i` as an object, as the decoder used to build it. */
  sample(i: number): Sample {
    const text = this.text;
    const timestamp = this.timestamps[i]!;
    return {
      name: text.slice(this.nameStart[i], this.nameEnd[i]),
      labels: this.labelStart[i] === this.labelEnd[i]
        ? NO_LABELS
        : parseLabels(text, this.labelStart[i]! + 1),
      value: this.values[i]!,
      timestampMs: timestamp === timestamp ? timestamp : undefined,
    };
  }
}

/** Some of the samples of a store: one family's, in order. */
export interface StoredSamples {
  readonly store: SampleStore;
  /** Indices of the samples in the store. */
  readonly indices: Int32Array;
}

/**
 * Set while `storedSamplesOf` reads a family's `samples`: the getter of a family made by
 * `storedFamily` then hands over its stored samples instead of making objects. (A WeakMap
 * from family to store cost more than decoding a small exposition, and a hidden property
 * needs Object.defineProperty, as slow: the getter itself answers.)
 */
let peeking = false;
let peeked: StoredSamples | undefined;
const NO_SAMPLES: Sample[] = [];

/**
 * A family whose `samples` are made from `stored` the first time they are read. Until then
 * the encoder writes them from the store. Once read, the family forgets the store, so the
 * encoder uses the objects, which their reader may have changed.
 */
export function storedFamily(
  family: { name: string; type: MetricType; help: string | undefined },
  stored: StoredSamples,
): MetricFamily {
  const { name, type, help } = family;
  // A getter keeps the family a plain object with the same enumerable keys: deep equality
  // and structured cloning see the samples as if they had always been there.
  const out: MetricFamily = help === undefined
    ? {
      name,
      type,
      get samples() {
        return samplesOf(out, stored);
      },
    }
    : {
      name,
      type,
      help,
      get samples() {
        return samplesOf(out, stored);
      },
    };
  return out;
}

function samplesOf(family: MetricFamily, stored: StoredSamples): Sample[] {
  if (peeking) {
    peeked = stored;
    return NO_SAMPLES;
  }
  const samples = Array.from(stored.indices, (i) => stored.store.sample(i));
  Object.defineProperty(family, "samples", {
    configurable: true,
    enumerable: true,
    writable: true,
    value: samples,
  });
  return samples;
}

/** The stored samples of a family whose `samples` nobody has read yet. */
export function storedSamplesOf(family: MetricFamily): StoredSamples | undefined {
  peeking = true;
  peeked = undefined;
  void family.samples;
  peeking = false;
  const stored = peeked;
  peeked = undefined;
  return stored;
}

/** Sample objects of either kind of samples, made from the store when stored. */
export function sampleObjects(samples: readonly Sample[] | StoredSamples): readonly Sample[] {
  if (Array.isArray(samples)) return samples;
  const { store, indices } = samples as StoredSamples;
  return Array.from(indices, (i) => store.sample(i));
}

/** How many samples a family has, without making them. */
export function sampleCount(family: MetricFamily): number {
  return storedSamplesOf(family)?.indices.length ?? family.samples.length;
}

/** The labels of a label set written from `start` (just past its `{`); valid, as decoded. */
function parseLabels(text: string, start: number): Label[] {
  const labels: Label[] = [];
  let p = start;
  for (;;) {
    let c = text.charCodeAt(p);
    while (c === SPACE || c === TAB || c === COMMA) c = text.charCodeAt(++p);
    if (c === CLOSE_BRACE) return labels;
    const nameStart = p;
    while (c !== EQUALS && c !== SPACE && c !== TAB) c = text.charCodeAt(++p);
    const name = text.slice(nameStart, p);
    p = text.indexOf('"', p) + 1;
    let value = "";
    let from = p;
    for (c = text.charCodeAt(p); c !== QUOTE; c = text.charCodeAt(p)) {
      if (c !== BACKSLASH) {
        p++;
        continue;
      }
      const e = text.charCodeAt(p + 1);
      value += text.slice(from, p) + (e === 110 ? "\n" : String.fromCharCode(e));
      p += 2;
      from = p;
    }
    labels.push({ name, value: value + text.slice(from, p) });
    p++;
  }
}
