/**
 * Decoder of the Prometheus text format: 0.0.4, and 1.0.0, which adds quoted UTF-8 names
 * (`{"my.metric",a="b"}`, `"my.label"="x"`, `# TYPE "my.metric" gauge`). Pure: no I/O.
 *
 * It reads the UTF-8 bytes of the body, and keeps samples in a `SampleStore`: label sets
 * written in canonical form stay where they are in the body. The lines of one histogram or
 * summary (same labels but `le` or `quantile`, same timestamp) become one metric.
 * @module
 */
import { type Help, unescapeHelp, WrittenHelp } from "./help.ts";
import {
  BACKSLASH,
  CR,
  DecodeError,
  HASH,
  isInfinityToken,
  LF,
  LOWER_N,
  OPEN_BRACE,
  parseGoFloat,
  QUOTE,
  sampleHash,
  Scanner,
  SPACE,
  TAB,
  textOf,
  unescapedText,
} from "./_scan.ts";
import { MetricGroups } from "./_group.ts";
import type { MetricType } from "./model.ts";
import {
  BUCKET,
  COUNT,
  type Exposition,
  QUANTILE,
  type Role,
  SampleStore,
  SUM,
  VALUE,
} from "./store.ts";

export { DecodeError };

/** The versions of the text format. */
export type TextVersion = "0.0.4" | "1.0.0";

/** Options of {@linkcode decodeText}. */
export interface DecodeTextOptions {
  /** 1.0.0 accepts quoted names; 0.0.4 (the default) refuses them with a positioned error. */
  readonly version?: TextVersion;
}

/** Decodes a text exposition (UTF-8 bytes) into an `Exposition`; throws a `DecodeError`. */
export function decodeText(body: Uint8Array, options: DecodeTextOptions = {}): Exposition {
  return new TextParser(body, options.version === "1.0.0").decode();
}

/** The type words of TYPE lines, and the types they give. */
const TEXT_TYPES: readonly (readonly [string, MetricType])[] = [
  ["counter", "counter"],
  ["gauge", "gauge"],
  ["histogram", "histogram"],
  ["summary", "summary"],
  ["untyped", "unknown"],
];

/** What the decoder knows of a family. */
interface FamilyBuilder {
  readonly name: string;
  type: MetricType;
  /** Whether it had a `# TYPE` line. */
  typed: boolean;
  help: Help | undefined;
  /** Its position among the families, in order of first appearance. */
  readonly id: number;
  /** How many samples it has. */
  count: number;
  /** Histograms and summaries: their lines grouped into metrics. */
  groups: MetricGroups | undefined;
}

class TextParser extends Scanner {
  readonly #quotedNames: boolean;
  readonly #families = new Map<string, FamilyBuilder>();
  #current: FamilyBuilder | undefined;
  /** The previous sample's name and where it was written, to reuse its string. */
  #previousName = "";
  #previousNameAt = -1;
  #previousFamily: FamilyBuilder | undefined;

  constructor(body: Uint8Array, quotedNames: boolean) {
    // A guess from the size (a sample line is rarely under 64 bytes), then grown as needed.
    super(body, new SampleStore(body, body.length >> 6));
    this.#quotedNames = quotedNames;
  }

  decode(): Exposition {
    const end = this.end;
    while (this.pos < end) {
      const c = this.skipBlanks();
      if (c === undefined) break;
      if (c === LF || c === CR) this.#endLine();
      else if (c === HASH) this.#comment();
      else this.#sample();
    }
    return this.store.takeFamilies([...this.#families.values()]);
  }

  /** Expects the end of a line (LF, CRLF or end of input) and moves past it. */
  #endLine(): void {
    const b = this.b;
    let c = b[this.pos];
    if (c === CR) {
      c = b[++this.pos];
      if (c !== LF && c !== undefined) this.fail("carriage return not followed by newline");
    }
    if (c === LF) this.nextLine();
    else if (c !== undefined) {
      this.fail(
        `unexpected character ${JSON.stringify(String.fromCharCode(c))}, expected end of line`,
      );
    }
  }

  #atLineEnd(): boolean {
    const c = this.b[this.pos];
    return c === LF || c === CR || c === undefined;
  }

