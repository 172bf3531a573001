/**
 * Seeded property tests of the OpenMetrics codec (see _fuzz.ts): random expositions decode to
 * the families they were made of and survive an encoding, through OpenMetrics and through text;
 * mutated inputs decode or fail with a positioned error, and whatever decodes encodes into
 * output that decodes again.
 */
import { assert, assertEquals } from "../_assert.ts";
import { decodeExposition } from "../../src/exposition/decode.ts";
import { decodeOpenMetrics } from "../../src/exposition/decode_openmetrics.ts";
import { decodeText } from "../../src/exposition/decode_text.ts";
import { encodeOpenMetrics } from "../../src/exposition/encode_openmetrics.ts";
import { encodeText } from "../../src/exposition/encode_text.ts";
import { mergeSources } from "../../src/exposition/merge.ts";
import type {
  Bucket,
  Exemplar,
  HistogramMetric,
  Label,
  MetricFamily,
  MetricType,
  SummaryMetric,
  ValueMetric,
} from "../../src/exposition/model.ts";
import { familiesOf } from "../../src/exposition/objects.ts";
import { isLegacyLabelName, isLegacyName } from "../../src/exposition/names.ts";
import type { Exposition } from "../../src/exposition/store.ts";
import {
  decodesHuge,
  decodesOrFailsCleanly,
  escapeLoosely,
  escapeQuoted,
  fixtures,
  labelSet,
  manyLabels,
  metricName,
  mutate,
  mutateBytes,
  randomHelp,
  randomText,
  randomTimestamp,
  randomValue,
  Rng,
  valueSpellings,
} from "./_fuzz.ts";
import { byName, textCarried } from "./_openmetrics.ts";
import { bytes, text } from "./_samples.ts";

// --- Random OpenMetrics ------------------------------------------------------------------------

/** A name as written in metadata or a label set: quoted when it must be (Prometheus 3). */
function nameToken(name: string, legacy: (name: string) => boolean): string {
  return legacy(name) ? name : `"${escapeQuoted(name)}"`;
}

/**
 * A sample's name and `{labels}` as OpenMetrics writes them: a legacy name before the braces,
 * another quoted inside them; maybe `{}` when empty, maybe a trailing comma. `name`: none for
 * an exemplar's labels.
 */
function labelsText(
  r: Rng,
  labels: readonly Label[],
  options: { name?: string; exemplar?: boolean },
): string {
  const { name, exemplar = false } = options;
  const parts = labels.map((l) =>
    `${nameToken(l.name, isLegacyLabelName)}="${escapeLoosely(r, l.value, { quotes: "escaped" })}"`
  );
  const before = name !== undefined && isLegacyName(name) ? name : "";
  if (name !== undefined && before === "") parts.unshift(nameToken(name, isLegacyName));
  if (parts.length === 0) return before + (exemplar || r.chance(0.2) ? "{}" : "");
  return `${before}{${parts.join(",")}${!exemplar && r.chance(0.1) ? "," : ""}}`;
}

/** Milliseconds as OpenMetrics seconds, written exactly (`-1.5` for -1500, `0.0005` for 0.5). */
function seconds(r: Rng, ms: number): string {
  const sign = ms < 0 ? "-" : "";
  const abs = Math.abs(ms);
  const whole = Math.floor(abs / 1000);
  const rest = abs - whole * 1000; // whole ms, or a half
  if (rest === 0 && r.chance(0.5)) return `${sign}${whole}`;
  const fraction = String(Math.floor(rest)).padStart(3, "0") + (rest % 1 === 0.5 ? "5" : "");
  return `${sign}${whole}.${fraction}`;
}

/** A timestamp in ms, or none; sometimes with half a millisecond. */
function timestamp(r: Rng): number | undefined {
  const ms = randomTimestamp(r);
  return ms !== undefined && ms >= 0 && r.chance(0.2) ? ms + 0.5 : ms;
}

/** An exemplar, or none: labels of at most 2 short labels, a value, maybe a timestamp. */
function randomExemplar(r: Rng, utf8: boolean): Exemplar | undefined {
  if (!r.chance(0.3)) return undefined;
  const labels = labelSet(r, 2, { reserved: [], utf8 });
  const value = randomValue(r);
  if (!r.chance(0.5)) return { labels, value };
  return { labels, value, timestampMs: 1_700_000_000_000 + r.int(1000) };
}

