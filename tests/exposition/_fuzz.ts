/**
 * What the seeded property tests of the decoders share: a deterministic generator, random
 * names, label sets, texts, values and timestamps, mutations of an input, and the check that
 * a decoder either decodes an input or fails with a positioned error. Every test draws from
 * its own generator, whose seed is in the test's name, so a failure names the seed and the
 * case and replays exactly. The time limits are not performance assertions (speed is measured
 * by the benchmarks): they are generous guards against a hang or catastrophic backtracking,
 * far above what any of these inputs takes.
 */
import { assert } from "../_assert.ts";
import { formatValue } from "../../src/exposition/_number.ts";
import { DecodeError, escapeLabelName, ESCAPINGS, type Label } from "../../src/exposition/mod.ts";

/** Longest a decoding of one fuzzed input may take before it counts as a hang. */
export const HANG_MS = 200;
/** Longest a decoding of one of the huge inputs may take before it counts as a hang. */
export const HUGE_HANG_MS = 5000;

/** A small deterministic generator: mulberry32, 32 bits of state. */
export class Rng {
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

  /** `items` in a random order. */
  shuffled<T>(items: readonly T[]): T[] {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  }
}

// --- Random pieces -----------------------------------------------------------------------------

export const LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
export const DIGITS = "0123456789";

