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

// What `SampleStore.positions` holds for each sample, at these offsets.
/** Start of the sample's name. */
export const NAME_START = 0;
/** End of the sample's name. */
export const NAME_END = 1;
/** Start of its label set (its `{`); equal to `LABEL_END`: no labels. */
export const LABEL_START = 2;
/** End of its label set (past its `}`). */
export const LABEL_END = 3;
/**
 * 1 when the label set is written exactly as the encoder writes it (no blanks, no trailing
 * comma), so it can be copied as it is; label values always are, escapes included.
 */
export const CANONICAL = 4;
/** How many `positions` each sample takes. */
export const FIELDS = 5;

const NO_FAMILIES = new Int32Array(0);

/**
 * The samples of one decoded text: positions in it, values and timestamps.
 *
 * Its arrays live outside the JavaScript heap, where the collector frees them late: they hold
 * no more than each sample needs (timestamps only once a sample has one, families only while
 * decoding), and the arrays they outgrow are freed as soon as they are copied.
 */
export class SampleStore {
  /** The text the positions refer to. */
  readonly text: string;
  /** Every label name in the text, to tell at once whether target labels can conflict. */
  readonly labelNames = new Set<string>();
  /** How many samples there are. */
  length = 0;
  /** `FIELDS` numbers per sample (`NAME_START`...). */
  positions: Int32Array;
  /** The value of each sample. */
  values: Float64Array;
  /** The timestamp in ms of each sample (NaN when it has none); undefined while none has. */
  timestamps: Float64Array | undefined;
  /**
   * The family the decoder gave each sample (its position among the families), while it
   * decodes: `dropFamilies` frees them once it has gathered each family's samples.
   */
  families: Int32Array;

  constructor(text: string) {
    this.text = text;
    // A guess from the text's size (a sample line is rarely under 64 characters), then
    // grown as needed. One array for all positions, not one per field: each array costs an
    // allocation outside the JavaScript heap.
    const size = Math.max(text.length >> 6, 64);
    this.positions = new Int32Array(size * FIELDS);
    this.values = new Float64Array(size);
    this.families = new Int32Array(size);
  }

  /** Makes room for one more sample. */
  reserve(): void {
    if (this.length < this.values.length) return;
    const size = Math.ceil(this.length * 1.5) + 64;
    this.positions = grown(this.positions, size * FIELDS);
    this.values = grown(this.values, size);
    this.families = grown(this.families, size);
    if (this.timestamps !== undefined) {
      this.timestamps = grown(this.timestamps, size).fill(NaN, this.length);
    }
  }

  /** Sets the timestamp of sample `i`, making room for timestamps at the first one. */
  setTimestamp(i: number, timestampMs: number): void {
    this.timestamps ??= new Float64Array(this.values.length).fill(NaN);
    this.timestamps[i] = timestampMs;
  }

  /** Frees the families of the samples, which only the decoder needs. */
  dropFamilies(): void {
    free(this.families);
    this.families = NO_FAMILIES;
  }

  /** Sample `i` as an object, as the decoder used to build it. */
  sample(i: number): Sample {
    const text = this.text;
    const at = i * FIELDS;
    const labelStart = this.positions[at + LABEL_START]!;
    const timestamp = this.timestamps === undefined ? NaN : this.timestamps[i]!;
    return {
      name: text.slice(this.positions[at + NAME_START], this.positions[at + NAME_END]),
      labels: labelStart === this.positions[at + LABEL_END]
        ? NO_LABELS
        : parseLabels(text, labelStart + 1),
      value: this.values[i]!,
      timestampMs: timestamp === timestamp ? timestamp : undefined,
    };
  }
}

/** A copy of `array` with room for `size` elements; `array` is freed. */
function grown<T extends Int32Array | Float64Array>(array: T, size: number): T {
  const out = new (array.constructor as new (size: number) => T)(size);
  out.set(array);
  free(array);
  return out;
}

