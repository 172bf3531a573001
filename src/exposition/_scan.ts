/**
 * What the text decoders share: reading UTF-8 bytes line by line, names, label sets, numbers,
 * positioned errors, and the series hash of label sets. Pure: no I/O.
 * @module
 */
import type { SampleStore } from "./store.ts";

/** A decoding failure, positioned at a 1-based line and column of the input. */
export class DecodeError extends Error {
  /** 1-based line of the input where decoding failed. */
  readonly line: number;
  /** 1-based column (in characters, as UTF-16 counts them) where decoding failed. */
  readonly column: number;
  /** Whether the input is not valid UTF-8 there. */
  readonly invalidUtf8: boolean;

  /** An error at `position`, for `reason`. */
  constructor(reason: string, position: { line: number; column: number; invalidUtf8?: boolean }) {
    super(`line ${position.line}, column ${position.column}: ${reason}`);
    this.name = "DecodeError";
    this.line = position.line;
    this.column = position.column;
    this.invalidUtf8 = position.invalidUtf8 ?? false;
  }
}

/** The byte of a tab. */
export const TAB = 9;
/** The byte of a line feed. */
export const LF = 10;
/** The byte of a carriage return. */
export const CR = 13;
/** The byte of a space. */
export const SPACE = 32;
/** The byte of `"`. */
export const QUOTE = 34;
/** The byte of `#`. */
export const HASH = 35;
/** The byte of `+`. */
export const PLUS = 43;
/** The byte of `,`. */
export const COMMA = 44;
/** The byte of `-`. */
export const MINUS = 45;
/** The byte of `.`. */
export const DOT = 46;
/** The byte of `=`. */
export const EQUALS = 61;
/** The byte of a backslash. */
export const BACKSLASH = 92;
/** The byte of `n`. */
export const LOWER_N = 110;
/** The byte of `{`. */
export const OPEN_BRACE = 123;
/** The byte of `}`. */
export const CLOSE_BRACE = 125;

/** Character classes of ASCII: bit 1, metric name; bit 2, metric name start; bit 4 label name. */
const CLASS = new Uint8Array(256);
for (let c = 0; c < 128; c++) {
  const letter = (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
  const digit = c >= 48 && c <= 57;
  CLASS[c] = (letter || c === 58 ? 3 : 0) | (digit ? 1 : 0) | (letter || digit ? 4 : 0);
}

/** Whether `c` may start a legacy metric name (`[a-zA-Z_:]`). */
export function isNameStart(c: number): boolean {
  return (CLASS[c]! & 2) !== 0;
}

/** Whether `c` may be in a legacy metric name (`[a-zA-Z0-9_:]`). */
export function isNameChar(c: number): boolean {
  return (CLASS[c]! & 1) !== 0;
}

/** Whether `c` may start a legacy label name (`[a-zA-Z_]`). */
export function isLabelNameStart(c: number): boolean {
  return (CLASS[c]! & 4) !== 0 && (c < 48 || c > 57);
}

/** Whether `c` may be in a legacy label name (`[a-zA-Z0-9_]`). */
export function isLabelNameChar(c: number): boolean {
  return (CLASS[c]! & 4) !== 0;
}

/**
 * The names `isLegacyName` was asked about: an encoder asks about each family's names several
 * times a scrape, and the same names scrape after scrape. Emptied when it reaches its bound.
 */
const LEGACY_NAMES = new Map<string, boolean>();
const LEGACY_NAMES_BOUND = 8192;

/** Whether `name` is a legacy metric name, written without quotes in every format. */
export function isLegacyName(name: string): boolean {
  let legacy = LEGACY_NAMES.get(name);
  if (legacy === undefined) {
    legacy = scanLegacyName(name);
    if (LEGACY_NAMES.size >= LEGACY_NAMES_BOUND) LEGACY_NAMES.clear();
    LEGACY_NAMES.set(name, legacy);
  }
  return legacy;
}

function scanLegacyName(name: string): boolean {
  if (name.length === 0) return false;
  const first = name.charCodeAt(0);
  if (first > 0x7f || !isNameStart(first)) return false;
  for (let i = 1; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c > 0x7f || !isNameChar(c)) return false;
  }
  return true;
}

