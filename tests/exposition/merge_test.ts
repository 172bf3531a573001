/**
 * Merging of exporters' expositions. Ported from `mergeFamilies` of the engine before issue 13:
 * sources are expositions (built from objects with `expositionOf`, or decoded), the merged
 * families are read back as objects with `objectsOf`, `untyped` is `unknown`. Changed on
 * purpose: a series given twice is always kept once (there is no `mayCollide` any more: the
 * merge finds duplicates cheaply enough to always look for them).
 */
import { assert, assertEquals, assertStringIncludes } from "../_assert.ts";
import {
  canonicalLabels,
  escapeName,
  expositionOf,
  familiesOf,
  type MergeConflict,
  type MergeSource,
  mergeSources,
  type MetricFamily,
  type MetricType,
  type ValueMetric,
} from "../../src/exposition/mod.ts";
import {
  collidingLabelSets,
  decode,
  decoded,
  fam,
  labels,
  labelSetText,
  mergedText,
  objectsOf,
  source as src,
  val,
} from "./_samples.ts";

/** The conflicts without their free-text detail. */
function conflictsOf(conflicts: readonly MergeConflict[]) {
  return conflicts.map(({ kind, family, exporterName, droppedSamples }) => ({
    kind,
    family,
    exporterName,
    droppedSamples,
  }));
}

/** The merged families of `sources`, as objects. */
function merged(sources: MergeSource[]): MetricFamily[] {
  return objectsOf(mergeSources(sources).families);
}

/** The values of the metrics of the first merged family. */
function valuesOf(families: MetricFamily[]): number[] {
  return (families[0]!.metrics as ValueMetric[]).map((m) => m.value);
}

/** A histogram metric with only a +Inf bucket, a sum and a count. */
function histogram(pairs: [string, string][], count: number) {
  return {
    labels: labels(...pairs),
    buckets: [{ upperBound: Infinity, count }],
    sum: count,
    count,
  };
}

Deno.test("mergeSources: no sources give no families", () => {
  assertEquals(mergeSources([]), { families: [], conflicts: [] });
  assertEquals(mergeSources([src("a", [])]), { families: [], conflicts: [] });
});

Deno.test("mergeSources: one source passes through, sorted by name", () => {
  const families = [
    fam("b", "gauge", [val([], 1)]),
    fam("a", "counter", [val([], 2)], "A."),
  ];
  const { families: out, conflicts } = mergeSources([src("x", families)]);
  assertEquals(objectsOf(out), [families[1]!, families[0]!]);
  assertEquals(conflicts, []);
});

Deno.test("mergeSources: the same family of two sources is one family, metrics in order", () => {
  const result = mergeSources([
    src("first", [fam("m", "gauge", [val([["exporter", "first"]], 1)], "M.")]),
    src("second", [fam("m", "gauge", [
      val([["exporter", "second"]], 2),
      val([["exporter", "second"], ["x", "y"]], 3),
    ], "M.")]),
  ]);
  assertEquals(objectsOf(result.families), [fam("m", "gauge", [
    val([["exporter", "first"]], 1),
    val([["exporter", "second"]], 2),
    val([["exporter", "second"], ["x", "y"]], 3),
  ], "M.")]);
  assertEquals(result.families[0]!.parts.length, 2);
  assertEquals(result.conflicts, []);
});

Deno.test("mergeSources: metrics follow the order of the sources, not of the names", () => {
  const out = merged([
    src("z", [fam("m", "counter", [val([["e", "z"]], 1)])]),
    src("a", [fam("m", "counter", [val([["e", "a"]], 2)])]),
    src("m", [fam("m", "counter", [val([["e", "m"]], 3)])]),
  ]);
  assertEquals(valuesOf(out), [1, 2, 3]);
});

Deno.test("mergeSources: the output is sorted by family name, by UTF-16 code units", () => {
  const result = mergeSources([
    src("a", [
      fam("zeta", "gauge", [val([], 1)]),
      fam("beta", "gauge", [val([], 1)]),
    ]),
    src("b", [
      fam("alpha", "gauge", [val([], 1)]),
      fam("Zulu", "gauge", [val([], 1)]),
      fam("beta_total", "counter", [val([], 1)]),
      fam("_under", "gauge", [val([], 1)]),
      fam("beta", "gauge", [val([], 2)]),
      fam("\u00e9t\u00e9", "gauge", [val([], 1)]),
      fam("a:b", "gauge", [val([], 1)]),
    ]),
  ]);
  assertEquals(result.families.map((f) => f.name), [
    "Zulu",
    "_under",
    "a:b",
    "alpha",
    "beta",
    "beta_total",
    "zeta",
    "\u00e9t\u00e9",
  ]);
});

