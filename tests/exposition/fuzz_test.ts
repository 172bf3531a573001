/**
 * Seeded property tests of the text decoder (0.0.4 and 1.0.0) and encoder. Every test draws
 * from its own mulberry32 generator, whose seed is in the test's name, so a failure names the
 * seed and the case and replays exactly. The time limits below are not performance assertions
 * (speed is measured by the benchmarks): they are generous guards against a hang or
 * catastrophic backtracking, far above what any of these inputs takes.
 *
 * Ported from the engine before issue 13: decoders take bytes, expositions are compared as
 * objects (a histogram's or summary's lines are one metric: the generator gives each of them
 * one timestamp and label sets of their own, and writes their labels in any order), `untyped`
 * is `unknown`, families without samples are none. The OpenMetrics parts moved to the
 * OpenMetrics decoder's tests.
 */
import { assert, assertEquals } from "../_assert.ts";
import {
  DecodeError,
  decodeExposition,
  decodeText,
  encodeText,
  escapeLabelName,
  escapeName,
  type Escaping,
  familiesOf,
  isLegacyLabelName,
  isLegacyName,
  type Label,
  type Metric,
  type MetricFamily,
  type MetricType,
  type TextVersion,
} from "../../src/exposition/mod.ts";
import {
  decodesHuge,
  decodesOrFailsCleanly,
  escapeLoosely,
  escapeQuoted,
  fixtures,
  HUGE_HANG_MS,
  labelSet,
  manyLabels,
  metricName,
  mutate,
  mutateBytes,
  randomHelp,
  randomTimestamp,
  randomValue,
  Rng,
  valueSpellings,
} from "./_fuzz.ts";
import { bytes, encoded, unmerged } from "./_samples.ts";

/** `decodesOrFailsCleanly` with the text decoder of `version`. */
function textDecodesOrFailsCleanly(
  input: Uint8Array,
  options: { version: TextVersion; what: string },
): "decoded" | "rejected" {
  return decodesOrFailsCleanly((b) => decodeText(b, { version: options.version }), input, {
    what: options.what,
  });
}

// --- Random text 0.0.4 and 1.0.0 ---------------------------------------------------------------

/** Blanks between tokens, as the text format allows any run of spaces and tabs. */
function blank(r: Rng): string {
  return r.pick([" ", " ", " ", "\t", "  ", " \t "]);
}

/** Optional blanks, where the text format allows none too. */
function maybeBlank(r: Rng): string {
  return r.chance(0.8) ? "" : blank(r);
}

/** Escapes a label value or a quoted name. */
/** One line of a sample, as it is written. */
interface Line {
  readonly name: string;
  readonly labels: readonly Label[];
  readonly value: number;
  readonly timestampMs?: number | undefined;
}

/** A name as written in a HELP or TYPE line, or before a label set: quoted when it must be. */
function nameToken(r: Rng, name: string, utf8: boolean): string {
  return isLegacyName(name) && (!utf8 || r.chance(0.9)) ? name : `"${escapeQuoted(name)}"`;
}

function labelToken(r: Rng, label: Label, utf8: boolean): string {
  const name = isLegacyLabelName(label.name) && (!utf8 || r.chance(0.9))
    ? label.name
    : `"${escapeQuoted(label.name)}"`;
  return name + maybeBlank(r) + "=" + maybeBlank(r) + `"${escapeQuoted(label.value)}"`;
}

