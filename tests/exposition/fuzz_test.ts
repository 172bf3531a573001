/**
 * Seeded property tests of the decoders. Every test draws from its own mulberry32 generator,
 * whose seed is in the test's name, so a failure names the seed and the case and replays
 * exactly. The time limits below are not performance assertions (speed is measured by the
 * benchmarks): they are generous guards against a hang or catastrophic backtracking, far above
 * what any of these inputs takes.
 */
import { assert, assertEquals } from "../_assert.ts";
import {
  DecodeError,
  decodeExposition,
  decodeOpenMetrics,
  decodeText,
  encodeText,
  formatValue,
} from "../../src/exposition/mod.ts";
import type { Label, MetricFamily, MetricType, Sample } from "../../src/exposition/mod.ts";

/** Longest a decoding of one fuzzed input may take before it counts as a hang. */
const HANG_MS = 200;
/** Longest a decoding of one of the huge inputs may take before it counts as a hang. */
const HUGE_HANG_MS = 5000;

/** A small deterministic generator: mulberry32, 32 bits of state. */
class Rng {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
}

// --- Random pieces -----------------------------------------------------------------------------

const LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
const DIGITS = "0123456789";

/** Pieces of label values and HELP text: ASCII, what needs escaping, UTF-8 of 1 to 4 bytes. */
const TEXT_PIECES = [
  "a",
  "Z",
  "0",
  " ",
  "  ",
  "\t",
  "\\",
  '"',
  "\n",
  "\r",
  "{",
  "}",
  ",",
  "=",
  "#",
  "n",
  "\u0000",
  "\u00e9",
  "\u6f22",
  "\u2028",
  String.fromCodePoint(0x1f600),
];

function word(r: Rng, options: { first: string; rest: string; max: number }): string {
  let out = options.first[r.int(options.first.length)]!;
  const length = r.int(options.max);
  for (let i = 0; i < length; i++) out += options.rest[r.int(options.rest.length)]!;
  return out;
}

/** A metric name unique to family `i`; it ends in "x", so no type suffix can follow it. */
function metricName(r: Rng, i: number, options: { colons: boolean }): string {
  const first = LETTERS + "_" + (options.colons ? ":" : "");
  return word(r, { first, rest: first + DIGITS, max: 10 }) + `_${i}x`;
}

function labelName(r: Rng): string {
  return word(r, { first: LETTERS + "_", rest: LETTERS + "_" + DIGITS, max: 8 });
}

function randomText(r: Rng, maxPieces: number): string {
  let out = "";
  const n = r.int(maxPieces + 1);
  for (let i = 0; i < n; i++) out += r.pick(TEXT_PIECES);
  return out;
}

/** A label set of up to `max` labels with unique names, none of them in `reserved`. */
function labelSet(r: Rng, max: number, reserved: readonly string[]): Label[] {
  const labels: Label[] = [];
  const n = r.int(max + 1);
  for (let i = 0; i < n; i++) {
    const name = labelName(r);
    if (reserved.includes(name) || labels.some((l) => l.name === name)) continue;
    labels.push({ name, value: randomText(r, 6) });
  }
  return labels;
}

function randomValue(r: Rng): number {
  switch (r.int(9)) {
    case 0:
      return NaN;
    case 1:
      return r.pick([Infinity, -Infinity]);
    case 2:
      return r.pick([0, -0]);
    case 3:
      return r.int(2_000_000) - 1_000_000;
    case 4: // Exponent form, large and small.
      return (r.next() - 0.5) * 10 ** (r.int(600) - 300);
    case 5:
      return r.pick([5e-324, 2.2250738585072014e-308, Number.MAX_VALUE, 1e21, 1e-7, 123456789e9]);
    case 6:
      return r.int(2 ** 53);
    default:
      return Math.round(r.next() * 1e6) / 1000;
  }
}

/** Ways text 0.0.4 and OpenMetrics may both write `v`. */
function valueSpellings(v: number): string[] {
  if (Number.isNaN(v)) return ["NaN", "nan", "NAN"];
  if (v === Infinity) return ["+Inf", "Inf", "inf", "+inf", "+Infinity", "infinity", "INF"];
  if (v === -Infinity) return ["-Inf", "-inf", "-Infinity", "-INF"];
  if (Object.is(v, -0)) return ["-0", "-0.0", "-0e0", "-.0"];
  const forms = [formatValue(v), String(v), v.toExponential(), v.toExponential().toUpperCase()];
  if (Number.isInteger(v) && Math.abs(v) < 1e15) forms.push(`${v}.0`, v.toFixed(2));
  if (v > 0) forms.push(`+${String(v)}`);
  return forms;
}