Deno.test("mergeSources: the first HELP and the first unit win", () => {
  const out = merged([
    src("a", [{ ...fam("m", "gauge", [val([["e", "a"]], 1)], "First."), unit: "seconds" }]),
    src("b", [{ ...fam("m", "gauge", [val([["e", "b"]], 2)], "Second."), unit: "bytes" }]),
  ]);
  assertEquals([out[0]!.help, out[0]!.unit], ["First.", "seconds"]);
});

Deno.test("mergeSources: a later source's HELP and unit fill in when the first had none", () => {
  const result = mergeSources([
    src("a", [fam("m", "gauge", [val([["e", "a"]], 1)])]),
    src("b", [{ ...fam("m", "gauge", [val([["e", "b"]], 2)], "From b."), unit: "bytes" }]),
    src("c", [{ ...fam("m", "gauge", [val([["e", "c"]], 3)], "From c."), unit: "seconds" }]),
  ]);
  const [family] = objectsOf(result.families);
  assertEquals([family!.help, family!.unit], ["From b.", "bytes"]);
  assertEquals(family!.metrics.length, 3);
  assertEquals(result.conflicts, []);
});

Deno.test("mergeSources: no HELP anywhere gives a family without help", () => {
  const result = mergeSources([
    src("a", [fam("m", "gauge", [val([["e", "a"]], 1)])]),
    src("b", [fam("m", "gauge", [val([["e", "b"]], 2)])]),
  ]);
  assertEquals(result.families[0]!.help, undefined);
  assert(!("help" in objectsOf(result.families)[0]!));
});

Deno.test("mergeSources: counter vs gauge becomes unknown with every metric kept", () => {
  const result = mergeSources([
    src("a", [fam("m", "counter", [val([["e", "a"]], 1)], "M.")]),
    src("b", [fam("m", "gauge", [val([["e", "b"]], 2), val([["e", "b2"]], 3)])]),
  ]);
  assertEquals(objectsOf(result.families), [fam("m", "unknown", [
    val([["e", "a"]], 1),
    val([["e", "b"]], 2),
    val([["e", "b2"]], 3),
  ], "M.")]);
  assertEquals(conflictsOf(result.conflicts), [
    { kind: "type", family: "m", exporterName: "b", droppedSamples: 0 },
  ]);
  assertStringIncludes(result.conflicts[0]!.detail, "unknown");
});

Deno.test("mergeSources: unknown vs counter is unknown; each disagreeing source is reported", () => {
  const result = mergeSources([
    src("a", [fam("m", "unknown", [val([["e", "a"]], 1)])]),
    src("b", [fam("m", "counter", [val([["e", "b"]], 2)])]),
    src("c", [fam("m", "gauge", [val([["e", "c"]], 3)])]),
  ]);
  assertEquals(result.families[0]!.type, "unknown");
  assertEquals(valuesOf(objectsOf(result.families)), [1, 2, 3]);
  // Each source whose type is not the one served is reported, even when it changes nothing.
  assertEquals(conflictsOf(result.conflicts), [
    { kind: "type", family: "m", exporterName: "b", droppedSamples: 0 },
    { kind: "type", family: "m", exporterName: "c", droppedSamples: 0 },
  ]);
});

