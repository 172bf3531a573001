/**
 * The merge with target labels against relabelling done first. Ported from the engine before
 * issue 13, which had two merges (`mergeSources` on stored samples, `mergeFamilies` on
 * relabelled objects) that had to agree: now there is one merge, and the encoder writes each
 * label set relabelled, copying bytes where no label can conflict. That must serve what
 * relabelling each metric's labels first (`relabelLabels`) and merging without target labels
 * serves.
 */
import { assertEquals } from "../_assert.ts";
import {
  expositionOf,
  familiesOf,
  type Label,
  type MergeSource,
  mergeSources,
  type MetricFamily,
  relabelLabels,
  targetLabelsOf,
} from "../../src/exposition/mod.ts";
import { decode, decoded, fixture, labels, mergedText, objectsOf } from "./_samples.ts";

/** `families` with `target` added to every metric's labels, as relabelling gives them. */
function relabelled(families: MetricFamily[], target: Label[]): MetricFamily[] {
  return families.map((f) =>
    ({
      ...f,
      metrics: f.metrics.map((m) => ({ ...m, labels: relabelLabels(m.labels, target) })),
    }) as MetricFamily
  );
}

Deno.test("mergeSources with target labels serves what relabelling first serves", () => {
  const node = fixture("node_exporter_1.5.prom");
  const odd = '# TYPE up gauge\nup{ job = "a" , instance="i\\\\\u00fc", } 1\n' +
    'up{exporter_name="inner",exported_exporter_name="older"} 0 123\nup 2\n' +
    '# TYPE h histogram\nh_bucket{exporter_name="x",le="+Inf"} 1\nh_count{exporter_name="x"} 1\n';
  const targets = [
    [],
    labels(["exporter_name", 'n\u00fc"de\n']),
    labels(["exporter_name", "x"], ["job", "y"]),
  ];
  for (const text of [node, odd]) {
    for (const target of targets) {
      const what = `${text.slice(0, 20)} ${JSON.stringify(target)}`;
      const withTarget: MergeSource[] = ["a", "b"].map((exporterName) => ({
        exporterName,
        exposition: decode(text),
        target: targetLabelsOf(target),
      }));
      const first: MergeSource[] = ["a", "b"].map((exporterName) => ({
        exporterName,
        exposition: expositionOf(relabelled(familiesOf(decode(text)), target)),
      }));
      const served = mergedText(withTarget);
      // The same families, metrics and labels (a bucket's le may be elsewhere in its label set).
      assertEquals(decoded(served), decoded(mergedText(first)), what);
      assertEquals(decoded(served), objectsOf(mergeSources(withTarget).families), what);
      // b's series are a's: the same conflicts both ways.
      assertEquals(mergeSources(withTarget).conflicts, mergeSources(first).conflicts, what);
    }
  }
});

Deno.test("mergeSources: conflicts of decoded expositions, in order", () => {
  const a = decode("# TYPE m counter\nm 1\n# TYPE h histogram\nh_count 1\n");
  const b = decode('# TYPE m gauge\nm 2\n# TYPE h gauge\nh 1\nm{x="y"} 3\n');
  const result = mergeSources([{ exporterName: "a", exposition: a }, {
    exporterName: "b",
    exposition: b,
  }]);
  assertEquals(result.conflicts.map((c) => [c.kind, c.family, c.droppedSamples]), [
    ["type", "m", 0],
    ["type", "h", 1],
    ["duplicate", "m", 1],
  ]);
});
