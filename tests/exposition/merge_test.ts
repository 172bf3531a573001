import { assert, assertEquals, assertStringIncludes } from "../_assert.ts";
import { decodeText, encodeText, mergeFamilies } from "../../src/exposition/mod.ts";
import type { MergeConflict, MergeSource, MetricFamily } from "../../src/exposition/mod.ts";
import { fam, smp } from "./_samples.ts";

function src(exporterName: string, families: MetricFamily[], mayCollide = false): MergeSource {
  return { exporterName, families, mayCollide };
}

/** The conflicts without their free-text detail. */
function conflictsOf(conflicts: readonly MergeConflict[]) {
  return conflicts.map(({ kind, family, exporterName, droppedSamples }) => ({
    kind,
    family,
    exporterName,
    droppedSamples,
  }));
}

Deno.test("mergeFamilies: no sources give no families", () => {
  assertEquals(mergeFamilies([]), { families: [], conflicts: [] });
  assertEquals(mergeFamilies([src("a", [])]), { families: [], conflicts: [] });
});

Deno.test("mergeFamilies: one source passes through, sorted by name", () => {
  const families = [
    fam("b", "gauge", [smp("b", [], 1)]),
    fam("a", "counter", [smp("a", [], 2)], "A."),
  ];
  const { families: out, conflicts } = mergeFamilies([src("x", families)]);
  assertEquals(out, [families[1]!, families[0]!]);
  assertEquals(conflicts, []);
});

Deno.test("mergeFamilies: the same family of two sources is one family, samples in order", () => {
  const result = mergeFamilies([
    src("first", [fam("m", "gauge", [smp("m", [["exporter", "first"]], 1)], "M.")]),
    src("second", [fam("m", "gauge", [
      smp("m", [["exporter", "second"]], 2),
      smp("m", [["exporter", "second"], ["x", "y"]], 3),
    ], "M.")]),
  ]);
  assertEquals(result.families, [fam("m", "gauge", [
    smp("m", [["exporter", "first"]], 1),
    smp("m", [["exporter", "second"]], 2),
    smp("m", [["exporter", "second"], ["x", "y"]], 3),
  ], "M.")]);
  assertEquals(result.conflicts, []);
});

Deno.test("mergeFamilies: samples follow the order of the sources, not of the names", () => {
  const result = mergeFamilies([
    src("z", [fam("m", "counter", [smp("m", [["e", "z"]], 1)])]),
    src("a", [fam("m", "counter", [smp("m", [["e", "a"]], 2)])]),
    src("m", [fam("m", "counter", [smp("m", [["e", "m"]], 3)])]),
  ]);
  assertEquals(result.families[0]!.samples.map((s) => s.value), [1, 2, 3]);
});

Deno.test("mergeFamilies: the output is sorted by family name", () => {
  const result = mergeFamilies([
    src("a", [
      fam("zeta", "gauge", [smp("zeta", [], 1)]),
      fam("beta", "gauge", [smp("beta", [], 1)]),
    ]),
    src("b", [
      fam("alpha", "gauge", [smp("alpha", [], 1)]),
      fam("Zulu", "gauge", [smp("Zulu", [], 1)]),
      fam("beta_total", "counter", [smp("beta_total", [], 1)]),
      fam("_under", "gauge", [smp("_under", [], 1)]),
      fam("beta", "gauge", [smp("beta", [], 2)]),
    ]),
  ]);
  assertEquals(result.families.map((f) => f.name), [
    "Zulu",
    "_under",
    "alpha",
    "beta",
    "beta_total",
    "zeta",
  ]);
});

Deno.test("mergeFamilies: the first HELP wins", () => {
  const result = mergeFamilies([
    src("a", [fam("m", "gauge", [smp("m", [["e", "a"]], 1)], "First.")]),
    src("b", [fam("m", "gauge", [smp("m", [["e", "b"]], 2)], "Second.")]),
  ]);
  assertEquals(result.families[0]!.help, "First.");
  assertEquals(result.conflicts, []);
});

