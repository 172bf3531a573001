import { assert, assertEquals } from "../_assert.ts";
import {
  decodeText,
  encodeExposition,
  encodeMerged,
  hasConflict,
  type Label,
  mergeFamilies,
  type MergeSource,
  mergeSources,
  relabelFamilies,
  relabelLabels,
} from "../../src/exposition/mod.ts";

const fixtures = new URL("../fixtures/", import.meta.url);

function labels(...pairs: [string, string][]): Label[] {
  return pairs.map(([name, value]) => ({ name, value }));
}

Deno.test("relabelLabels: own labels, conflicts renamed, then the target", () => {
  const target = labels(["job", "outer"]);
  assertEquals(relabelLabels([], target), target);
  assertEquals(relabelLabels(labels(["a", "1"]), []), labels(["a", "1"]));
  assertEquals(
    relabelLabels(labels(["job", "inner"], ["exported_job", "x"]), target),
    labels(["exported_exported_job", "inner"], ["exported_job", "x"], ["job", "outer"]),
  );
  assert(hasConflict(labels(["a", "1"], ["job", "x"]), target));
  assert(!hasConflict(labels(["a", "1"]), target));
});

Deno.test("mergeSources + encodeMerged encode as relabelFamilies + mergeFamilies + encodeExposition", () => {
  const node = Deno.readTextFileSync(new URL("node_exporter_1.5.prom", fixtures));
  const odd = '# TYPE up gauge\nup{ job = "a" , instance="i\\\\\u00fc", } 1\n' +
    'up{exporter_name="inner",exported_exporter_name="older"} 0 123\nup 2\n';
  const targets = [
    [],
    labels(["exporter_name", 'n\u00fc"de\n']),
    labels(["exporter_name", "x"], ["job", "y"]),
  ];
  for (const text of [node, odd]) {
    for (const target of targets) {
      for (const mayCollide of [false, true]) {
        const sources = (families: () => ReturnType<typeof decodeText>): MergeSource[] => [
          { exporterName: "a", families: families(), mayCollide, targetLabels: target },
          { exporterName: "b", families: families(), mayCollide, targetLabels: target },
        ];
        const expected = encodeExposition(
          mergeFamilies(
            sources(() => relabelFamilies(decodeText(text), target)).map((s) => ({
              exporterName: s.exporterName,
              families: s.families,
              mayCollide: s.mayCollide,
            })),
          ).families,
        );
        const merged = mergeSources(sources(() => decodeText(text)));
        assertEquals(encodeMerged(merged.families), expected, JSON.stringify(target));
        assertEquals(
          encodeExposition(mergeFamilies(sources(() => decodeText(text))).families),
          expected,
        );
      }
    }
  }
});

Deno.test("mergeSources reports the same conflicts as mergeFamilies", () => {
  const a = decodeText("# TYPE m counter\nm 1\n# TYPE h histogram\nh_count 1\n");
  const b = decodeText('# TYPE m gauge\nm 2\n# TYPE h gauge\nh 1\nm{x="y"} 3\n');
  const sources: MergeSource[] = [
    { exporterName: "a", families: a, mayCollide: false },
    { exporterName: "b", families: b, mayCollide: true },
  ];
  assertEquals(mergeSources(sources).conflicts, mergeFamilies(sources).conflicts);
  assertEquals(mergeSources(sources).conflicts.map((c) => c.kind), ["type", "type", "duplicate"]);
});
