/**
 * Decoder of the OpenMetrics text format, 1.0.0 and 0.0.1 (the same text), with the quoted
 * UTF-8 names Prometheus 3 reads (`{"my.metric",a="b"}`, `# TYPE "my.metric" gauge`,
 * `"my.label"="v"`). Pure: no I/O.
 *
 * It reads the UTF-8 bytes of the body into a `SampleStore` (see store.ts), as the text decoder
 * does, and keeps everything OpenMetrics carries:
 *
 * - Types, with the family names of the data model: a counter `foo` (samples `foo_total`,
 *   `foo_created`) is the family `foo_total`; an info `foo` (samples `foo_info`) the family
 *   `foo_info`; the others keep their name: gauge, unknown, stateset, histogram (`_bucket`,
 *   `_count`, `_sum`, `_created`), gaugehistogram (`_bucket`, `_gcount`, `_gsum`), summary
 *   (`foo` with `quantile`, `_count`, `_sum`, `_created`).
 * - `_created` samples as CREATED samples (their value in seconds); `# UNIT` as the family's
 *   unit (an empty one is none; a unit that is not a suffix of the name, which Prometheus
 *   refuses, is kept, and encoders that need the suffix drop it).
 * - Exemplars (` # {labels} value [timestamp]`) on a counter's `_total` and on histogram and
 *   gauge histogram buckets; an exemplar on any other sample is an error, as Prometheus 2's
 *   parser says, and so are exemplar labels longer than 128 characters (names and values, as
 *   the OpenMetrics specification limits them).
 * - Timestamps, in seconds, as milliseconds with their fraction (`1520879607.789` gives
 *   1520879607789, `0.0015` gives 1.5); beyond 2^53 ms they are an error.
 *
 * The lines of one metric (same labels but `le` or `quantile`, same timestamp) share a metric
 * number. Syntax is checked as the ABNF asks, as Prometheus's own parser does: lines end with
 * LF (a carriage return is an error), tokens are separated by exactly one space, there are no
 * blank lines and no comments but `# HELP`, `# TYPE`, `# UNIT` and `# EOF`, which must be the
 * last line (followed by at most one newline). Two leniencies, both shared with Prometheus: a
 * trailing comma in a label set, and an unescaped `"` in HELP text. Values are integers,
 * decimals, exponents, `NaN`, `+Inf`, `-Inf` (also `Inf` and `Infinity`, in any case); a
 * number too large for a float64 (`1e999`) is an error. HELP text and label values unescape
 * `\\`, `\"` and `\n`; a backslash before any other character is kept as written. An empty
 * HELP counts as none, a second one is ignored; a second TYPE must agree.
 *
 * Families: a sample whose name does not fit the current family starts a new family of type
 * unknown, as OpenMetrics says. A family name seen twice (interleaved families), or a family
 * of text that two families would both give (a counter `foo` and an unknown `foo_total`, a
 * gauge histogram `q` and a gauge `q_gsum`: their samples clash), is an error. HELP, TYPE and UNIT lines come before the family's samples. Not
 * checked, as they do not change what is decoded: info values being 1, stateset values and
 * labels, bucket order and the `+Inf` bucket, the order of metrics within a family.
 * @module
 */
import { MetricGroups } from "./_group.ts";
import {
  codePoints,
  CR,
  DecodeError,
  DOT,
  HASH,
  isNameChar,
  LF,
  MINUS,
  OPEN_BRACE,
  parseNamedFloat,
  PLUS,
  QUOTE,
  sampleHash,
  Scanner,
  SPACE,
  TAB,
  textOf,
  unescapedText,
} from "./_scan.ts";
import type { Label, MetricType } from "./model.ts";
import {
  BUCKET,
  COUNT,
  CREATED,
  type Exposition,
  GCOUNT,
  GSUM,
  QUANTILE,
  type Role,
  SampleStore,
  SUM,
  VALUE,
} from "./store.ts";

export { DecodeError };