Deno.test("mergeFamilies: a later source's HELP fills in when the first had none", () => {
  const result = mergeFamilies([
    src("a", [fam("m", "gauge", [smp("m", [["e", "a"]], 1)])]),
    src("b", [fam("m", "gauge", [smp("m", [["e", "b"]], 2)], "From b.")]),
    src("c", [fam("m", "gauge", [smp("m", [["e", "c"]], 3)], "From c.")]),
  ]);
  assertEquals(result.families[0]!.help, "From b.");
  assertEquals(result.families[0]!.samples.length, 3);
});

Deno.test("mergeFamilies: no HELP anywhere gives a family without help", () => {
  const result = mergeFamilies([
    src("a", [fam("m", "gauge", [smp("m", [["e", "a"]], 1)])]),
    src("b", [fam("m", "gauge", [smp("m", [["e", "b"]], 2)])]),
  ]);
  assert(!("help" in result.families[0]!));
});

Deno.test("mergeFamilies: counter vs gauge becomes untyped with every sample kept", () => {
  const result = mergeFamilies([
    src("a", [fam("m", "counter", [smp("m", [["e", "a"]], 1)], "M.")]),
    src("b", [fam("m", "gauge", [smp("m", [["e", "b"]], 2), smp("m", [["e", "b2"]], 3)])]),
  ]);
  assertEquals(result.families, [fam("m", "untyped", [
    smp("m", [["e", "a"]], 1),
    smp("m", [["e", "b"]], 2),
    smp("m", [["e", "b2"]], 3),
  ], "M.")]);
  assertEquals(conflictsOf(result.conflicts), [
    { kind: "type", family: "m", exporterName: "b", droppedSamples: 0 },
  ]);
  assertStringIncludes(result.conflicts[0]!.detail, "untyped");
});

Deno.test("mergeFamilies: untyped vs counter is untyped; each disagreeing source is reported", () => {
  const result = mergeFamilies([
    src("a", [fam("m", "untyped", [smp("m", [["e", "a"]], 1)])]),
    src("b", [fam("m", "counter", [smp("m", [["e", "b"]], 2)])]),
    src("c", [fam("m", "gauge", [smp("m", [["e", "c"]], 3)])]),
  ]);
  assertEquals(result.families[0]!.type, "untyped");
  assertEquals(result.families[0]!.samples.map((s) => s.value), [1, 2, 3]);
  assertEquals(conflictsOf(result.conflicts), [
    { kind: "type", family: "m", exporterName: "b", droppedSamples: 0 },
    { kind: "type", family: "m", exporterName: "c", droppedSamples: 0 },
  ]);
});

Deno.test("mergeFamilies: histogram vs gauge drops the later gauge's samples", () => {
  const histogram = fam("m", "histogram", [
    smp("m_bucket", [["le", "+Inf"], ["e", "a"]], 1),
    smp("m_sum", [["e", "a"]], 2),
    smp("m_count", [["e", "a"]], 1),
  ], "Histogram.");
  const result = mergeFamilies([
    src("a", [histogram]),
    src("b", [fam("m", "gauge", [smp("m", [["e", "b"]], 5), smp("m", [["e", "b2"]], 6)])]),
  ]);
  assertEquals(result.families, [histogram]);
  assertEquals(conflictsOf(result.conflicts), [
    { kind: "type", family: "m", exporterName: "b", droppedSamples: 2 },
  ]);
  assertStringIncludes(result.conflicts[0]!.detail, "dropped");
});

Deno.test("mergeFamilies: gauge vs histogram drops the later histogram's samples", () => {
  const result = mergeFamilies([
    src("a", [fam("m", "gauge", [smp("m", [["e", "a"]], 1)])]),
    src("b", [fam("m", "histogram", [
      smp("m_bucket", [["le", "+Inf"], ["e", "b"]], 1),
      smp("m_sum", [["e", "b"]], 2),
      smp("m_count", [["e", "b"]], 1),
    ])]),
  ]);
  assertEquals(result.families, [fam("m", "gauge", [smp("m", [["e", "a"]], 1)])]);
  assertEquals(conflictsOf(result.conflicts), [
    { kind: "type", family: "m", exporterName: "b", droppedSamples: 3 },
  ]);
});

