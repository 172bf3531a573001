/**
 * Decoder for the OpenMetrics 1.0 text format, mapped onto the text 0.0.4 data model of
 * `MetricFamily`. Pure: no I/O.
 *
 * Syntax is checked as the OpenMetrics ABNF asks, as Prometheus's own OpenMetrics parser does:
 * lines end with LF (a carriage return is an error), tokens are separated by exactly one space,
 * there are no blank lines and no comments other than `# HELP`, `# TYPE`, `# UNIT` and `# EOF`.
 * Two leniencies, both shared with Prometheus: a trailing comma in a label set, and an unescaped
 * `"` in HELP text. Errors are `DecodeError`s with a 1-based line and column.
 *
 * - `# EOF` must be the last line, followed by at most one newline. Input without it, or with
 *   anything after it (even a blank line), is an error.
 * - `# UNIT` lines are checked for syntax and dropped (the unit is part of the name anyway).
 * - Exemplars (` # {labels} value [timestamp]` after a sample) are checked for syntax and
 *   dropped. Where they appear and their length are not checked: they are dropped anyway.
 * - Timestamps are seconds, possibly fractional; they become integer milliseconds,
 *   `Math.round(seconds * 1000)` (`1520879607.789` gives `1520879607789`). A timestamp beyond
 *   2^53 ms is an error.
 * - Values: integers, decimals, exponents, `NaN`, `+Inf`, `-Inf` (also `Inf` and `Infinity`,
 *   in any case), as the ABNF allows. A number too large for a float64 (`1e999`) is an error.
 * - HELP text and label values unescape `\\`, `\"` and `\n`; a backslash before any other
 *   character is kept as written (`\t` stays a backslash and a `t`), as OpenMetrics says. An
 *   empty HELP counts as no HELP.
 * - Family types, for an OpenMetrics family `foo` (its HELP goes to every family it maps to;
 *   sample names never change):
 *   - counter: samples `foo_total` become a counter family `foo_total`; `foo_created` samples
 *     are dropped (text 0.0.4 has no created timestamps). A counter family named `foo_total`
 *     has samples `foo_total_total`, which become a counter family `foo_total_total`.
 *   - gauge: a gauge family `foo`. unknown: an untyped family `foo`.
 *   - histogram: `foo_bucket` (with an `le` label), `foo_count` and `foo_sum` become a
 *     histogram family `foo`; `foo_created` samples are dropped.
 *   - summary: `foo` (with a `quantile` label), `foo_count` and `foo_sum` become a summary
 *     family `foo`; `foo_created` samples are dropped.
 *   - info: samples `foo_info{...} 1` become a gauge family `foo_info`.
 *   - stateset: samples `foo{foo="state"} 0|1` become a gauge family `foo`.
 *   - gaugehistogram: `foo_bucket` becomes a gauge family `foo_bucket` (keeping its `le`
 *     label), `foo_gcount` a gauge family `foo_gcount` and `foo_gsum` a gauge family
 *     `foo_gsum`. Not a histogram `foo`: a 0.0.4 histogram's `_count` and `_sum` are counters
 *     named `foo_count` and `foo_sum`, while a gauge histogram's go up and down and are named
 *     `foo_gcount` and `foo_gsum`. The series are the ones Prometheus stores for it.
 * - A sample whose name does not fit the current family starts a new family of type unknown,
 *   as OpenMetrics says. A family name seen twice (interleaved families), or a 0.0.4 family
 *   name that two families would both produce (a counter `foo` and an unknown `foo_total`), is
 *   an error.
 * - Checked because the mapping depends on them: `le` on histogram buckets, `quantile` on
 *   summary quantiles, HELP/TYPE/UNIT lines before the family's samples, a second TYPE line for
 *   a family only if it agrees (a second HELP is ignored, as in text 0.0.4), unique label names.
 * - Not checked, since they do not change the result: info values being 1, stateset values
 *   being 0 or 1 and carrying the state label, bucket order and the `+Inf` bucket, UNIT being a
 *   suffix of the name, the order of metrics and points within a family.
 * @module
 */