/** Decodes an OpenMetrics exposition (UTF-8 bytes) into an `Exposition`; throws a `DecodeError`. */
export function decodeOpenMetrics(body: Uint8Array): Exposition {
  return new OpenMetricsParser(body).decode();
}

/** The most characters (code points) of an exemplar's label names and values together. */
export const EXEMPLAR_LABELS_LIMIT = 128;

const OPENMETRICS_TYPES: Readonly<Record<string, MetricType>> = {
  counter: "counter",
  gauge: "gauge",
  histogram: "histogram",
  gaugehistogram: "gaugehistogram",
  stateset: "stateset",
  info: "info",
  summary: "summary",
  unknown: "unknown",
};

const UNDERSCORE = 95;
const EOF_WORD = [69, 79, 70]; // EOF
const KEYWORDS = ["HELP", "TYPE", "UNIT"] as const;
type Keyword = (typeof KEYWORDS)[number];

/** A family of the data model being filled, as `takeFamilies` takes it. */
interface StoredFamilyBuilder {
  readonly name: string;
  readonly type: MetricType;
  readonly help: string | undefined;
  readonly unit: string | undefined;
  readonly id: number;
  count: number;
  /** Counters, histograms, gauge histograms and summaries: their lines grouped into metrics (a
   * table the families share in turn). */
  readonly groups: MetricGroups | undefined;
}

/** How many sample names the decoder remembers (see `#recent`). */
const RECENT_NAMES = 4;

/** A sample name the decoder remembers: where it was written, its family and role there. */
interface RecentName {
  name: string;
  at: number;
  family: OpenMetricsFamily | undefined;
  role: Role;
}

/** An OpenMetrics family being read. */
interface OpenMetricsFamily {
  readonly name: string;
  type: MetricType;
  typed: boolean;
  help: string | undefined;
  unit: string | undefined;
  /** Position of the family's first line (its name), for errors about the family. */
  readonly line: number;
  readonly column: number;
  hasSamples: boolean;
  /** Whether the names it gives are claimed (see `#claimNames`). */
  claimed: boolean;
  /** Its family of the data model, made at its first sample. */
  stored: StoredFamilyBuilder | undefined;
}