/** A timestamp in milliseconds, or none; at most 1e14 ms so its seconds are exact enough. */
function randomTimestamp(r: Rng): number | undefined {
  if (!r.chance(0.3)) return undefined;
  switch (r.int(4)) {
    case 0:
      return 1_700_000_000_000 + r.int(1_000_000_000);
    case 1:
      return -r.int(1_000_000_000_000) - 1;
    case 2:
      return r.int(1000);
    default:
      return r.int(1e14);
  }
}

/** The sample as the decoders build it (`timestampMs` always present). */
function sample(name: string, labels: Label[], value: number, timestampMs?: number): Sample {
  return { name, labels, value, timestampMs };
}

function family(name: string, type: MetricType, help: string | undefined): MetricFamily {
  return help === undefined ? { name, type, samples: [] } : { name, type, help, samples: [] };
}

// --- Random text 0.0.4 -------------------------------------------------------------------------

/** Blanks between tokens, as text 0.0.4 allows any run of spaces and tabs. */
function blank(r: Rng): string {
  return r.pick([" ", " ", " ", "\t", "  ", " \t "]);
}

/** Optional blanks, where text 0.0.4 allows none too. */
function maybeBlank(r: Rng): string {
  return r.chance(0.8) ? "" : blank(r);
}

function escapeLabel004(value: string): string {
  return value.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n");
}

/** HELP text as text 0.0.4 may write it: a lone backslash may stay lone when that is unambiguous. */
function escapeHelp004(r: Rng, help: string): string {
  let out = "";
  for (let i = 0; i < help.length; i++) {
    const c = help[i]!;
    const next = help[i + 1];
    if (c === "\n") {
      out += "\\n";
    } else if (c === "\\") {
      const mustEscape = next === undefined || next === "\\" || next === "n" || next === "\n";
      out += mustEscape || r.chance(0.5) ? "\\\\" : "\\";
    } else {
      out += c;
    }
  }
  return out;
}

/**
 * HELP text that text 0.0.4 round-trips: not starting with a blank (the decoder skips blanks
 * before it) and without carriage returns (text 0.0.4 has no escape for them in HELP).
 */
function help004(r: Rng): string {
  return randomText(r, 8).replaceAll("\r", "").replace(/^[ \t]+/, "");
}

function sampleLine004(r: Rng, s: Sample): string {
  let line = maybeBlank(r) + s.name;
  if (s.labels.length > 0 || r.chance(0.2)) {
    const parts = s.labels.map((l) =>
      l.name + maybeBlank(r) + "=" + maybeBlank(r) + `"${escapeLabel004(l.value)}"`
    );
    const trailing = s.labels.length > 0 && r.chance(0.2) ? "," + maybeBlank(r) : "";
    line += maybeBlank(r) + "{" + maybeBlank(r) + parts.join(maybeBlank(r) + "," + maybeBlank(r)) +
      trailing + "}";
    line += maybeBlank(r);
  } else {
    line += blank(r);
  }
  if (line.endsWith("}") || r.chance(0.5)) line += blank(r);
  line += r.pick(valueSpellings(s.value));
  if (s.timestampMs !== undefined) {
    line += blank(r) + (s.timestampMs > 0 && r.chance(0.2) ? "+" : "") + String(s.timestampMs);
  }
  return line + maybeBlank(r);
}