  /** A comment: `# HELP name text`, `# TYPE name type`, or any other, skipped. */
  #comment(): void {
    const b = this.b;
    this.pos++; // '#'
    this.skipBlanks();
    const keywordAt = this.pos;
    let p = keywordAt;
    while (p < this.end && b[p] !== SPACE && b[p] !== TAB && b[p] !== LF && b[p] !== CR) p++;
    const keyword = p - keywordAt !== 4
      ? undefined
      : b[keywordAt] === 72 && b[keywordAt + 1] === 69 && b[keywordAt + 2] === 76 &&
          b[keywordAt + 3] === 80
      ? "HELP"
      : b[keywordAt] === 84 && b[keywordAt + 1] === 89 && b[keywordAt + 2] === 80 &&
          b[keywordAt + 3] === 69
      ? "TYPE"
      : undefined;
    this.pos = p;
    if (keyword === undefined) {
      const lineEnd = this.lineEnd();
      this.checkUtf8(this.pos, lineEnd);
      this.pos = lineEnd;
      this.#endLine();
      return;
    }
    this.skipBlanks();
    if (this.#atLineEnd()) {
      // "# HELP" alone is a plain comment, as in the Prometheus Go parser.
      this.#endLine();
      return;
    }
    const nameAt = this.pos;
    const name = this.#metadataName();
    const c = b[this.pos];
    if (c !== SPACE && c !== TAB && !this.#atLineEnd()) this.fail("invalid metric name", nameAt);
    this.skipBlanks();
    if (keyword === "HELP") this.#help(name);
    else this.#type(name, nameAt);
  }

  /** The metric name of a HELP or TYPE line: legacy, or quoted in text 1.0.0. */
  #metadataName(): string {
    const b = this.b;
    if (b[this.pos] === QUOTE) {
      if (!this.#quotedNames) this.fail("quoted metric names are not supported");
      const start = this.pos + 1;
      const end = this.quoted(start, "quoted metric name");
      this.pos = end + 1;
      return unescapedText(b, start, end);
    }
    const start = this.pos;
    const end = this.legacyName();
    this.pos = end;
    // A TYPE line mostly follows the HELP line of the same family.
    const current = this.#current?.name;
    if (current !== undefined && this.sameText(start, end, current)) return current;
    return textOf(b, start, end);
  }