class OpenMetricsParser extends Scanner {
  /** The families of the data model, by name, in order of first appearance. */
  readonly #stored = new Map<string, StoredFamilyBuilder>();
  /** The metrics of the family being read, when it groups its lines into metrics. */
  readonly #groups = new MetricGroups();
  /** Names of every OpenMetrics family seen so far. */
  readonly #seen = new Set<string>();
  /** Names of the families of text that the families so far give (see `#claimNames`). */
  readonly #given = new Set<string>();
  #current: OpenMetricsFamily | undefined;
  /**
   * The names of the last samples, where they were written, and their family and role: a
   * metric's lines take turns (`foo_total`, `foo_created`; `_bucket`, `_count`, `_sum`), and
   * their strings and roles are found again, not made again.
   */
  readonly #recent: RecentName[] = Array.from({ length: RECENT_NAMES }, () => ({
    name: "",
    at: -1,
    family: undefined,
    role: VALUE,
  }));
  #nextRecent = 0;

  constructor(body: Uint8Array) {
    // A guess from the size (a sample line is rarely under 64 bytes), then grown as needed.
    super(body, new SampleStore(body, body.length >> 6));
  }

  decode(): Exposition {
    const b = this.b;
    for (;;) {
      if (this.pos >= this.end) this.fail('missing "# EOF" at the end of the exposition');
      const c = b[this.pos];
      if (c === HASH) {
        if (this.#metadata()) break;
      } else if (c === LF) {
        this.fail("empty line (OpenMetrics has no blank lines)");
      } else {
        this.#sample();
      }
    }
    if (this.#current !== undefined) this.#claimNames(this.#current);
    return this.store.takeFamilies([...this.#stored.values()]);
  }

  /** Expects the end of a line here, and moves to the start of the next one. */
  #endLine(): void {
    const c = this.b[this.pos];
    if (c === LF) {
      this.nextLine();
      return;
    }
    if (c === undefined) this.fail('missing "# EOF" at the end of the exposition');
    if (c === CR) this.fail("carriage return (OpenMetrics lines end with LF only)");
    if (c === SPACE || c === TAB) this.fail("unexpected whitespace before the end of the line");
    this.#unexpected();
  }

  /** Fails on the character at the current position. */
  #unexpected(): never {
    const start = this.pos;
    let end = start + 1;
    while (end < this.end && (this.b[end]! & 0xc0) === 0x80) end++;
    this.checkUtf8(start, end);
    this.fail(`unexpected character ${JSON.stringify(textOf(this.b, start, end))}`);
  }

  /** Expects one space here and moves past it. */
  #space(what: string): void {
    const c = this.b[this.pos];
    if (c === SPACE) {
      this.pos++;
      return;
    }
    if (c === LF || c === CR || c === undefined) this.fail(`missing ${what}`);
    this.fail(`expected a space before the ${what}`);
  }

  /** A `#` line: HELP, TYPE, UNIT or EOF. Returns true at `# EOF`. */
  #metadata(): boolean {
    const b = this.b;
    const hashAt = this.pos;
    const p = hashAt + 2;
    if (b[hashAt + 1] === SPACE) {
      if (b[p] === EOF_WORD[0] && b[p + 1] === EOF_WORD[1] && b[p + 2] === EOF_WORD[2]) {
        this.pos = p + 3;
        this.#eof();
        return true;
      }
      for (const keyword of KEYWORDS) {
        if (
          b[p] === keyword.charCodeAt(0) && b[p + 1] === keyword.charCodeAt(1) &&
          b[p + 2] === keyword.charCodeAt(2) && b[p + 3] === keyword.charCodeAt(3) &&
          b[p + 4] === SPACE
        ) {
          this.pos = p + 5;
          this.#descriptor(keyword);
          return false;
        }
      }
    }
    this.fail(
      'only "# HELP", "# TYPE", "# UNIT" and "# EOF" lines may start with "#" in OpenMetrics',
      hashAt,
    );
  }

  /** After `# EOF`: at most one newline, then the end of the input. */
  #eof(): void {
    if (this.pos >= this.end) return;
    if (this.b[this.pos] !== LF) this.fail('unexpected text after "# EOF"');
    this.nextLine();
    if (this.pos < this.end) this.fail('unexpected data after "# EOF"');
  }

  #descriptor(keyword: Keyword): void {
    const b = this.b;
    const nameAt = this.pos;
    const name = this.#metadataName();
    const family = this.#familyForDescriptor(keyword, name, nameAt);
    if (keyword === "HELP") {
      this.#space("help text");
      const lineEnd = this.lineEnd();
      // Not even within the text, which the text format could not carry either.
      const cr = b.subarray(this.pos, lineEnd).indexOf(CR);
      if (cr >= 0) this.fail("carriage return (OpenMetrics lines end with LF only)", this.pos + cr);
      this.checkUtf8(this.pos, lineEnd);
      // An empty HELP counts as none; a second HELP keeps the first, as in text 0.0.4.
      if (family.help === undefined && lineEnd > this.pos) {
        family.help = unescapedText(b, this.pos, lineEnd);
      }
      this.pos = lineEnd;
    } else if (keyword === "TYPE") {
      this.#space("metric type");
      const typeAt = this.pos;
      const token = this.token();
      const type = Object.hasOwn(OPENMETRICS_TYPES, token) ? OPENMETRICS_TYPES[token] : undefined;
      if (type === undefined) this.fail(`unknown metric type ${JSON.stringify(token)}`, typeAt);
      if (family.typed && family.type !== type) {
        this.fail(`second TYPE line for ${name} with another type`, nameAt);
      }
      family.type = type;
      family.typed = true;
    } else {
      this.#space("unit");
      const start = this.pos;
      let p = start;
      while (isNameChar(b[p] ?? 0)) p++;
      this.pos = p;
      // An empty UNIT counts as none; a second UNIT keeps the first.
      if (family.unit === undefined && p > start) family.unit = textOf(b, start, p);
    }
    this.#endLine();
  }

  /** The metric name of a HELP, TYPE or UNIT line: legacy, or quoted. */
  #metadataName(): string {
    const b = this.b;
    if (b[this.pos] === QUOTE) {
      const start = this.pos + 1;
      const end = this.quoted(start, "quoted metric name");
      if (end === start) this.fail("invalid metric name");
      this.pos = end + 1;
      return unescapedText(b, start, end);
    }
    const start = this.pos;
    const end = this.legacyName();
    this.pos = end;
    const current = this.#current?.name;
    if (current !== undefined && sameText(b, start, end, current)) return current;
    return textOf(b, start, end);
  }

  /** The family a HELP, TYPE or UNIT line is about: the current one, or a new one. */
  #familyForDescriptor(keyword: Keyword, name: string, nameAt: number): OpenMetricsFamily {
    const current = this.#current;
    if (current !== undefined && current.name === name) {
      if (current.hasSamples) this.fail(`${keyword} line for ${name} after its samples`, nameAt);
      return current;
    }
    return this.#startFamily(name, nameAt);
  }

  #startFamily(name: string, nameAt: number): OpenMetricsFamily {
    if (this.#current !== undefined) this.#claimNames(this.#current);
    if (this.#seen.has(name)) {
      this.fail(
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
      unit: undefined,
      line: this.line,
      column: this.column(nameAt),
      hasSamples: false,
      claimed: false,
      stored: undefined,
    };
    this.#current = family;
    return family;
  }

  /**
   * Claims the names of the families of text `family` gives (a gauge histogram `q`: `q_bucket`,
   * `q_gcount`, `q_gsum`; a counter `foo`: `foo_total`), at its first sample or at its end:
   * two families that give one, whose samples would clash, are an error.
   */
  #claimNames(family: OpenMetricsFamily): void {
    if (family.claimed) return;
    family.claimed = true;
    const { type, name } = family;
    const names = type === "counter"
      ? [name + "_total"]
      : type === "info"
      ? [name + "_info"]
      : type === "gaugehistogram"
      ? [name + "_bucket", name + "_gcount", name + "_gsum"]
      : [name];
    for (const given of names) {
      if (this.#given.has(given)) {
        throw new DecodeError(
          `${type} ${name} gives a family ${given}, which an earlier family already gave`,
          { line: family.line, column: family.column },
        );
      }
      this.#given.add(given);
    }
  }

  /** The family of the data model of `family`, made at its first sample. */
  #storedFamily(family: OpenMetricsFamily): StoredFamilyBuilder {
    if (family.stored !== undefined) return family.stored;
    this.#claimNames(family);
    const type = family.type;
    const name = type === "counter"
      ? family.name + "_total"
      : type === "info"
      ? family.name + "_info"
      : family.name;
    const grouped = type === "counter" || type === "histogram" || type === "gaugehistogram" ||
      type === "summary";
    // Families are not interleaved: one table serves each in turn.
    if (grouped) this.#groups.reset();
    const stored: StoredFamilyBuilder = {
      name,
      type,
      help: family.help,
      unit: family.unit,
      id: this.#stored.size,
      count: 0,
      groups: grouped ? this.#groups : undefined,
    };
    this.#stored.set(name, stored);
    family.stored = stored;
    return stored;
  }

  #sample(): void {
    const b = this.b;
    const nameAt = this.pos;
    let name: string | undefined;
    let recent: RecentName | undefined;
    const first = b[nameAt];
    if (first === QUOTE) {
      this.fail('a quoted metric name is written inside the braces: {"name",...}');
    } else if (first !== OPEN_BRACE) {
      const nameEnd = this.legacyName();
      recent = this.#recentName(nameAt, nameEnd);
      name = recent.name;
      this.pos = nameEnd;
    }
    let hasLabels = false;
    if (b[this.pos] === OPEN_BRACE) {
      this.pos++;
      this.labelSet({ blanks: false, quotedNames: true, anyEscape: true });
      hasLabels = this.labelCount > 0;
      if (this.quotedNameStart >= 0) {
        if (name !== undefined) this.fail("metric name given twice", this.quotedNameStart - 1);
        name = unescapedText(b, this.quotedNameStart, this.quotedNameEnd);
        if (name === "") this.fail("invalid metric name", this.quotedNameStart - 1);
      }
    } else {
      this.labelCount = 0;
      this.labelsHash = 0;
    }
    if (name === undefined) this.fail("no metric name in the label set", nameAt);
    this.#space("value");
    let value = this.plainNumber();
    if (value !== value) value = this.#number("value");
    let timestamp = NaN;
    let exemplarAt = -1;
    if (b[this.pos] === SPACE) {
      this.pos++;
      if (b[this.pos] !== HASH) {
        timestamp = this.#timestamp();
        if (b[this.pos] === SPACE) {
          this.pos++;
          if (b[this.pos] !== HASH) this.fail('expected an exemplar ("# {...}")');
        }
      }
      if (b[this.pos] === HASH) exemplarAt = this.pos;
    }
    let family: OpenMetricsFamily;
    let role: Role;
    if (recent !== undefined && recent.family !== undefined && recent.family === this.#current) {
      family = recent.family;
      role = recent.role;
    } else {
      [family, role] = this.#route(name, nameAt);
      if (recent !== undefined) {
        recent.family = family;
        recent.role = role;
      }
    }
    const i = this.#store(family, { name, nameAt, role, value, timestamp, hasLabels });
    if (exemplarAt >= 0) {
      const allowed = role === BUCKET || (role === VALUE && family.type === "counter");
      this.#exemplar(i, { name, allowed });
    }
    this.#endLine();
  }

  /** The recent name written at `b[start, end)`, made the most recent if it was not one. */
  #recentName(start: number, end: number): RecentName {
    const b = this.b;
    const length = end - start;
    for (const recent of this.#recent) {
      if (recent.name.length !== length || recent.at < 0) continue;
      let same = true;
      for (let i = 0; same && i < length; i++) same = b[start + i] === b[recent.at + i];
      if (same) return recent;
    }
    const recent = this.#recent[this.#nextRecent]!;
    this.#nextRecent = (this.#nextRecent + 1) % RECENT_NAMES;
    recent.name = textOf(b, start, end);
    recent.at = start;
    recent.family = undefined;
    return recent;
  }

  /** Stores the sample just read; returns its index. */
  #store(
    family: OpenMetricsFamily,
    line: {
      name: string;
      nameAt: number;
      role: Role;
      value: number;
      timestamp: number;
      hasLabels: boolean;
    },
  ): number {
    const { role, timestamp } = line;
    const stored = this.#storedFamily(family);
    const store = this.store;
    const i = store.reserve();
    let skip = -1;
    if (role === BUCKET || role === QUANTILE) {
      skip = this.labelIndex(role === BUCKET ? "le" : "quantile");
      if (skip < 0) {
        this.fail(
          role === BUCKET
            ? `histogram bucket ${line.name} has no "le" label`
            : `summary quantile ${line.name} has no "quantile" label`,
          line.nameAt,
        );
      }
      const written = textOf(this.b, this.valueStart[skip]!, this.valueEnd[skip]!);
      store.setBound(i, parseNumber(written) ?? NaN);
    }
    if (!line.hasLabels) {
      store.start[i] = 0;
      store.end[i] = 0;
    } else if (this.canonical) {
      store.start[i] = this.setStart;
      store.end[i] = this.setEnd;
    } else {
      const [start, end] = this.writeCanonical(-1);
      store.start[i] = start;
      store.end[i] = end;
    }
    store.role[i] = role;
    store.metric[i] = stored.groups === undefined
      ? store.metrics++
      : stored.groups.metricOf(this, { sample: i, skip, timestamp });
    store.value[i] = line.value;
    store.hash[i] = sampleHash(this.labelsHash, role);
    store.family[i] = stored.id;
    if (timestamp === timestamp) store.setTimestamp(i, timestamp);
    store.length = i + 1;
    stored.count++;
    return i;
  }

  /** The family and role of a sample named `name`, starting a new family when it does not fit. */
  #route(name: string, nameAt: number): [OpenMetricsFamily, Role] {
    const current = this.#current;
    if (current !== undefined) {
      const role = roleOf(current, name);
      if (role >= 0) {
        current.hasSamples = true;
        return [current, role];
      }
      if (current.name === name) {
        this.fail(
          `sample ${name} does not fit ${current.type} ${name}: expected ${expectedNames(current)}`,
          nameAt,
        );
      }
    }
    // A new family is of type unknown, which takes a sample of its own name.
    const family = this.#startFamily(name, nameAt);
    family.hasSamples = true;
    return [family, VALUE];
  }

  /** Reads an exemplar, `# {labels} value [timestamp]`, from its `#`, into sample `i`. */
  #exemplar(i: number, sample: { name: string; allowed: boolean }): void {
    const b = this.b;
    const hashAt = this.pos;
    if (b[hashAt + 1] !== SPACE || b[hashAt + 2] !== OPEN_BRACE) {
      this.fail('expected an exemplar ("# {...}")');
    }
    if (!sample.allowed) {
      this.fail(
        `exemplar on ${sample.name}: only a counter's _total and histogram buckets have exemplars`,
      );
    }
    this.pos = hashAt + 3;
    // Exemplar labels are not labels of the exposition's series.
    const quotedLabelNames = this.store.quotedLabelNames;
    this.labelSet({ blanks: false, quotedNames: true, anyEscape: true });
    this.store.quotedLabelNames = quotedLabelNames;
    if (this.quotedNameStart >= 0) {
      this.fail("expected a label name in the exemplar", this.quotedNameStart - 1);
    }
    const labels: Label[] = [];
    let characters = 0;
    for (let k = 0; k < this.labelCount; k++) {
      const label = {
        name: this.labelNames[k]!,
        value: unescapedText(b, this.valueStart[k]!, this.valueEnd[k]!),
      };
      characters += codePoints(label.name) + codePoints(label.value);
      labels.push(label);
    }
    if (characters > EXEMPLAR_LABELS_LIMIT) {
      this.fail(
        `exemplar labels of ${characters} characters, more than the ${EXEMPLAR_LABELS_LIMIT} ` +
          "OpenMetrics allows",
        hashAt + 2,
      );
    }
    this.#space("exemplar value");
    let value = this.plainNumber();
    if (value !== value) value = this.#number("exemplar value");
    if (b[this.pos] === SPACE) {
      this.pos++;
      const timestampMs = this.#timestamp();
      this.store.setExemplar(i, { labels, value, timestampMs });
    } else {
      this.store.setExemplar(i, { labels, value });
    }
  }

  /** Reads a number (a value, an exemplar's value) up to the next blank or end of line. */
  #number(what: string): number {
    const at = this.pos;
    const token = this.token();
    if (token === "") this.fail(`missing ${what}`, at);
    const value = parseNumber(token);
    if (value === undefined) this.fail(`invalid ${what} ${JSON.stringify(token)}`, at);
    if (value === Infinity || value === -Infinity) {
      // Only the words Inf and Infinity may give an infinity, not a number out of range.
      const c = token.charCodeAt(
        token.charCodeAt(0) === PLUS || token.charCodeAt(0) === MINUS ? 1 : 0,
      );
      if (isDigit(c) || c === DOT) this.fail(`${what} ${token} is out of range`, at);
    }
    return value;
  }

  /** Reads a timestamp in seconds and returns it in milliseconds, with its fraction. */
  #timestamp(): number {
    const at = this.pos;
    const token = this.token();
    if (token === "") this.fail("missing timestamp", at);
    const ms = secondsToMs(token);
    if (ms === undefined) this.fail(`invalid timestamp ${JSON.stringify(token)}`, at);
    if (!(Math.abs(ms) <= Number.MAX_SAFE_INTEGER)) {
      this.fail(`timestamp ${token} is out of range`, at);
    }
    // + 0 turns -0 into 0.
    return ms + 0;
  }
}