Deno.test("mergeSources: gauge, info and stateset together are a gauge; with a counter, unknown", () => {
  const cases: [MetricType[], MetricType, number][] = [
    [["gauge", "info"], "gauge", 1],
    [["info", "gauge"], "gauge", 1],
    [["info", "stateset"], "gauge", 1],
    [["stateset", "stateset"], "stateset", 0],
    [["info", "info", "gauge"], "gauge", 1],
    [["gauge", "info", "stateset"], "gauge", 2],
    [["counter", "gauge"], "unknown", 1],
    [["gauge", "counter"], "unknown", 1],
    [["info", "counter"], "unknown", 1],
    [["counter", "info"], "unknown", 1],
    [["gauge", "info", "counter"], "unknown", 2],
    [["stateset", "unknown"], "unknown", 1],
  ];
  for (const [types, expected, typeConflicts] of cases) {
    const result = mergeSources(
      types.map((type, k) => src(`e${k}`, [fam("m", type, [val([["e", String(k)]], k)])])),
    );
    const what = types.join(" + ");
    assertEquals(result.families.map((f) => f.type), [expected], what);
    // Every metric is kept.
    assertEquals(valuesOf(objectsOf(result.families)), types.map((_, k) => k), what);
    // A conflict for each source whose type is not the family's before it.
    assertEquals(result.conflicts.filter((c) => c.kind === "type").length, typeConflicts, what);
    assert(result.conflicts.every((c) => c.droppedSamples === 0), what);
  }
});

Deno.test("mergeSources: histogram vs gauge drops the later gauge's samples", () => {
  const h = fam("m", "histogram", [histogram([["e", "a"]], 1)], "Histogram.");
  const result = mergeSources([
    src("a", [h]),
    src("b", [fam("m", "gauge", [val([["e", "b"]], 5), val([["e", "b2"]], 6)])]),
  ]);
  assertEquals(objectsOf(result.families), [h]);
  assertEquals(conflictsOf(result.conflicts), [
    { kind: "type", family: "m", exporterName: "b", droppedSamples: 2 },
  ]);
  assertStringIncludes(result.conflicts[0]!.detail, "dropped");
});

Deno.test("mergeSources: gauge vs histogram drops the later histogram's samples", () => {
  const result = mergeSources([
    src("a", [fam("m", "gauge", [val([["e", "a"]], 1)])]),
    src("b", [fam("m", "histogram", [histogram([["e", "b"]], 1)])]),
  ]);
  assertEquals(objectsOf(result.families), [fam("m", "gauge", [val([["e", "a"]], 1)])]);
  assertEquals(conflictsOf(result.conflicts), [
    { kind: "type", family: "m", exporterName: "b", droppedSamples: 3 },
  ]);
});

Deno.test("mergeSources: summary vs histogram drops the later source's samples", () => {
  const summary = (e: string, count: number) =>
    fam("m", "summary", [{ labels: labels(["e", e]), quantiles: [], count }]);
  const result = mergeSources([
    src("a", [summary("a", 1)]),
    src("b", [fam("m", "histogram", [histogram([["e", "b"]], 1)])]),
    src("c", [summary("c", 4)]),
  ]);
  assertEquals(result.families[0]!.type, "summary");
  assertEquals(objectsOf(result.families)[0]!.metrics, [
    { labels: labels(["e", "a"]), quantiles: [], count: 1 },
    { labels: labels(["e", "c"]), quantiles: [], count: 4 },
  ]);
  assertEquals(conflictsOf(result.conflicts), [
    { kind: "type", family: "m", exporterName: "b", droppedSamples: 3 },
  ]);
});

Deno.test("mergeSources: histogram vs gauge histogram, and a summary after a histogram, are dropped", () => {
  const result = mergeSources([
    src("a", [fam("h", "histogram", [histogram([["e", "a"]], 1)])]),
    src("b", [fam("h", "gaugehistogram", [histogram([["e", "b"]], 2)])]),
    src("c", [fam("h", "summary", [{ labels: labels(["e", "c"]), quantiles: [], count: 3 }])]),
    src("d", [fam("h", "histogram", [histogram([["e", "d"]], 4)])]),
  ]);
  assertEquals(result.families.map((f) => f.type), ["histogram"]);
  assertEquals(objectsOf(result.families)[0]!.metrics.map((m) => m.labels[0]!.value), ["a", "d"]);
  assertEquals(conflictsOf(result.conflicts), [
    { kind: "type", family: "h", exporterName: "b", droppedSamples: 3 },
    { kind: "type", family: "h", exporterName: "c", droppedSamples: 1 },
  ]);
});

