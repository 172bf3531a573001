import { assertEquals } from "../_assert.ts";
import {
  decodeText,
  encodeExposition,
  encodeText,
  type MetricFamily,
  sampleCount,
} from "../../src/exposition/mod.ts";
import { smp } from "./_samples.ts";

const TEXT = "# HELP m Help.\n# TYPE m gauge\n" +
  'm{a="1",b="x\\"y"} 1.5 1700000000000\nm{ a = "2" , } -0\nm 3\n';

Deno.test("decoded families count their samples without making them", () => {
  const [family] = decodeText(TEXT);
  assertEquals(sampleCount(family!), 3);
  // Counting did not replace the accessor with objects.
  assertEquals(typeof Object.getOwnPropertyDescriptor(family!, "samples")?.get, "function");
  assertEquals(family!.samples.length, 3);
  assertEquals(typeof Object.getOwnPropertyDescriptor(family!, "samples")?.value, "object");
});

Deno.test("decoded families are plain objects with the usual enumerable keys", () => {
  const [family] = decodeText(TEXT);
  assertEquals(Object.getPrototypeOf(family), Object.prototype);
  assertEquals(Object.keys(family!), ["name", "type", "help", "samples"]);
  assertEquals(Object.getOwnPropertySymbols(family!), []);
  assertEquals(structuredClone(family), {
    name: "m",
    type: "gauge",
    help: "Help.",
    samples: [
      smp("m", [["a", "1"], ["b", 'x"y']], 1.5, 1700000000000),
      smp("m", [["a", "2"]], -0),
      smp("m", [], 3),
    ],
  });
});

Deno.test("encoding from the text or from the objects gives the same bytes", () => {
  const stored = encodeExposition(decodeText(TEXT));
  const read = decodeText(TEXT);
  for (const family of read) void family.samples;
  assertEquals(encodeExposition(read), stored);
  assertEquals(
    new TextDecoder().decode(stored),
    "# HELP m Help.\n# TYPE m gauge\n" +
      'm{a="1",b="x\\"y"} 1.5 1700000000000\nm{a="2"} -0\nm 3\n',
  );
});

Deno.test("samples read and then changed are encoded as changed", () => {
  const families: MetricFamily[] = decodeText(TEXT);
  families[0]!.samples.pop();
  families[0]!.samples[0] = smp("m", [["c", "d"]], 7);
  assertEquals(
    encodeText(families),
    '# HELP m Help.\n# TYPE m gauge\nm{c="d"} 7\nm{a="2"} -0\n',
  );
});

Deno.test("non-ASCII, escapes, blanks and a trailing comma are encoded canonically", () => {
  const text = 'm{ v = "\u00fc\u20ac\ud83d\ude00\\\\\\n" ,w="\\"", } 1\nm{x="\u00e9"} 2\n';
  assertEquals(
    encodeText(decodeText(text)),
    '# TYPE m untyped\nm{v="\u00fc\u20ac\ud83d\ude00\\\\\\n",w="\\""} 1\nm{x="\u00e9"} 2\n',
  );
});