import { DecodeError } from "./decode_text.ts";
import type { Label, MetricFamily, MetricType, Sample } from "./types.ts";

const LF = 10;
const CR = 13;
const TAB = 9;
const SPACE = 32;
const QUOTE = 34;
const HASH = 35;
const PLUS = 43;
const COMMA = 44;
const MINUS = 45;
const DOT = 46;
const EQUALS = 61;
const BACKSLASH = 92;
const UNDERSCORE = 95;
const LOWER_N = 110;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;

/** Beyond this many labels, duplicate label names are found with a set instead of a scan. */
const LINEAR_LABEL_CHECK = 16;

/** The type of an OpenMetrics family, as written in its `# TYPE` line. */
type OpenMetricsType =
  | "counter"
  | "gauge"
  | "histogram"
  | "gaugehistogram"
  | "stateset"
  | "info"
  | "summary"
  | "unknown";

const OPENMETRICS_TYPES: ReadonlySet<string> = new Set([
  "counter",
  "gauge",
  "histogram",
  "gaugehistogram",
  "stateset",
  "info",
  "summary",
  "unknown",
]);

/** A text 0.0.4 family being filled. */
interface FamilyBuilder {
  readonly name: string;
  readonly type: MetricType;
  readonly help: string | undefined;
  readonly samples: Sample[];
}

/** An OpenMetrics family being read, and the 0.0.4 families it maps to once resolved. */
interface OpenMetricsFamily {
  readonly name: string;
  type: OpenMetricsType;
  typed: boolean;
  help: string | undefined;
  /** Position of the family's first line (its name), for errors about the family. */
  readonly line: number;
  readonly column: number;
  hasSamples: boolean;
  /** Set once its 0.0.4 families are created: at its first sample or at its end. */
  main: FamilyBuilder | undefined;
  /** The `_gcount` and `_gsum` families of a gauge histogram. */
  gcount: FamilyBuilder | undefined;
  gsum: FamilyBuilder | undefined;
}

/** Where a sample goes: a 0.0.4 family, dropped (`_created`), or nowhere (a new family). */
type Route = FamilyBuilder | "drop" | undefined;

/** Decodes an OpenMetrics 1.0 text exposition into text 0.0.4 metric families (see above). */
export function decodeOpenMetrics(text: string): MetricFamily[] {
  return new OpenMetricsDecoder(text).decode();
}

function isNameStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === UNDERSCORE || c === 58;
}

function isNameChar(c: number): boolean {
  return isNameStart(c) || (c >= 48 && c <= 57);
}

function isLabelNameStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === UNDERSCORE;
}

