import { assertEquals, assertStringIncludes } from "../_assert.ts";
import {
  decodeText,
  encodeText,
  formatValue,
  TEXT_CONTENT_TYPE,
} from "../../src/exposition/mod.ts";
import type { MetricFamily } from "../../src/exposition/mod.ts";
import { smp } from "./_samples.ts";

Deno.test("TEXT_CONTENT_TYPE is text 0.0.4 in UTF-8", () => {
  assertEquals(TEXT_CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
});

Deno.test("formatValue: Go's strconv.FormatFloat(v, 'g', -1, 64)", () => {
  const cases: [number, string][] = [
    [1e6, "1e+06"],
    [123456, "123456"],
    [123456789, "1.23456789e+08"],
    [1e-5, "1e-05"],
    [0.0001, "0.0001"],
    [NaN, "NaN"],
    [Infinity, "+Inf"],
    [-Infinity, "-Inf"],
    [0, "0"],
    [-1.5, "-1.5"],
    [1, "1"],
    [-1, "-1"],
    [999999, "999999"],
    [-999999, "-999999"],
    [-1e6, "-1e+06"],
    [1234567, "1.234567e+06"],
    [123456.7, "123456.7"],
    [999999.5, "999999.5"],
    [0.1, "0.1"],
    [0.1 + 0.2, "0.30000000000000004"],
    [0.00012, "0.00012"],
    [1.5e-5, "1.5e-05"],
    [-2.5e-7, "-2.5e-07"],
    [0.027334183, "0.027334183"],
    [2768675376, "2.768675376e+09"],
    [1.7956123807250628e9, "1.7956123807250628e+09"],
    [1e21, "1e+21"],
    [1e100, "1e+100"],
    [1e-100, "1e-100"],
    [5e-324, "5e-324"],
    [Number.MAX_VALUE, "1.7976931348623157e+308"],
    [2 ** 53, "9.007199254740992e+15"],
  ];
  for (const [value, expected] of cases) {
    assertEquals(formatValue(value), expected, `formatValue(${value})`);
  }
});

Deno.test({
  name: "formatValue: negative zero is -0, as in Go",
  fn() {
    assertEquals(formatValue(-0), "-0");
  },
});

Deno.test("formatValue: every formatted value decodes back to the same number", () => {
  const values = [1e6, 123456789, 1e-5, 0.1 + 0.2, -1.5, 1e21, 5e-324, Math.PI, -Math.E * 1e10];
  for (const value of values) {
    const decoded = decodeText(`m ${formatValue(value)}\n`)[0]!.samples[0]!.value;
    assertEquals(decoded, value, `${value} formatted as ${formatValue(value)}`);
  }
});

Deno.test("encodeText: HELP, TYPE, samples, labels and timestamps", () => {
  const families: MetricFamily[] = [{
    name: "http_requests_total",
    type: "counter",
    help: "Total requests.",
    samples: [
      smp("http_requests_total", [["code", "200"], ["method", "get"]], 1027),
      smp("http_requests_total", [], 3, 1700000000000),
      smp("http_requests_total", [["code", "500"]], 1e6, -5),
    ],
  }];
  assertEquals(
    encodeText(families),
    "# HELP http_requests_total Total requests.\n" +
      "# TYPE http_requests_total counter\n" +
      'http_requests_total{code="200",method="get"} 1027\n' +
      "http_requests_total 3 1700000000000\n" +
      'http_requests_total{code="500"} 1e+06 -5\n',
  );
});

Deno.test("encodeText: families in the order given, histogram samples as given", () => {
  const families: MetricFamily[] = [
    { name: "z", type: "gauge", samples: [smp("z", [], 1)] },
    {
      name: "h",
      type: "histogram",
      samples: [smp("h_bucket", [["le", "+Inf"]], 2), smp("h_sum", [], 0.5), smp("h_count", [], 2)],
    },
    { name: "a", type: "summary", samples: [smp("a", [["quantile", "0.5"]], NaN)] },
  ];
  assertEquals(
    encodeText(families),
    "# TYPE z gauge\nz 1\n" +
      '# TYPE h histogram\nh_bucket{le="+Inf"} 2\nh_sum 0.5\nh_count 2\n' +
      '# TYPE a summary\na{quantile="0.5"} NaN\n',
  );
});

Deno.test("encodeText: label values escape backslash, double quote and newline", () => {
  const text = encodeText([{
    name: "m",
    type: "gauge",
    samples: [smp("m", [["a", 'we"ird\\la\nbel'], ["b", "plain, {x=y}"], ["c", ""]], 1)],
  }]);
  assertEquals(text, '# TYPE m gauge\nm{a="we\\"ird\\\\la\\nbel",b="plain, {x=y}",c=""} 1\n');
});

Deno.test("encodeText: HELP escapes backslash and newline, not double quotes", () => {
  const text = encodeText([{
    name: "m",
    type: "gauge",
    help: 'back\\slash\nand "quotes"',
    samples: [smp("m", [], 1)],
  }]);
  assertEquals(text, '# HELP m back\\\\slash\\nand "quotes"\n# TYPE m gauge\nm 1\n');
});

Deno.test("encodeText: an empty HELP is still written", () => {
  const text = encodeText([{ name: "m", type: "gauge", help: "", samples: [smp("m", [], 1)] }]);
  assertEquals(text, "# HELP m \n# TYPE m gauge\nm 1\n");
});

Deno.test("encodeText: families without samples are skipped", () => {
  const families: MetricFamily[] = [
    { name: "empty", type: "counter", help: "Nothing yet.", samples: [] },
    { name: "m", type: "gauge", samples: [smp("m", [], 1)] },
    { name: "empty2", type: "histogram", samples: [] },
  ];
  assertEquals(encodeText(families), "# TYPE m gauge\nm 1\n");
  assertEquals(encodeText([]), "");
  assertEquals(encodeText([{ name: "e", type: "gauge", samples: [] }]), "");
});

Deno.test("encodeText: families without help emit no HELP line", () => {
  const text = encodeText([
    { name: "a", type: "untyped", samples: [smp("a", [], 1)] },
    { name: "b", type: "counter", help: "B.", samples: [smp("b", [], 2)] },
  ]);
  assertEquals(text, "# TYPE a untyped\na 1\n# HELP b B.\n# TYPE b counter\nb 2\n");
});

Deno.test("encodeText: special values", () => {
  const text = encodeText([{
    name: "m",
    type: "gauge",
    samples: [smp("m", [], NaN), smp("m", [], Infinity), smp("m", [], -Infinity), smp("m", [], 0)],
  }]);
  assertEquals(text, "# TYPE m gauge\nm NaN\nm +Inf\nm -Inf\nm 0\n");
});

Deno.test("encodeText: the output decodes back to the same families", () => {
  const families: MetricFamily[] = [
    {
      name: "m",
      type: "gauge",
      help: 'h\\e\nl"p',
      samples: [smp("m", [["a", 'x"\\\ny'], ["b", "\u00e9"]], -1.5e-7, -12)],
    },
    {
      name: "s",
      type: "summary",
      samples: [smp("s", [["quantile", "0.9"]], 2), smp("s_sum", [], 3), smp("s_count", [], 4)],
    },
  ];
  assertEquals(decodeText(encodeText(families)), families);
});

Deno.test("encodeText: a line per sample, each ending in a newline", () => {
  const text = encodeText([{
    name: "m",
    type: "gauge",
    samples: Array.from({ length: 100 }, (_, i) => smp("m", [["i", String(i)]], i)),
  }]);
  assertEquals(text.split("\n").length, 1 + 100 + 1);
  assertStringIncludes(text, '\nm{i="99"} 99\n');
  assertEquals(text.at(-1), "\n");
});
