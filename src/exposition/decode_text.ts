/**
 * Decoder for the Prometheus text exposition format 0.0.4. Pure: no I/O.
 *
 * Samples are recorded in a `SampleStore` (positions in the text), not as objects: the
 * families returned make their `Sample` objects only when their `samples` are read.
 * @module
 */
import {
  CANONICAL,
  FIELDS,
  LABEL_END,
  LABEL_START,
  NAME_END,
  NAME_START,
  SampleStore,
  storedFamily,
} from "./sample_store.ts";
import type { MetricFamily, MetricType } from "./types.ts";

/** A decoding failure, positioned at a 1-based line and column of the input. */
export class DecodeError extends Error {
  /** 1-based line of the input where decoding failed. */
  readonly line: number;
  /** 1-based column (UTF-16 code unit) of the input where decoding failed. */
  readonly column: number;

  constructor(reason: string, line: number, column: number) {
    super(`line ${line}, column ${column}: ${reason}`);
    this.name = "DecodeError";
    this.line = line;
    this.column = column;
  }
}

const TAB = 9;
const LF = 10;
const CR = 13;
const SPACE = 32;
const QUOTE = 34;
const HASH = 35;
const PLUS = 43;
const COMMA = 44;
const MINUS = 45;
const DOT = 46;
const EQUALS = 61;
const BACKSLASH = 92;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;

/** From this many labels on, duplicates are found with a set rather than a scan. */
const MANY_LABELS = 16;

/** Powers of ten that doubles hold exactly: 1e0 to 1e22. */
const EXACT_POWERS_OF_TEN = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));

const METRIC_TYPES: readonly MetricType[] = ["counter", "gauge", "histogram", "summary", "untyped"];

interface FamilyBuilder {
  name: string;
  /** Where its name was first read in the text. */
  readonly nameAt: number;
  type: MetricType;
  /** Whether it had a `# TYPE` line. */
  typed: boolean;
  help: string | undefined;
  /** Its position among the families, in order of first appearance. */
  readonly id: number;
  /** How many samples it has. */
  count: number;
}

/** Decodes a text 0.0.4 exposition into its metric families, in order of first appearance. */
export function decodeText(text: string): MetricFamily[] {
  return new TextDecoder004(text).decode();
}

/** Character classes of ASCII: bit 1, metric name; bit 2, metric name start. */
const NAME_CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const letter = (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 58;
  NAME_CLASS[c] = (letter ? 3 : 0) | (c >= 48 && c <= 57 ? 1 : 0);
}

function isNameStart(c: number): boolean {
  return c < 128 && (NAME_CLASS[c]! & 2) !== 0;
}

function isNameChar(c: number): boolean {
  return c < 128 && NAME_CLASS[c] !== 0;
}

function isLabelNameStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
}

function isLabelNameChar(c: number): boolean {
  return isLabelNameStart(c) || (c >= 48 && c <= 57);
}

function isBlank(c: number): boolean {
  return c === SPACE || c === TAB;
}

/** Parses a sample value as Go's strconv.ParseFloat would; NaN when it is not a number. */
function parseValue(token: string): number {
  const first = token.charCodeAt(0);
  // Digits, '.', or a sign followed by a digit or '.': the common case.
  if ((first >= 48 && first <= 57) || first === 46 || first === 45 || first === 43) {
    const second = token.charCodeAt(1);
    const numeric = first >= 48 && first <= 57 || first === 46 ||
      (second >= 48 && second <= 57) || second === 46;
    if (numeric) {
      // Number() accepts hex, octal and binary prefixes that ParseFloat does not.
      const x = token.charCodeAt(first === 48 ? 1 : 2) | 0x20;
      if (token.length > 1 && (x === 120 || x === 111 || x === 98)) return NaN;
      return Number(token);
    }
  }
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
  return Number.NaN;
}

function isNaNToken(token: string): boolean {
  return token.length === 3 && token.toLowerCase() === "nan";
}

function isInfToken(token: string): boolean {
  const t = token.toLowerCase();
  const unsigned = t.charCodeAt(0) === 43 || t.charCodeAt(0) === 45 ? t.slice(1) : t;
  return unsigned === "inf" || unsigned === "infinity";
}

