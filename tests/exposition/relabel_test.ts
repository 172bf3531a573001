/**
 * Relabelling with an exporter's target labels. Ported from `relabelFamilies` of the engine
 * before issue 13, which relabelled families of objects: now the merge attaches target labels
 * to each exporter's samples and the encoder writes them (`relabelLabels` where a sample has a
 * label named like a target label), so each rule is shown on label sets and in the text served.
 */
import { assert, assertEquals } from "../_assert.ts";
import {
  familiesOf,
  hasConflict,
  type HistogramMetric,
  type Label,
  type MetricFamily,
  relabelLabels,
  targetLabelsOf,
} from "../../src/exposition/mod.ts";
import { decode, decoded, fam, labels, mergedText, source, val } from "./_samples.ts";

/** The label sets of every metric of every family, as [name, value] pairs. */
function labelPairs(families: readonly MetricFamily[]): [string, string][][] {
  return families.flatMap((f) =>
    f.metrics.map((m) => m.labels.map((l): [string, string] => [l.name, l.value]))
  );
}

/** The families served for one exporter's `families` with `target` labels, decoded again. */
function served(families: MetricFamily[], target: Label[]): MetricFamily[] {
  return decoded(mergedText([source("x", families, { target })]));
}

/** `relabelLabels` on `own`, and the labels served for a gauge with `own` labels. */
function bothWays(own: [string, string][], target: Label[]): [string, string][][] {
  const direct = relabelLabels(labels(...own), target).map((l): [string, string] => [
    l.name,
    l.value,
  ]);
  const [viaEncoder] = labelPairs(served([fam("m", "gauge", [val(own, 1)])], target));
  assertEquals(viaEncoder, direct, "the encoder writes what relabelLabels gives");
  return [direct];
}

const target = labels(["exporter", "node"], ["instance", "host:9100"]);

Deno.test("relabel: adds the target labels after the sample's own", () => {
  assertEquals(
    served([fam("m", "gauge", [val([], 1), val([["a", "b"]], 2, 1234)], "Help.")], target),
    [fam("m", "gauge", [
      val([["exporter", "node"], ["instance", "host:9100"]], 1),
      val([["a", "b"], ["exporter", "node"], ["instance", "host:9100"]], 2, 1234),
    ], "Help.")],
  );
  assertEquals(relabelLabels([], target), target);
  assertEquals(relabelLabels(labels(["a", "1"]), []), labels(["a", "1"]));
});

Deno.test("relabel: keeps names, types, help, values and timestamps", () => {
  const out = served([
    fam("a", "counter", [val([], 5, -7)]),
    fam("h", "histogram", [{
      labels: [],
      buckets: [{ upperBound: Infinity, count: 1 }],
      sum: NaN,
      timestampMs: 3,
    }]),
  ], labels(["job", "x"]));
  assertEquals(out.map((f) => [f.name, f.type, "help" in f]), [
    ["a", "counter", false],
    ["h", "histogram", false],
  ]);
  assertEquals(out[0]!.metrics[0], val([["job", "x"]], 5, -7));
  const h = out[1]!.metrics[0] as HistogramMetric;
  assert(Number.isNaN(h.sum!));
  assertEquals(h.timestampMs, 3);
  assertEquals(h.buckets, [{ upperBound: Infinity, count: 1 }]);
  assertEquals(labelPairs(out), [[["job", "x"]], [["job", "x"]]]);
});

Deno.test("relabel: the target labels go after a bucket's own labels, le included", () => {
  // le stays where the exporter wrote it.
  const text = mergedText([{
    exporterName: "x",
    exposition: decode('# TYPE h histogram\nh_bucket{a="1",le="+Inf"} 1\nh_count{a="1"} 1\n'),
    target: targetLabelsOf(labels(["job", "x"])),
  }]);
  assertEquals(
    text,
    '# TYPE h histogram\nh_bucket{a="1",le="+Inf",job="x"} 1\nh_count{a="1",job="x"} 1\n',
  );
});

Deno.test("relabel: a conflicting label is renamed exported_<name> in place", () => {
  assertEquals(bothWays([["a", "1"], ["instance", "inner"], ["z", "2"]], target), [[
    ["a", "1"],
    ["exported_instance", "inner"],
    ["z", "2"],
    ["exporter", "node"],
    ["instance", "host:9100"],
  ]]);
  assert(hasConflict(labels(["a", "1"], ["instance", "x"]), target));
  assert(!hasConflict(labels(["a", "1"]), target));
});

Deno.test("relabel: every conflicting label is renamed", () => {
  assertEquals(bothWays([["instance", "i"], ["exporter", "e"]], target), [[
    ["exported_instance", "i"],
    ["exported_exporter", "e"],
    ["exporter", "node"],
    ["instance", "host:9100"],
  ]]);
});

Deno.test("relabel: exported_<name> taken too gives exported_exported_<name>", () => {
  assertEquals(bothWays([["job", "inner"], ["exported_job", "older"]], labels(["job", "outer"])), [[
    ["exported_exported_job", "inner"],
    ["exported_job", "older"],
    ["job", "outer"],
  ]]);
});

Deno.test("relabel: prefixes again until the name is free", () => {
  assertEquals(
    bothWays(
      [["exported_exported_job", "c"], ["job", "a"], ["exported_job", "b"]],
      labels(["job", "outer"]),
    ),
    [[
      ["exported_exported_job", "c"],
      ["exported_exported_exported_job", "a"],
      ["exported_job", "b"],
      ["job", "outer"],
    ]],
  );
});

Deno.test("relabel: an exported_<name> label without conflict is left alone", () => {
  assertEquals(bothWays([["exported_job", "b"]], labels(["job", "outer"])), [[
    ["exported_job", "b"],
    ["job", "outer"],
  ]]);
});

Deno.test("relabel: only the samples with a conflict are renamed", () => {
  const out = served(
    [fam("m", "gauge", [val([["job", "inner"]], 1), val([["other", "x"]], 2)])],
    labels(["job", "outer"]),
  );
  assertEquals(labelPairs(out), [
    [["exported_job", "inner"], ["job", "outer"]],
    [["other", "x"], ["job", "outer"]],
  ]);
});

Deno.test("relabel: an empty target changes nothing", () => {
  const families = [
    fam("m", "gauge", [val([["job", "x"]], 1, 9)], "H."),
    fam("n", "counter", [val([], 2)]),
  ];
  assertEquals(served(families, []), families);
  assertEquals(
    mergedText([source("x", families, { target: [] })]),
    mergedText([source("x", families)]),
  );
});

Deno.test("relabel: no families give no families", () => {
  assertEquals(served([], target), []);
});

Deno.test("relabel: the input is not changed, and relabelling twice gives the same", () => {
  const families: MetricFamily[] = [fam("m", "gauge", [
    val([], 1),
    val([["a", "b"]], 2),
    val([["instance", "i"], ["exported_instance", "j"]], 3, 4),
  ], "H.")];
  const own = labels(["instance", "i"], ["exported_instance", "j"]);
  const ownBefore = structuredClone(own);
  const targetBefore = structuredClone(target);
  const relabelled = relabelLabels(own, target);
  assertEquals(own, ownBefore);
  assertEquals(target, targetBefore);
  assertEquals(relabelLabels(own, target), relabelled);
  const sources = [source("x", families, { target })];
  const before = familiesOf(sources[0]!.exposition);
  const text = mergedText(sources);
  assertEquals(familiesOf(sources[0]!.exposition), before);
  assertEquals(mergedText(sources), text);
});