Deno.test("mergeSources: a native and a classic histogram of one name are one histogram family", () => {
  const native = {
    schema: 0,
    zeroThreshold: 0,
    zeroCount: 0,
    count: 2,
    sum: 3,
    float: false,
    positiveSpans: [{ offset: 0, length: 1 }],
    positiveBuckets: [2],
    negativeSpans: [],
    negativeBuckets: [],
    exemplars: [],
  };
  const result = mergeSources([
    src("a", [fam("h", "histogram", [{ labels: labels(["e", "a"]), native, buckets: [] }])]),
    src("b", [fam("h", "histogram", [histogram([["e", "b"]], 1)])]),
  ]);
  assertEquals(result.conflicts, []);
  assertEquals(objectsOf(result.families)[0]!.metrics, [
    { labels: labels(["e", "a"]), native, buckets: [] },
    histogram([["e", "b"]], 1),
  ]);
});

Deno.test("mergeSources: a conflict in one family leaves the others alone", () => {
  const result = mergeSources([
    src("a", [
      fam("m", "counter", [val([], 1)]),
      fam("n", "gauge", [val([["e", "a"]], 1)]),
    ]),
    src("b", [
      fam("m", "gauge", [val([["e", "b"]], 2)]),
      fam("n", "gauge", [val([["e", "b"]], 2)]),
    ]),
  ]);
  assertEquals(objectsOf(result.families).map((f) => [f.name, f.type, f.metrics.length]), [
    ["m", "unknown", 2],
    ["n", "gauge", 2],
  ]);
  assertEquals(result.conflicts.map((c) => c.family), ["m"]);
});

// --- Series given twice ------------------------------------------------------------------------

Deno.test("mergeSources: a series given by two exporters is kept once, the first", () => {
  const result = mergeSources([
    src("a", [fam("m", "gauge", [val([["x", "1"]], 1), val([["x", "2"]], 2)])]),
    src("b", [fam("m", "gauge", [val([["x", "2"]], 20), val([["x", "3"]], 30)])]),
  ]);
  assertEquals(objectsOf(result.families), [fam("m", "gauge", [
    val([["x", "1"]], 1),
    val([["x", "2"]], 2),
    val([["x", "3"]], 30),
  ])]);
  assertEquals(conflictsOf(result.conflicts), [
    { kind: "duplicate", family: "m", exporterName: "b", droppedSamples: 1 },
  ]);
});

Deno.test("mergeSources: a series repeated by one exporter is kept once", () => {
  // Changed on purpose: kept twice before unless the source `mayCollide`.
  const result = mergeSources([
    src("a", [
      fam("m", "gauge", [val([["x", "1"]], 1), val([["x", "2"]], 2), val([["x", "1"]], 3)]),
    ]),
  ]);
  assertEquals(valuesOf(objectsOf(result.families)), [1, 2]);
  assertEquals(conflictsOf(result.conflicts), [
    { kind: "duplicate", family: "m", exporterName: "a", droppedSamples: 1 },
  ]);
  // Decoded text as well: the same series in another label order, with another timestamp.
  const decodedResult = mergeSources([{
    exporterName: "t",
    exposition: decode('m{a="1",b="2"} 1\nm{b="2",a="1"} 2 1000\nm{a="1",b="3"} 3\n'),
  }]);
  assertEquals(valuesOf(objectsOf(decodedResult.families)), [1, 3]);
  assertEquals(decodedResult.conflicts.map((c) => c.droppedSamples), [1]);
});

Deno.test("mergeSources: exporters without target labels give the same series once", () => {
  // As for sources with `no_rewrite` (no exporter_name label): the same text twice.
  const text = "# TYPE up gauge\nup 1\n# TYPE h histogram\n" +
    'h_bucket{le="1",a="x"} 1\nh_bucket{a="x",le="+Inf"} 2\nh_sum{a="x"} 3\nh_count{a="x"} 2\n';
  const result = mergeSources([
    { exporterName: "a", exposition: decode(text) },
    { exporterName: "b", exposition: decode(text) },
  ]);
  assertEquals(objectsOf(result.families), decoded(text).sort((x, y) => x.name < y.name ? -1 : 1));
  assertEquals(conflictsOf(result.conflicts), [
    { kind: "duplicate", family: "h", exporterName: "b", droppedSamples: 4 },
    { kind: "duplicate", family: "up", exporterName: "b", droppedSamples: 1 },
  ]);
  assertEquals(
    mergedText([{ exporterName: "a", exposition: decode(text) }]),
    mergedText([
      { exporterName: "a", exposition: decode(text) },
      { exporterName: "b", exposition: decode(text) },
    ]),
  );
});