/** The role of a sample named `name` in `family`; -1 when it does not belong to it. */
function roleOf(family: OpenMetricsFamily, name: string): Role {
  const base = family.name;
  const n = base.length;
  const type = family.type;
  if (name.length === n) {
    if (name !== base) return -1;
    if (type === "gauge" || type === "unknown" || type === "stateset") return VALUE;
    return type === "summary" ? QUANTILE : -1;
  }
  if (name.charCodeAt(n) !== UNDERSCORE || !name.startsWith(base)) return -1;
  const suffix = name.length - n;
  switch (type) {
    case "counter":
      if (suffix === 6 && name.endsWith("_total")) return VALUE;
      return suffix === 8 && name.endsWith("_created") ? CREATED : -1;
    case "info":
      return suffix === 5 && name.endsWith("_info") ? VALUE : -1;
    case "histogram":
      if (suffix === 7 && name.endsWith("_bucket")) return BUCKET;
      return countSumCreated(name, suffix);
    case "summary":
      return countSumCreated(name, suffix);
    case "gaugehistogram":
      if (suffix === 7 && name.endsWith("_bucket")) return BUCKET;
      if (suffix === 7 && name.endsWith("_gcount")) return GCOUNT;
      return suffix === 5 && name.endsWith("_gsum") ? GSUM : -1;
    default:
      return -1;
  }
}