/** The samples of one family of `type` named `name`. */
function randomSamples(r: Rng, name: string, type: MetricType): Sample[] {
  const samples: Sample[] = [];
  const sets = 1 + r.int(3);
  for (let k = 0; k < sets; k++) {
    if (type === "histogram") {
      const labels = labelSet(r, 3, ["le"]);
      for (
        const le of r.pick([["+Inf"], ["0.005", "0.1", "1", "+Inf"], ["1e-05", "2.5", "+Inf"]])
      ) {
        samples.push(
          sample(
            `${name}_bucket`,
            [...labels, { name: "le", value: le }],
            randomValue(r),
            randomTimestamp(r),
          ),
        );
      }
      samples.push(sample(`${name}_sum`, labels, randomValue(r), randomTimestamp(r)));
      samples.push(sample(`${name}_count`, labels, randomValue(r), randomTimestamp(r)));
    } else if (type === "summary") {
      const labels = labelSet(r, 3, ["quantile"]);
      for (const q of r.pick([[], ["0.5", "0.99"], ["0", "1"]])) {
        samples.push(sample(name, [...labels, { name: "quantile", value: q }], randomValue(r)));
      }
      samples.push(sample(`${name}_sum`, labels, randomValue(r)));
      samples.push(sample(`${name}_count`, labels, randomValue(r)));
    } else {
      samples.push(sample(name, labelSet(r, 4, []), randomValue(r), randomTimestamp(r)));
    }
  }
  return samples;
}

/** A random text 0.0.4 exposition and the families decodeText must give for it. */
function randomText004(r: Rng): { text: string; expected: MetricFamily[] } {
  const lines: string[] = [];
  const expected: MetricFamily[] = [];
  const count = r.int(7);
  for (let i = 0; i < count; i++) {
    const type = r.pick<MetricType>(["counter", "gauge", "untyped", "histogram", "summary"]);
    // An untyped family may come without a TYPE line; a family may have no samples.
    const typed = type !== "untyped" || r.chance(0.5);
    const name = metricName(r, i, { colons: true });
    const help = r.chance(0.6) ? help004(r) : undefined;
    const samples = r.chance(0.1) ? [] : randomSamples(r, name, type);
    if (!typed && help === undefined && samples.length === 0) continue;
    const expectedFamily = family(name, type, help);
    expectedFamily.samples.push(...samples);
    expected.push(expectedFamily);
    const meta: string[] = [];
    if (typed) {
      meta.push(`#${maybeBlank(r)} TYPE${blank(r)}${name}${blank(r)}${type}${maybeBlank(r)}`);
    }
    if (help !== undefined) {
      meta.push(`#${maybeBlank(r)} HELP${blank(r)}${name}${blank(r)}${escapeHelp004(r, help)}`);
    }
    if (r.chance(0.5)) meta.reverse();
    // A second HELP is ignored.
    if (help !== undefined && r.chance(0.1)) meta.push(`# HELP ${name} another help`);
    lines.push(...meta);
    for (const s of samples) {
      lines.push(sampleLine004(r, s));
      if (r.chance(0.05)) lines.push(r.pick(["", "  ", "\t", "# a comment", "#", "# HELP"]));
    }
  }
  let text = "";
  for (const line of lines) text += line + r.pick(["\n", "\n", "\n", "\r\n"]);
  // A missing final newline is allowed.
  if (r.chance(0.2)) text = text.replace(/\r?\n$/, "");
  return { text, expected };
}

// --- Random OpenMetrics ------------------------------------------------------------------------

/** Escapes for OpenMetrics: a lone backslash may stay lone before a character it cannot escape. */
function escapeOpenMetrics(r: Rng, text: string, options: { rawQuotes: boolean }): string {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    const next = text[i + 1];
    if (c === "\n") {
      out += "\\n";
    } else if (c === '"') {
      out += options.rawQuotes && r.chance(0.5) ? '"' : '\\"';
    } else if (c === "\\") {
      const mustEscape = next === undefined || next === "\\" || next === "n" || next === '"' ||
        next === "\n";
      out += mustEscape || r.chance(0.5) ? "\\\\" : "\\";
    } else {
      out += c;
    }
  }
  return out;
}

function labelsOpenMetrics(r: Rng, labels: readonly Label[]): string {
  if (labels.length === 0) return r.chance(0.2) ? "{}" : "";
  const parts = labels.map((l) =>
    `${l.name}="${escapeOpenMetrics(r, l.value, { rawQuotes: false })}"`
  );
  return `{${parts.join(",")}${r.chance(0.1) ? "," : ""}}`;
}

/** Milliseconds as OpenMetrics seconds, written exactly. */
function seconds(r: Rng, ms: number): string {
  const sign = ms < 0 ? "-" : "";
  const abs = Math.abs(ms);
  const whole = Math.floor(abs / 1000);
  const fraction = abs % 1000;
  if (fraction === 0 && r.chance(0.5)) return `${sign}${whole}`;
  return `${sign}${whole}.${String(fraction).padStart(3, "0")}`;
}