Deno.test("mergeFamilies: summary vs histogram drops the later source's samples", () => {
  const result = mergeFamilies([
    src("a", [fam("m", "summary", [smp("m_count", [["e", "a"]], 1)])]),
    src("b", [fam("m", "histogram", [smp("m_count", [["e", "b"]], 1)])]),
    src("c", [fam("m", "summary", [smp("m_count", [["e", "c"]], 4)])]),
  ]);
  assertEquals(result.families[0]!.type, "summary");
  assertEquals(result.families[0]!.samples.map((s) => s.value), [1, 4]);
  assertEquals(conflictsOf(result.conflicts), [
    { kind: "type", family: "m", exporterName: "b", droppedSamples: 1 },
  ]);
});

Deno.test("mergeFamilies: a conflict in one family leaves the others alone", () => {
  const result = mergeFamilies([
    src("a", [
      fam("m", "counter", [smp("m", [], 1)]),
      fam("n", "gauge", [smp("n", [["e", "a"]], 1)]),
    ]),
    src("b", [
      fam("m", "gauge", [smp("m", [], 2)]),
      fam("n", "gauge", [smp("n", [["e", "b"]], 2)]),
    ]),
  ]);
  assertEquals(result.families.map((f) => [f.name, f.type, f.samples.length]), [
    ["m", "untyped", 2],
    ["n", "gauge", 2],
  ]);
  assertEquals(result.conflicts.map((c) => c.family), ["m"]);
});

Deno.test("mergeFamilies: duplicates are dropped when a source mayCollide", () => {
  const result = mergeFamilies([
    src("a", [fam("m", "gauge", [smp("m", [["x", "1"]], 1), smp("m", [["x", "2"]], 2)])]),
    src("b", [fam("m", "gauge", [smp("m", [["x", "2"]], 20), smp("m", [["x", "3"]], 30)])], true),
  ]);
  assertEquals(result.families, [fam("m", "gauge", [
    smp("m", [["x", "1"]], 1),
    smp("m", [["x", "2"]], 2),
    smp("m", [["x", "3"]], 30),
  ])]);
  assertEquals(conflictsOf(result.conflicts), [
    { kind: "duplicate", family: "m", exporterName: "b", droppedSamples: 1 },
  ]);
});

Deno.test("mergeFamilies: the label order does not matter for duplicates", () => {
  const result = mergeFamilies([
    src("a", [fam("m", "gauge", [smp("m", [["a", "1"], ["b", "2"], ["c", "3"]], 1)])], true),
    src("b", [fam("m", "gauge", [
      smp("m", [["c", "3"], ["a", "1"], ["b", "2"]], 2),
      smp("m", [["b", "2"], ["c", "3"], ["a", "1"]], 3),
      smp("m", [["c", "3"], ["a", "1"], ["b", "other"]], 4),
    ])]),
  ]);
  assertEquals(result.families[0]!.samples.map((s) => s.value), [1, 4]);
  assertEquals(conflictsOf(result.conflicts), [
    { kind: "duplicate", family: "m", exporterName: "b", droppedSamples: 2 },
  ]);
});

Deno.test("mergeFamilies: a series is its name and labels; the value and timestamp do not count", () => {
  const result = mergeFamilies([
    src("a", [fam("h", "histogram", [
      smp("h_bucket", [["le", "1"]], 1),
      smp("h_sum", [], 2),
      smp("h_count", [], 1, 100),
    ])]),
    src("b", [fam("h", "histogram", [
      smp("h_bucket", [["le", "1"]], 9),
      smp("h_bucket", [["le", "2"]], 9),
      smp("h_count", [], 9, 200),
      smp("h_sum", [["le", "1"]], 9),
    ])], true),
  ]);
  assertEquals(
    result.families[0]!.samples.map((s) => [s.name, s.value]),
    [["h_bucket", 1], ["h_sum", 2], ["h_count", 1], ["h_bucket", 9], ["h_sum", 9]],
  );
  assertEquals(result.conflicts[0]!.droppedSamples, 2);
});

Deno.test("mergeFamilies: an empty label value is not an absent label for duplicates", () => {
  const result = mergeFamilies([
    src("a", [fam("m", "gauge", [smp("m", [], 1)])]),
    src("b", [fam("m", "gauge", [smp("m", [["x", ""]], 2)])], true),
  ]);
  assertEquals(result.families[0]!.samples.length, 2);
  assertEquals(result.conflicts, []);
});