/** Whether `name` is a legacy label name. */
export function isLegacyLabelName(name: string): boolean {
  if (name.length === 0) return false;
  const first = name.charCodeAt(0);
  if (first > 0x7f || !isLabelNameStart(first)) return false;
  for (let i = 1; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c > 0x7f || !isLabelNameChar(c)) return false;
  }
  return true;
}

/**
 * The length of the valid UTF-8 sequence starting at `p` (whose first byte is not ASCII), or 0
 * when it is not one: overlong forms, surrogates and code points beyond U+10FFFF are invalid.
 */
export function utf8SequenceLength(b: Uint8Array, p: number): number {
  const c = b[p]!;
  if (c < 0xc2 || c > 0xf4) return 0;
  const c1 = b[p + 1];
  if (c1 === undefined || (c1 & 0xc0) !== 0x80) return 0;
  if (c < 0xe0) return 2;
  if (c === 0xe0 && c1 < 0xa0) return 0;
  if (c === 0xed && c1 > 0x9f) return 0;
  const c2 = b[p + 2];
  if (c2 === undefined || (c2 & 0xc0) !== 0x80) return 0;
  if (c < 0xf0) return 3;
  if (c === 0xf0 && c1 < 0x90) return 0;
  if (c === 0xf4 && c1 > 0x8f) return 0;
  const c3 = b[p + 3];
  if (c3 === undefined || (c3 & 0xc0) !== 0x80) return 0;
  return 4;
}

/** Keeps a byte order mark, which is text like any other inside a line. */
const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * Strings made by `textOf`, by a hash of their bytes: an exporter's names and HELP texts are
 * the same scrape after scrape, so they are made once and shared, not made again each time.
 * Two slots per hash (a set), the one used last first: with one, two texts of a scrape whose
 * hashes met took each other's slot at every scrape (68 of the node_exporter payload's 1,206
 * texts were made again each time).
 */
const INTERNED = new Array<string | undefined>(16384).fill(undefined);
const INTERNED_SET_MASK = INTERNED.length - 2;
/** Longer text is not interned. */
const INTERNED_LENGTH = 256;
/** How many bytes at each end of a text its slot's hash reads. */
const INTERNED_SAMPLE = 12;

/** The text of valid UTF-8 bytes `b[start, end)`. */
export function textOf(b: Uint8Array, start: number, end: number): string {
  const length = end - start;
  if (length > INTERNED_LENGTH) return UTF8.decode(b.subarray(start, end));
  // A hash of the length and of the first and last bytes: text that differs only in the
  // middle shares a set, and `sameAscii` tells them apart.
  let h = Math.imul(HASH_START ^ length, 0x01000193);
  const head = length > 2 * INTERNED_SAMPLE ? start + INTERNED_SAMPLE : end;
  for (let p = start; p < head; p++) h = Math.imul(h ^ b[p]!, 0x01000193);
  for (let p = Math.max(head, end - INTERNED_SAMPLE); p < end; p++) {
    h = Math.imul(h ^ b[p]!, 0x01000193);
  }
  const slot = (h ^ (h >>> 15)) & INTERNED_SET_MASK;
  const first = INTERNED[slot];
  if (first !== undefined && sameAscii(b, start, end, first)) return first;
  const second = INTERNED[slot + 1];
  if (second !== undefined && sameAscii(b, start, end, second)) {
    INTERNED[slot + 1] = first;
    INTERNED[slot] = second;
    return second;
  }
  let ascii = true;
  for (let p = start; p < end; p++) {
    if (b[p]! > 0x7f) {
      ascii = false;
      break;
    }
  }
  // One call for the whole range: quicker than TextDecoder for short text.
  const text = ascii
    ? String.fromCharCode.apply(null, b.subarray(start, end) as unknown as number[])
    : UTF8.decode(b.subarray(start, end));
  if (ascii) {
    INTERNED[slot + 1] = first;
    INTERNED[slot] = text;
  }
  return text;
}

/** Whether `b[start, end)` is the ASCII text `text`. */
function sameAscii(b: Uint8Array, start: number, end: number, text: string): boolean {
  if (end - start !== text.length) return false;
  for (let i = 0; i < text.length; i++) if (b[start + i] !== text.charCodeAt(i)) return false;
  return true;
}