function exemplar(r: Rng): string {
  if (!r.chance(0.3)) return "";
  const labels = labelSet(r, 2, []);
  const ts = r.chance(0.5) ? ` ${seconds(r, 1_700_000_000_000 + r.int(1000))}` : "";
  return ` # {${
    labels.map((l) => `${l.name}="${escapeOpenMetrics(r, l.value, { rawQuotes: false })}"`).join(
      ",",
    )
  }} ${r.pick(valueSpellings(randomValue(r)))}${ts}`;
}

function sampleLineOpenMetrics(r: Rng, s: Sample, options: { exemplar: boolean }): string {
  let line = s.name + labelsOpenMetrics(r, s.labels) + " " + r.pick(valueSpellings(s.value));
  if (s.timestampMs !== undefined) line += " " + seconds(r, s.timestampMs);
  return options.exemplar ? line + exemplar(r) : line;
}

type OpenMetricsType =
  | "counter"
  | "gauge"
  | "unknown"
  | "histogram"
  | "summary"
  | "info"
  | "stateset"
  | "gaugehistogram";

/** A random OpenMetrics exposition and the text 0.0.4 families decodeOpenMetrics must give. */
function randomOpenMetrics(r: Rng): { text: string; expected: MetricFamily[] } {
  const lines: string[] = [];
  const expected: MetricFamily[] = [];
  const count = r.int(7);
  for (let i = 0; i < count; i++) {
    const type = r.pick<OpenMetricsType>([
      "counter",
      "gauge",
      "unknown",
      "histogram",
      "summary",
      "info",
      "stateset",
      "gaugehistogram",
    ]);
    const typed = type !== "unknown" || r.chance(0.5);
    // A stateset's name is also a label name: no colons.
    const name = metricName(r, i, { colons: type !== "stateset" });
    const helpText = r.chance(0.6) ? help004(r) : undefined;
    // An empty HELP counts as none.
    const help = helpText === "" ? undefined : helpText;
    const meta: string[] = [];
    if (typed) meta.push(`# TYPE ${name} ${type}`);
    if (helpText !== undefined) {
      meta.push(`# HELP ${name} ${escapeOpenMetrics(r, helpText, { rawQuotes: true })}`);
    }
    if (r.chance(0.2)) meta.push(`# UNIT ${name} ${r.pick(["seconds", "bytes", ""])}`);
    if (r.chance(0.5)) meta.reverse();
    const withSamples = r.chance(0.9);
    if (!typed && meta.length === 0 && !withSamples) continue;
    lines.push(...meta);

    const push = (f: MetricFamily, s: Sample, options: { exemplar: boolean }) => {
      f.samples.push(s);
      lines.push(sampleLineOpenMetrics(r, s, options));
    };
    const created = (labels: Label[]) => {
      if (r.chance(0.5)) {
        const s = sample(
          `${name}_created`,
          labels,
          1_700_000_000 + r.int(1000),
          randomTimestamp(r),
        );
        lines.push(sampleLineOpenMetrics(r, s, { exemplar: false }));
      }
    };
    const sets = withSamples ? 1 + r.int(3) : 0;
    switch (type) {
      case "counter": {
        const f = family(`${name}_total`, "counter", help);
        expected.push(f);
        for (let k = 0; k < sets; k++) {
          const labels = labelSet(r, 3, []);
          push(f, sample(`${name}_total`, labels, randomValue(r), randomTimestamp(r)), {
            exemplar: true,
          });
          created(labels);
        }
        break;
      }
      case "gauge":
      case "unknown": {
        const f = family(name, type === "gauge" ? "gauge" : "untyped", help);
        expected.push(f);
        for (let k = 0; k < sets; k++) {
          push(f, sample(name, labelSet(r, 4, []), randomValue(r), randomTimestamp(r)), {
            exemplar: false,
          });
        }
        break;
      }
      case "histogram":
      case "summary": {
        const f = family(name, type, help);
        expected.push(f);
        for (let k = 0; k < sets; k++) {
          const labels = labelSet(r, 3, ["le", "quantile"]);
          if (type === "histogram") {
            for (const le of r.pick([["+Inf"], ["0.1", "1.0", "+Inf"]])) {
              push(
                f,
                sample(`${name}_bucket`, [...labels, { name: "le", value: le }], randomValue(r)),
                {
                  exemplar: true,
                },
              );
            }
          } else {
            for (const q of r.pick([[], ["0.5", "0.99"]])) {
              push(f, sample(name, [...labels, { name: "quantile", value: q }], randomValue(r)), {
                exemplar: false,
              });
            }
          }
          push(f, sample(`${name}_count`, labels, randomValue(r)), { exemplar: false });
          push(f, sample(`${name}_sum`, labels, randomValue(r)), { exemplar: false });
          created(labels);
        }
        break;
      }
      case "info": {
        const f = family(`${name}_info`, "gauge", help);
        expected.push(f);
        for (let k = 0; k < sets; k++) {
          push(f, sample(`${name}_info`, labelSet(r, 4, []), 1), { exemplar: false });
        }
        break;
      }
      case "stateset": {
        const f = family(name, "gauge", help);
        expected.push(f);
        for (let k = 0; k < sets; k++) {
          const labels = labelSet(r, 2, [name]);
          for (const state of ["a", "b", "c"]) {
            push(f, sample(name, [...labels, { name, value: state }], state === "b" ? 1 : 0), {
              exemplar: false,
            });
          }
        }
        break;
      }
      case "gaugehistogram": {
        const buckets = family(`${name}_bucket`, "gauge", help);
        const gcount = family(`${name}_gcount`, "gauge", help);
        const gsum = family(`${name}_gsum`, "gauge", help);
        expected.push(buckets, gcount, gsum);
        for (let k = 0; k < sets; k++) {
          const labels = labelSet(r, 3, ["le"]);
          for (const le of ["1.0", "+Inf"]) {
            push(
              buckets,
              sample(`${name}_bucket`, [...labels, { name: "le", value: le }], randomValue(r)),
              {
                exemplar: true,
              },
            );
          }
          push(gcount, sample(`${name}_gcount`, labels, randomValue(r)), { exemplar: false });
          push(gsum, sample(`${name}_gsum`, labels, randomValue(r)), { exemplar: false });
        }
        break;
      }
    }
  }
  lines.push("# EOF");
  return { text: lines.join("\n") + (r.chance(0.8) ? "\n" : ""), expected };
}