Deno.test("mergeFamilies: duplicates are kept when no source mayCollide", () => {
  const result = mergeFamilies([
    src("a", [fam("m", "gauge", [smp("m", [["x", "1"]], 1)])]),
    src("b", [fam("m", "gauge", [smp("m", [["x", "1"]], 2)])]),
  ]);
  assertEquals(result.families, [fam("m", "gauge", [
    smp("m", [["x", "1"]], 1),
    smp("m", [["x", "1"]], 2),
  ])]);
  assertEquals(result.conflicts, []);
});

Deno.test("mergeFamilies: duplicates are reported per family and exporter", () => {
  const result = mergeFamilies([
    src("a", [
      fam("m", "gauge", [smp("m", [], 1)]),
      fam("n", "gauge", [smp("n", [], 1)]),
    ]),
    src("b", [fam("m", "gauge", [smp("m", [], 2)]), fam("n", "gauge", [smp("n", [], 2)])], true),
    src("c", [fam("m", "gauge", [smp("m", [], 3)])], true),
  ]);
  assertEquals(result.families.map((f) => f.samples.map((s) => s.value)), [[1], [1]]);
  assertEquals(conflictsOf(result.conflicts), [
    { kind: "duplicate", family: "m", exporterName: "b", droppedSamples: 1 },
    { kind: "duplicate", family: "m", exporterName: "c", droppedSamples: 1 },
    { kind: "duplicate", family: "n", exporterName: "b", droppedSamples: 1 },
  ]);
});

Deno.test("mergeFamilies: families without samples or help are ignored", () => {
  const result = mergeFamilies([
    src("a", [fam("m", "histogram", [])]),
    src("b", [fam("m", "gauge", [smp("m", [], 1)])]),
  ]);
  assertEquals(result.families, [fam("m", "gauge", [smp("m", [], 1)])]);
  assertEquals(result.conflicts, []);
});

Deno.test("mergeFamilies: a family without samples neither serves nor imposes its type", () => {
  const result = mergeFamilies([
    src("a", [fam("m", "histogram", [], "From a.")]),
    src("b", [fam("m", "gauge", [smp("m", [], 1)], "From b.")]),
  ]);
  assertEquals(result.families, [fam("m", "gauge", [smp("m", [], 1)], "From b.")]);
  assertEquals(result.conflicts, []);
});

Deno.test("mergeFamilies: the inputs are not mutated", () => {
  const sources = [
    src("a", [fam("m", "counter", [smp("m", [["x", "1"]], 1)], "A.")]),
    src("b", [
      fam("m", "gauge", [smp("m", [["x", "1"]], 2)], "B."),
      fam("h", "histogram", [smp("h_count", [], 1)]),
    ], true),
    src("c", [fam("h", "gauge", [smp("h", [], 1)])]),
  ];
  const before = structuredClone(sources);
  const first = mergeFamilies(sources);
  assertEquals(sources, before);
  assertEquals(mergeFamilies(sources), first);
});

Deno.test("mergeFamilies: merging two decoded expositions encodes as one valid exposition", () => {
  const a = decodeText(
    '# HELP up Up.\n# TYPE up gauge\nup{exporter="a"} 1\n# TYPE req counter\nreq{exporter="a"} 5\n',
  );
  const b = decodeText(
    '# TYPE up gauge\nup{exporter="b"} 0\n# HELP req Requests.\n# TYPE req gauge\nreq{exporter="b"} 6\n',
  );
  const { families, conflicts } = mergeFamilies([src("a", a), src("b", b)]);
  const text = encodeText(families);
  assertEquals(
    text,
    "# HELP req Requests.\n# TYPE req untyped\n" +
      'req{exporter="a"} 5\nreq{exporter="b"} 6\n' +
      '# HELP up Up.\n# TYPE up gauge\nup{exporter="a"} 1\nup{exporter="b"} 0\n',
  );
  assertEquals(decodeText(text), families);
  assertEquals(conflictsOf(conflicts), [
    { kind: "type", family: "req", exporterName: "b", droppedSamples: 0 },
  ]);
});