/** The role of the `_count`, `_sum` and `_created` samples of a histogram or summary. */
function countSumCreated(name: string, suffix: number): Role {
  if (suffix === 6 && name.endsWith("_count")) return COUNT;
  if (suffix === 4 && name.endsWith("_sum")) return SUM;
  return suffix === 8 && name.endsWith("_created") ? CREATED : -1;
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

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/**
 * The length of `realnumber` of the OpenMetrics ABNF at the start of `token`:
 * `[sign] digits [. digits] [e [sign] digits]`, with at least one digit before the exponent;
 * -1 when it does not start with one. `exponentAt` gets the position of its `e`, or -1.
 */
function realNumberLength(token: string, found: { exponentAt: number }): number {
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
  if (digits === 0) return -1;
  found.exponentAt = -1;
  if ((c | 0x20) === 101) { // e or E
    found.exponentAt = i;
    c = token.charCodeAt(++i);
    if (c === PLUS || c === MINUS) c = token.charCodeAt(++i);
    if (!isDigit(c)) return -1;
    while (isDigit(c)) c = token.charCodeAt(++i);
  }
  return i;
}

/** Parses an OpenMetrics `number`: a real number, `NaN` or `[sign]Inf[inity]`, in any case. */
function parseNumber(token: string): number | undefined {
  const first = token.charCodeAt(0);
  const signed = first === PLUS || first === MINUS;
  const c = signed ? token.charCodeAt(1) : first;
  if (isDigit(c) || c === DOT) {
    return realNumberLength(token, { exponentAt: -1 }) === token.length ? Number(token) : undefined;
  }
  return parseNamedFloat(token);
}

/**
 * Milliseconds from a timestamp `realnumber` in seconds, rounded once from the decimal (so
 * `1520879607.789` is exactly 1520879607789); undefined when it is not a real number.
 */
function secondsToMs(token: string): number | undefined {
  const found = { exponentAt: -1 };
  if (realNumberLength(token, found) !== token.length) return undefined;
  if (found.exponentAt < 0) return Number(token + "e3");
  const exponent = Number(token.slice(found.exponentAt + 1));
  return Number(`${token.slice(0, found.exponentAt)}e${exponent + 3}`);
}

/** Whether `b[start, end)` is the ASCII text `text`. */
function sameText(b: Uint8Array, start: number, end: number, text: string): boolean {
  if (end - start !== text.length) return false;
  for (let i = 0; i < text.length; i++) if (b[start + i] !== text.charCodeAt(i)) return false;
  return true;
}