/** How many code points `text` has (a surrogate pair is one). */
export function codePoints(text: string): number {
  let n = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xdc00 && c <= 0xdfff) n--;
  }
  return n;
}

/** Unescapes `\\`, `\"` and `\n` in `b[start, end)`; other backslashes are kept as written. */
export function unescapedText(b: Uint8Array, start: number, end: number): string {
  let p = start;
  while (p < end && b[p] !== BACKSLASH) p++;
  if (p === end) return textOf(b, start, end);
  let out = "";
  let chunk = start;
  for (; p < end; p++) {
    if (b[p] !== BACKSLASH || p + 1 >= end) continue;
    const e = b[p + 1];
    if (e === BACKSLASH || e === QUOTE || e === LOWER_N) {
      out += textOf(b, chunk, p) + (e === LOWER_N ? "\n" : e === QUOTE ? '"' : "\\");
      p++;
      chunk = p + 1;
    }
  }
  return out + textOf(b, chunk, end);
}

/** Powers of ten that doubles hold exactly: 1e0 to 1e22. */
const EXACT_POWERS_OF_TEN = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));

/** Parses a value as Go's strconv.ParseFloat would; undefined when it is not a number. */
export function parseGoFloat(token: string): number | undefined {
  const first = token.charCodeAt(0);
  if ((first >= 48 && first <= 57) || first === DOT || first === MINUS || first === PLUS) {
    const second = token.charCodeAt(1);
    const numeric = (first >= 48 && first <= 57) || first === DOT ||
      (second >= 48 && second <= 57) || second === DOT;
    if (numeric) {
      // Number() accepts hex, octal and binary prefixes that ParseFloat does not, and
      // ParseFloat accepts underscores only with a base prefix.
      const x = token.charCodeAt(first === 48 ? 1 : 2) | 0x20;
      if (token.length > 1 && (x === 120 || x === 111 || x === 98)) return undefined;
      const value = Number(token);
      return value === value ? value : undefined;
    }
  }
  return parseNamedFloat(token);
}

/** Parses `NaN` or `[sign]Inf[inity]`, in any case; undefined for any other token. */
export function parseNamedFloat(token: string): number | undefined {
  if (token.length > 9) return undefined;
  switch (token.toLowerCase()) {
    case "nan":
      return NaN;
    case "inf":
    case "+inf":
    case "infinity":
    case "+infinity":
      return Infinity;
    case "-inf":
    case "-infinity":
      return -Infinity;
  }
  return undefined;
}

/** Whether `token` names an infinity (so that an infinite parse is not an overflow). */
export function isInfinityToken(token: string): boolean {
  const t = token.toLowerCase();
  const unsigned = t.charCodeAt(0) === PLUS || t.charCodeAt(0) === MINUS ? t.slice(1) : t;
  return unsigned === "inf" || unsigned === "infinity";
}

/** The FNV-1a step of the label hash. */
export function hashByte(h: number, c: number): number {
  return Math.imul(h ^ c, 0x01000193);
}

/** The FNV-1a offset basis. */
export const HASH_START = 0x811c9dc5 | 0;