/** Pieces of label values and HELP text: ASCII, what needs escaping, UTF-8 of 1 to 4 bytes. */
export const TEXT_PIECES = [
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

/** Pieces of UTF-8 names (text 1.0.0): legacy characters and what needs quoting or escaping. */
export const NAME_PIECES = [
  "a",
  "b",
  "_",
  ":",
  "0",
  ".",
  "-",
  " ",
  "/",
  '"',
  "\\",
  "\n",
  "{",
  "=",
  ",",
  "\u00e9",
  "\u6f22",
  String.fromCodePoint(0x1f600),
];

export function word(r: Rng, options: { first: string; rest: string; max: number }): string {
  let out = options.first[r.int(options.first.length)]!;
  const length = r.int(options.max);
  for (let i = 0; i < length; i++) out += options.rest[r.int(options.rest.length)]!;
  return out;
}

/** A metric name unique to family `i`; it ends in "x", so no type suffix can follow it. */
export function metricName(r: Rng, i: number, options: { utf8: boolean }): string {
  if (options.utf8 && r.chance(0.6)) return utf8Name(r) + `_${i}x`;
  const first = LETTERS + "_:";
  return word(r, { first, rest: first + DIGITS, max: 10 }) + `_${i}x`;
}

/** A name of any characters. */
export function utf8Name(r: Rng): string {
  let out = r.pick(NAME_PIECES);
  for (let n = r.int(6); n > 0; n--) out += r.pick(NAME_PIECES);
  return out;
}

/** A label name: legacy, or (text 1.0.0) of any characters. */
export function labelName(r: Rng, options: { utf8: boolean }): string {
  if (options.utf8 && r.chance(0.3)) return utf8Name(r);
  return word(r, { first: LETTERS + "_", rest: LETTERS + "_" + DIGITS, max: 8 });
}

export function randomText(r: Rng, maxPieces: number): string {
  let out = "";
  const n = r.int(maxPieces + 1);
  for (let i = 0; i < n; i++) out += r.pick(TEXT_PIECES);
  return out;
}

/**
 * A label set of up to `max` labels with unique names, none of them in `reserved`, and unique
 * once escaped by any scheme too (two names that escape to the same one would make a label set
 * that text 0.0.4 cannot carry: the encoders, as Go's, do not resolve that).
 */
export function labelSet(
  r: Rng,
  max: number,
  options: { reserved: string[]; utf8: boolean },
): Label[] {
  const labels: Label[] = [];
  // The names taken, as each scheme writes them (legacy names, as `le`, are written as they are).
  const taken = ESCAPINGS.map(() => new Set(options.reserved));
  const n = r.int(max + 1);
  for (let i = 0; i < n; i++) {
    const name = labelName(r, options);
    const written = ESCAPINGS.map((escaping) => escapeLabelName(name, escaping));
    if (written.some((w, e) => taken[e]!.has(w))) continue;
    written.forEach((w, e) => taken[e]!.add(w));
    labels.push({ name, value: randomText(r, 6) });
  }
  return labels;
}

export function randomValue(r: Rng): number {
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

/** Ways text 0.0.4 may write `v`. */
export function valueSpellings(v: number): string[] {
  if (Number.isNaN(v)) return ["NaN", "nan", "NAN"];
  if (v === Infinity) return ["+Inf", "Inf", "inf", "+inf", "+Infinity", "infinity", "INF"];
  if (v === -Infinity) return ["-Inf", "-inf", "-Infinity", "-INF"];
  if (Object.is(v, -0)) return ["-0", "-0.0", "-0e0", "-.0"];
  const forms = [formatValue(v), String(v), v.toExponential(), v.toExponential().toUpperCase()];
  if (Number.isInteger(v) && Math.abs(v) < 1e15) forms.push(`${v}.0`, v.toFixed(2));
  if (v > 0) forms.push(`+${String(v)}`);
  return forms;
}

/** A timestamp in milliseconds, or none. */
export function randomTimestamp(r: Rng): number | undefined {
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

/** A label value or quoted name escaped as the text formats write it. */
export function escapeQuoted(value: string): string {
  return value.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n");
}

/**
 * `text` escaped as a decoder must read it, but loosely: a backslash before a character it
 * cannot escape may stay lone (which the decoders keep as written). `quotes`: `raw` where `"`
 * is no escape (text HELP), `escaped` where it must be (OpenMetrics label values), `either`
 * where both are read the same (OpenMetrics HELP).
 */
export function escapeLoosely(
  r: Rng,
  text: string,
  options: { quotes: "raw" | "escaped" | "either" },
): string {
  const { quotes } = options;
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    const next = text[i + 1];
    if (c === "\n") {
      out += "\\n";
    } else if (c === '"' && quotes !== "raw") {
      out += quotes === "either" && r.chance(0.5) ? '"' : '\\"';
    } else if (c === "\\") {
      const mustEscape = next === undefined || next === "\\" || next === "n" || next === "\n" ||
        (next === '"' && quotes !== "raw");
      out += mustEscape || r.chance(0.5) ? "\\\\" : "\\";
    } else {
      out += c;
    }
  }
  return out;
}

/**
 * HELP text that the text format round-trips: not starting with a blank (the decoder skips
 * blanks before it) and without carriage returns (there is no escape for them in HELP).
 */
export function randomHelp(r: Rng): string {
  return randomText(r, 8).replaceAll("\r", "").replace(/^[ \t]+/, "");
}

// --- Mutations ---------------------------------------------------------------------------------

/** Characters inserted by mutations: syntax, blanks, line ends, digits, non-ASCII, a lone surrogate. */
export const MUTATION_CHARS = [
  ...' \t\n\r{}",=#\\_:.+-eE019aZ',
  "\u0000",
  "\u00e9",
  "\ud800",
  "\u2028",
  String.fromCodePoint(0x1f600),
];

/** Applies one to three random edits to `text`. */
export function mutate(r: Rng, text: string): string {
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

/** Applies one to three random byte edits to `body`: any byte, so invalid UTF-8 too. */
export function mutateBytes(r: Rng, body: Uint8Array): Uint8Array {
  const out = [...body];
  for (let k = 1 + r.int(3); k > 0; k--) {
    const p = r.int(out.length + 1);
    const b = r.pick([r.int(256), 0x80, 0xc0, 0xc3, 0xe2, 0xed, 0xf0, 0xf4, 0xf8, 0xff, 10, 34]);
    if (r.chance(0.5)) out.splice(p, 0, b);
    else out[Math.min(p, out.length - 1)] = b;
  }
  return Uint8Array.from(out);
}

/** How many UTF-16 code units the decoders count for `line` (bytes), as their columns do. */
function columns(line: Uint8Array): number {
  let n = 0;
  for (const c of line) if ((c & 0xc0) !== 0x80) n += c >= 0xf0 ? 2 : 1;
  return n;
}

/**
 * Decodes `input`, which must either work or throw a DecodeError positioned inside the input
 * (line >= 1, column >= 1, and both within its text, as the decoders count lines and
 * columns); anything else, or a decoding slower than HANG_MS, fails with `what` to replay it.
 */
export function decodesOrFailsCleanly(
  decode: (body: Uint8Array) => unknown,
  input: Uint8Array,
  options: { what: string },
): "decoded" | "rejected" {
  const { what } = options;
  const started = performance.now();
  let outcome: "decoded" | "rejected" = "decoded";
  try {
    decode(input);
  } catch (error) {
    if (!(error instanceof DecodeError)) {
      throw new Error(`${what}: threw ${error} for ${JSON.stringify([...input.slice(0, 2000)])}`);
    }
    const lines: Uint8Array[] = [];
    for (let start = 0;;) {
      const lf = input.indexOf(10, start);
      lines.push(input.subarray(start, lf === -1 ? input.length : lf));
      if (lf === -1) break;
      start = lf + 1;
    }
    assert(error.line >= 1 && error.column >= 1, `${what}: ${error.message}`);
    assert(error.line <= lines.length, `${what}: ${error.message}: past the last line`);
    assert(
      error.column <= columns(lines[error.line - 1]!) + 1,
      `${what}: ${error.message}: past the end of the line`,
    );
    outcome = "rejected";
  }
  const elapsed = performance.now() - started;
  assert(elapsed < HANG_MS, `${what}: took ${elapsed.toFixed(0)} ms (hang guard ${HANG_MS} ms)`);
  return outcome;
}

/** The files of tests/fixtures ending with `extension`, sorted by name. */
export function fixtures(extension: string): { name: string; text: string }[] {
  const dir = new URL("../fixtures/", import.meta.url);
  const names = [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n.endsWith(extension));
  return names.sort().map((name) => ({ name, text: Deno.readTextFileSync(new URL(name, dir)) }));
}

/** Runs `decode` on a huge input, which must decode, within the hang guard for huge inputs. */
export function decodesHuge<T>(decode: () => T, what: string): T {
  const started = performance.now();
  const decoded = decode();
  const elapsed = performance.now() - started;
  assert(
    elapsed < HUGE_HANG_MS,
    `${what}: took ${elapsed.toFixed(0)} ms (hang guard ${HUGE_HANG_MS} ms)`,
  );
  return decoded;
}

/** A sample line with `n` labels. */
export function manyLabels(n: number): string {
  const parts: string[] = [];
  for (let i = 0; i < n; i++) parts.push(`l${i}="${i}"`);
  return `m{${parts.join(",")}} 1\n`;
}