function exemplarText(r: Rng, exemplar: Exemplar | undefined): string {
  if (exemplar === undefined) return "";
  const ts = exemplar.timestampMs === undefined ? "" : ` ${seconds(r, exemplar.timestampMs)}`;
  return ` # ${labelsText(r, exemplar.labels, { exemplar: true })} ${
    r.pick(valueSpellings(exemplar.value))
  }${ts}`;
}

/** The `le` values written, their bounds, and whether they are written as Go would. */
const BUCKET_SETS: readonly (readonly [string, number, boolean])[][] = [
  [["+Inf", Infinity, true]],
  [["0.1", 0.1, true], ["1.0", 1, false], ["+Inf", Infinity, true]],
  [["1e-05", 1e-5, true], ["2.5", 2.5, true], ["+Inf", Infinity, true]],
];

type Line = { name: string; labels: Label[]; value: number; exemplar?: Exemplar | undefined };

/**
 * A random OpenMetrics exposition and the families `decodeOpenMetrics` must give for it;
 * `utf8`: with names of any characters, quoted as Prometheus 3 reads them.
 */
function randomOpenMetrics(r: Rng, utf8: boolean): { text: string; expected: MetricFamily[] } {
  const lines: string[] = [];
  const expected: MetricFamily[] = [];
  const count = r.int(7);
  for (let i = 0; i < count; i++) {
    const type = r.pick<MetricType>([
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
    let name = metricName(r, i, { utf8 });
    const unit = type !== "info" && type !== "stateset" && r.chance(0.2)
      ? r.pick(["seconds", "bytes"])
      : undefined;
    if (unit !== undefined) name += `_${unit}`;
    const helpText = r.chance(0.6) ? randomHelp(r) : undefined;
    // An empty HELP counts as none.
    const help = helpText === "" ? undefined : helpText;
    const meta: string[] = [];
    const token = nameToken(name, isLegacyName);
    if (typed) meta.push(`# TYPE ${token} ${type}`);
    if (helpText !== undefined) {
      meta.push(`# HELP ${token} ${escapeLoosely(r, helpText, { quotes: "either" })}`);
    }
    if (unit !== undefined) meta.push(`# UNIT ${token} ${unit}`);
    else if (r.chance(0.1)) meta.push(`# UNIT ${token} `);
    if (r.chance(0.5)) meta.reverse();
    lines.push(...meta);

    // Each metric's label set once in its family, so that no series is given twice.
    const seen = new Set<string>();
    const uniqueLabels = (max: number, reserved: string[]) => {
      for (;;) {
        const labels = labelSet(r, max, { reserved, utf8 });
        const key = JSON.stringify(labels.map((l) => [l.name, l.value]).sort());
        if (!seen.has(key)) {
          seen.add(key);
          return labels;
        }
      }
    };
    const metrics: (ValueMetric | HistogramMetric | SummaryMetric)[] = [];
    /** Writes the lines of one metric, sharing its timestamp. */
    const write = (group: Line[], ts: number | undefined) => {
      for (const line of group) {
        let out = labelsText(r, line.labels, { name: line.name }) + " " +
          r.pick(valueSpellings(line.value));
        if (ts !== undefined) out += " " + seconds(r, ts);
        lines.push(out + exemplarText(r, line.exemplar));
      }
    };
    const created = () => r.chance(0.5) ? 1_700_000_000 + r.int(1000) : undefined;
    const withTime = <T extends object>(metric: T, ts: number | undefined): T =>
      ts === undefined ? metric : { ...metric, timestampMs: ts };
    const sets = r.chance(0.9) ? 1 + r.int(3) : 0;
    for (let k = 0; k < sets; k++) {
      const ts = timestamp(r);
      switch (type) {
        case "counter": {
          const labels = uniqueLabels(3, []);
          const value = randomValue(r);
          const exemplar = randomExemplar(r, utf8);
          const createdAt = created();
          const group: Line[] = [{ name: `${name}_total`, labels, value, exemplar }];
          if (createdAt !== undefined) {
            group.push({ name: `${name}_created`, labels, value: createdAt });
          }
          write(group, ts);
          metrics.push(withTime({
            labels,
            value,
            ...(exemplar === undefined ? {} : { exemplar }),
            ...(createdAt === undefined ? {} : { createdMs: createdAt * 1000 }),
          }, ts));
          break;
        }
        case "gauge":
        case "unknown":
        case "info":
        case "stateset": {
          const sample = type === "info" ? `${name}_info` : name;
          const states = type === "stateset" ? ["a", "b", "c"] : [undefined];
          const own = uniqueLabels(type === "stateset" ? 2 : 4, [name]);
          for (const state of states) {
            const labels = state === undefined ? own : [...own, { name, value: state }];
            const value = type === "info"
              ? 1
              : type === "stateset"
              ? (state === "b" ? 1 : 0)
              : randomValue(r);
            write([{ name: sample, labels, value }], ts);
            metrics.push(withTime({ labels, value }, ts));
          }
          break;
        }
        case "histogram":
        case "gaugehistogram": {
          const gauge = type === "gaugehistogram";
          const labels = uniqueLabels(3, ["le"]);
          const buckets: Bucket[] = [];
          const group: Line[] = [];
          for (const [le, upperBound, asGo] of r.pick(BUCKET_SETS)) {
            const count = randomValue(r);
            const exemplar = randomExemplar(r, utf8);
            group.push({
              name: `${name}_bucket`,
              labels: [...labels, { name: "le", value: le }],
              value: count,
              exemplar,
            });
            buckets.push({
              upperBound,
              count,
              ...(asGo ? {} : { le }),
              ...(exemplar === undefined ? {} : { exemplar }),
            });
          }
          const sampleCount = randomValue(r);
          const sum = randomValue(r);
          const createdAt = gauge ? undefined : created();
          const tail: Line[] = [
            { name: `${name}${gauge ? "_gcount" : "_count"}`, labels, value: sampleCount },
            { name: `${name}${gauge ? "_gsum" : "_sum"}`, labels, value: sum },
          ];
          if (createdAt !== undefined) {
            tail.push({ name: `${name}_created`, labels, value: createdAt });
          }
          // Count, sum and created in any order after the buckets.
          if (r.chance(0.5)) tail.reverse();
          write([...group, ...tail], ts);
          metrics.push(withTime({
            labels,
            count: sampleCount,
            sum,
            buckets,
            ...(createdAt === undefined ? {} : { createdMs: createdAt * 1000 }),
          }, ts));
          break;
        }
        case "summary": {
          const labels = uniqueLabels(3, ["quantile"]);
          const quantiles = r.pick([[], [0.5, 0.99], [0, 1]]).map((quantile) => ({
            quantile,
            value: randomValue(r),
          }));
          const sampleCount = randomValue(r);
          const sum = randomValue(r);
          const createdAt = created();
          const group: Line[] = quantiles.map((q) => ({
            name,
            labels: [...labels, { name: "quantile", value: String(q.quantile) }],
            value: q.value,
          }));
          group.push({ name: `${name}_count`, labels, value: sampleCount });
          group.push({ name: `${name}_sum`, labels, value: sum });
          if (createdAt !== undefined) {
            group.push({ name: `${name}_created`, labels, value: createdAt });
          }
          write(group, ts);
          metrics.push(withTime({
            labels,
            count: sampleCount,
            sum,
            quantiles,
            ...(createdAt === undefined ? {} : { createdMs: createdAt * 1000 }),
          }, ts));
          break;
        }
      }
    }
    if (metrics.length === 0) continue;
    const familyName = type === "counter"
      ? `${name}_total`
      : type === "info"
      ? `${name}_info`
      : name;
    expected.push({
      name: familyName,
      type,
      ...(help === undefined ? {} : { help }),
      ...(unit === undefined ? {} : { unit }),
      metrics,
    } as MetricFamily);
  }
  lines.push("# EOF");
  return { text: lines.join("\n") + (r.chance(0.8) ? "\n" : ""), expected };
}

/** `exposition` served alone, as UTF-8 names allow (so that quoted names stay as they are). */
function encodedAlone(exposition: Exposition) {
  const { families, conflicts } = mergeSources([{ exporterName: "fuzz", exposition }]);
  const encoded = encodeOpenMetrics(families, { version: "1.0.0", escaping: "allow-utf-8" });
  return { ...encoded, conflicts };
}

/** `exposition` served alone as text 1.0.0, decoded again. */
function throughText(exposition: Exposition): MetricFamily[] {
  return familiesOf(decodeText(asText(exposition), { version: "1.0.0" }));
}

/** The families that text carries with their type (not info, stateset, gaugehistogram). */
function textTyped(families: MetricFamily[]): MetricFamily[] {
  return families.filter((f) => !["info", "stateset", "gaugehistogram"].includes(f.type));
}

// --- Tests -------------------------------------------------------------------------------------

/** The text of `exposition` served alone as text 1.0.0 with UTF-8 names. */
function asText(exposition: Exposition): Uint8Array {
  const { families } = mergeSources([{ exporterName: "fuzz", exposition }]);
  return encodeText(families, { version: "1.0.0", escaping: "allow-utf-8" }).body;
}

/**
 * Decodes 500 random expositions (`utf8`: with names of any characters) and checks what they
 * give, and their round trips through OpenMetrics and through text.
 */
function roundTrips(seed: number, utf8: boolean): void {
  const r = new Rng(seed);
  let metrics = 0;
  let exemplars = 0;
  for (let i = 0; i < 500; i++) {
    const { text: body, expected } = randomOpenMetrics(r, utf8);
    const what = `seed 0x${seed.toString(16)}, case ${i}: ${JSON.stringify(body)}`;
    const exposition = decodeOpenMetrics(bytes(body));
    const families = familiesOf(exposition);
    assertEquals(families, expected, what);
    assertEquals(familiesOf(decodeExposition(bytes(body))), expected, what);
    // Encoded, it decodes to the same, nothing dropped; encoded again, the same bytes.
    const encoded = encodedAlone(exposition);
    assertEquals(encoded.conflicts, [], what);
    assertEquals(Object.values(encoded.dropped), [0, 0, 0, 0], what);
    const again = decodeOpenMetrics(encoded.body);
    assertEquals(familiesOf(again), byName(expected), what);
    assertEquals(text(encodedAlone(again).body), text(encoded.body), what);
    // Through text, what text carries is kept, and it comes back to OpenMetrics as it went.
    const fromText = throughText(exposition);
    const carried = byName(textTyped(expected).map(textCarried));
    const carriedNames = new Set(carried.map((f) => f.name));
    assertEquals(fromText.filter((f) => carriedNames.has(f.name)), carried, what);
    const back = decodeOpenMetrics(
      encodedAlone(decodeText(asText(exposition), { version: "1.0.0" })).body,
    );
    assertEquals(familiesOf(back), fromText, what);
    for (const f of families) {
      metrics += f.metrics.length;
      for (const m of f.metrics) {
        if ("exemplar" in m && m.exemplar !== undefined) exemplars++;
        if ("buckets" in m) exemplars += m.buckets.filter((b) => b.exemplar).length;
      }
    }
  }
  assert(metrics > 2000 && exemplars > 300, `only ${metrics} metrics, ${exemplars} exemplars`);
}

Deno.test("fuzz (seed 0x0e0a01): 500 random OpenMetrics expositions decode as generated and round-trip", () => {
  roundTrips(0x0e0a01, false);
});

Deno.test("fuzz (seed 0x0e0a04): 500 random OpenMetrics expositions with quoted UTF-8 names decode as generated and round-trip", () => {
  roundTrips(0x0e0a04, true);
});

Deno.test("fuzz (seed 0x0e0a02): 3000 mutations of OpenMetrics input decode or throw a positioned DecodeError, and what decodes encodes again", () => {
  const r = new Rng(0x0e0a02);
  const captures = fixtures(".openmetrics");
  assert(captures.length >= 1, "expected the Python client's OpenMetrics capture");
  const inputs = captures.map((c) => c.text);
  for (let i = 0; i < 20; i++) inputs.push(randomOpenMetrics(r, i % 2 === 0).text);
  const outcomes = { decoded: 0, rejected: 0, reencoded: 0 };
  for (let i = 0; i < 3000; i++) {
    // A third of the mutants come from the real capture, the rest from generated expositions
    // (half with UTF-8 names); one in ten also has bytes changed, invalid UTF-8 too.
    const k = i % 3 === 0 ? 0 : 1 + r.int(inputs.length - 1);
    let mutant = bytes(mutate(r, inputs[k]!));
    if (i % 10 === 0) mutant = mutateBytes(r, mutant);
    const what = `seed 0x0e0a02, input ${k}, mutant ${i}`;
    const outcome = decodesOrFailsCleanly(decodeOpenMetrics, mutant, { what });
    outcomes[outcome]++;
    // decodeExposition picks either decoder for a mutant; both must fail cleanly.
    decodesOrFailsCleanly((b) => decodeExposition(b), mutant, {
      what: `${what} (decodeExposition)`,
    });
    if (outcome === "rejected") continue;
    const exposition = decodeOpenMetrics(mutant);
    const encoded = encodedAlone(exposition);
    const again = decodeOpenMetrics(encoded.body);
    // The same families, unless the merge dropped a series given twice or the encoding
    // dropped what OpenMetrics cannot carry (a unit the name does not end with).
    if (encoded.conflicts.length === 0 && Object.values(encoded.dropped).every((n) => n === 0)) {
      assertEquals(familiesOf(again), byName(familiesOf(exposition)), what);
      outcomes.reencoded++;
    }
    // Text of what decoded decodes too.
    throughText(exposition);
  }
  assert(
    outcomes.decoded > 100 && outcomes.rejected > 100 && outcomes.reencoded > 100,
    JSON.stringify(outcomes),
  );
});

// --- Huge inputs -------------------------------------------------------------------------------

const MB2 = 2 * 1024 * 1024;

Deno.test("huge inputs: 2 MB lines (label value, escaped HELP, exemplar-free escapes) decode as OpenMetrics", () => {
  const value = "v".repeat(MB2);
  // Escaped, 6 characters that decode to 4: a, backslash, b, newline.
  const reps = Math.floor(MB2 / 6);
  const help = "a\\\\b\\n".repeat(reps);
  const [family] = decodesHuge(
    () => familiesOf(decodeOpenMetrics(bytes(`# HELP m ${help}\nm{a="${value}"} 1\n# EOF\n`))),
    "OpenMetrics",
  );
  assertEquals(family!.metrics[0]!.labels[0]!.value.length, MB2);
  assertEquals(family!.help!.length, reps * 4);
  // A 2 MB label value of escapes only: 6 characters that decode to 3.
  const escaped = '\\"\\\\\\n'.repeat(reps);
  const [unescaped] = decodesHuge(
    () => familiesOf(decodeOpenMetrics(bytes(`m{a="${escaped}"} 1\n# EOF\n`))),
    "escapes",
  );
  assertEquals(unescaped!.metrics[0]!.labels[0]!.value, '"\\\n'.repeat(reps));
});

Deno.test("huge inputs: a sample with 100,000 labels decodes as OpenMetrics and encodes again", () => {
  const exposition = decodesHuge(
    () => decodeOpenMetrics(bytes(manyLabels(100_000) + "# EOF\n")),
    "OpenMetrics",
  );
  assertEquals(familiesOf(exposition)[0]!.metrics[0]!.labels.length, 100_000);
  const again = decodesHuge(
    () => decodeOpenMetrics(encodedAlone(exposition).body),
    "OpenMetrics re-encoded",
  );
  assertEquals(familiesOf(again)[0]!.metrics[0]!.labels.length, 100_000);
});

Deno.test("fuzz (seed 0x0e0a03): random label values and HELP texts survive OpenMetrics escaping", () => {
  const r = new Rng(0x0e0a03);
  for (let i = 0; i < 300; i++) {
    const value = randomText(r, 12);
    const help = randomHelp(r) || "h";
    const body = `# HELP m ${escapeLoosely(r, help, { quotes: "either" })}\n` +
      `m{a="${escapeLoosely(r, value, { quotes: "escaped" })}"} 1\n# EOF\n`;
    const what = `seed 0x0e0a03, case ${i}: ${JSON.stringify(body)}`;
    const exposition = decodeOpenMetrics(bytes(body));
    const expected: MetricFamily[] = [{
      name: "m",
      type: "unknown",
      help,
      metrics: [{ labels: [{ name: "a", value }], value: 1 }],
    }];
    assertEquals(familiesOf(exposition), expected, what);
    assertEquals(familiesOf(decodeOpenMetrics(encodedAlone(exposition).body)), expected, what);
  }
});