/** Finishes one label's hash (murmur3's finalizer), so that sums of them spread well. */
export function finishLabelHash(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** The hash of one label, from its name and escaped value as written between quotes. */
export function labelHash(b: Uint8Array, name: [number, number], value: [number, number]): number {
  let h = HASH_START;
  for (let p = name[0]; p < name[1]; p++) h = hashByte(h, b[p]!);
  h = hashByte(h, EQUALS);
  for (let p = value[0]; p < value[1]; p++) h = hashByte(h, b[p]!);
  return finishLabelHash(h);
}

/** Whether a backslash before `c` is one of the escapes `\\`, `\"` and `\n`. */
export function isEscaped(c: number | undefined): boolean {
  return c === BACKSLASH || c === QUOTE || c === LOWER_N;
}

/**
 * Continues hash `h` over the escaped value `b[start, end)` as its canonical form is written:
 * a backslash that escapes nothing (OpenMetrics keeps it as written) counts twice.
 */
function hashCanonicalValue(h: number, b: Uint8Array, start: number, end: number): number {
  for (let p = start; p < end; p++) {
    const c = b[p]!;
    h = hashByte(h, c);
    if (c !== BACKSLASH) continue;
    if (isEscaped(b[p + 1])) h = hashByte(h, b[++p]!);
    else h = hashByte(h, BACKSLASH);
  }
  return h;
}

/** The series hash of a sample: its labels' hashes summed (so order does not count), and its role. */
export function sampleHash(labelsHash: number, role: number): number {
  return (labelsHash + Math.imul(role + 1, 0x9e3779b1)) | 0;
}

/** At most this many labels are compared pairwise for duplicates; more use a set. */
export const MANY_LABELS = 16;

/**
 * A reader of UTF-8 text, line by line, with the label set parsing shared by text 0.0.4/1.0.0
 * and OpenMetrics. The last label set read is kept in the `label*` arrays.
 */
export class Scanner {
  /** The input. */
  readonly b: Uint8Array;
  /** Where the input ends. */
  readonly end: number;
  /** Where it reads next. */
  pos = 0;
  /** The line it reads (1-based). */
  line = 1;
  /** Where that line starts. */
  lineStart = 0;
  /** Where the label sets are written in canonical form (its aux bytes). */
  readonly store: SampleStore;

  /** Spans of the label names (without quotes) and escaped values of the last label set. */
  labelCount = 0;
  /** Where each label's name starts. */
  nameStart: number[] = [];
  /** Where each label's name ends. */
  nameEnd: number[] = [];
  /** Where each label's escaped value starts. */
  valueStart: number[] = [];
  /** Where each label's escaped value ends. */
  valueEnd: number[] = [];
  /** Each label's hash (see `labelHash`). */
  labelHashes: number[] = [];
  /** Each label's name, a string shared with earlier samples' where it is the same. */
  labelNames: string[] = [];
  /** The label set before the last one's names, for reuse. */
  #priorNames: string[] = [];
  #priorCount = 0;
  /** Whether the last label set is written in canonical form (no blanks, quotes or comma at the end). */
  canonical = true;
  /** The sum of the last label set's hashes. */
  labelsHash = 0;
  /** Where the last label set's content starts (past `{`) and ends (at `}`). */
  setStart = 0;
  /** Where the last label set's content ends (at `}`). */
  setEnd = 0;
  /** A quoted metric name inside the last label set (text 1.0.0): its content span, or -1. */
  quotedNameStart: number = -1;
  /** Where that quoted name's content ends, or -1. */
  quotedNameEnd: number = -1;
  /**
   * Whether a value of the last label set has a backslash before a character it does not
   * escape (OpenMetrics keeps it as written: `\t` is a backslash and a `t`); its canonical
   * form doubles that backslash.
   */
  oddEscapes = false;
  /** Set by `quoted` when it meets such a backslash. */
  #oddEscape = false;

  /** A scanner of `b`, writing canonical label sets into `store`. */
  constructor(b: Uint8Array, store: SampleStore) {
    this.b = b;
    this.end = b.length;
    this.store = store;
  }

  /** Throws a DecodeError at byte position `at` of the current line. */
  fail(reason: string, at = this.pos): never {
    throw new DecodeError(reason, { line: this.line, column: this.column(at) });
  }

  /** Throws the DecodeError of invalid UTF-8 at `at`. */
  failUtf8(at: number): never {
    throw new DecodeError("invalid UTF-8", {
      line: this.line,
      column: this.column(at),
      invalidUtf8: true,
    });
  }

  /** Whether the input at `[start, end)` is the ASCII text `text`. */
  sameText(start: number, end: number, text: string): boolean {
    return sameAscii(this.b, start, end, text);
  }

  /** The 1-based column of byte position `at` on the current line, in UTF-16 code units. */
  column(at: number): number {
    let column = 1;
    for (let p = this.lineStart; p < at && p < this.end; p++) {
      const c = this.b[p]!;
      if ((c & 0xc0) !== 0x80) column += c >= 0xf0 ? 2 : 1;
    }
    return column;
  }

  /** Checks that `b[start, end)` is valid UTF-8. */
  checkUtf8(start: number, end: number): void {
    const b = this.b;
    for (let p = start; p < end;) {
      if (b[p]! < 0x80) {
        p++;
        continue;
      }
      const n = utf8SequenceLength(b, p);
      if (n === 0 || p + n > end) this.failUtf8(p);
      p += n;
    }
  }

  /** The end of the current line: the position of its LF, or the end of the input. */
  lineEnd(): number {
    const lf = this.b.indexOf(LF, this.pos);
    return lf === -1 ? this.end : lf;
  }

  /** Moves past an LF at the current position, to the next line. */
  nextLine(): void {
    this.pos++;
    this.line++;
    this.lineStart = this.pos;
  }

  /** Reads a legacy metric name; returns its end. Fails when there is none. */
  legacyName(): number {
    const b = this.b;
    let p = this.pos;
    if (!isNameStart(b[p] ?? 0)) this.fail("invalid metric name");
    p++;
    while (isNameChar(b[p] ?? 0)) p++;
    return p;
  }

  /**
   * Reads a quoted string's content from past its opening quote, checking UTF-8 and escapes
   * (`\\`, `\"`, `\n`; any other escape with `anyEscape`); returns the position of its closing
   * quote.
   */
  quoted(from: number, what: string, anyEscape = false): number {
    const b = this.b;
    let p = from;
    for (;;) {
      let c = b[p];
      while (c !== QUOTE && c !== BACKSLASH && c !== LF && c !== undefined && c < 0x80) {
        c = b[++p];
      }
      if (c === QUOTE) return p;
      if (c === undefined || c === LF) this.fail(`unterminated ${what}`, p);
      if (c === BACKSLASH) {
        const e = b[p + 1];
        if (isEscaped(e)) {
          p += 2;
          continue;
        }
        if (!anyEscape) this.fail(`invalid escape sequence in ${what}`, p);
        if (e === undefined || e === LF) this.fail(`unterminated ${what}`, p);
        this.#oddEscape = true;
        // The character after a lone backslash is read as any other.
        p++;
        continue;
      }
      const n = utf8SequenceLength(b, p);
      if (n === 0) this.failUtf8(p);
      p += n;
    }
  }

  /**
   * Reads a label set from past its `{` to past its `}`, into the `label*` arrays.
   * `blanks`: blanks may surround tokens (text) or not (OpenMetrics). `quotedNames`: names may
   * be quoted and the metric name may be inside the braces (text 1.0.0). `anyEscape`: a
   * backslash may precede any character in a value (OpenMetrics), see `oddEscapes`.
   */
  labelSet(options: { blanks: boolean; quotedNames: boolean; anyEscape?: boolean }): void {
    const b = this.b;
    // The last label set's names become the prior ones; the older array is reused.
    const previous = this.labelNames;
    const names = this.#priorNames;
    this.#priorNames = previous;
    this.#priorCount = this.labelCount;
    this.labelNames = names;
    this.setStart = this.pos;
    this.quotedNameStart = -1;
    this.quotedNameEnd = -1;
    let count = 0;
    let canonical = true;
    let sum = 0;
    let seen: Set<string> | undefined;
    let afterComma = false;
    let oddEscapes = false;
    const anyEscape = options.anyEscape ?? false;
    for (;;) {
      let c = b[this.pos];
      if (c === SPACE || c === TAB) {
        if (!options.blanks) this.fail("unexpected whitespace in a label set");
        canonical = false;
        c = this.skipBlanks();
      }
      if (c === CLOSE_BRACE) {
        if (afterComma) canonical = false;
        this.setEnd = this.pos;
        this.pos++;
        break;
      }
      if (count > 0 && !afterComma && this.quotedNameStart < 0) {
        this.fail('expected "," or "}" after a label value');
      }
      let nameStart = this.pos;
      let nameEnd: number;
      let quotedName = false;
      if (c === QUOTE) {
        if (!options.quotedNames) this.fail("quoted label names are not supported");
        nameStart = this.pos + 1;
        nameEnd = this.quoted(nameStart, "quoted name");
        this.pos = nameEnd + 1;
        quotedName = true;
      } else {
        if (c === undefined || !isLabelNameStart(c)) this.fail("invalid label name");
        let p = this.pos + 1;
        while (isLabelNameChar(b[p] ?? 0)) p++;
        nameEnd = p;
        this.pos = p;
      }
      c = b[this.pos];
      if ((c === SPACE || c === TAB) && options.blanks) {
        canonical = false;
        c = this.skipBlanks();
      }
      if (quotedName && (c === COMMA || c === CLOSE_BRACE)) {
        // The metric name, inside the braces (text 1.0.0).
        if (this.quotedNameStart >= 0) this.fail("metric name given twice", nameStart - 1);
        this.quotedNameStart = nameStart;
        this.quotedNameEnd = nameEnd;
        canonical = false;
        afterComma = c === COMMA;
        if (afterComma) this.pos++;
        continue;
      }
      const name = this.#name(nameStart, nameEnd, count < this.#priorCount ? previous[count]! : "");
      if (quotedName) {
        // A name that needs no quotes is written without them in canonical form.
        canonical = false;
        if (!isLegacyLabelName(name)) this.store.quotedLabelNames = true;
      }
      if (count < MANY_LABELS) {
        for (let i = 0; i < count; i++) {
          if (names[i] === name) this.fail(`duplicate label ${name}`, nameStart);
        }
      } else {
        // Hostile inputs with thousands of labels must not cost quadratic time.
        seen ??= new Set(names.slice(0, count));
        if (seen.has(name)) this.fail(`duplicate label ${name}`, nameStart);
        seen.add(name);
      }
      if (c !== EQUALS) this.fail(`expected "=" after label ${name}`);
      c = b[++this.pos];
      if ((c === SPACE || c === TAB) && options.blanks) {
        canonical = false;
        c = this.skipBlanks();
      }
      if (c !== QUOTE) this.fail(`expected '"' to open the value of ${name}`);
      const valueStart = this.pos + 1;
      this.#oddEscape = false;
      const valueEnd = this.quoted(valueStart, "label value", anyEscape);
      this.pos = valueEnd + 1;
      // The label's hash, over its name and value in canonical form.
      let h = HASH_START;
      for (let p = nameStart; p < nameEnd; p++) h = hashByte(h, b[p]!);
      h = hashByte(h, EQUALS);
      if (this.#oddEscape) {
        oddEscapes = true;
        canonical = false;
        h = hashCanonicalValue(h, b, valueStart, valueEnd);
      } else {
        for (let p = valueStart; p < valueEnd; p++) h = hashByte(h, b[p]!);
      }
      h = finishLabelHash(h);
      sum = (sum + h) | 0;
      this.nameStart[count] = nameStart;
      this.nameEnd[count] = nameEnd;
      this.valueStart[count] = valueStart;
      this.valueEnd[count] = valueEnd;
      this.labelHashes[count] = h;
      names[count] = name;
      count++;
      c = b[this.pos];
      if ((c === SPACE || c === TAB) && options.blanks) {
        canonical = false;
        c = this.skipBlanks();
      }
      afterComma = c === COMMA;
      if (afterComma) this.pos++;
      else if (c !== CLOSE_BRACE) this.fail('expected "," or "}" after a label value');
    }
    this.labelCount = count;
    this.labelsHash = sum;
    this.canonical = canonical;
    this.oddEscapes = oddEscapes;
  }

  /** The position of label `name` in the last label set, or -1. */
  labelIndex(name: string): number {
    const names = this.labelNames;
    for (let i = 0; i < this.labelCount; i++) if (names[i] === name) return i;
    return -1;
  }

  /**
   * Writes the last label set to the store's aux bytes in canonical form, without label
   * `skip` (-1: none); returns where it starts (a label position) and ends.
   */
  writeCanonical(skip: number): [number, number] {
    const store = this.store;
    const b = this.b;
    const start = store.auxPosition;
    let first = true;
    for (let i = 0; i < this.labelCount; i++) {
      if (i === skip) continue;
      if (!first) store.auxByte(COMMA);
      first = false;
      const name = this.labelNames[i]!;
      const quote = !isLegacyLabelName(name);
      if (quote) store.auxByte(QUOTE);
      store.auxWrite(b, this.nameStart[i]!, this.nameEnd[i]!);
      if (quote) store.auxByte(QUOTE);
      store.auxByte(EQUALS);
      store.auxByte(QUOTE);
      if (this.oddEscapes) this.#writeCanonicalValue(this.valueStart[i]!, this.valueEnd[i]!);
      else store.auxWrite(b, this.valueStart[i]!, this.valueEnd[i]!);
      store.auxByte(QUOTE);
    }
    return [start, store.auxPosition];
  }

  /** Writes the escaped value `b[start, end)` to aux with its lone backslashes doubled. */
  #writeCanonicalValue(start: number, end: number): void {
    const store = this.store;
    const b = this.b;
    let chunk = start;
    for (let p = start; p < end; p++) {
      if (b[p] !== BACKSLASH) continue;
      if (isEscaped(b[p + 1])) {
        p++;
        continue;
      }
      store.auxWrite(b, chunk, p + 1);
      store.auxByte(BACKSLASH);
      chunk = p + 1;
    }
    store.auxWrite(b, chunk, end);
  }

  /** Skips blanks; returns the byte after them. */
  skipBlanks(): number | undefined {
    const b = this.b;
    let p = this.pos;
    let c = b[p];
    while (c === SPACE || c === TAB) c = b[++p];
    this.pos = p;
    return c;
  }

  /** The name at `b[start, end)`, `previous` itself when it is the same (no new string). */
  #name(start: number, end: number, previous: string): string {
    const b = this.b;
    const length = end - start;
    if (length === previous.length) {
      let same = true;
      for (let i = 0; i < length; i++) {
        if (b[start + i] !== previous.charCodeAt(i)) {
          same = false;
          break;
        }
      }
      if (same) return previous;
    }
    const name = unescapedText(b, start, end);
    this.store.labelNames.add(name);
    return name;
  }

  /**
   * Reads a value written in plain decimal (`42`, `-0.25`, `1.5e+06`) at the current position
   * without making a string: with at most 15 digits the digits are an exact integer, and
   * powers of ten up to 1e22 are exact, so one multiplication or division rounds correctly,
   * as Number() would (Clinger's fast path). NaN, with the position unchanged, for any other
   * value.
   */
  plainNumber(): number {
    const b = this.b;
    let p = this.pos;
    let c = b[p];
    const negative = c === MINUS;
    if (negative || c === PLUS) c = b[++p];
    let digits = 0;
    let mantissa = 0;
    let scale = 0;
    while (c !== undefined && c >= 48 && c <= 57) {
      mantissa = mantissa * 10 + c - 48;
      digits++;
      c = b[++p];
    }
    if (c === DOT) {
      c = b[++p];
      while (c !== undefined && c >= 48 && c <= 57) {
        mantissa = mantissa * 10 + c - 48;
        digits++;
        scale--;
        c = b[++p];
      }
    }
    if (digits === 0 || digits > 15) return NaN;
    if (c === 101 || c === 69) { // e, E
      c = b[++p];
      const negativeExponent = c === MINUS;
      if (negativeExponent || c === PLUS) c = b[++p];
      let exponent = 0;
      let exponentDigits = 0;
      while (c !== undefined && c >= 48 && c <= 57 && exponentDigits < 4) {
        exponent = exponent * 10 + c - 48;
        exponentDigits++;
        c = b[++p];
      }
      if (exponentDigits === 0) return NaN;
      scale += negativeExponent ? -exponent : exponent;
    }
    // The value must end here.
    if (c !== SPACE && c !== TAB && c !== LF && c !== CR && c !== undefined) return NaN;
    if (scale < -22 || scale > 22) return NaN;
    const magnitude = scale < 0
      ? mantissa / EXACT_POWERS_OF_TEN[-scale]!
      : mantissa * EXACT_POWERS_OF_TEN[scale]!;
    this.pos = p;
    return negative ? -magnitude : magnitude;
  }

  /** Reads a token up to a blank, CR, LF or the end; returns it as text. */
  token(): string {
    const start = this.skipToken();
    this.checkUtf8(start, this.pos);
    return textOf(this.b, start, this.pos);
  }

  /** Moves past a token (up to a blank, CR, LF or the end), unchecked; returns where it starts. */
  skipToken(): number {
    const b = this.b;
    const start = this.pos;
    let p = start;
    let c = b[p];
    while (c !== SPACE && c !== TAB && c !== LF && c !== CR && c !== undefined) c = b[++p];
    this.pos = p;
    return start;
  }
}