function sampleLine(r: Rng, s: Line, utf8: boolean): string {
  const parts = s.labels.map((l) => labelToken(r, l, utf8));
  // A name that must be quoted is written inside the braces, first; text 1.0.0 may quote others.
  const inside = !isLegacyName(s.name) || (utf8 && r.chance(0.05));
  let line = maybeBlank(r);
  if (inside) {
    parts.unshift(`"${escapeQuoted(s.name)}"`);
  } else {
    line += s.name;
  }
  if (parts.length > 0 || r.chance(0.2)) {
    const trailing = parts.length > 0 && r.chance(0.2) ? "," + maybeBlank(r) : "";
    line += (inside ? "" : maybeBlank(r)) + "{" + maybeBlank(r) +
      parts.join(maybeBlank(r) + "," + maybeBlank(r)) + trailing + "}";
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

/** A key of a label set, whatever the order of its labels. */
function setKey(labels: readonly Label[]): string {
  return labels.map((l) => JSON.stringify([l.name, l.value])).sort().join();
}

/** The metrics of one family of `type` named `name`, and the lines that write them. */
function randomMetrics(
  r: Rng,
  family: { name: string; type: MetricType; utf8: boolean },
): { metrics: Metric[]; lines: Line[] } {
  const { name, type, utf8 } = family;
  const metrics: Metric[] = [];
  const lines: Line[] = [];
  const sets = 1 + r.int(3);
  const keys = new Set<string>();
  for (let k = 0; k < sets; k++) {
    if (type !== "histogram" && type !== "summary") {
      const labels = labelSet(r, 4, { reserved: [], utf8 });
      const line = { name, labels, value: randomValue(r), timestampMs: randomTimestamp(r) };
      lines.push(line);
      metrics.push(metricOf(line));
      continue;
    }
    const bound = type === "histogram" ? "le" : "quantile";
    const labels = labelSet(r, 3, { reserved: ["le", "quantile"], utf8 });
    // The lines of one metric: same labels, same timestamp; another metric has other labels.
    if (keys.has(setKey(labels))) continue;
    keys.add(setKey(labels));
    const timestampMs = randomTimestamp(r);
    const bounds = type === "histogram"
      ? r.pick([["+Inf"], ["0.005", "0.1", "1", "+Inf"], ["1e-05", "2.5", "+Inf"]])
      : r.pick([[], ["0.5", "0.99"], ["0", "1"]]);
    // The bound label anywhere, and the labels of each line in any order; the metric's labels
    // are those of its first line.
    const order = r.chance(0.5) ? labels : r.shuffled(labels);
    const withBound = (value: string) => {
      const all = [...order, { name: bound, value }];
      return r.chance(0.7) ? all : r.shuffled(all);
    };
    const boundLines = bounds.map((b) => ({
      name: type === "histogram" ? `${name}_bucket` : name,
      labels: withBound(b),
      value: randomValue(r),
      timestampMs,
    }));
    const sum = {
      name: `${name}_sum`,
      labels: r.shuffled(order),
      value: randomValue(r),
      timestampMs,
    };
    const count = {
      name: `${name}_count`,
      labels: r.shuffled(order),
      value: randomValue(r),
      timestampMs,
    };
    lines.push(...boundLines, sum, count);
    const firstLabels = boundLines.length > 0
      ? boundLines[0]!.labels.filter((l) => l.name !== bound)
      : sum.labels;
    const metric: Record<string, unknown> = { labels: firstLabels };
    if (timestampMs !== undefined) metric.timestampMs = timestampMs;
    if (type === "histogram") {
      metric.buckets = boundLines.map((l, j) => ({
        upperBound: boundOf(bounds[j]!),
        count: l.value,
      }));
    } else {
      metric.quantiles = boundLines.map((l, j) => ({
        quantile: boundOf(bounds[j]!),
        value: l.value,
      }));
    }
    metric.sum = sum.value;
    metric.count = count.value;
    metrics.push(metric as unknown as Metric);
  }
  return { metrics, lines };
}

/** The number a bound label is: `+Inf`, or a decimal. */
function boundOf(label: string): number {
  return label === "+Inf" ? Infinity : Number(label);
}

function metricOf(line: Line): Metric {
  const metric = { labels: line.labels, value: line.value };
  return line.timestampMs === undefined ? metric : { ...metric, timestampMs: line.timestampMs };
}

/**
 * A random text exposition and the families decodeText must give for it; with `utf8`, a text
 * 1.0.0 one whose names may be of any characters.
 */
function randomExposition(
  r: Rng,
  options: { utf8: boolean },
): { text: string; expected: MetricFamily[] } {
  const lines: string[] = [];
  const expected: MetricFamily[] = [];
  const count = r.int(7);
  for (let i = 0; i < count; i++) {
    const type = r.pick<MetricType>(["counter", "gauge", "unknown", "histogram", "summary"]);
    // An untyped family may come without a TYPE line; a family may have no samples.
    const typed = type !== "unknown" || r.chance(0.5);
    const name = metricName(r, i, options);
    const help = r.chance(0.6) ? randomHelp(r) : undefined;
    const { metrics, lines: sampleLines } = r.chance(0.1)
      ? { metrics: [], lines: [] }
      : randomMetrics(r, { name, type, utf8: options.utf8 });
    if (metrics.length > 0) {
      const family = { name, type, metrics } as MetricFamily;
      expected.push(help === undefined ? family : { ...family, help });
    }
    const meta: string[] = [];
    const written = type === "unknown" ? "untyped" : type;
    if (typed) {
      meta.push(
        `#${maybeBlank(r)} TYPE${blank(r)}${nameToken(r, name, options.utf8)}${blank(r)}${written}${
          maybeBlank(r)
        }`,
      );
    }
    if (help !== undefined) {
      meta.push(
        `#${maybeBlank(r)} HELP${blank(r)}${nameToken(r, name, options.utf8)}${blank(r)}${
          escapeLoosely(r, help, { quotes: "raw" })
        }`,
      );
    }
    if (r.chance(0.5)) meta.reverse();
    // A second HELP is ignored.
    if (help !== undefined && r.chance(0.1)) {
      meta.push(`# HELP ${nameToken(r, name, options.utf8)} another`);
    }
    lines.push(...meta);
    for (const s of sampleLines) {
      lines.push(sampleLine(r, s, options.utf8));
      if (r.chance(0.05)) lines.push(r.pick(["", "  ", "\t", "# a comment", "#", "# HELP"]));
    }
  }
  let text = "";
  for (const line of lines) text += line + r.pick(["\n", "\n", "\n", "\r\n"]);
  // A missing final newline is allowed.
  if (r.chance(0.2)) text = text.replace(/\r?\n$/, "");
  return { text, expected };
}

function decoded(text: string, version?: TextVersion): MetricFamily[] {
  return familiesOf(decodeText(bytes(text), version === undefined ? {} : { version }));
}

/** The number of metrics of `families`. */
function metricCount(families: MetricFamily[]): number {
  return families.reduce((n, f) => n + f.metrics.length, 0);
}

/** `families` with their names and label names escaped as `escaping` writes them. */
function escaped(families: MetricFamily[], escaping: Escaping): MetricFamily[] {
  return families.map((f) =>
    ({
      ...f,
      name: escapeName(f.name, escaping),
      metrics: f.metrics.map((m) => ({
        ...m,
        labels: m.labels.map((l) => ({ name: escapeLabelName(l.name, escaping), value: l.value })),
      })),
    }) as MetricFamily
  );
}

// --- Tests -------------------------------------------------------------------------------------

Deno.test("fuzz (seed 0x5eed0a): 500 random text 0.0.4 expositions decode as generated and round-trip through encodeText", () => {
  const r = new Rng(0x5eed0a);
  let metrics = 0;
  for (let i = 0; i < 500; i++) {
    const { text, expected } = randomExposition(r, { utf8: false });
    const what = `seed 0x5eed0a, case ${i}: ${JSON.stringify(text)}`;
    const exposition = decodeText(bytes(text));
    const families = familiesOf(exposition);
    assertEquals(families, expected, what);
    // Text 1.0.0 reads text 0.0.4 the same, and so does decodeExposition.
    assertEquals(decoded(text, "1.0.0"), expected, what);
    assertEquals(familiesOf(decodeExposition(bytes(text))), expected, what);
    const out = encoded(exposition);
    const again = decodeText(bytes(out));
    assertEquals(familiesOf(again), families, what);
    // Byte for byte, which also tells -0 from 0.
    assertEquals(encoded(again), out, what);
    metrics += metricCount(families);
  }
  assert(metrics > 1500, `only ${metrics} metrics generated`);
});

Deno.test("fuzz (seed 0x5eed0e): 500 random text 1.0.0 expositions with UTF-8 names decode as generated and round-trip", () => {
  const r = new Rng(0x5eed0e);
  let metrics = 0;
  let quoted = 0;
  for (let i = 0; i < 500; i++) {
    const { text, expected } = randomExposition(r, { utf8: true });
    const what = `seed 0x5eed0e, case ${i}: ${JSON.stringify(text)}`;
    const exposition = decodeText(bytes(text), { version: "1.0.0" });
    const families = familiesOf(exposition);
    assertEquals(families, expected, what);
    // Written back with UTF-8 names as they are, it decodes to the same.
    const utf8 = new TextDecoder().decode(
      encodeText(unmerged(exposition), { version: "1.0.0", escaping: "allow-utf-8" }).body,
    );
    assertEquals(decoded(utf8, "1.0.0"), families, what);
    // Escaped, it is text 0.0.4 with the names escaped.
    for (const escaping of ["underscores", "dots", "values"] as const) {
      const out = encodeText(unmerged(exposition, []), { version: "1.0.0", escaping }).body;
      const legacy = families.map((f) => ({ ...f, name: escapeName(f.name, escaping) }));
      const exp = decodeText(out);
      assertEquals(familiesOf(exp), escaped(legacy, escaping), `${what} (${escaping})`);
    }
    metrics += metricCount(families);
    if (families.some((f) => !isLegacyName(f.name))) quoted++;
  }
  assert(metrics > 1500, `only ${metrics} metrics generated`);
  assert(quoted > 100, `only ${quoted} expositions with UTF-8 names`);
});

Deno.test("fuzz (seed 0x5eed0c): 2000 mutations of each real .prom capture decode or throw a positioned DecodeError", () => {
  const r = new Rng(0x5eed0c);
  const captures = fixtures(".prom");
  assert(captures.length >= 7, `expected the real captures, found ${captures.map((c) => c.name)}`);
  for (const { name, text } of captures) {
    const outcomes = { decoded: 0, rejected: 0 };
    for (let i = 0; i < 2000; i++) {
      const mutant = bytes(mutate(r, text));
      const what = `seed 0x5eed0c, ${name}, mutant ${i}`;
      outcomes[textDecodesOrFailsCleanly(mutant, { version: "0.0.4", what })]++;
      textDecodesOrFailsCleanly(mutant, { version: "1.0.0", what: `${what} (1.0.0)` });
    }
    // Both outcomes happen: the mutations neither all break nor all spare the input.
    assert(outcomes.decoded > 0 && outcomes.rejected > 0, `${name}: ${JSON.stringify(outcomes)}`);
  }
});

Deno.test("fuzz (seed 0x5eed0f): 2000 mutations of text 1.0.0 with UTF-8 names decode or throw a positioned DecodeError", () => {
  const r = new Rng(0x5eed0f);
  const inputs = Array.from({ length: 40 }, () => randomExposition(r, { utf8: true }).text);
  const outcomes = { decoded: 0, rejected: 0 };
  for (let i = 0; i < 2000; i++) {
    const k = r.int(inputs.length);
    const mutant = bytes(mutate(r, inputs[k]!));
    const what = `seed 0x5eed0f, input ${k}, mutant ${i}`;
    outcomes[textDecodesOrFailsCleanly(mutant, { version: "1.0.0", what })]++;
  }
  assert(outcomes.decoded > 0 && outcomes.rejected > 0, JSON.stringify(outcomes));
});

Deno.test("fuzz (seed 0x5eed10): 3000 byte mutations (invalid UTF-8 too) decode or throw a positioned DecodeError", () => {
  const r = new Rng(0x5eed10);
  const inputs = fixtures(".prom").map((f) => bytes(f.text));
  for (let i = 0; i < 10; i++) inputs.push(bytes(randomExposition(r, { utf8: true }).text));
  const outcomes = { decoded: 0, rejected: 0, invalidUtf8: 0 };
  for (let i = 0; i < 3000; i++) {
    const k = r.int(inputs.length);
    const mutant = mutateBytes(r, inputs[k]!);
    const what = `seed 0x5eed10, input ${k}, mutant ${i}`;
    const version = r.pick<TextVersion>(["0.0.4", "1.0.0"]);
    const outcome = textDecodesOrFailsCleanly(mutant, { version, what });
    outcomes[outcome]++;
    if (outcome === "rejected") {
      try {
        decodeText(mutant, { version });
      } catch (error) {
        // Invalid UTF-8 is said to be so exactly when the bytes are not UTF-8.
        const valid = (() => {
          try {
            new TextDecoder("utf-8", { fatal: true }).decode(mutant);
            return true;
          } catch {
            return false;
          }
        })();
        if ((error as DecodeError).invalidUtf8) {
          outcomes.invalidUtf8++;
          assert(!valid, `${what}: valid UTF-8 said invalid: ${(error as Error).message}`);
        }
      }
    }
  }
  assert(outcomes.decoded > 0 && outcomes.invalidUtf8 > 100, JSON.stringify(outcomes));
});

const MB2 = 2 * 1024 * 1024;

Deno.test("huge inputs: 2 MB lines (label value, escaped HELP, comment, quoted name) decode", () => {
  const value = "v".repeat(MB2);
  // Escaped, 6 characters that decode to 4: a, backslash, b, newline.
  const reps = Math.floor(MB2 / 6);
  const help = "a\\\\b\\n".repeat(reps);
  const comment = "# " + "c".repeat(MB2);
  const families = decodesHuge(
    () => decoded(`${comment}\n# HELP m ${help}\nm{a="${value}"} 1\n`),
    "text 0.0.4",
  );
  assertEquals(families[0]!.metrics[0]!.labels[0]!.value.length, MB2);
  assertEquals(families[0]!.help!.length, reps * 4);
  // A 2 MB label value of escapes only: 6 characters that decode to 3.
  const escapes = '\\"\\\\\\n'.repeat(reps);
  const unescaped = decodesHuge(() => decoded(`m{a="${escapes}"} 1\n`), "escapes");
  assertEquals(unescaped[0]!.metrics[0]!.labels[0]!.value, '"\\\n'.repeat(reps));
  // A 2 MB quoted metric name and label name (text 1.0.0).
  const name = "n.".repeat(MB2 / 2);
  const utf8 = decodesHuge(() => decoded(`{"${name}","${name}"="x"} 1\n`, "1.0.0"), "1.0.0");
  assertEquals([utf8[0]!.name.length, utf8[0]!.metrics[0]!.labels[0]!.name.length], [MB2, MB2]);
});

Deno.test("huge inputs: a sample with 100,000 labels decodes as text 0.0.4 and 1.0.0", () => {
  for (const version of ["0.0.4", "1.0.0"] as const) {
    const families = decodesHuge(() => decoded(manyLabels(100_000), version), version);
    assertEquals(families[0]!.metrics[0]!.labels.length, 100_000);
  }
});

Deno.test("huge inputs: 100,000 labels with a duplicate at the end fail at its position", () => {
  const text = manyLabels(100_000).replace("} 1\n", ',l5="again"} 1\n');
  const started = performance.now();
  try {
    decodeText(bytes(text));
    throw new Error("decoded");
  } catch (error) {
    assert(error instanceof DecodeError, String(error));
    assertEquals([error.line, error.column], [1, text.indexOf('l5="again"') + 1]);
  }
  assert(performance.now() - started < HUGE_HANG_MS);
});