function belongsTo(family: FamilyBuilder, sampleName: string): boolean {
  const base = family.name;
  if (sampleName === base) return family.type !== "histogram";
  if (family.type !== "histogram" && family.type !== "summary") return false;
  if (sampleName.length <= base.length || !sampleName.startsWith(base)) return false;
  const suffix = sampleName.slice(base.length);
  return suffix === "_sum" || suffix === "_count" ||
    (suffix === "_bucket" && family.type === "histogram");
}

class TextDecoder004 {
  readonly #text: string;
  #pos = 0;
  #line = 1;
  #lineStart = 0;
  readonly #families = new Map<string, FamilyBuilder>();
  #current: FamilyBuilder | undefined;
  readonly #store: SampleStore;
  /**
   * The previous sample's name, family and label names. Consecutive samples mostly repeat
   * them, so the decoder compares the text with them while scanning and reuses the strings.
   */
  #previousName = "";
  #previousNameAt = 0;
  #previousFamily: FamilyBuilder | undefined;
  #previousLabelNames: string[] = [];
  #previousLabelCount = 0;
  /** The label names of the sample being read (the first `#labelCount`). */
  #labelNames: string[] = [];
  #labelCount = 0;

  constructor(text: string) {
    this.#text = text;
    this.#store = new SampleStore(text);
  }

  decode(): MetricFamily[] {
    const text = this.#text;
    const end = text.length;
    while (this.#pos < end) {
      this.#skipBlanks();
      const c = text.charCodeAt(this.#pos);
      if (this.#pos >= end) break;
      if (c === LF || c === CR) {
        this.#endLine();
      } else if (c === HASH) {
        this.#comment();
      } else {
        this.#sample();
      }
    }
    // Each family's sample indices, in one array: a counting sort by family.
    const families = [...this.#families.values()];
    const offsets = new Int32Array(families.length + 1);
    for (const f of families) offsets[f.id + 1] = f.count;
    for (let i = 0; i < families.length; i++) offsets[i + 1]! += offsets[i]!;
    const store = this.#store;
    const indices = new Int32Array(store.length);
    const next = offsets.slice(0, families.length);
    const familyOf = store.families;
    for (let i = 0; i < store.length; i++) indices[next[familyOf[i]!]!++] = i;
    store.dropFamilies();
    return families.map((f) =>
      storedFamily(f, { store, indices: indices.subarray(offsets[f.id]!, offsets[f.id + 1]!) })
    );
  }

  #fail(reason: string, at = this.#pos): never {
    throw new DecodeError(reason, this.#line, at - this.#lineStart + 1);
  }

  #skipBlanks(): void {
    const text = this.#text;
    let p = this.#pos;
    while (isBlank(text.charCodeAt(p))) p++;
    this.#pos = p;
  }

  /** Expects the end of a line (LF, CRLF or end of input) and moves past it. */
  #endLine(): void {
    const text = this.#text;
    let c = text.charCodeAt(this.#pos);
    if (c === CR) {
      this.#pos++;
      c = text.charCodeAt(this.#pos);
      if (c !== LF && this.#pos < text.length) {
        this.#fail("carriage return not followed by newline");
      }
    }
    if (c === LF) {
      this.#pos++;
      this.#line++;
      this.#lineStart = this.#pos;
    } else if (this.#pos < text.length) {
      this.#fail(`unexpected character ${JSON.stringify(text[this.#pos])}, expected end of line`);
    }
  }

  #skipLine(): void {
    const next = this.#text.indexOf("\n", this.#pos);
    this.#pos = next === -1 ? this.#text.length : next;
    this.#endLine();
  }

  #atLineEnd(): boolean {
    const c = this.#text.charCodeAt(this.#pos);
    return c === LF || c === CR || this.#pos >= this.#text.length;
  }

  #readToken(): string {
    const start = this.#pos;
    this.#skipToken();
    return this.#text.slice(start, this.#pos);
  }

  /** The metric type written from `start` to the current position, without slicing it. */
  #metricType(start: number): MetricType | undefined {
    for (const type of METRIC_TYPES) {
      if (type.length === this.#pos - start && this.#text.startsWith(type, start)) return type;
    }
    return undefined;
  }