Deno.test("mergeSources: the label order does not matter for duplicates", () => {
  const result = mergeSources([
    src("a", [fam("m", "gauge", [val([["a", "1"], ["b", "2"], ["c", "3"]], 1)])]),
    src("b", [fam("m", "gauge", [
      val([["c", "3"], ["a", "1"], ["b", "2"]], 2),
      val([["b", "2"], ["c", "3"], ["a", "1"]], 3),
      val([["c", "3"], ["a", "1"], ["b", "other"]], 4),
    ])]),
  ]);
  assertEquals(valuesOf(objectsOf(result.families)), [1, 4]);
  assertEquals(conflictsOf(result.conflicts), [
    { kind: "duplicate", family: "m", exporterName: "b", droppedSamples: 2 },
  ]);
});

Deno.test("mergeSources: a series is its name and labels; the value and timestamp do not count", () => {
  const a = decode('# TYPE h histogram\nh_bucket{le="1"} 1\nh_sum 2\nh_count 1 100\n');
  const b = decode(
    '# TYPE h histogram\nh_bucket{le="1"} 9\nh_bucket{le="2"} 9\nh_count 9 200\nh_sum{le="1"} 9\n',
  );
  const result = mergeSources([{ exporterName: "a", exposition: a }, {
    exporterName: "b",
    exposition: b,
  }]);
  assertEquals(
    mergedText([{ exporterName: "a", exposition: a }, { exporterName: "b", exposition: b }]),
    '# TYPE h histogram\nh_bucket{le="1"} 1\nh_sum 2\nh_count 1 100\n' +
      'h_bucket{le="2"} 9\nh_sum{le="1"} 9\n',
  );
  assertEquals(conflictsOf(result.conflicts), [
    { kind: "duplicate", family: "h", exporterName: "b", droppedSamples: 2 },
  ]);
});

Deno.test("mergeSources: an empty label value is not an absent label for duplicates", () => {
  const result = mergeSources([
    src("a", [fam("m", "gauge", [val([], 1)])]),
    src("b", [fam("m", "gauge", [val([["x", ""]], 2)])]),
  ]);
  assertEquals(objectsOf(result.families)[0]!.metrics.length, 2);
  assertEquals(result.conflicts, []);
});

Deno.test("mergeSources: exporters with other target labels give other series", () => {
  const result = mergeSources([
    src("a", [fam("m", "gauge", [val([["x", "1"]], 1)])], { target: labels(["exporter", "a"]) }),
    src("b", [fam("m", "gauge", [val([["x", "1"]], 2)])], { target: labels(["exporter", "b"]) }),
    // The same target labels as a's: the same series.
    src("c", [fam("m", "gauge", [val([["x", "1"]], 3)])], { target: labels(["exporter", "a"]) }),
  ]);
  assertEquals(objectsOf(result.families), [fam("m", "gauge", [
    val([["x", "1"], ["exporter", "a"]], 1),
    val([["x", "1"], ["exporter", "b"]], 2),
  ])]);
  assertEquals(conflictsOf(result.conflicts), [
    { kind: "duplicate", family: "m", exporterName: "c", droppedSamples: 1 },
  ]);
});

Deno.test("mergeSources: a series is told apart once relabelled", () => {
  const target = labels(["exporter_name", "a"]);
  // {exporter_name="x"} becomes {exported_exporter_name="x",exporter_name="a"}: the same as
  // the second metric, once it has its target label.
  const result = mergeSources([
    src("a", [fam("m", "gauge", [
      val([["exporter_name", "x"]], 1),
      val([["exported_exporter_name", "x"]], 2),
      val([["exporter_name", "y"]], 3),
    ])], { target }),
    // Another exporter's own label named like a target label: not the same as a's.
    src("b", [fam("m", "gauge", [val([["exporter_name", "a"]], 4)])]),
  ]);
  assertEquals(objectsOf(result.families), [fam("m", "gauge", [
    val([["exported_exporter_name", "x"], ["exporter_name", "a"]], 1),
    val([["exported_exporter_name", "y"], ["exporter_name", "a"]], 3),
    val([["exporter_name", "a"]], 4),
  ])]);
  assertEquals(conflictsOf(result.conflicts), [
    { kind: "duplicate", family: "m", exporterName: "a", droppedSamples: 1 },
  ]);
});

