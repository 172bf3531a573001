/** Encoder for the Prometheus text exposition format 0.0.4. Pure: no I/O. */
import type { MergedFamily } from "./merge.ts";
import { hasConflict, relabelLabels } from "./relabel.ts";
import {
  CANONICAL,
  countOf,
  FIELDS,
  isStored,
  LABEL_END,
  LABEL_START,
  NAME_END,
  NAME_START,
  type SampleStore,
  type StoredSamples,
  storedSamplesOf,
} from "./sample_store.ts";
import type { LabelSet, MetricFamily, MetricType, Sample } from "./types.ts";

/** The Content-Type of a text 0.0.4 exposition. */
export const TEXT_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

const TAB = 9;
const LF = 10;
const SPACE = 32;
const QUOTE = 34;
const COMMA = 44;
const EQUALS = 61;
const BACKSLASH = 92;
const N = 110;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;

const utf8 = new TextEncoder();
const HELP_PREFIX = utf8.encode("# HELP ");
const TYPE_PREFIX = utf8.encode("# TYPE ");
const NO_LABELS: LabelSet = [];

/** The first chunk of a writer; each next one is twice as large, up to `MAX_CHUNK`. */
const FIRST_CHUNK = 64 * 1024;
const MAX_CHUNK = 4 * 1024 * 1024;
/** Room a sample line needs besides its strings: value, timestamp, separators. */
const LINE_OVERHEAD = 64;

/**
 * A byte buffer that writes strings as UTF-8, escaping as text 0.0.4 asks. It fills chunks
 * and joins them once at the end, rather than copying everything written each time it grows.
 */
class ByteWriter {
  bytes: Uint8Array<ArrayBuffer>;
  length = 0;
  readonly #full: Uint8Array<ArrayBuffer>[] = [];
  #fullLength = 0;

  constructor(size = FIRST_CHUNK) {
    this.bytes = new Uint8Array(size);
  }

  /** Makes room for `n` more bytes in the current chunk. */
  reserve(n: number): void {
    if (this.length + n > this.bytes.length) this.#nextChunk(n);
  }