// --- Mutations ---------------------------------------------------------------------------------

/** Characters inserted by mutations: syntax, blanks, line ends, digits, non-ASCII, a lone surrogate. */
const MUTATION_CHARS = [
  ...' \t\n\r{}",=#\\_:.+-eE019aZ',
  "\u0000",
  "\u00e9",
  "\ud800",
  "\u2028",
  String.fromCodePoint(0x1f600),
];

/** Applies one to three random byte-level edits to `text`. */
function mutate(r: Rng, text: string): string {
  let t = text;
  const edits = 1 + r.int(3);
  for (let k = 0; k < edits; k++) {
    const p = r.int(t.length + 1);
    switch (r.int(7)) {
      case 0: // insert a character
        t = t.slice(0, p) + r.pick(MUTATION_CHARS) + t.slice(p);
        break;
      case 1: // delete a few characters
        t = t.slice(0, p) + t.slice(p + 1 + r.int(8));
        break;
      case 2: // replace a character
        t = t.slice(0, p) + r.pick(MUTATION_CHARS) + t.slice(p + 1);
        break;
      case 3: // truncate
        t = t.slice(0, p);
        break;
      case 4: { // duplicate the line at p
        const start = t.lastIndexOf("\n", p - 1) + 1;
        const next = t.indexOf("\n", p);
        const end = next === -1 ? t.length : next + 1;
        t = t.slice(0, end) + t.slice(start, end) + t.slice(end);
        break;
      }
      case 5: { // swap two lines
        const lines = t.split("\n");
        const a = r.int(lines.length);
        const b = r.int(lines.length);
        [lines[a], lines[b]] = [lines[b]!, lines[a]!];
        t = lines.join("\n");
        break;
      }
      default: { // copy a chunk from elsewhere to p
        const from = r.int(t.length + 1);
        t = t.slice(0, p) + t.slice(from, from + 1 + r.int(40)) + t.slice(p);
      }
    }
  }
  return t;
}