Deno.test("mergeSources: duplicates are reported per family and exporter", () => {
  const result = mergeSources([
    src("a", [fam("m", "gauge", [val([], 1)]), fam("n", "gauge", [val([], 1)])]),
    src("b", [fam("m", "gauge", [val([], 2)]), fam("n", "gauge", [val([], 2)])]),
    src("c", [fam("m", "gauge", [val([], 3)])]),
  ]);
  assertEquals(objectsOf(result.families).map((f) => valuesOf([f])), [[1], [1]]);
  assertEquals(conflictsOf(result.conflicts), [
    { kind: "duplicate", family: "m", exporterName: "b", droppedSamples: 1 },
    { kind: "duplicate", family: "m", exporterName: "c", droppedSamples: 1 },
    { kind: "duplicate", family: "n", exporterName: "b", droppedSamples: 1 },
  ]);
});

Deno.test("mergeSources: two series whose hashes collide are both kept", () => {
  const [one, two] = collidingLabelSets();
  assertEquals(canonicalLabels(one).hash, canonicalLabels(two).hash);
  assert(labelSetText(one) !== labelSetText(two));
  const metrics = (k: number) => [{ labels: one, value: k }, { labels: two, value: k + 1 }];
  // In one exporter, and from two exporters.
  const result = mergeSources([
    src("a", [fam("m", "gauge", metrics(1))]),
    src("b", [fam("m", "gauge", [{ labels: two, value: 3 }, { labels: one, value: 4 }])]),
  ]);
  assertEquals(objectsOf(result.families)[0]!.metrics, metrics(1));
  // b's two are duplicates of a's, even though each collides with the other of a's.
  assertEquals(conflictsOf(result.conflicts), [
    { kind: "duplicate", family: "m", exporterName: "b", droppedSamples: 2 },
  ]);
  const decodedResult = mergeSources([{
    exporterName: "t",
    exposition: decode(`m{${labelSetText(one)}} 1\nm{${labelSetText(two)}} 2\n`),
  }]);
  assertEquals(decodedResult.conflicts, []);
});

/** A small deterministic generator: mulberry32. */
function rng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

Deno.test("mergeSources (seed 0x5eed1a): random label sets are kept once each, in any order", () => {
  const next = rng(0x5eed1a);
  const int = (n: number) => Math.floor(next() * n);
  for (let round = 0; round < 200; round++) {
    const sources: MergeSource[] = [];
    const expected = new Map<string, number>();
    let value = 0;
    for (let s = 0; s < 1 + int(4); s++) {
      const metrics: ValueMetric[] = [];
      for (let m = 0; m < int(30); m++) {
        // Few names and values, so that series repeat, in shuffled order.
        const pairs = new Map<string, string>();
        for (let l = 0; l < int(4); l++) {
          pairs.set("abcd"[int(4)]!, ["", "x", "y", "\u00e9"][int(4)]!);
        }
        const entries = [...pairs].sort(() => next() - 0.5);
        const key = [...pairs].sort().join(";");
        if (!expected.has(key)) expected.set(key, value);
        metrics.push(val(entries, value++));
      }
      sources.push(src(`e${s}`, [fam("m", "gauge", metrics)]));
    }
    const result = mergeSources(sources);
    const kept = result.families.length === 0 ? [] : valuesOf(objectsOf(result.families));
    assertEquals(kept, [...expected.values()], `round ${round}`);
    const dropped = result.conflicts.reduce((n, c) => n + c.droppedSamples, 0);
    assertEquals(dropped, value - expected.size, `round ${round}`);
  }
});

// --- Reserved names ------------------------------------------------------------------------------