/** Frees the memory of an array that only the store holds, now rather than when collected. */
function free(array: Int32Array | Float64Array): void {
  (array.buffer as ArrayBuffer).transfer(0);
}

/** Some of the samples of a store: one family's, in order. */
export interface StoredSamples {
  readonly store: SampleStore;
  /** Indices of the samples in the store. */
  readonly indices: Int32Array;
}

/** A base class whose constructor returns the object it is given, instead of a new one. */
class Given {
  constructor(object: object) {
    return object as Given;
  }
}

/**
 * Where a family made by `storedFamily` keeps its stored samples: a private field added to
 * the family object itself (the base class hands the object to this class's constructor,
 * which adds its fields to it). Unlike a property, a private field is invisible to keys,
 * spread, deep equality and structured cloning; unlike Object.defineProperty of a hidden
 * property, adding it costs no more than adding a property.
 */
class StoredSlot extends Given {
  #stored: StoredSamples | undefined;

  constructor(family: object, stored: StoredSamples) {
    super(family);
    this.#stored = stored;
  }

  /** The stored samples of `family`, if it has a slot and the samples were not read. */
  static get(family: object): StoredSamples | undefined {
    return #stored in family ? (family as StoredSlot).#stored : undefined;
  }

  /** Forgets the stored samples of `family`, which must have a slot. */
  static clear(family: object): void {
    (family as StoredSlot).#stored = undefined;
  }
}

/**
 * The getter of `samples` of every stored family: makes the samples, then replaces itself
 * with them. One function for all, so that all these families share one hidden class (a
 * getter written in an object literal is a new function each time, which gives each family
 * a hidden class of its own: that garbage made small decodes half as fast).
 */
function readSamples(this: MetricFamily): Sample[] {
  const samples = sampleObjects(StoredSlot.get(this)!) as Sample[];
  StoredSlot.clear(this);
  Object.defineProperty(this, "samples", {
    configurable: true,
    enumerable: true,
    writable: true,
    value: samples,
  });
  return samples;
}

/**
 * A family whose `samples` are made from `stored` the first time they are read. Until then
 * the encoder writes them from the store. Once read, the family forgets the store, so the
 * encoder uses the objects, which their reader may have changed. The `samples` accessor
 * keeps the family a plain object with the same enumerable keys: deep equality and
 * structured cloning see the samples as if they had always been there.
 */
export function storedFamily(
  family: { name: string; type: MetricType; help: string | undefined },
  stored: StoredSamples,
): MetricFamily {
  const { name, type, help } = family;
  const out = help === undefined ? { name, type } : { name, type, help };
  // __defineGetter__ defines the same enumerable, configurable accessor as
  // Object.defineProperty, at under half the cost: there is no descriptor object to read.
  (out as unknown as LegacyAccessors).__defineGetter__("samples", readSamples);
  new StoredSlot(out, stored);
  return out as MetricFamily;
}

/** Annex B's `Object.prototype.__defineGetter__`, which TypeScript does not declare. */
interface LegacyAccessors {
  __defineGetter__(name: string, getter: (this: MetricFamily) => unknown): void;
}

/** The stored samples of a family whose `samples` nobody has read yet. */
export function storedSamplesOf(family: MetricFamily): StoredSamples | undefined {
  return StoredSlot.get(family);
}

/** Sample objects of either kind of samples, made from the store when stored. */
export function sampleObjects(samples: readonly Sample[] | StoredSamples): readonly Sample[] {
  if (!isStored(samples)) return samples;
  const { store, indices } = samples;
  return Array.from(indices, (i) => store.sample(i));
}

/** Whether samples are stored rather than objects. */
export function isStored(samples: readonly Sample[] | StoredSamples): samples is StoredSamples {
  return !Array.isArray(samples);
}

/** How many samples there are, of either kind. */
export function countOf(samples: readonly Sample[] | StoredSamples): number {
  return isStored(samples) ? samples.indices.length : samples.length;
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