  #nextChunk(n: number): void {
    this.#full.push(this.bytes.subarray(0, this.length));
    this.#fullLength += this.length;
    this.bytes = new Uint8Array(Math.max(n, Math.min(this.bytes.length * 2, MAX_CHUNK)));
    this.length = 0;
  }

  byte(b: number): void {
    this.reserve(1);
    this.bytes[this.length++] = b;
  }

  raw(b: Uint8Array): void {
    this.reserve(b.length);
    // A loop beats TypedArray.set for the few bytes of a label set.
    const bytes = this.bytes;
    let o = this.length;
    for (let i = 0; i < b.length; i++) bytes[o++] = b[i]!;
    this.length = o;
  }

  /** The store `storedLine` writes from, and its text, which `span` copies from. */
  store: SampleStore | undefined;
  source = "";

  /** Copies `source` from `start` to `end` as it is: text that needs no more escaping. */
  span(start: number, end: number): void {
    this.reserve(end - start);
    const text = this.source;
    const bytes = this.bytes;
    let o = this.length;
    for (let p = start; p < end; p++) {
      const c = text.charCodeAt(p);
      if (c >= 0x80) {
        this.length = o;
        this.#utf8(text.slice(p, end), false, false);
        return;
      }
      bytes[o++] = c;
    }
    this.length = o;
  }

  /** Writes sample `i` of `store`, its label set copied from the text, followed by `target`. */
  storedLine(i: number, target: Uint8Array | undefined): void {
    const store = this.store!;
    const positions = store.positions;
    const at = i * FIELDS;
    const labelStart = positions[at + LABEL_START]!;
    const labelEnd = positions[at + LABEL_END]!;
    this.span(positions[at + NAME_START]!, positions[at + NAME_END]!);
    if (labelStart !== labelEnd) {
      // Up to the closing brace, so that the target labels can follow.
      if (positions[at + CANONICAL] === 1) this.span(labelStart, labelEnd - 1);
      else this.#canonicalLabels(labelStart);
      if (target !== undefined) {
        this.byte(COMMA);
        this.raw(target);
      }
      this.byte(CLOSE_BRACE);
    } else if (target !== undefined) {
      this.byte(OPEN_BRACE);
      this.raw(target);
      this.byte(CLOSE_BRACE);
    }
    this.byte(SPACE);
    this.value(store.values[i]!);
    const timestamp = store.timestamps === undefined ? NaN : store.timestamps[i]!;
    if (timestamp === timestamp) {
      this.byte(SPACE);
      this.plain(String(timestamp));
    }
    this.byte(LF);
  }

  /**
   * Writes the label set at `start` of `source` (checked by the decoder, but with blanks or a
   * trailing comma) as the encoder writes label sets, without its closing brace.
   */
  #canonicalLabels(start: number): void {
    const text = this.source;
    this.byte(OPEN_BRACE);
    let p = start + 1;
    for (let first = true;; first = false) {
      let c = text.charCodeAt(p);
      while (c === SPACE || c === TAB || c === COMMA) c = text.charCodeAt(++p);
      if (c === CLOSE_BRACE) return;
      if (!first) this.byte(COMMA);
      const nameStart = p;
      while (c !== EQUALS && c !== SPACE && c !== TAB) c = text.charCodeAt(++p);
      this.span(nameStart, p);
      this.byte(EQUALS);
      // The value with its quotes, escapes as written.
      const valueStart = text.indexOf('"', p);
      for (p = valueStart + 1; (c = text.charCodeAt(p)) !== QUOTE; p++) {
        if (c === BACKSLASH) p++;
      }
      this.span(valueStart, ++p);
    }
  }

  /** Writes `s`, which needs no escaping (names, numbers). */
  plain(s: string): void {
    this.reserve(s.length * 3);
    const bytes = this.bytes;
    let o = this.length;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) {
        this.length = o;
        this.#utf8(s.slice(i), false, false);
        return;
      }
      bytes[o++] = c;
    }
    this.length = o;
  }

  /**
   * Writes `s` escaped: `\` and newline always, `"` too with `escapeQuote` (label values;
   * HELP text keeps its quotes).
   */
  escaped(s: string, escapeQuote: boolean): void {
    // Room for every character escaped, or as UTF-8 of up to 3 bytes per UTF-16 unit.
    this.reserve(s.length * 3);
    const bytes = this.bytes;
    let o = this.length;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) {
        this.length = o;
        this.#utf8(s.slice(i), true, escapeQuote);
        return;
      }
      if (c === BACKSLASH || c === LF || (escapeQuote && c === QUOTE)) {
        bytes[o++] = BACKSLASH;
        bytes[o++] = c === LF ? N : c;
      } else {
        bytes[o++] = c;
      }
    }
    this.length = o;
  }

  /**
   * Writes a whole sample line, its labels followed by `target` (encoded labels, no braces),
   * when every string of it is ASCII; otherwise writes nothing and returns false.
   *
   * This is the encoder's hot loop, written out in one method: one `reserve` per line and
   * local variables instead of a call per token make encoding about twice as fast.
   */
  asciiLine(sample: Sample, target: Uint8Array | undefined): boolean {
    const { name, labels } = sample;
    let size = name.length + LINE_OVERHEAD + (target === undefined ? 0 : target.length);
    for (let i = 0; i < labels.length; i++) {
      size += labels[i]!.name.length + 2 * labels[i]!.value.length + 4;
    }
    this.reserve(size);
    const bytes = this.bytes;
    let o = this.length;
    for (let i = 0; i < name.length; i++) {
      const c = name.charCodeAt(i);
      if (c >= 0x80) return false;
      bytes[o++] = c;
    }
    if (labels.length > 0 || target !== undefined) {
      bytes[o++] = OPEN_BRACE;
      for (let j = 0; j < labels.length; j++) {
        if (j > 0) bytes[o++] = COMMA;
        const label = labels[j]!;
        const labelName = label.name;
        for (let i = 0; i < labelName.length; i++) {
          const c = labelName.charCodeAt(i);
          if (c >= 0x80) return false;
          bytes[o++] = c;
        }
        bytes[o++] = EQUALS;
        bytes[o++] = QUOTE;
        const value = label.value;
        for (let i = 0; i < value.length; i++) {
          const c = value.charCodeAt(i);
          if (c >= 0x80) return false;
          if (c === BACKSLASH || c === QUOTE || c === LF) {
            bytes[o++] = BACKSLASH;
            bytes[o++] = c === LF ? N : c;
          } else {
            bytes[o++] = c;
          }
        }
        bytes[o++] = QUOTE;
      }
      if (target !== undefined) {
        if (labels.length > 0) bytes[o++] = COMMA;
        for (let i = 0; i < target.length; i++) bytes[o++] = target[i]!;
      }
      bytes[o++] = CLOSE_BRACE;
    }
    bytes[o++] = SPACE;
    this.length = o;
    this.value(sample.value);
    if (sample.timestampMs !== undefined) {
      this.byte(SPACE);
      this.plain(String(sample.timestampMs));
    }
    this.byte(LF);
    return true;
  }

  /** Writes a sample value as `formatValue` does; integers without making a string. */
  value(value: number): void {
    // Go writes integers below 1e6 as digits too; -0 (1 / -0 is -Infinity) is not one of them.
    const digits = Number.isInteger(value) && value < 1e6 && value > -1e6 &&
      (value !== 0 || 1 / value > 0);
    if (!digits) {
      this.plain(formatValue(value));
      return;
    }
    this.reserve(8);
    const bytes = this.bytes;
    let o = this.length;
    if (value < 0) {
      bytes[o++] = 45; // -
      value = -value;
    }
    let count = 1;
    for (let rest = value; rest >= 10; rest = Math.floor(rest / 10)) count++;
    for (let i = o + count - 1; i >= o; i--) {
      bytes[i] = 48 + value % 10;
      value = Math.floor(value / 10);
    }
    this.length = o + count;
  }

  /** The slow path for text with non-ASCII characters. */
  #utf8(s: string, escapeBackslash: boolean, escapeQuote: boolean): void {
    let escaped = s;
    if (escapeBackslash) {
      escaped = s.replaceAll("\\", "\\\\").replaceAll("\n", "\\n");
      if (escapeQuote) escaped = escaped.replaceAll('"', '\\"');
    }
    this.reserve(escaped.length * 3);
    const { written } = utf8.encodeInto(escaped, this.bytes.subarray(this.length));
    this.length += written;
  }

  /** Everything written, in one array of exactly that length (or in the only chunk). */
  result(): Uint8Array<ArrayBuffer> {
    if (this.#full.length === 0) return this.bytes.subarray(0, this.length);
    const out = new Uint8Array(this.#fullLength + this.length);
    let offset = 0;
    for (const chunk of this.#full) {
      out.set(chunk, offset);
      offset += chunk.length;
    }
    out.set(this.bytes.subarray(0, this.length), offset);
    return out;
  }
}

/** Encodes metric families as a text 0.0.4 exposition in UTF-8, in the order given. */
export function encodeExposition(families: readonly MetricFamily[]): Uint8Array<ArrayBuffer> {
  const w = new ByteWriter();
  for (const family of families) {
    const samples = storedSamplesOf(family) ?? family.samples;
    if (countOf(samples) === 0) continue;
    writeHeader(w, family);
    writeSamples(w, { samples, target: NO_LABELS, targetBytes: undefined });
  }
  return w.result();
}

/**
 * Encodes merged families as text 0.0.4 in UTF-8, in the order given, as `encodeExposition`
 * would encode them after `relabelFamilies`: each part's target labels are written after
 * each sample's own labels, without making relabelled copies of the samples.
 */
export function encodeMerged(families: readonly MergedFamily[]): Uint8Array<ArrayBuffer> {
  const encodeTarget = targetEncoder();
  const w = new ByteWriter(sizeHint(families, encodeTarget));
  for (const family of families) {
    writeHeader(w, family);
    for (const { samples, targetLabels } of family.parts) {
      writeSamples(w, { samples, target: targetLabels, targetBytes: encodeTarget(targetLabels) });
    }
  }
  return w.result();
}

/**
 * About the size of the encoding, so that it is mostly written into one buffer of about the
 * right size: each text decoded, plus the target labels added to each of its samples.
 */
function sizeHint(
  families: readonly MergedFamily[],
  encodeTarget: (target: LabelSet) => Uint8Array | undefined,
): number {
  const texts = new Set<string>();
  let size = 4096;
  for (const family of families) {
    for (const { samples, targetLabels } of family.parts) {
      const count = countOf(samples);
      size += count * ((encodeTarget(targetLabels)?.length ?? 0) + 2);
      if (isStored(samples)) texts.add(samples.store.text);
      else size += 64 * count;
    }
  }
  for (const text of texts) size += text.length;
  return size;
}

/** Encodes metric families as text 0.0.4, in the order given. */
export function encodeText(families: readonly MetricFamily[]): string {
  return new TextDecoder().decode(encodeExposition(families));
}

function writeHeader(
  w: ByteWriter,
  family: { readonly name: string; readonly type: MetricType; readonly help?: string },
): void {
  if (family.help !== undefined) {
    w.raw(HELP_PREFIX);
    w.plain(family.name);
    w.byte(SPACE);
    w.escaped(family.help, false);
    w.byte(LF);
  }
  w.raw(TYPE_PREFIX);
  w.plain(family.name);
  w.byte(SPACE);
  w.plain(family.type);
  w.byte(LF);
}

/** Samples to write, and the target labels (also encoded) to write after each one's own. */
interface PartToWrite {
  readonly samples: readonly Sample[] | StoredSamples;
  readonly target: LabelSet;
  readonly targetBytes: Uint8Array | undefined;
}

/** Writes sample lines, with the target labels after each one's own. */
function writeSamples(w: ByteWriter, part: PartToWrite): void {
  const { samples, target, targetBytes } = part;
  if (isStored(samples)) {
    writeStored(w, samples, part);
    return;
  }
  for (let i = 0; i < samples.length; i++) {
    let sample = samples[i]!;
    let tail = targetBytes;
    if (tail !== undefined && sample.labels.length > 0 && hasConflict(sample.labels, target)) {
      sample = { ...sample, labels: relabelLabels(sample.labels, target) };
      tail = undefined;
    }
    if (!w.asciiLine(sample, tail)) writeLine(w, { sample, tail });
  }
}

/** Writes stored samples, with the target labels after each one's own. */
function writeStored(w: ByteWriter, stored: StoredSamples, part: PartToWrite): void {
  const { store, indices } = stored;
  const { target, targetBytes } = part;
  w.store = store;
  w.source = store.text;
  // Only a text with a label named like a target label can have samples that need renaming.
  const mayConflict = targetBytes !== undefined &&
    target.some((l) => store.labelNames.has(l.name));
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k]!;
    if (mayConflict) {
      const sample = store.sample(i);
      if (sample.labels.length > 0 && hasConflict(sample.labels, target)) {
        const labels = relabelLabels(sample.labels, target);
        writeLine(w, { sample: { ...sample, labels }, tail: undefined });
        continue;
      }
    }
    w.storedLine(i, targetBytes);
  }
}

