/**
 * What the text encoders share: a byte buffer that writes strings as UTF-8 and escaped, and
 * numbers as the Go libraries write them, and the writing of a stored sample's label set,
 * relabelled and with its names escaped as the client asked. Pure: no I/O.
 * @module
 */
import { formatValue } from "./_number.ts";
import { BACKSLASH, CLOSE_BRACE, COMMA, EQUALS, LF, LOWER_N, OPEN_BRACE, QUOTE } from "./_scan.ts";
import { labelsOf } from "./label_bytes.ts";
import type { Label, LabelSet } from "./model.ts";
import type { MergedFamily, MergedPart } from "./merge.ts";
import { escapeLabelName, type Escaping, isLegacyLabelName, isLegacyName } from "./names.ts";
import { relabelLabels } from "./relabel.ts";
import type { SampleStore } from "./store.ts";

const utf8 = new TextEncoder();

/** The first chunk of a writer; each next one is twice as large, up to `MAX_CHUNK`. */
const FIRST_CHUNK = 64 * 1024;
const MAX_CHUNK = 4 * 1024 * 1024;
/** Spans up to this long are copied byte by byte: quicker than a subarray and `set`. */
const SHORT_SPAN = 128;

/**
 * A byte buffer that fills chunks and joins them once at the end, rather than copying
 * everything written each time it grows.
 */
export class ByteWriter {
  /** The chunk being written. */
  bytes: Uint8Array<ArrayBuffer>;
  /** The bytes written into it. */
  length = 0;
  readonly #full: Uint8Array<ArrayBuffer>[] = [];
  #fullLength = 0;

  /** A writer whose first chunk holds `size` bytes. */
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

  /** Writes one byte. */
  byte(b: number): void {
    if (this.length === this.bytes.length) this.#nextChunk(1);
    this.bytes[this.length++] = b;
  }

  /** Copies `src[start, end)`. */
  copy(src: Uint8Array, start: number, end: number): void {
    const n = end - start;
    this.reserve(n);
    if (n <= SHORT_SPAN) {
      const bytes = this.bytes;
      let o = this.length;
      for (let p = start; p < end; p++) bytes[o++] = src[p]!;
      this.length = o;
    } else {
      this.bytes.set(src.subarray(start, end), this.length);
      this.length += n;
    }
  }

  /** Copies all of `src` (at once: `set` of a whole array needs no subarray). */
  raw(src: Uint8Array): void {
    this.reserve(src.length);
    this.bytes.set(src, this.length);
    this.length += src.length;
  }