/**
 * Decodes `input`, which must either work or throw a DecodeError positioned inside the input
 * (line >= 1, column >= 1, and both within its text); anything else, or a decoding slower than
 * HANG_MS, fails with `what` to replay it.
 */
function decodesOrFailsCleanly(
  decode: (text: string) => MetricFamily[],
  input: string,
  what: string,
): "decoded" | "rejected" {
  const started = performance.now();
  let outcome: "decoded" | "rejected" = "decoded";
  try {
    decode(input);
  } catch (error) {
    if (!(error instanceof DecodeError)) {
      throw new Error(`${what}: threw ${error} for ${JSON.stringify(input.slice(0, 2000))}`);
    }
    const lines = input.split("\n");
    assert(error.line >= 1 && error.column >= 1, `${what}: ${error.message}`);
    assert(error.line <= lines.length, `${what}: ${error.message}: past the last line`);
    assert(
      error.column <= lines[error.line - 1]!.length + 1,
      `${what}: ${error.message}: past the end of the line`,
    );
    outcome = "rejected";
  }
  const elapsed = performance.now() - started;
  assert(elapsed < HANG_MS, `${what}: took ${elapsed.toFixed(0)} ms (hang guard ${HANG_MS} ms)`);
  return outcome;
}

function fixtures(extension: string): { name: string; text: string }[] {
  const dir = new URL("../fixtures/", import.meta.url);
  const names = [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n.endsWith(extension));
  return names.sort().map((name) => ({ name, text: Deno.readTextFileSync(new URL(name, dir)) }));
}

/** Families with samples: what survives an encoding (empty families impose nothing). */
function nonEmpty(families: MetricFamily[]): MetricFamily[] {
  return families.filter((f) => f.samples.length > 0);
}

// --- Tests -------------------------------------------------------------------------------------

Deno.test("fuzz (seed 0x5eed0a): 500 random text 0.0.4 expositions decode as generated and round-trip through encodeText", () => {
  const r = new Rng(0x5eed0a);
  let samples = 0;
  for (let i = 0; i < 500; i++) {
    const { text, expected } = randomText004(r);
    const what = `seed 0x5eed0a, case ${i}: ${JSON.stringify(text)}`;
    const decoded = decodeText(text);
    assertEquals(decoded, expected, what);
    const encoded = encodeText(decoded);
    const again = decodeText(encoded);
    assertEquals(again, nonEmpty(decoded), what);
    // Byte for byte, which also tells -0 from 0.
    assertEquals(encodeText(again), encoded, what);
    samples += decoded.reduce((n, f) => n + f.samples.length, 0);
  }
  assert(samples > 2000, `only ${samples} samples generated`);
});

Deno.test("fuzz (seed 0x5eed0b): 500 random OpenMetrics expositions decode to their text 0.0.4 mapping", () => {
  const r = new Rng(0x5eed0b);
  let samples = 0;
  for (let i = 0; i < 500; i++) {
    const { text, expected } = randomOpenMetrics(r);
    const what = `seed 0x5eed0b, case ${i}: ${JSON.stringify(text)}`;
    const decoded = decodeOpenMetrics(text);
    assertEquals(decoded, expected, what);
    assertEquals(decodeExposition(text), decoded, what);
    // What comes out is valid text 0.0.4 that decodes back to the same.
    const encoded = encodeText(decoded);
    assertEquals(decodeText(encoded), nonEmpty(decoded), what);
    samples += decoded.reduce((n, f) => n + f.samples.length, 0);
  }
  assert(samples > 2000, `only ${samples} samples generated`);
});

Deno.test("fuzz (seed 0x5eed0c): 2000 mutations of each real .prom capture decode or throw a positioned DecodeError", () => {
  const r = new Rng(0x5eed0c);
  const captures = fixtures(".prom");
  assert(captures.length >= 7, `expected the real captures, found ${captures.map((c) => c.name)}`);
  for (const { name, text } of captures) {
    const outcomes = { decoded: 0, rejected: 0 };
    for (let i = 0; i < 2000; i++) {
      const mutant = mutate(r, text);
      outcomes[decodesOrFailsCleanly(decodeText, mutant, `seed 0x5eed0c, ${name}, mutant ${i}`)]++;
    }
    // Both outcomes happen: the mutations neither all break nor all spare the input.
    assert(outcomes.decoded > 0 && outcomes.rejected > 0, `${name}: ${JSON.stringify(outcomes)}`);
  }
});