/** Writes a sample line that may hold any text, then `tail`: the slow path of `asciiLine`. */
function writeLine(w: ByteWriter, line: { sample: Sample; tail: Uint8Array | undefined }): void {
  const { sample, tail } = line;
  w.plain(sample.name);
  if (sample.labels.length > 0 || tail !== undefined) {
    w.byte(OPEN_BRACE);
    writeLabels(w, sample.labels);
    if (tail !== undefined) {
      if (sample.labels.length > 0) w.byte(COMMA);
      w.raw(tail);
    }
    w.byte(CLOSE_BRACE);
  }
  w.byte(SPACE);
  w.value(sample.value);
  if (sample.timestampMs !== undefined) {
    w.byte(SPACE);
    w.plain(String(sample.timestampMs));
  }
  w.byte(LF);
}

/** Writes `name="value",...` without braces. */
function writeLabels(w: ByteWriter, labels: LabelSet): void {
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i]!;
    if (i > 0) w.byte(COMMA);
    w.plain(l.name);
    w.byte(EQUALS);
    w.byte(QUOTE);
    w.escaped(l.value, true);
    w.byte(QUOTE);
  }
}

/** `name="value",...` of each target label set, encoded once for every line it ends. */
function targetEncoder(): (target: LabelSet) => Uint8Array | undefined {
  const encoded = new Map<LabelSet, Uint8Array>();
  return (target) => {
    if (target.length === 0) return undefined;
    let bytes = encoded.get(target);
    if (bytes === undefined) {
      const w = new ByteWriter(256);
      writeLabels(w, target);
      bytes = w.result();
      encoded.set(target, bytes);
    }
    return bytes;
  };
}

/**
 * Formats a sample value as the Go client libraries do (`strconv.FormatFloat(v, 'g', -1, 64)`):
 * shortest round-trip digits, exponent form below 1e-4 and from 1e6, `NaN`, `+Inf`, `-Inf`.
 */
export function formatValue(value: number): string {
  const magnitude = value < 0 ? -value : value;
  // Go writes exponent form when the decimal exponent is below -4 or from 6 up.
  if (magnitude >= 1e-4 && magnitude < 1e6) return String(value);
  if (value === 0) return Object.is(value, -0) ? "-0" : "0";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  if (value !== value) return "NaN";
  const exponential = value.toExponential();
  const e = exponential.indexOf("e");
  const sign = exponential.charCodeAt(e + 1) === 45 ? "e-" : "e+";
  const digits = exponential.slice(e + 2);
  return exponential.slice(0, e) + sign + (digits.length === 1 ? "0" : "") + digits;
}