  /** Writes `s`, which needs no escaping (names, numbers), as UTF-8. */
  plain(s: string): void {
    this.reserve(s.length * 3);
    const bytes = this.bytes;
    let o = this.length;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) {
        this.length = o;
        this.#utf8(s.slice(i));
        return;
      }
      bytes[o++] = c;
    }
    this.length = o;
  }

  /**
   * Writes `s` escaped: `\` and newline always, `"` too with `escapeQuote` (label values,
   * quoted names, OpenMetrics HELP; text 0.0.4 HELP keeps its quotes).
   */
  escaped(s: string, escapeQuote: boolean): void {
    this.reserve(s.length * 3);
    const bytes = this.bytes;
    let o = this.length;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) {
        this.length = o;
        let rest = s.slice(i).replaceAll("\\", "\\\\").replaceAll("\n", "\\n");
        if (escapeQuote) rest = rest.replaceAll('"', '\\"');
        this.#utf8(rest);
        return;
      }
      if (c === BACKSLASH || c === LF || (escapeQuote && c === QUOTE)) {
        bytes[o++] = BACKSLASH;
        bytes[o++] = c === LF ? LOWER_N : c;
      } else {
        bytes[o++] = c;
      }
    }
    this.length = o;
  }

  #utf8(s: string): void {
    this.reserve(s.length * 3);
    const { written } = utf8.encodeInto(s, this.bytes.subarray(this.length));
    this.length += written;
  }

  /** Writes a sample value as `formatValue` does; small integers without making a string. */
  value(value: number): void {
    // Go writes integers below 1e6 as digits; -0 (1 / -0 is -Infinity) is not one of them.
    const digits = Number.isInteger(value) && value < 1e6 && value > -1e6 &&
      (value !== 0 || 1 / value > 0);
    if (!digits) {
      this.plain(formatValue(value));
      return;
    }
    this.integer(value);
  }

  /** Writes a safe integer in decimal. */
  integer(value: number): void {
    this.reserve(24);
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

  /** Everything written, in one array of exactly that length (or in the only chunk). */
  result(): Uint8Array<ArrayBuffer> {
    if (this.#full.length === 0) return this.bytes.subarray(0, this.length);
    const out = new Uint8Array(this.#fullLength + this.length);
    let offset = 0;
    // The chunks are the writer's own: freed now rather than when collected.
    for (const chunk of this.#full) {
      out.set(chunk, offset);
      offset += chunk.length;
      chunk.buffer.transfer(0);
    }
    out.set(this.bytes.subarray(0, this.length), offset);
    this.bytes.buffer.transfer(0);
    this.#full.length = 0;
    return out;
  }
}

/** How the label sets of a part are written. */
export interface LabelWriting {
  /** How label names outside the legacy set are written. */
  readonly escaping: Escaping;
  /** A metric name to write first inside the braces, quoted (UTF-8 names in text 1.0.0). */
  readonly quotedName?: Uint8Array | undefined;
}

/** What else goes into one label set: a quoted metric name first, a made-up label last. */
export interface LabelSetExtras {
  /** A metric name written first inside the braces, quoted (UTF-8 names). */
  readonly quotedName?: Uint8Array | undefined;
  /** A label written last (a bucket's `le` made up by the encoder). */
  readonly extra?: Label | undefined;
}

/**
 * Writes the label sets of one part's samples: each sample's own label set, then the part's
 * target labels. Own labels named like a target label are renamed `exported_...`; label names
 * outside the legacy set are escaped unless `escaping` allows them.
 */
export class PartLabels {
  readonly #w: ByteWriter;
  readonly #part: MergedPart;
  /** The store of the part's samples. */
  readonly store: SampleStore;
  readonly #escaping: Escaping;
  readonly #slow: boolean;

  /** A writer of `part`'s label sets into `w`, label names escaped as `escaping` says. */
  constructor(w: ByteWriter, part: MergedPart, escaping: Escaping) {
    this.#w = w;
    this.#part = part;
    this.store = part.store;
    this.#escaping = escaping;
    this.#slow = part.mayConflict || (part.store.quotedLabelNames && escaping !== "allow-utf-8");
  }

  /** Writes `{labels}` of sample `i`; nothing when it has none. */
  write(i: number, extras?: LabelSetExtras): void {
    const w = this.#w;
    const part = this.#part;
    const store = part.store;
    const start = store.start[i]!;
    const end = store.end[i]!;
    const target = part.target.bytes;
    if (this.#slow) {
      const offset = store.offsetAt(start);
      const own = labelsOf(store.bytesAt(start), { start: start - offset, end: end - offset });
      const labels = relabelLabels(own, part.target.labels);
      const extra = extras?.extra;
      writeLabels(w, extra === undefined ? labels : labels.concat(extra), {
        escaping: this.#escaping,
        quotedName: extras?.quotedName,
      });
      return;
    }
    if (extras === undefined) {
      // The common case: own labels and target labels, copied as they are.
      if (start === end && target.length === 0) return;
      w.byte(OPEN_BRACE);
      if (start !== end) {
        const offset = store.offsetAt(start);
        w.copy(store.bytesAt(start), start - offset, end - offset);
        if (target.length > 0) w.byte(COMMA);
      }
      w.raw(target);
      w.byte(CLOSE_BRACE);
      return;
    }
    const { quotedName, extra } = extras;
    if (start === end && target.length === 0 && extra === undefined && quotedName === undefined) {
      return;
    }
    w.byte(OPEN_BRACE);
    let empty = true;
    if (quotedName !== undefined) {
      w.raw(quotedName);
      empty = false;
    }
    if (start !== end) {
      if (!empty) w.byte(COMMA);
      const offset = store.offsetAt(start);
      w.copy(store.bytesAt(start), start - offset, end - offset);
      empty = false;
    }
    if (target.length > 0) {
      if (!empty) w.byte(COMMA);
      w.raw(target);
      empty = false;
    }
    if (extra !== undefined) {
      if (!empty) w.byte(COMMA);
      writeLabel(w, extra, this.#escaping);
    }
    w.byte(CLOSE_BRACE);
  }
}

/** Writes `{labels}` from label objects (the quoted name first, if any); nothing when empty. */
export function writeLabels(w: ByteWriter, labels: LabelSet, how: LabelWriting): void {
  if (labels.length === 0 && how.quotedName === undefined) return;
  w.byte(OPEN_BRACE);
  if (how.quotedName !== undefined) {
    w.raw(how.quotedName);
    if (labels.length > 0) w.byte(COMMA);
  }
  for (let k = 0; k < labels.length; k++) {
    if (k > 0) w.byte(COMMA);
    writeLabel(w, labels[k]!, how.escaping);
  }
  w.byte(CLOSE_BRACE);
}

function writeLabel(w: ByteWriter, label: Label, escaping: Escaping): void {
  const name = escapeLabelName(label.name, escaping);
  if (isLegacyLabelName(name)) {
    w.plain(name);
  } else {
    w.byte(QUOTE);
    w.escaped(name, true);
    w.byte(QUOTE);
  }
  w.byte(EQUALS);
  w.byte(QUOTE);
  w.escaped(label.value, true);
  w.byte(QUOTE);
}

/** A metric name as written: its UTF-8 bytes, plain (a legacy name) or quoted and escaped. */
export interface NameBytes {
  /** The bytes: `name`, or `"name"` escaped when `quoted`. */
  readonly bytes: Uint8Array;
  /** Whether the name is outside the legacy set, written quoted. */
  readonly quoted: boolean;
}

/**
 * The names `nameBytes` made, by name: the same names are written several times a scrape and
 * scrape after scrape, and writing a name's bytes at once is several times quicker than
 * writing its characters one by one. Emptied when it reaches its bound; longer names are not
 * kept.
 */
const NAME_BYTES = new Map<string, NameBytes>();
const NAME_BYTES_BOUND = 8192;
const NAME_BYTES_LENGTH = 256;

/** How the metric name `name` is written: plain, or quoted when outside the legacy set. */
export function nameBytes(name: string): NameBytes {
  let written = NAME_BYTES.get(name);
  if (written !== undefined) return written;
  written = isLegacyName(name)
    ? { bytes: utf8.encode(name), quoted: false }
    : { bytes: quotedBytes(name), quoted: true };
  if (name.length <= NAME_BYTES_LENGTH) {
    if (NAME_BYTES.size >= NAME_BYTES_BOUND) NAME_BYTES.clear();
    NAME_BYTES.set(name, written);
  }
  return written;
}

/** `"name"`, escaped, as UTF-8 bytes: a metric name written quoted. */
function quotedBytes(name: string): Uint8Array {
  const w = new ByteWriter(name.length * 3 + 8);
  w.byte(QUOTE);
  w.escaped(name, true);
  w.byte(QUOTE);
  return w.result();
}

/** The label a native histogram is written with as its only classic bucket. */
const INF_BUCKET: Label = { name: "le", value: "+Inf" };

/** How samples named `name` are written: plain before the label set, or quoted inside it. */
export function sampleName(name: string): SampleName {
  const { bytes, quoted } = nameBytes(name);
  return quoted
    ? {
      plain: undefined,
      extras: { quotedName: bytes },
      native: { quotedName: bytes, extra: INF_BUCKET },
    }
    : { plain: bytes, extras: undefined, native: { extra: INF_BUCKET } };
}

/** How a sample's name is written: before its label set, or quoted inside it. */
export interface SampleName {
  /** The name's bytes, when it is written before the label set; undefined when quoted. */
  readonly plain: Uint8Array | undefined;
  /** What the label set gets besides its labels: the quoted name; undefined when plain. */
  readonly extras: LabelSetExtras | undefined;
  /** The extras of a native histogram written as its `+Inf` bucket. */
  readonly native: LabelSetExtras;
}

/** About the size of an encoding of `families`, so that it is mostly written into one buffer. */
export function encodedSizeHint(families: readonly MergedFamily[]): number {
  const inputs = new Set<Uint8Array>();
  let size = 4096;
  for (const family of families) {
    for (const part of family.parts) {
      inputs.add(part.store.input);
      size += part.store.auxLength + part.indices.length * (part.target.bytes.length + 40);
    }
  }
  for (const input of inputs) size += input.length;
  return size;
}

/** How a HELP line starts: `# HELP `. */
export const HELP_LINE: Uint8Array = utf8.encode("# HELP ");
/** How a TYPE line starts: `# TYPE `. */
export const TYPE_LINE: Uint8Array = utf8.encode("# TYPE ");
/** How a UNIT line starts (OpenMetrics): `# UNIT `. */
export const UNIT_LINE: Uint8Array = utf8.encode("# UNIT ");

/**
 * Writes the start of a metadata line, `# HELP name ` (`line`: how it starts, see above), of a
 * family whose name is written as `name`.
 */
export function writeMetadataStart(w: ByteWriter, line: Uint8Array, name: NameBytes): void {
  w.raw(line);
  w.raw(name.bytes);
  w.byte(32); // space
}