  #help(name: string): void {
    const b = this.b;
    const lineEnd = this.lineEnd();
    let stop = lineEnd;
    if (stop > this.pos && b[stop - 1] === CR) stop--;
    // Kept as written unless a backslash escapes something else than `\` or `n`: the text
    // keeps that backslash, which the encoder would then escape.
    let written = true;
    for (let p = this.pos; p < stop; p++) {
      const c = b[p];
      if (c === CR) this.fail("carriage return not followed by newline", p);
      if (c !== BACKSLASH) continue;
      const e = b[p + 1];
      if (p + 1 < stop && (e === BACKSLASH || e === LOWER_N)) p++;
      else written = false;
    }
    this.checkUtf8(this.pos, stop);
    const family = this.#family(name);
    // A second HELP for the same family keeps the first, as Prometheus does when scraping.
    if (family.help === undefined) {
      family.help = written
        ? new WrittenHelp(b, { start: this.pos, end: stop })
        : unescapeHelp(textOf(b, this.pos, stop));
    }
    this.pos = lineEnd;
    this.#endLine();
  }

  #type(name: string, nameAt: number): void {
    const typeAt = this.pos;
    const type = this.#typeWord();
    if (type === undefined) {
      this.pos = typeAt;
      this.fail(`unknown metric type ${JSON.stringify(this.token())}`, typeAt);
    }
    this.skipBlanks();
    if (!this.#atLineEnd()) this.fail("unexpected text after metric type");
    const existing = this.#families.get(name);
    if (existing === undefined) {
      this.#current = this.#newFamily(name, type, true);
    } else if (existing.type !== type) {
      if (existing.count > 0) this.fail(`TYPE line for ${name} after its samples`, nameAt);
      if (existing.typed) this.fail(`second TYPE line for ${name} with another type`, nameAt);
      existing.type = type;
      existing.typed = true;
      this.#prepare(existing);
      this.#current = existing;
    } else {
      existing.typed = true;
      this.#current = existing;
    }
    this.#endLine();
  }

  /** Reads the type word of a TYPE line, compared as bytes; undefined when it is not one. */
  #typeWord(): MetricType | undefined {
    const start = this.skipToken();
    for (const [word, type] of TEXT_TYPES) if (this.sameText(start, this.pos, word)) return type;
    return undefined;
  }

  #newFamily(name: string, type: MetricType, typed: boolean): FamilyBuilder {
    const family: FamilyBuilder = {
      name,
      type,
      typed,
      help: undefined,
      id: this.#families.size,
      count: 0,
      groups: undefined,
    };
    this.#prepare(family);
    this.#families.set(name, family);
    return family;
  }

  /** Histograms and summaries group their lines into metrics. */
  #prepare(family: FamilyBuilder): void {
    if (family.type === "histogram" || family.type === "summary") {
      family.groups ??= new MetricGroups();
    }
  }

  /** The family named `name`, created untyped if it does not exist yet. */
  #family(name: string): FamilyBuilder {
    const family = this.#families.get(name) ?? this.#newFamily(name, "unknown", false);
    this.#current = family;
    return family;
  }

  #sample(): void {
    const b = this.b;
    const nameAt = this.pos;
    let name: string | undefined;
    if (b[nameAt] !== OPEN_BRACE) {
      const nameEnd = this.legacyName();
      const previousAt = this.#previousNameAt;
      const previous = this.#previousName;
      const length = previous.length;
      let same = nameEnd - nameAt === length && previousAt >= 0;
      for (let i = 0; same && i < length; i++) same = b[nameAt + i] === b[previousAt + i];
      // Else mostly the family of the HELP and TYPE lines just before.
      const current = this.#current?.name;
      name = same
        ? previous
        : current !== undefined && this.sameText(nameAt, nameEnd, current)
        ? current
        : textOf(b, nameAt, nameEnd);
      this.#previousNameAt = nameAt;
      this.pos = nameEnd;
      this.skipBlanks();
    } else if (!this.#quotedNames) {
      let p = nameAt + 1;
      while (b[p] === SPACE || b[p] === TAB) p++;
      if (b[p] === QUOTE) this.fail("quoted metric names are not supported");
      this.fail("invalid metric name");
    }
    let setStart = 0;
    let setEnd = 0;
    let hasLabels = false;
    if (b[this.pos] === OPEN_BRACE) {
      this.pos++;
      this.labelSet({ blanks: true, quotedNames: this.#quotedNames });
      hasLabels = this.labelCount > 0;
      if (this.quotedNameStart >= 0) {
        if (name !== undefined) this.fail("metric name given twice", this.quotedNameStart - 1);
        name = unescapedText(b, this.quotedNameStart, this.quotedNameEnd);
        this.#previousNameAt = -1;
      }
      setStart = this.setStart;
      setEnd = this.setEnd;
      this.skipBlanks();
    } else {
      this.labelCount = 0;
      this.labelsHash = 0;
      if (name !== undefined && b[this.pos - 1] !== SPACE && b[this.pos - 1] !== TAB) {
        if (this.#atLineEnd()) this.fail("missing value");
        this.fail("invalid metric name", nameAt);
      }
    }
    if (name === undefined) this.fail("no metric name in the label set", nameAt);
    if (this.#atLineEnd()) this.fail("missing value");
    let value = this.plainNumber();
    if (value !== value) value = this.#otherValue();
    this.skipBlanks();
    let timestamp = NaN;
    if (!this.#atLineEnd()) {
      const tsAt = this.pos;
      const token = this.token();
      timestamp = parseTimestamp(token) ??
        this.fail(`invalid timestamp ${JSON.stringify(token)}`, tsAt);
      this.skipBlanks();
      if (!this.#atLineEnd()) this.fail("unexpected text after timestamp");
    }
    // The same name as the previous sample's, no HELP or TYPE line between: the same family.
    const family = name === this.#previousName && this.#current === this.#previousFamily
      ? this.#current!
      : this.#familyOfSample(name, nameAt);
    const role = roleOf(family, name);
    const store = this.store;
    const i = store.reserve();
    let bound = NaN;
    let skip = -1;
    if (role === BUCKET || role === QUANTILE) {
      const labelName = role === BUCKET ? "le" : "quantile";
      skip = this.labelIndex(labelName);
      if (skip < 0) {
        this.fail(
          role === BUCKET
            ? `histogram bucket ${name} has no "le" label`
            : `summary quantile ${name} has no "quantile" label`,
          nameAt,
        );
      }
      bound = parseGoFloat(textOf(b, this.valueStart[skip]!, this.valueEnd[skip]!)) ?? NaN;
      store.setBound(i, bound);
    }
    if (!hasLabels) {
      store.start[i] = 0;
      store.end[i] = 0;
    } else if (this.canonical) {
      store.start[i] = setStart;
      store.end[i] = setEnd;
    } else {
      const [start, end] = this.writeCanonical(-1);
      store.start[i] = start;
      store.end[i] = end;
    }
    store.role[i] = role;
    store.metric[i] = family.groups === undefined
      ? store.metrics++
      : family.groups.metricOf(this, { sample: i, skip, timestamp });
    store.value[i] = value;
    store.hash[i] = sampleHash(this.labelsHash, role);
    store.family[i] = family.id;
    if (timestamp === timestamp) store.setTimestamp(i, timestamp);
    store.length = i + 1;
    family.count++;
    this.#previousName = name;
    this.#previousFamily = family;
    this.#endLine();
  }

  /** The family a sample of this name belongs to, created untyped when there is none. */
  #familyOfSample(name: string, nameAt: number): FamilyBuilder {
    const current = this.#current;
    if (current !== undefined && roleOf(current, name) >= 0) return current;
    const exact = this.#families.get(name);
    if (exact !== undefined) {
      if (roleOf(exact, name) < 0) {
        this.fail(
          `sample ${name} of histogram ${name} must be named ` +
            `${name}_bucket, ${name}_sum or ${name}_count`,
          nameAt,
        );
      }
      this.#current = exact;
      return exact;
    }
    const cut = name.lastIndexOf("_");
    if (cut > 0) {
      const parent = this.#families.get(name.slice(0, cut));
      if (parent !== undefined && roleOf(parent, name) >= 0) {
        this.#current = parent;
        return parent;
      }
    }
    return this.#family(name);
  }

  /** Reads any value but a plain decimal: NaN, infinities, long or unusual numbers. */
  #otherValue(): number {
    const valueAt = this.pos;
    const token = this.token();
    const value = parseGoFloat(token);
    if (value === undefined) this.fail(`invalid value ${JSON.stringify(token)}`, valueAt);
    if (value === Infinity || value === -Infinity) {
      if (!isInfinityToken(token)) {
        this.fail(`value ${JSON.stringify(token)} is out of range`, valueAt);
      }
    }
    return value;
  }
}

/** The role of a sample named `name` in `family`; -1 when it does not belong to it. */
function roleOf(family: FamilyBuilder, name: string): Role {
  const base = family.name;
  const type = family.type;
  if (name === base) {
    if (type === "histogram") return -1;
    return type === "summary" ? QUANTILE : VALUE;
  }
  if (type !== "histogram" && type !== "summary") return -1;
  if (name.length <= base.length || !name.startsWith(base)) return -1;
  const suffixLength = name.length - base.length;
  if (suffixLength === 4 && name.endsWith("_sum")) return SUM;
  if (suffixLength === 6 && name.endsWith("_count")) return COUNT;
  if (suffixLength === 7 && type === "histogram" && name.endsWith("_bucket")) return BUCKET;
  return -1;
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