Deno.test("mergeSources: an exporter's reverse_exporter_* families are renamed exported_...", () => {
  const result = mergeSources([
    src("", [fam("reverse_exporter_up", "gauge", [val([["path", "/m"]], 1)])], { own: true }),
    src("node", [
      fam("reverse_exporter_up", "gauge", [val([], 0)], "Not ours."),
      fam("reverse_exporter_other_total", "counter", [val([], 5)]),
      fam("node_up", "gauge", [val([], 1)]),
    ]),
  ]);
  assertEquals(objectsOf(result.families), [
    fam("exported_reverse_exporter_other_total", "counter", [val([], 5)]),
    fam("exported_reverse_exporter_up", "gauge", [val([], 0)], "Not ours."),
    fam("node_up", "gauge", [val([], 1)]),
    fam("reverse_exporter_up", "gauge", [val([["path", "/m"]], 1)]),
  ]);
  assertEquals(conflictsOf(result.conflicts), [
    { kind: "reserved", family: "reverse_exporter_up", exporterName: "node", droppedSamples: 0 },
    {
      kind: "reserved",
      family: "reverse_exporter_other_total",
      exporterName: "node",
      droppedSamples: 0,
    },
  ]);
  assertStringIncludes(result.conflicts[0]!.detail, "exported_reverse_exporter_up");
});

Deno.test("mergeSources: nameOf merges the families whose served names are the same", () => {
  const result = mergeSources([
    src("a", [fam("my.metric", "gauge", [val([["e", "a"]], 1)], "Dotted.")]),
    src("b", [fam("my_metric", "gauge", [val([["e", "b"]], 2)])]),
  ], { nameOf: (name) => escapeName(name, "underscores") });
  assertEquals(objectsOf(result.families), [
    fam("my_metric", "gauge", [val([["e", "a"]], 1), val([["e", "b"]], 2)], "Dotted."),
  ]);
});

// --- Inputs ------------------------------------------------------------------------------------

Deno.test("mergeSources: families without samples are ignored and impose no type", () => {
  const result = mergeSources([
    src("a", [fam("m", "histogram", [], "From a.")]),
    src("b", [fam("m", "gauge", [val([], 1)], "From b.")]),
  ]);
  assertEquals(objectsOf(result.families), [fam("m", "gauge", [val([], 1)], "From b.")]);
  assertEquals(result.conflicts, []);
});

Deno.test("mergeSources: the inputs are not changed, and a second merge gives the same", () => {
  const sources = [
    src("a", [fam("m", "counter", [val([["x", "1"]], 1)], "A.")]),
    src("b", [
      fam("m", "gauge", [val([["x", "1"]], 2)], "B."),
      fam("h", "histogram", [histogram([], 1)]),
    ]),
    src("c", [fam("h", "gauge", [val([], 1)])], { target: labels(["x", "2"]) }),
  ];
  const before = sources.map((s) => familiesOf(s.exposition));
  const first = mergedText(sources);
  assertEquals(sources.map((s) => familiesOf(s.exposition)), before);
  assertEquals(mergedText(sources), first);
});

Deno.test("mergeSources: merging two decoded expositions encodes as one valid exposition", () => {
  const a = decode(
    '# HELP up Up.\n# TYPE up gauge\nup{exporter="a"} 1\n# TYPE req counter\nreq{exporter="a"} 5\n',
  );
  const b = decode(
    '# TYPE up gauge\nup{exporter="b"} 0\n# HELP req Requests.\n# TYPE req gauge\nreq{exporter="b"} 6\n',
  );
  const sources = [{ exporterName: "a", exposition: a }, { exporterName: "b", exposition: b }];
  const result = mergeSources(sources);
  const text = mergedText(sources);
  assertEquals(
    text,
    "# HELP req Requests.\n# TYPE req untyped\n" +
      'req{exporter="a"} 5\nreq{exporter="b"} 6\n' +
      '# HELP up Up.\n# TYPE up gauge\nup{exporter="a"} 1\nup{exporter="b"} 0\n',
  );
  assertEquals(decoded(text), objectsOf(result.families));
  assertEquals(conflictsOf(result.conflicts), [
    { kind: "type", family: "req", exporterName: "b", droppedSamples: 0 },
  ]);
});

Deno.test("mergeSources: an exposition made of objects merges with a decoded one", () => {
  const result = mergeSources([
    { exporterName: "t", exposition: decode('# TYPE m gauge\nm{a="1"} 1\n') },
    { exporterName: "o", exposition: expositionOf([fam("m", "gauge", [val([["a", "1"]], 2)])]) },
    { exporterName: "p", exposition: expositionOf([fam("m", "gauge", [val([["a", "2"]], 3)])]) },
  ]);
  assertEquals(valuesOf(objectsOf(result.families)), [1, 3]);
  assertEquals(result.conflicts.map((c) => [c.kind, c.exporterName]), [["duplicate", "o"]]);
});
