/**
 * The compact form of an exposition (store.ts) against its objects (objects.ts). Ported from
 * the engine before issue 13, whose decoded families made their samples lazily: now decoders
 * fill a `SampleStore` and `familiesOf` makes objects of it, `expositionOf` the other way.
 */
import { assert, assertEquals } from "../_assert.ts";
import {
  expositionOf,
  familiesOf,
  type MetricFamily,
  sampleCountOf,
  SampleStore,
  VALUE,
} from "../../src/exposition/mod.ts";
import { bytes, decode, encoded, fam, fixture, labels, val } from "./_samples.ts";

const TEXT = "# HELP m Help.\n# TYPE m gauge\n" +
  'm{a="1",b="x\\"y"} 1.5 1700000000000\nm{ a = "2" , } -0\nm 3\n';

Deno.test("a decoded exposition counts its samples without making objects", () => {
  const exposition = decode(TEXT);
  assertEquals(sampleCountOf(exposition), 3);
  assertEquals(exposition.store.length, 3);
  assertEquals(exposition.families.map((f) => [...f.indices]), [[0, 1, 2]]);
  // A histogram's lines are samples of one metric.
  const h = decode('# TYPE h histogram\nh_bucket{le="1"} 1\nh_bucket{le="+Inf"} 1\nh_count 1\n');
  assertEquals(sampleCountOf(h), 3);
  assertEquals([...h.store.metric.subarray(0, 3)], [0, 0, 0]);
});

Deno.test("familiesOf gives plain objects with the usual keys", () => {
  const [family] = familiesOf(decode(TEXT));
  assertEquals(Object.getPrototypeOf(family), Object.prototype);
  assertEquals(Object.keys(family!), ["name", "type", "help", "metrics"]);
  assertEquals(structuredClone(family), {
    name: "m",
    type: "gauge",
    help: "Help.",
    metrics: [
      val([["a", "1"], ["b", 'x"y']], 1.5, 1700000000000),
      val([["a", "2"]], -0),
      val([], 3),
    ],
  });
  assert(Object.is((family!.metrics[1] as { value: number }).value, -0));
});

Deno.test("encoding from the text or from the objects gives the same bytes", () => {
  const fromText = encoded(decode(TEXT));
  const fromObjects = encoded(expositionOf(familiesOf(decode(TEXT))));
  assertEquals(fromObjects, fromText);
  assertEquals(
    fromText,
    "# HELP m Help.\n# TYPE m gauge\n" +
      'm{a="1",b="x\\"y"} 1.5 1700000000000\nm{a="2"} -0\nm 3\n',
  );
  // And for the captures of Go exporters. (Objects do not keep where `le` was among the labels,
  // nor a `_count` written before its `_sum`: the Python client's capture comes out in Go's order.)
  for (const name of ["node_exporter_1.5.prom", "prometheus_2.42.prom", "pushgateway.prom"]) {
    const exposition = decode(fixture(name));
    assertEquals(encoded(expositionOf(familiesOf(exposition))), encoded(exposition), name);
  }
});

Deno.test("objects read and then changed are encoded as changed", () => {
  const families: MetricFamily[] = familiesOf(decode(TEXT));
  const metrics = [...families[0]!.metrics];
  metrics.pop();
  metrics[0] = val([["c", "d"]], 7);
  assertEquals(
    encoded([{ ...families[0]!, metrics } as MetricFamily]),
    '# HELP m Help.\n# TYPE m gauge\nm{c="d"} 7\nm{a="2"} -0\n',
  );
});

Deno.test("non-ASCII, escapes, blanks and a trailing comma are encoded canonically", () => {
  const text = 'm{ v = "\u00fc\u20ac\ud83d\ude00\\\\\\n" ,w="\\"", } 1\nm{x="\u00e9"} 2\n';
  assertEquals(
    encoded(decode(text)),
    '# TYPE m untyped\nm{v="\u00fc\u20ac\ud83d\ude00\\\\\\n",w="\\""} 1\nm{x="\u00e9"} 2\n',
  );
});

Deno.test("expositionOf gives the same hashes as decoding the same label sets", () => {
  const decoded = decode('m{a="x\\"y",b="\u00e9"} 1\nm{b="\u00e9",a="x\\"y"} 2\nm 3\n');
  const built = expositionOf([fam("m", "unknown", [
    val([["b", "\u00e9"], ["a", 'x"y']], 1),
    val([], 2),
  ])]);
  assertEquals(built.store.hash[0], decoded.store.hash[0]);
  assertEquals(built.store.hash[0], decoded.store.hash[1]);
  assertEquals(built.store.hash[1], decoded.store.hash[2]);
  assert(built.store.hash[0] !== built.store.hash[1]);
});

Deno.test("a store grows past its first guess and keeps every column", () => {
  // 2,000 lines of one short label set: far more than the guess from the body's size.
  const lines = Array.from({ length: 2000 }, (_, i) => `m{i="${i}"} ${i} ${i * 10}\n`);
  const exposition = decode(lines.join(""));
  assertEquals(sampleCountOf(exposition), 2000);
  const { store } = exposition;
  for (const i of [0, 15, 16, 17, 999, 1999]) {
    assertEquals([store.value[i], store.timestampOf(i), store.role[i]], [i, i * 10, VALUE]);
  }
  assertEquals(familiesOf(exposition)[0]!.metrics[1999], val([["i", "1999"]], 1999, 19990));
});

Deno.test("SampleStore: aux bytes, positions after the input, optional columns", () => {
  const store = new SampleStore(bytes("abc"), 0);
  assertEquals(store.auxPosition, 3);
  store.auxWrite(bytes('x="1"'), 0, 5);
  store.auxByte(44);
  assertEquals(store.auxPosition, 9);
  assertEquals(store.bytesAt(2), store.input);
  assertEquals(store.bytesAt(3), store.aux);
  assertEquals(store.offsetAt(5), 3);
  store.auxTruncate(8);
  assertEquals(new TextDecoder().decode(store.aux.subarray(0, store.auxLength)), 'x="1"');
  // Growing aux past its first size keeps what it holds.
  const long = bytes("y".repeat(1000));
  store.auxWrite(long, 0, long.length);
  assertEquals(store.auxLength, 1005);
  assertEquals(store.aux[4], 34);
  // No timestamp, bound or exemplar until one is set.
  const i = store.reserve();
  store.length = 1;
  assertEquals([store.timestamp, store.bound, store.exemplar], [undefined, undefined, undefined]);
  assert(Number.isNaN(store.timestampOf(i)) && Number.isNaN(store.boundOf(i)));
  assertEquals(store.exemplarOf(i), undefined);
  const exemplar = { labels: labels(["t", "1"]), value: 2 };
  store.setExemplar(i, exemplar);
  store.setTimestamp(i, 5);
  assertEquals([store.exemplarOf(i), store.timestampOf(i)], [exemplar, 5]);
});