  #skipToken(): void {
    const text = this.#text;
    let p = this.#pos;
    let c = text.charCodeAt(p);
    // NaN (past the end) ends the token too.
    while (c !== SPACE && c !== TAB && c !== LF && c !== CR && c === c) c = text.charCodeAt(++p);
    this.#pos = p;
  }

  /**
   * Reads a metric name; returns `previous` (read from the text at `previousAt`) when it is
   * the same name, without making a new string.
   */
  #readMetricName(previous = "", previousAt = 0): string {
    const text = this.#text;
    const start = this.#pos;
    const first = text.charCodeAt(start);
    if (first === QUOTE) this.#fail("quoted metric names are not supported");
    if (first === OPEN_BRACE) {
      // The Prometheus 3 form {"name", ...} for names outside [a-zA-Z_:][a-zA-Z0-9_:]*.
      let p = start + 1;
      while (isBlank(text.charCodeAt(p))) p++;
      if (text.charCodeAt(p) === QUOTE) this.#fail("quoted metric names are not supported");
    }
    if (!isNameStart(first)) this.#fail("invalid metric name");
    // First as `previous`, which is a valid name: one comparison a character, no class check.
    const length = previous.length;
    let p = start;
    while (p - start < length && text.charCodeAt(p) === text.charCodeAt(previousAt + p - start)) {
      p++;
    }
    if (p - start === length && !isNameChar(text.charCodeAt(p))) {
      this.#pos = p;
      return previous;
    }
    if (p === start) p++;
    while (isNameChar(text.charCodeAt(p))) p++;
    this.#pos = p;
    return text.slice(start, p);
  }

  /** `# HELP name text`, `# TYPE name type`, or any other comment. */
  #comment(): void {
    this.#pos++; // '#'
    this.#skipBlanks();
    const text = this.#text;
    const keywordAt = this.#pos;
    this.#skipToken();
    const keyword = this.#pos - keywordAt !== 4
      ? undefined
      : text.startsWith("HELP", keywordAt)
      ? "HELP"
      : text.startsWith("TYPE", keywordAt)
      ? "TYPE"
      : undefined;
    if (keyword === undefined) {
      this.#skipLine();
      return;
    }
    this.#skipBlanks();
    if (this.#atLineEnd()) {
      // "# HELP" alone is a plain comment, as in the Prometheus Go parser.
      this.#endLine();
      return;
    }
    const nameAt = this.#pos;
    // A TYPE line mostly follows the HELP line of the same family.
    const name = this.#readMetricName(this.#current?.name, this.#current?.nameAt);
    const c = this.#text.charCodeAt(this.#pos);
    if (!isBlank(c) && !this.#atLineEnd()) this.#fail("invalid metric name", nameAt);
    this.#skipBlanks();
    if (keyword === "HELP") this.#help(name, nameAt);
    else this.#type(name, nameAt);
  }

  #help(name: string, nameAt: number): void {
    const text = this.#text;
    let lineEnd = text.indexOf("\n", this.#pos);
    if (lineEnd === -1) lineEnd = text.length;
    let stop = lineEnd;
    if (stop > this.#pos && text.charCodeAt(stop - 1) === CR) stop--;
    // Searched in this line only: in the text, indexOf("\r") would scan to its end each time.
    const raw = text.slice(this.#pos, stop);
    const cr = raw.indexOf("\r");
    if (cr !== -1) this.#fail("carriage return not followed by newline", this.#pos + cr);
    this.#pos = lineEnd;
    const family = this.#family(name, nameAt);
    // A second HELP for the same family keeps the first, as Prometheus does when scraping.
    if (family.help === undefined) family.help = unescapeHelp(raw);
    this.#endLine();
  }

  #type(name: string, nameAt: number): void {
    const typeAt = this.#pos;
    this.#skipToken();
    const type = this.#metricType(typeAt) ??
      this.#fail(
        `unknown metric type ${JSON.stringify(this.#text.slice(typeAt, this.#pos))}`,
        typeAt,
      );
    this.#skipBlanks();
    if (!this.#atLineEnd()) this.#fail("unexpected text after metric type");
    const existing = this.#families.get(name);
    if (existing === undefined) {
      const id = this.#families.size;
      this.#current = { name, nameAt, type, typed: true, help: undefined, id, count: 0 };
      this.#families.set(name, this.#current);
    } else if (existing.type !== type) {
      if (existing.count > 0) {
        this.#fail(`TYPE line for ${name} after its samples`, nameAt);
      }
      if (existing.type !== "untyped" || existing.typed) {
        this.#fail(`second TYPE line for ${name} with another type`, nameAt);
      }
      existing.type = type;
      this.#current = existing;
    } else {
      this.#current = existing;
    }
    this.#current.typed = true;
    this.#endLine();
  }

  /** The family named `name`, created untyped if it does not exist yet. */
  #family(name: string, nameAt: number): FamilyBuilder {
    let family = this.#families.get(name);
    if (family === undefined) {
      const id = this.#families.size;
      family = { name, nameAt, type: "untyped", typed: false, help: undefined, id, count: 0 };
      this.#families.set(name, family);
    }
    this.#current = family;
    return family;
  }

  /** The family a sample of this name belongs to, created untyped when there is none. */
  #familyOfSample(sampleName: string, nameAt: number): FamilyBuilder {
    const current = this.#current;
    if (current !== undefined && belongsTo(current, sampleName)) return current;
    const exact = this.#families.get(sampleName);
    if (exact !== undefined) {
      if (!belongsTo(exact, sampleName)) {
        this.#fail(
          `sample ${sampleName} of histogram ${sampleName} must be named ` +
            `${sampleName}_bucket, ${sampleName}_sum or ${sampleName}_count`,
          nameAt,
        );
      }
      this.#current = exact;
      return exact;
    }
    const cut = sampleName.lastIndexOf("_");
    if (cut > 0) {
      const parent = this.#families.get(sampleName.slice(0, cut));
      if (parent !== undefined && belongsTo(parent, sampleName)) {
        this.#current = parent;
        return parent;
      }
    }
    return this.#family(sampleName, nameAt);
  }

  #sample(): void {
    const text = this.#text;
    const nameAt = this.#pos;
    // Most often the previous sample's name, or, after a TYPE line, the new family's.
    const current = this.#current;
    const name = current === this.#previousFamily || current === undefined
      ? this.#readMetricName(this.#previousName, this.#previousNameAt)
      : this.#readMetricName(current.name, current.nameAt);
    const nameEnd = this.#pos;
    this.#skipBlanks();
    let labelStart = 0;
    let labelEnd = 0;
    let canonical = true;
    this.#labelCount = 0;
    if (text.charCodeAt(this.#pos) === OPEN_BRACE) {
      labelStart = this.#pos++;
      canonical = this.#labels();
      // `{}` is no labels: nothing to copy.
      labelEnd = this.#labelCount === 0 ? labelStart : this.#pos;
      this.#skipBlanks();
    } else if (!isBlank(text.charCodeAt(this.#pos - 1))) {
      if (this.#atLineEnd()) this.#fail("missing value");
      this.#fail("invalid metric name", nameAt);
    }
    if (this.#atLineEnd()) this.#fail("missing value");
    let value = this.#plainValue();
    if (value !== value) value = this.#otherValue();
    this.#skipBlanks();
    let timestampMs = NaN;
    if (!this.#atLineEnd()) {
      const tsAt = this.#pos;
      const ts = this.#readToken();
      timestampMs = parseTimestamp(ts) ??
        this.#fail(`invalid timestamp ${JSON.stringify(ts)}`, tsAt);
      this.#skipBlanks();
      if (!this.#atLineEnd()) this.#fail("unexpected text after timestamp");
    }
    // The same name as the previous sample's, no HELP or TYPE line between: the same family.
    const family = name === this.#previousName && this.#current === this.#previousFamily
      ? this.#current!
      : this.#familyOfSample(name, nameAt);
    if (family.type === "histogram" && name.endsWith("_bucket") && !this.#hasLabel("le")) {
      this.#fail(`histogram bucket ${name} has no "le" label`, nameAt);
    }
    if (family.type === "summary" && name === family.name && !this.#hasLabel("quantile")) {
      this.#fail(`summary quantile ${name} has no "quantile" label`, nameAt);
    }
    const store = this.#store;
    const i = store.length;
    store.reserve();
    const positions = store.positions;
    const at = i * FIELDS;
    positions[at + NAME_START] = nameAt;
    positions[at + NAME_END] = nameEnd;
    positions[at + LABEL_START] = labelStart;
    positions[at + LABEL_END] = labelEnd;
    positions[at + CANONICAL] = canonical ? 1 : 0;
    store.families[i] = family.id;
    store.values[i] = value;
    if (timestampMs === timestampMs) store.setTimestamp(i, timestampMs);
    store.length = i + 1;
    family.count++;
    this.#previousName = name;
    this.#previousNameAt = nameAt;
    this.#previousFamily = family;
    // This sample's label names become the previous ones; the old array is reused.
    const names = this.#previousLabelNames;
    this.#previousLabelNames = this.#labelNames;
    this.#previousLabelCount = this.#labelCount;
    this.#labelNames = names;
    this.#endLine();
  }

  #hasLabel(name: string): boolean {
    for (let i = 0; i < this.#labelCount; i++) if (this.#labelNames[i] === name) return true;
    return false;
  }

  /**
   * Reads a plain decimal value (`42`, `-0.25`, `1.5e+06`) straight from the text, without
   * slicing it: with at most 15 digits the digits are an exact integer, and powers of ten up
   * to 1e22 are exact, so one multiplication or division rounds correctly, exactly as
   * Number() would (Clinger's fast path). NaN, with the position unchanged, for any other
   * value, which `#otherValue` then reads.
   */
  #plainValue(): number {
    const text = this.#text;
    let p = this.#pos;
    let c = text.charCodeAt(p);
    const negative = c === MINUS;
    if (negative || c === PLUS) c = text.charCodeAt(++p);
    let digits = 0;
    let mantissa = 0;
    let scale = 0;
    while (c >= 48 && c <= 57) {
      mantissa = mantissa * 10 + c - 48;
      digits++;
      c = text.charCodeAt(++p);
    }
    if (c === DOT) {
      c = text.charCodeAt(++p);
      while (c >= 48 && c <= 57) {
        mantissa = mantissa * 10 + c - 48;
        digits++;
        scale--;
        c = text.charCodeAt(++p);
      }
    }
    if (digits === 0 || digits > 15) return NaN;
    if (c === 101 || c === 69) { // e, E
      c = text.charCodeAt(++p);
      const negativeExponent = c === MINUS;
      if (negativeExponent || c === PLUS) c = text.charCodeAt(++p);
      let exponent = 0;
      let exponentDigits = 0;
      while (c >= 48 && c <= 57 && exponentDigits < 4) {
        exponent = exponent * 10 + c - 48;
        exponentDigits++;
        c = text.charCodeAt(++p);
      }
      if (exponentDigits === 0) return NaN;
      scale += negativeExponent ? -exponent : exponent;
    }
    // The value must end here (NaN, past the end, ends it too).
    if (c !== SPACE && c !== TAB && c !== LF && c !== CR && c === c) return NaN;
    if (scale < -22 || scale > 22) return NaN;
    const magnitude = scale < 0
      ? mantissa / EXACT_POWERS_OF_TEN[-scale]!
      : mantissa * EXACT_POWERS_OF_TEN[scale]!;
    this.#pos = p;
    return negative ? -magnitude : magnitude;
  }

  /** Reads any other value: NaN, infinities, long or unusual numbers; fails on non-numbers. */
  #otherValue(): number {
    const valueAt = this.#pos;
    const token = this.#readToken();
    const value = parseValue(token);
    if (Number.isNaN(value) && !isNaNToken(token)) {
      this.#fail(`invalid value ${JSON.stringify(token)}`, valueAt);
    }
    if (!Number.isFinite(value) && !Number.isNaN(value) && !isInfToken(token)) {
      this.#fail(`value ${JSON.stringify(token)} is out of range`, valueAt);
    }
    return value;
  }

  /**
   * Reads `name="value", ...}` after the opening brace: checks it, and gathers the label names
   * in `#labelNames`. Returns whether it is written as the encoder writes label sets.
   */
  #labels(): boolean {
    const text = this.#text;
    const names = this.#labelNames;
    const previous = this.#previousLabelNames;
    let count = 0;
    let canonical = true;
    let seen: Set<string> | undefined;
    for (;;) {
      let c = text.charCodeAt(this.#pos);
      if (isBlank(c)) {
        canonical = false;
        this.#skipBlanks();
        c = text.charCodeAt(this.#pos);
      }
      if (c === CLOSE_BRACE) {
        // A comma before the brace is allowed, but not written by the encoder.
        if (count > 0 && text.charCodeAt(this.#pos - 1) !== QUOTE) canonical = false;
        this.#pos++;
        this.#labelCount = count;
        return canonical;
      }
      const nameAt = this.#pos;
      if (c === QUOTE) this.#fail("quoted label names are not supported");
      if (!isLabelNameStart(c)) this.#fail("invalid label name");
      // Compared with the previous sample's label name at this place while scanning.
      const before = count < this.#previousLabelCount ? previous[count]! : "";
      let p = nameAt;
      let same = true;
      do {
        same &&= c === before.charCodeAt(p - nameAt);
        c = text.charCodeAt(++p);
      } while (isLabelNameChar(c));
      this.#pos = p;
      let name = before;
      if (!same || p - nameAt !== before.length) {
        name = text.slice(nameAt, p);
        this.#store.labelNames.add(name);
      }
      if (count < MANY_LABELS) {
        for (let i = 0; i < count; i++) {
          if (names[i] === name) this.#fail(`duplicate label ${name}`, nameAt);
        }
      } else {
        // Hostile inputs with thousands of labels must not cost quadratic time.
        seen ??= new Set(names.slice(0, count));
        if (seen.has(name)) this.#fail(`duplicate label ${name}`, nameAt);
        seen.add(name);
      }
      names[count++] = name;
      if (isBlank(text.charCodeAt(this.#pos))) {
        canonical = false;
        this.#skipBlanks();
      }
      if (text.charCodeAt(this.#pos) !== EQUALS) this.#fail(`expected "=" after label ${name}`);
      this.#pos++;
      if (isBlank(text.charCodeAt(this.#pos))) {
        canonical = false;
        this.#skipBlanks();
      }
      if (text.charCodeAt(this.#pos) !== QUOTE) {
        this.#fail(`expected '"' to open the value of ${name}`);
      }
      this.#pos++;
      this.#labelValue();
      if (isBlank(text.charCodeAt(this.#pos))) {
        canonical = false;
        this.#skipBlanks();
      }
      c = text.charCodeAt(this.#pos);
      if (c === COMMA) {
        this.#pos++;
      } else if (c !== CLOSE_BRACE) {
        this.#fail('expected "," or "}" after a label value');
      }
    }
  }

  /**
   * Checks a label value and moves past its closing quote. Its escapes (`\\`, `\"`, `\n`)
   * are kept as written: they are exactly what the encoder writes.
   */
  #labelValue(): void {
    const text = this.#text;
    let p = this.#pos;
    for (;;) {
      let c = text.charCodeAt(p);
      // NaN, past the end, stops the loop too.
      while (c !== QUOTE && c !== BACKSLASH && c !== LF && c === c) c = text.charCodeAt(++p);
      if (c === QUOTE) {
        this.#pos = p + 1;
        return;
      }
      this.#pos = p;
      if (c !== BACKSLASH) this.#fail("unterminated label value");
      const e = text.charCodeAt(p + 1);
      if (e !== BACKSLASH && e !== QUOTE && e !== 110) {
        this.#fail("invalid escape sequence in label value");
      }
      p += 2;
    }
  }
}

/** Parses an integer timestamp in ms; undefined when it is not one JS numbers hold exactly. */
function parseTimestamp(token: string): number | undefined {
  let i = token.charCodeAt(0) === 45 || token.charCodeAt(0) === 43 ? 1 : 0;
  if (i === token.length) return undefined;
  for (; i < token.length; i++) {
    const c = token.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
  }
  const ms = Number(token);
  return Number.isSafeInteger(ms) ? ms : undefined;
}

/** Unescapes `\\` and `\n` in HELP text; other backslashes are kept as written. */
function unescapeHelp(raw: string): string {
  if (raw.indexOf("\\") === -1) return raw;
  let out = "";
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (c === "\\" && i + 1 < raw.length) {
      const e = raw[i + 1];
      if (e === "\\") {
        out += "\\";
        i++;
        continue;
      }
      if (e === "n") {
        out += "\n";
        i++;
        continue;
      }
    }
    out += c;
  }
  return out;
}
