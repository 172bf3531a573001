import { assert, assertEquals } from "../_assert.ts";
import { relabelFamilies } from "../../src/exposition/mod.ts";
import type { Label, MetricFamily } from "../../src/exposition/mod.ts";
import { smp } from "./_samples.ts";

function labels(...pairs: [string, string][]): Label[] {
  return pairs.map(([name, value]) => ({ name, value }));
}

/** The label sets of every sample of every family, as [name, value] pairs. */
function labelPairs(families: readonly MetricFamily[]): [string, string][][] {
  return families.flatMap((f) =>
    f.samples.map((s) => s.labels.map((l): [string, string] => [l.name, l.value]))
  );
}

const target = labels(["exporter", "node"], ["instance", "host:9100"]);

Deno.test("relabelFamilies: adds the target labels after the sample's own", () => {
  const families: MetricFamily[] = [{
    name: "m",
    type: "gauge",
    help: "Help.",
    samples: [smp("m", [], 1), smp("m", [["a", "b"]], 2, 1234)],
  }];
  assertEquals(relabelFamilies(families, target), [{
    name: "m",
    type: "gauge",
    help: "Help.",
    samples: [
      smp("m", [["exporter", "node"], ["instance", "host:9100"]], 1),
      smp("m", [["a", "b"], ["exporter", "node"], ["instance", "host:9100"]], 2, 1234),
    ],
  }]);
});

Deno.test("relabelFamilies: keeps names, types, help, values and timestamps", () => {
  const families: MetricFamily[] = [
    { name: "a", type: "counter", samples: [smp("a", [], 5, -7)] },
    {
      name: "h",
      type: "histogram",
      samples: [smp("h_bucket", [["le", "+Inf"]], 1), smp("h_sum", [], NaN)],
    },
  ];
  const out = relabelFamilies(families, labels(["job", "x"]));
  assertEquals(out.map((f) => [f.name, f.type, "help" in f]), [
    ["a", "counter", false],
    ["h", "histogram", false],
  ]);
  assertEquals(out[0]!.samples[0]!.timestampMs, -7);
  assertEquals(out[1]!.samples.map((s) => s.name), ["h_bucket", "h_sum"]);
  assert(Number.isNaN(out[1]!.samples[1]!.value));
  assertEquals(labelPairs(out), [[["job", "x"]], [["le", "+Inf"], ["job", "x"]], [["job", "x"]]]);
});

Deno.test("relabelFamilies: a conflicting label is renamed exported_<name> in place", () => {
  const families: MetricFamily[] = [{
    name: "m",
    type: "gauge",
    samples: [smp("m", [["a", "1"], ["instance", "inner"], ["z", "2"]], 1)],
  }];
  assertEquals(labelPairs(relabelFamilies(families, target)), [[
    ["a", "1"],
    ["exported_instance", "inner"],
    ["z", "2"],
    ["exporter", "node"],
    ["instance", "host:9100"],
  ]]);
});

Deno.test("relabelFamilies: every conflicting label is renamed", () => {
  const families: MetricFamily[] = [{
    name: "m",
    type: "gauge",
    samples: [smp("m", [["instance", "i"], ["exporter", "e"]], 1)],
  }];
  assertEquals(labelPairs(relabelFamilies(families, target)), [[
    ["exported_instance", "i"],
    ["exported_exporter", "e"],
    ["exporter", "node"],
    ["instance", "host:9100"],
  ]]);
});

Deno.test("relabelFamilies: exported_<name> taken too gives exported_exported_<name>", () => {
  const families: MetricFamily[] = [{
    name: "m",
    type: "gauge",
    samples: [smp("m", [["job", "inner"], ["exported_job", "older"]], 1)],
  }];
  assertEquals(labelPairs(relabelFamilies(families, labels(["job", "outer"]))), [[
    ["exported_exported_job", "inner"],
    ["exported_job", "older"],
    ["job", "outer"],
  ]]);
});

Deno.test("relabelFamilies: prefixes again until the name is free", () => {
  const families: MetricFamily[] = [{
    name: "m",
    type: "gauge",
    samples: [smp("m", [
      ["exported_exported_job", "c"],
      ["job", "a"],
      ["exported_job", "b"],
    ], 1)],
  }];
  assertEquals(labelPairs(relabelFamilies(families, labels(["job", "outer"]))), [[
    ["exported_exported_job", "c"],
    ["exported_exported_exported_job", "a"],
    ["exported_job", "b"],
    ["job", "outer"],
  ]]);
});

Deno.test("relabelFamilies: an exported_<name> label without conflict is left alone", () => {
  const families: MetricFamily[] = [{
    name: "m",
    type: "gauge",
    samples: [smp("m", [["exported_job", "b"]], 1)],
  }];
  assertEquals(labelPairs(relabelFamilies(families, labels(["job", "outer"]))), [[
    ["exported_job", "b"],
    ["job", "outer"],
  ]]);
});

Deno.test("relabelFamilies: only the samples with a conflict are renamed", () => {
  const families: MetricFamily[] = [{
    name: "m",
    type: "gauge",
    samples: [smp("m", [["job", "inner"]], 1), smp("m", [["other", "x"]], 2)],
  }];
  assertEquals(labelPairs(relabelFamilies(families, labels(["job", "outer"]))), [
    [["exported_job", "inner"], ["job", "outer"]],
    [["other", "x"], ["job", "outer"]],
  ]);
});

Deno.test("relabelFamilies: an empty target returns equal families", () => {
  const families: MetricFamily[] = [
    { name: "m", type: "gauge", help: "H.", samples: [smp("m", [["job", "x"]], 1, 9)] },
    { name: "n", type: "counter", samples: [] },
  ];
  const copy = structuredClone(families);
  const out = relabelFamilies(families, []);
  assertEquals(out, copy);
  assert(out !== families, "a new array");
});

Deno.test("relabelFamilies: no families give no families", () => {
  assertEquals(relabelFamilies([], target), []);
});

Deno.test("relabelFamilies: the input is not mutated", () => {
  const families: MetricFamily[] = [{
    name: "m",
    type: "gauge",
    help: "H.",
    samples: [
      smp("m", [], 1),
      smp("m", [["a", "b"]], 2),
      smp("m", [["instance", "i"], ["exported_instance", "j"]], 3, 4),
    ],
  }];
  const before = structuredClone(families);
  const targetBefore = structuredClone(target);
  const out = relabelFamilies(families, target);
  assertEquals(families, before);
  assertEquals(target, targetBefore);
  assert(out[0] !== families[0]);
  assert(out[0]!.samples !== families[0]!.samples);
  // Relabelling the same input twice gives the same result.
  assertEquals(relabelFamilies(families, target), out);
});
