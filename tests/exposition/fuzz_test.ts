/**
 * Seeded property tests of the decoders. Every test draws from its own mulberry32 generator,
 * whose seed is in the test's name, so a failure names the seed and the case and replays
 * exactly. The time limits below are not performance assertions (speed is measured by the
 * benchmarks): they are generous guards against a hang or catastrophic backtracking, far above
 * what any of these inputs takes.
 */
import { assert, assertEquals } from "../_assert.ts";
import { decodeText, encodeText } from "../../src/exposition/mod.ts";
import type { Label, MetricFamily, MetricType, Sample } from "../../src/exposition/mod.ts";
import {
  decodesHuge,
  decodesOrFailsCleanly,
  fixtures,
  help004,
  labelSet,
  manyLabels,
  metricName,
  mutate,
  randomTimestamp,
  randomValue,
  Rng,
  valueSpellings,
} from "./_fuzz.ts";

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

Deno.test("fuzz (seed 0x5eed0c): 2000 mutations of each real .prom capture decode or throw a positioned DecodeError", () => {
  const r = new Rng(0x5eed0c);
  const captures = fixtures(".prom");
  assert(captures.length >= 7, `expected the real captures, found ${captures.map((c) => c.name)}`);
  for (const { name, text } of captures) {
    const outcomes = { decoded: 0, rejected: 0 };
    for (let i = 0; i < 2000; i++) {
      const mutant = mutate(r, text);
      outcomes[
        decodesOrFailsCleanly(decodeText, mutant, { what: `seed 0x5eed0c, ${name}, mutant ${i}` })
      ]++;
    }
    // Both outcomes happen: the mutations neither all break nor all spare the input.
    assert(outcomes.decoded > 0 && outcomes.rejected > 0, `${name}: ${JSON.stringify(outcomes)}`);
  }
});

const MB2 = 2 * 1024 * 1024;

Deno.test("huge inputs: 2 MB lines (label value, escaped HELP, comment) decode as text 0.0.4", () => {
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
});

Deno.test({
  name: "huge inputs: a sample with 100,000 labels decodes as text 0.0.4",
  fn() {
    const families = decodesHuge(() => decodeText(manyLabels(100_000)), "text 0.0.4");
    assertEquals(families[0]!.samples[0]!.labels.length, 100_000);
  },
});