Deno.test("fuzz (seed 0x5eed0d): 2000 mutations of OpenMetrics input decode or throw a positioned DecodeError", () => {
  const r = new Rng(0x5eed0d);
  const python = fixtures(".openmetrics");
  assert(python.length >= 1, "expected the Python client's OpenMetrics capture");
  const inputs = [...python.map((f) => f.text)];
  for (let i = 0; i < 20; i++) inputs.push(randomOpenMetrics(r).text);
  const outcomes = { decoded: 0, rejected: 0 };
  for (let i = 0; i < 2000; i++) {
    // Half of the mutants come from the real capture, half from the generated expositions.
    const k = i % 2 === 0 ? 0 : 1 + r.int(inputs.length - 1);
    const mutant = mutate(r, inputs[k]!);
    const what = `seed 0x5eed0d, input ${k}, mutant ${i}`;
    outcomes[decodesOrFailsCleanly(decodeOpenMetrics, mutant, what)]++;
    // decodeExposition picks either decoder for a mutant; both must fail cleanly.
    decodesOrFailsCleanly((t) => decodeExposition(t), mutant, `${what} (decodeExposition)`);
  }
  assert(outcomes.decoded > 0 && outcomes.rejected > 0, JSON.stringify(outcomes));
});

/** Runs `decode` on a huge input, which must decode, within the hang guard for huge inputs. */
function decodesHuge(decode: () => MetricFamily[], what: string): MetricFamily[] {
  const started = performance.now();
  const families = decode();
  const elapsed = performance.now() - started;
  assert(
    elapsed < HUGE_HANG_MS,
    `${what}: took ${elapsed.toFixed(0)} ms (hang guard ${HUGE_HANG_MS} ms)`,
  );
  return families;
}

const MB2 = 2 * 1024 * 1024;

Deno.test("huge inputs: 2 MB lines (label value, escaped HELP, comment) decode in both formats", () => {
  const value = "v".repeat(MB2);
  // Escaped, 6 characters that decode to 4: a, backslash, b, newline.
  const reps = Math.floor(MB2 / 6);
  const help = "a\\\\b\\n".repeat(reps);
  const comment = "# " + "c".repeat(MB2);
  const text = decodesHuge(
    () => decodeText(`${comment}\n# HELP m ${help}\nm{a="${value}"} 1\n`),
    "text 0.0.4",
  );
  assertEquals(text[0]!.samples[0]!.labels[0]!.value.length, MB2);
  assertEquals(text[0]!.help!.length, reps * 4);
  const om = decodesHuge(
    () => decodeOpenMetrics(`# HELP m ${help}\nm{a="${value}"} 1\n# EOF\n`),
    "OpenMetrics",
  );
  assertEquals(om[0]!.samples[0]!.labels[0]!.value.length, MB2);
  assertEquals(om[0]!.help!.length, reps * 4);
  // A 2 MB label value of escapes only: 6 characters that decode to 3.
  const escaped = '\\"\\\\\\n'.repeat(reps);
  const unescaped = decodesHuge(() => decodeOpenMetrics(`m{a="${escaped}"} 1\n# EOF\n`), "escapes");
  assertEquals(unescaped[0]!.samples[0]!.labels[0]!.value, '"\\\n'.repeat(reps));
});

function manyLabels(n: number): string {
  const parts: string[] = [];
  for (let i = 0; i < n; i++) parts.push(`l${i}="${i}"`);
  return `m{${parts.join(",")}} 1\n`;
}

Deno.test("huge inputs: a sample with 100,000 labels decodes as OpenMetrics", () => {
  const families = decodesHuge(
    () => decodeOpenMetrics(manyLabels(100_000) + "# EOF\n"),
    "OpenMetrics",
  );
  assertEquals(families[0]!.samples[0]!.labels.length, 100_000);
});

Deno.test({
  name: "huge inputs: a sample with 100,000 labels decodes as text 0.0.4",
  fn() {
    const families = decodesHuge(() => decodeText(manyLabels(100_000)), "text 0.0.4");
    assertEquals(families[0]!.samples[0]!.labels.length, 100_000);
  },
});