function isLabelNameChar(c: number): boolean {
  return isLabelNameStart(c) || (c >= 48 && c <= 57);
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/**
 * Parses `realnumber` of the OpenMetrics ABNF: `[sign] digits [. digits] [e [sign] digits]`
 * with at least one digit before the exponent. Undefined when the token is not one.
 */
function parseRealNumber(token: string): number | undefined {
  const end = token.length;
  let i = 0;
  let c = token.charCodeAt(0);
  if (c === PLUS || c === MINUS) c = token.charCodeAt(++i);
  let digits = 0;
  while (isDigit(c)) {
    digits++;
    c = token.charCodeAt(++i);
  }
  if (c === DOT) {
    c = token.charCodeAt(++i);
    while (isDigit(c)) {
      digits++;
      c = token.charCodeAt(++i);
    }
  }
  if (digits === 0) return undefined;
  if ((c | 0x20) === 101) { // e or E
    c = token.charCodeAt(++i);
    if (c === PLUS || c === MINUS) c = token.charCodeAt(++i);
    if (!isDigit(c)) return undefined;
    while (isDigit(c)) c = token.charCodeAt(++i);
  }
  return i === end ? Number(token) : undefined;
}

/** Parses an OpenMetrics `number`: a real number, `NaN` or `[sign]Inf[inity]`, in any case. */
function parseNumber(token: string): number | undefined {
  const first = token.charCodeAt(0);
  if (isDigit(first) || first === DOT) return parseRealNumber(token);
  if (first === PLUS || first === MINUS) {
    const second = token.charCodeAt(1);
    if (isDigit(second) || second === DOT) return parseRealNumber(token);
  }
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

/** Unescapes `\\`, `\"` and `\n` in `text[start, end)`; other backslashes are kept. */
function unescape(text: string, start: number, end: number): string {
  let out = "";
  let chunk = start;
  for (let p = start; p < end; p++) {
    if (text.charCodeAt(p) !== BACKSLASH || p + 1 >= end) continue;
    const e = text.charCodeAt(p + 1);
    if (e === BACKSLASH || e === QUOTE || e === LOWER_N) {
      out += text.slice(chunk, p) + (e === LOWER_N ? "\n" : e === QUOTE ? '"' : "\\");
      p++;
      chunk = p + 1;
    }
  }
  return out + text.slice(chunk, end);
}

function hasLabel(labels: readonly Label[], name: string): boolean {
  for (const l of labels) if (l.name === name) return true;
  return false;
}

/** Whether `name` is `base` + `suffix`, given that `name` starts with `base`. */
function isSuffixed(name: string, baseLength: number, suffix: string): boolean {
  return name.length === baseLength + suffix.length && name.endsWith(suffix);
}

/** The sample names a family of this type may have, for error messages. */
function expectedNames(family: OpenMetricsFamily): string {
  const n = family.name;
  switch (family.type) {
    case "counter":
      return `${n}_total or ${n}_created`;
    case "histogram":
      return `${n}_bucket, ${n}_count, ${n}_sum or ${n}_created`;
    case "summary":
      return `${n}, ${n}_count, ${n}_sum or ${n}_created`;
    case "gaugehistogram":
      return `${n}_bucket, ${n}_gcount or ${n}_gsum`;
    case "info":
      return `${n}_info`;
    default:
      return n;
  }
}

class OpenMetricsDecoder {
  readonly #text: string;
  #pos = 0;
  #line = 1;
  #lineStart = 0;
  /** The 0.0.4 families, by name, in order of creation. */
  readonly #families = new Map<string, FamilyBuilder>();
  /** Names of every OpenMetrics family seen so far. */
  readonly #seen = new Set<string>();
  #current: OpenMetricsFamily | undefined;

  constructor(text: string) {
    this.#text = text;
  }

  decode(): MetricFamily[] {
    const text = this.#text;
    const end = text.length;
    for (;;) {
      if (this.#pos >= end) this.#fail('missing "# EOF" at the end of the exposition');
      const c = text.charCodeAt(this.#pos);
      if (c === HASH) {
        if (this.#metadata()) break;
      } else if (c === LF) {
        this.#fail("empty line (OpenMetrics has no blank lines)");
      } else {
        this.#sample();
      }
    }
    this.#endFamily();
    const out: MetricFamily[] = [];
    for (const f of this.#families.values()) {
      out.push(
        f.help === undefined
          ? { name: f.name, type: f.type, samples: f.samples }
          : { name: f.name, type: f.type, help: f.help, samples: f.samples },
      );
    }
    return out;
  }

  #fail(reason: string, at = this.#pos): never {
    throw new DecodeError(reason, this.#line, at - this.#lineStart + 1);
  }

  /** Expects the end of a line here, and moves to the start of the next one. */
  #endLine(): void {
    const c = this.#text.charCodeAt(this.#pos);
    if (c === LF) {
      this.#pos++;
      this.#line++;
      this.#lineStart = this.#pos;
      return;
    }
    if (this.#pos >= this.#text.length) {
      this.#fail('missing "# EOF" at the end of the exposition');
    }
    if (c === CR) this.#fail("carriage return (OpenMetrics lines end with LF only)");
    if (c === SPACE || c === TAB) this.#fail("unexpected whitespace before the end of the line");
    this.#fail(`unexpected character ${JSON.stringify(this.#text[this.#pos])}`);
  }

  /** Expects one space here and moves past it. */
  #space(what: string): void {
    const c = this.#text.charCodeAt(this.#pos);
    if (c === SPACE) {
      this.#pos++;
      return;
    }
    if (c === LF || c === CR || this.#pos >= this.#text.length) this.#fail(`missing ${what}`);
    this.#fail(`expected a space before the ${what}`);
  }

  /** Reads up to a space, tab, newline, carriage return or the end of the input. */
  #readToken(): string {
    const text = this.#text;
    const start = this.#pos;
    let p = start;
    let c = text.charCodeAt(p);
    // NaN (past the end) ends the token too.
    while (c !== SPACE && c !== LF && c !== TAB && c !== CR && c === c) c = text.charCodeAt(++p);
    this.#pos = p;
    return text.slice(start, p);
  }

  #readMetricName(): string {
    const text = this.#text;
    const start = this.#pos;
    const first = text.charCodeAt(start);
    if (first === QUOTE || (first === OPEN_BRACE && text.charCodeAt(start + 1) === QUOTE)) {
      this.#fail("quoted metric names are not supported");
    }
    if (!isNameStart(first)) this.#fail("invalid metric name");
    let p = start + 1;
    while (isNameChar(text.charCodeAt(p))) p++;
    this.#pos = p;
    return text.slice(start, p);
  }

  /** A `#` line: HELP, TYPE, UNIT or EOF. Returns true at `# EOF`. */
  #metadata(): boolean {
    const text = this.#text;
    const hashAt = this.#pos;
    const p = hashAt + 2;
    if (text.charCodeAt(hashAt + 1) === SPACE) {
      if (text.startsWith("EOF", p)) {
        this.#pos = p + 3;
        this.#eof();
        return true;
      }
      const keyword = text.startsWith("HELP ", p)
        ? "HELP"
        : text.startsWith("TYPE ", p)
        ? "TYPE"
        : text.startsWith("UNIT ", p)
        ? "UNIT"
        : undefined;
      if (keyword !== undefined) {
        this.#pos = p + 5;
        this.#descriptor(keyword);
        return false;
      }
    }
    this.#fail(
      'only "# HELP", "# TYPE", "# UNIT" and "# EOF" lines may start with "#" in OpenMetrics',
      hashAt,
    );
  }

  /** After `# EOF`: at most one newline, then the end of the input. */
  #eof(): void {
    const text = this.#text;
    if (this.#pos >= text.length) return;
    if (text.charCodeAt(this.#pos) !== LF) this.#fail('unexpected text after "# EOF"');
    this.#pos++;
    this.#line++;
    this.#lineStart = this.#pos;
    if (this.#pos < text.length) this.#fail('unexpected data after "# EOF"');
  }

  #descriptor(keyword: "HELP" | "TYPE" | "UNIT"): void {
    const text = this.#text;
    const nameAt = this.#pos;
    const name = this.#readMetricName();
    const family = this.#familyForDescriptor(keyword, name, nameAt);
    if (keyword === "HELP") {
      this.#space("help text");
      let lineEnd = text.indexOf("\n", this.#pos);
      if (lineEnd === -1) lineEnd = text.length;
      if (lineEnd > this.#pos && text.charCodeAt(lineEnd - 1) === CR) {
        this.#fail("carriage return (OpenMetrics lines end with LF only)", lineEnd - 1);
      }
      // An empty HELP counts as none; a second HELP keeps the first, as in text 0.0.4.
      if (family.help === undefined && lineEnd > this.#pos) {
        family.help = unescape(text, this.#pos, lineEnd);
      }
      this.#pos = lineEnd;
    } else if (keyword === "TYPE") {
      this.#space("metric type");
      const typeAt = this.#pos;
      const token = this.#readToken();
      if (!OPENMETRICS_TYPES.has(token)) {
        this.#fail(`unknown metric type ${JSON.stringify(token)}`, typeAt);
      }
      const type = token as OpenMetricsType;
      if (family.typed && family.type !== type) {
        this.#fail(`second TYPE line for ${name} with another type`, nameAt);
      }
      family.type = type;
      family.typed = true;
    } else {
      this.#space("unit");
      let p = this.#pos;
      while (isNameChar(text.charCodeAt(p))) p++;
      this.#pos = p;
    }
    this.#endLine();
  }

  /** The family a HELP, TYPE or UNIT line is about: the current one, or a new one. */
  #familyForDescriptor(keyword: string, name: string, nameAt: number): OpenMetricsFamily {
    const current = this.#current;
    if (current !== undefined && current.name === name) {
      if (current.hasSamples) this.#fail(`${keyword} line for ${name} after its samples`, nameAt);
      return current;
    }
    return this.#startFamily(name, nameAt);
  }

  #startFamily(name: string, nameAt: number): OpenMetricsFamily {
    this.#endFamily();
    if (this.#seen.has(name)) {
      this.#fail(
        `metric family ${name} appears a second time (OpenMetrics families must not be interleaved)`,
        nameAt,
      );
    }
    this.#seen.add(name);
    const family: OpenMetricsFamily = {
      name,
      type: "unknown",
      typed: false,
      help: undefined,
      line: this.#line,
      column: nameAt - this.#lineStart + 1,
      hasSamples: false,
      main: undefined,
      gcount: undefined,
      gsum: undefined,
    };
    this.#current = family;
    return family;
  }

  /** Ends the current family, creating its 0.0.4 families if no sample did. */
  #endFamily(): void {
    const family = this.#current;
    if (family !== undefined) this.#main(family);
    this.#current = undefined;
  }

  /** Routes the `_count`, `_sum` and `_created` samples of a histogram or summary. */
  #countSumCreated(family: OpenMetricsFamily, name: string): Route {
    const b = family.name.length;
    if (isSuffixed(name, b, "_count") || isSuffixed(name, b, "_sum")) return this.#main(family);
    return isSuffixed(name, b, "_created") ? "drop" : undefined;
  }

  /** The main 0.0.4 family of `family`, creating the 0.0.4 families it maps to if need be. */
  #main(family: OpenMetricsFamily): FamilyBuilder {
    if (family.main !== undefined) return family.main;
    const n = family.name;
    let main: FamilyBuilder;
    switch (family.type) {
      case "counter":
        main = this.#output(family, `${n}_total`, "counter");
        break;
      case "gauge":
      case "stateset":
        main = this.#output(family, n, "gauge");
        break;
      case "unknown":
        main = this.#output(family, n, "untyped");
        break;
      case "histogram":
      case "summary":
        main = this.#output(family, n, family.type);
        break;
      case "info":
        main = this.#output(family, `${n}_info`, "gauge");
        break;
      case "gaugehistogram":
        main = this.#output(family, `${n}_bucket`, "gauge");
        family.gcount = this.#output(family, `${n}_gcount`, "gauge");
        family.gsum = this.#output(family, `${n}_gsum`, "gauge");
        break;
    }
    family.main = main;
    return main;
  }

  #output(family: OpenMetricsFamily, name: string, type: MetricType): FamilyBuilder {
    if (this.#families.has(name)) {
      throw new DecodeError(
        `${family.type} ${family.name} gives a family ${name}, which an earlier family already gave`,
        family.line,
        family.column,
      );
    }
    const builder: FamilyBuilder = { name, type, help: family.help, samples: [] };
    this.#families.set(name, builder);
    return builder;
  }

  /** Where a sample named `name` of `family` goes. */
  #route(family: OpenMetricsFamily, name: string, labels: Label[], nameAt: number): Route {
    const base = family.name;
    const b = base.length;
    if (name.length === b) {
      if (name !== base) return undefined;
      switch (family.type) {
        case "gauge":
        case "unknown":
        case "stateset":
          return this.#main(family);
        case "summary":
          if (!hasLabel(labels, "quantile")) {
            this.#fail(`summary quantile ${name} has no "quantile" label`, nameAt);
          }
          return this.#main(family);
        default:
          return undefined;
      }
    }
    if (name.charCodeAt(b) !== UNDERSCORE || !name.startsWith(base)) return undefined;
    switch (family.type) {
      case "counter":
        if (isSuffixed(name, b, "_total")) return this.#main(family);
        return isSuffixed(name, b, "_created") ? "drop" : undefined;
      case "histogram":
        if (isSuffixed(name, b, "_bucket")) {
          if (!hasLabel(labels, "le")) {
            this.#fail(`histogram bucket ${name} has no "le" label`, nameAt);
          }
          return this.#main(family);
        }
        return this.#countSumCreated(family, name);
      case "summary":
        return this.#countSumCreated(family, name);
      case "info":
        return isSuffixed(name, b, "_info") ? this.#main(family) : undefined;
      case "gaugehistogram":
        if (isSuffixed(name, b, "_bucket")) {
          if (!hasLabel(labels, "le")) {
            this.#fail(`histogram bucket ${name} has no "le" label`, nameAt);
          }
          return this.#main(family);
        }
        if (isSuffixed(name, b, "_gcount")) {
          this.#main(family);
          return family.gcount;
        }
        if (isSuffixed(name, b, "_gsum")) {
          this.#main(family);
          return family.gsum;
        }
        return undefined;
      default:
        return undefined;
    }
  }

  #sample(): void {
    const text = this.#text;
    const nameAt = this.#pos;
    const name = this.#readMetricName();
    let labels: Label[] = [];
    if (text.charCodeAt(this.#pos) === OPEN_BRACE) {
      this.#pos++;
      labels = this.#labels(false);
    }
    this.#space("value");
    const value = this.#number("value");
    let timestampMs: number | undefined;
    if (text.charCodeAt(this.#pos) === SPACE) {
      this.#pos++;
      if (text.charCodeAt(this.#pos) !== HASH) {
        timestampMs = this.#timestamp();
        if (text.charCodeAt(this.#pos) === SPACE) {
          this.#pos++;
          if (text.charCodeAt(this.#pos) !== HASH) this.#fail('expected an exemplar ("# {...}")');
        }
      }
      if (text.charCodeAt(this.#pos) === HASH) this.#exemplar();
    }
    const route = this.#routeSample(name, labels, nameAt);
    if (route !== "drop") route.samples.push({ name, labels, value, timestampMs });
    this.#endLine();
  }

  /** Routes a sample, starting a new family when it does not fit the current one. */
  #routeSample(name: string, labels: Label[], nameAt: number): FamilyBuilder | "drop" {
    const current = this.#current;
    if (current !== undefined) {
      const route = this.#route(current, name, labels, nameAt);
      if (route !== undefined) {
        current.hasSamples = true;
        return route;
      }
      if (current.name === name) {
        this.#fail(
          `sample ${name} does not fit ${current.type} ${name}: expected ${expectedNames(current)}`,
          nameAt,
        );
      }
    }
    const family = this.#startFamily(name, nameAt);
    family.hasSamples = true;
    // A new family is of type unknown, which takes a sample of its own name.
    return this.#main(family);
  }

  /** Reads a number (value or exemplar value) up to the next space or end of line. */
  #number(what: string): number {
    const at = this.#pos;
    const token = this.#readToken();
    if (token === "") this.#fail(`missing ${what}`, at);
    const value = parseNumber(token);
    if (value === undefined) this.#fail(`invalid ${what} ${JSON.stringify(token)}`, at);
    if (value === Infinity || value === -Infinity) {
      // Only the words Inf and Infinity may give an infinity, not a number out of range.
      const c = token.charCodeAt(
        token.charCodeAt(0) === PLUS || token.charCodeAt(0) === MINUS ? 1 : 0,
      );
      if (isDigit(c) || c === DOT) this.#fail(`${what} ${token} is out of range`, at);
    }
    return value;
  }

  /** Reads a timestamp in seconds and returns it in whole milliseconds. */
  #timestamp(): number {
    const at = this.#pos;
    const token = this.#readToken();
    if (token === "") this.#fail("missing timestamp", at);
    const seconds = parseRealNumber(token);
    if (seconds === undefined) this.#fail(`invalid timestamp ${JSON.stringify(token)}`, at);
    // + 0 turns -0 (from a small negative timestamp) into 0.
    const ms = Math.round(seconds * 1000) + 0;
    if (!Number.isSafeInteger(ms)) this.#fail(`timestamp ${token} is out of range`, at);
    return ms;
  }

  /** Checks an exemplar, `# {labels} value [timestamp]`, from its `#`, and drops it. */
  #exemplar(): void {
    const text = this.#text;
    if (text.charCodeAt(this.#pos + 1) !== SPACE || text.charCodeAt(this.#pos + 2) !== OPEN_BRACE) {
      this.#fail('expected an exemplar ("# {...}")');
    }
    this.#pos += 3;
    this.#labels(true);
    this.#space("exemplar value");
    this.#number("exemplar value");
    if (text.charCodeAt(this.#pos) === SPACE) {
      this.#pos++;
      this.#timestamp();
    }
  }

  /** Reads `name="value",...}` after the opening brace. */
  #labels(exemplar: boolean): Label[] {
    const text = this.#text;
    const labels: Label[] = [];
    let names: Set<string> | undefined;
    for (;;) {
      let c = text.charCodeAt(this.#pos);
      if (c === CLOSE_BRACE) {
        this.#pos++;
        return labels;
      }
      const nameAt = this.#pos;
      if (c === QUOTE) this.#fail("quoted label names are not supported");
      if (!isLabelNameStart(c)) {
        this.#fail(exemplar ? "invalid label name in exemplar" : "invalid label name");
      }
      let p = nameAt + 1;
      while (isLabelNameChar(text.charCodeAt(p))) p++;
      const name = text.slice(nameAt, p);
      if (labels.length < LINEAR_LABEL_CHECK) {
        if (hasLabel(labels, name)) this.#fail(`duplicate label ${name}`, nameAt);
      } else {
        if (names === undefined) names = new Set(labels.map((l) => l.name));
        if (names.has(name)) this.#fail(`duplicate label ${name}`, nameAt);
        names.add(name);
      }
      if (text.charCodeAt(p) !== EQUALS) this.#fail(`expected "=" after label ${name}`, p);
      if (text.charCodeAt(p + 1) !== QUOTE) {
        this.#fail(`expected '"' to open the value of ${name}`, p + 1);
      }
      this.#pos = p + 2;
      labels.push({ name, value: this.#labelValue() });
      c = text.charCodeAt(this.#pos);
      if (c === COMMA) {
        this.#pos++;
      } else if (c !== CLOSE_BRACE) {
        this.#fail('expected "," or "}" after a label value');
      }
    }
  }

  /** Reads a label value up to and past its closing quote, unescaping it. */
  #labelValue(): string {
    const text = this.#text;
    const start = this.#pos;
    let p = start;
    let escaped = false;
    for (;;) {
      const c = text.charCodeAt(p);
      if (c === QUOTE) break;
      if (c === BACKSLASH) {
        const e = text.charCodeAt(p + 1);
        if (e === LF || e !== e) this.#fail("unterminated label value", p + 1);
        escaped = true;
        p += 2;
      } else if (c === LF || c !== c) {
        this.#fail("unterminated label value", p);
      } else {
        p++;
      }
    }
    this.#pos = p + 1;
    return escaped ? unescape(text, start, p) : text.slice(start, p);
  }
}
