/**
 * The text encoder. Ported from the engine before issue 13: families are built as objects
 * (`metrics`, not `samples`) and turned into an exposition with `expositionOf`; the encoder
 * takes merged families and returns bytes and what it dropped.
 */
import { assert, assertEquals, assertStringIncludes } from "../_assert.ts";
import {
  type DroppedCounts,
  encodeText,
  expositionOf,
  mergeSources,
  type MetricFamily,
  type NativeHistogram,
  noneDropped,
  TEXT_CONTENT_TYPE,
} from "../../src/exposition/mod.ts";
import { formatValue } from "../../src/exposition/_number.ts";
import { decoded, encoded, fam, labels, val } from "./_samples.ts";

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

Deno.test("formatValue: negative zero is -0, as in Go", () => {
  assertEquals(formatValue(-0), "-0");
});

Deno.test("encodeText: values are written as formatValue writes them, integers included", () => {
  // The encoder writes small integers itself: the same as formatValue.
  const values = [0, -0, 1, -1, 999999, -999999, 1e6, -1e6, 123456.5, 2 ** 31, -(2 ** 31), 7e-5];
  const out = encoded([fam("m", "gauge", values.map((v) => val([], v)))]);
  assertEquals(out, "# TYPE m gauge\n" + values.map((v) => `m ${formatValue(v)}\n`).join(""));
});

Deno.test("formatValue: every formatted value decodes back to the same number", () => {
  const values = [1e6, 123456789, 1e-5, 0.1 + 0.2, -1.5, 1e21, 5e-324, Math.PI, -Math.E * 1e10];
  for (const value of values) {
    const metric = decoded(`m ${formatValue(value)}\n`)[0]!.metrics[0] as { value: number };
    assertEquals(metric.value, value, `${value} formatted as ${formatValue(value)}`);
  }
});

Deno.test("encodeText: HELP, TYPE, samples, labels and timestamps", () => {
  const families: MetricFamily[] = [fam("http_requests_total", "counter", [
    val([["code", "200"], ["method", "get"]], 1027),
    val([], 3, 1700000000000),
    val([["code", "500"]], 1e6, -5),
  ], "Total requests.")];
  assertEquals(
    encoded(families),
    "# HELP http_requests_total Total requests.\n" +
      "# TYPE http_requests_total counter\n" +
      'http_requests_total{code="200",method="get"} 1027\n' +
      "http_requests_total 3 1700000000000\n" +
      'http_requests_total{code="500"} 1e+06 -5\n',
  );
});

Deno.test("encodeText: families in the order given, histogram samples as given", () => {
  const families: MetricFamily[] = [
    fam("z", "gauge", [val([], 1)]),
    fam("h", "histogram", [{
      labels: [],
      buckets: [{ upperBound: Infinity, count: 2 }],
      sum: 0.5,
      count: 2,
    }]),
    fam("a", "summary", [{ labels: [], quantiles: [{ quantile: 0.5, value: NaN }] }]),
  ];
  assertEquals(
    encoded(families),
    "# TYPE z gauge\nz 1\n" +
      '# TYPE h histogram\nh_bucket{le="+Inf"} 2\nh_sum 0.5\nh_count 2\n' +
      '# TYPE a summary\na{quantile="0.5"} NaN\n',
  );
});

Deno.test("encodeText: label values escape backslash, double quote and newline", () => {
  const out = encoded([fam("m", "gauge", [
    val([["a", 'we"ird\\la\nbel'], ["b", "plain, {x=y}"], ["c", ""]], 1),
  ])]);
  assertEquals(out, '# TYPE m gauge\nm{a="we\\"ird\\\\la\\nbel",b="plain, {x=y}",c=""} 1\n');
});

Deno.test("encodeText: HELP escapes backslash and newline, not double quotes", () => {
  const out = encoded([fam("m", "gauge", [val([], 1)], 'back\\slash\nand "quotes"')]);
  assertEquals(out, '# HELP m back\\\\slash\\nand "quotes"\n# TYPE m gauge\nm 1\n');
});

Deno.test("encodeText: non-ASCII HELP and label values are written as UTF-8, escaped", () => {
  const out = encoded([
    fam("m", "gauge", [val([["a", '\u00e9"\\\n\u6f22']], 1)], "\u00fcber\n\\ \ud83d\ude00"),
  ]);
  assertEquals(
    out,
    "# HELP m \u00fcber\\n\\\\ \ud83d\ude00\n# TYPE m gauge\n" +
      'm{a="\u00e9\\"\\\\\\n\u6f22"} 1\n',
  );
});

Deno.test("encodeText: an empty HELP is still written", () => {
  assertEquals(encoded([fam("m", "gauge", [val([], 1)], "")]), "# HELP m \n# TYPE m gauge\nm 1\n");
});

Deno.test("encodeText: families without samples are skipped", () => {
  const families: MetricFamily[] = [
    fam("empty", "counter", [], "Nothing yet."),
    fam("m", "gauge", [val([], 1)]),
    fam("empty2", "histogram", []),
  ];
  assertEquals(encoded(families), "# TYPE m gauge\nm 1\n");
  assertEquals(encoded([]), "");
  assertEquals(encoded([fam("e", "gauge", [])]), "");
  assertEquals(encodeText([]).body.length, 0);
});

Deno.test("encodeText: families without help emit no HELP line", () => {
  const out = encoded([
    fam("a", "unknown", [val([], 1)]),
    fam("b", "counter", [val([], 2)], "B."),
  ]);
  assertEquals(out, "# TYPE a untyped\na 1\n# HELP b B.\n# TYPE b counter\nb 2\n");
});

Deno.test("encodeText: special values", () => {
  const out = encoded([fam("m", "gauge", [
    val([], NaN),
    val([], Infinity),
    val([], -Infinity),
    val([], 0),
  ])]);
  assertEquals(out, "# TYPE m gauge\nm NaN\nm +Inf\nm -Inf\nm 0\n");
});

Deno.test("encodeText: the output decodes back to the same families", () => {
  const families: MetricFamily[] = [
    fam("m", "gauge", [val([["a", 'x"\\\ny'], ["b", "\u00e9"]], -1.5e-7, -12)], 'h\\e\nl"p'),
    fam("s", "summary", [{
      labels: [],
      quantiles: [{ quantile: 0.9, value: 2 }],
      sum: 3,
      count: 4,
    }]),
  ];
  assertEquals(decoded(encoded(families)), families);
});

Deno.test("encodeText: a line per sample, each ending in a newline", () => {
  const out = encoded([
    fam("m", "gauge", Array.from({ length: 100 }, (_, i) => val([["i", String(i)]], i))),
  ]);
  assertEquals(out.split("\n").length, 1 + 100 + 1);
  assertStringIncludes(out, '\nm{i="99"} 99\n');
  assertEquals(out.at(-1), "\n");
});

Deno.test("encodeText: output larger than its first buffer is whole", () => {
  // Past the 64 KB first chunk, and past the size hint of a few long label values.
  const long = "x".repeat(100_000);
  const metrics = Array.from({ length: 5000 }, (_, i) => val([["i", String(i)]], i));
  const out = encoded([
    fam("m", "gauge", metrics),
    fam("n", "gauge", [val([["v", long]], 1), val([["v", long + "y"]], 2)]),
  ]);
  const lines = out.split("\n");
  assertEquals(lines.length, 1 + 5000 + 1 + 2 + 1);
  assertEquals(lines[5000], 'm{i="4999"} 4999');
  assertEquals(lines[5003], `n{v="${long}y"} 2`);
});

// --- What text cannot carry: conversions and dropped counts -------------------------------------

/** The text and dropped counts of `families` merged as one exporter's. */
function encodeWithDropped(families: MetricFamily[]): { text: string; dropped: DroppedCounts } {
  const merged = mergeSources([{ exporterName: "x", exposition: expositionOf(families) }]);
  const out = encodeText(merged.families);
  return { text: new TextDecoder().decode(out.body), dropped: out.dropped };
}

const NATIVE: NativeHistogram = {
  schema: 3,
  zeroThreshold: 1e-128,
  zeroCount: 1,
  count: 7,
  sum: 12.5,
  float: false,
  positiveSpans: [{ offset: 0, length: 2 }],
  positiveBuckets: [2, 1],
  negativeSpans: [{ offset: 1, length: 1 }],
  negativeBuckets: [1],
  exemplars: [],
};

Deno.test("encodeText: exemplars, created timestamps and units are dropped and counted", () => {
  const exemplar = { labels: labels(["trace_id", "abc"]), value: 0.5, timestampMs: 1000 };
  const { text, dropped } = encodeWithDropped([
    {
      name: "requests_total",
      type: "counter",
      unit: "requests",
      metrics: [
        { labels: labels(["a", "1"]), value: 3, createdMs: 1_700_000_000_000, exemplar },
        { labels: labels(["a", "2"]), value: 4, exemplar },
        { labels: labels(["a", "3"]), value: 5 },
      ],
    },
    {
      name: "latency_seconds",
      type: "histogram",
      unit: "seconds",
      metrics: [{
        labels: [],
        buckets: [
          { upperBound: 1, count: 1, exemplar },
          { upperBound: Infinity, count: 2 },
        ],
        sum: 1.5,
        count: 2,
        createdMs: 1_700_000_000_500,
      }],
    },
  ]);
  assertEquals(dropped, {
    exemplar: 3,
    created_timestamp: 2,
    unit: 2,
    native_histogram_buckets: 0,
  });
  // Nothing of them in the text, and the rest as it was.
  assert(!text.includes("trace_id") && !text.includes("_created") && !text.includes("UNIT"));
  assertEquals(
    text,
    '# TYPE latency_seconds histogram\nlatency_seconds_bucket{le="1"} 1\n' +
      'latency_seconds_bucket{le="+Inf"} 2\nlatency_seconds_sum 1.5\nlatency_seconds_count 2\n' +
      '# TYPE requests_total counter\nrequests_total{a="1"} 3\nrequests_total{a="2"} 4\n' +
      'requests_total{a="3"} 5\n',
  );
});

Deno.test("encodeText: nothing dropped counts nothing", () => {
  const { dropped } = encodeWithDropped([fam("m", "gauge", [val([], 1)])]);
  assertEquals(dropped, noneDropped());
});

Deno.test("encodeText: a native histogram with classic buckets is served as the classic one", () => {
  const { text, dropped } = encodeWithDropped([fam("h", "histogram", [{
    labels: labels(["a", "1"]),
    native: NATIVE,
    buckets: [{ upperBound: 1, count: 3 }, { upperBound: Infinity, count: 7 }],
    sum: 12.5,
    count: 7,
  }])]);
  assertEquals(
    text,
    '# TYPE h histogram\nh_bucket{a="1",le="1"} 3\nh_bucket{a="1",le="+Inf"} 7\n' +
      'h_sum{a="1"} 12.5\nh_count{a="1"} 7\n',
  );
  assertEquals(dropped.native_histogram_buckets, 1);
});

Deno.test("encodeText: a native histogram without classic buckets is its +Inf bucket, sum and count", () => {
  const { text, dropped } = encodeWithDropped([fam("h", "histogram", [
    { labels: labels(["a", "1"]), native: NATIVE, buckets: [], sum: 12.5, count: 7 },
    // Another one, with a timestamp and a float count, without labels.
    {
      labels: [],
      timestampMs: 1234,
      native: { ...NATIVE, float: true, count: 2.5, positiveBuckets: [1, 1.5] },
      buckets: [],
      sum: 1,
      count: 2.5,
    },
  ])]);
  assertEquals(
    text,
    '# TYPE h histogram\nh_bucket{a="1",le="+Inf"} 7\nh_sum{a="1"} 12.5\nh_count{a="1"} 7\n' +
      'h_bucket{le="+Inf"} 2.5 1234\nh_sum 1 1234\nh_count 2.5 1234\n',
  );
  assertEquals(dropped.native_histogram_buckets, 2);
  // What is written is a valid classic histogram.
  assertEquals(decoded(text)[0]!.metrics[0], {
    labels: labels(["a", "1"]),
    buckets: [{ upperBound: Infinity, count: 7 }],
    sum: 12.5,
    count: 7,
  });
});

Deno.test("encodeText: a native histogram with a UTF-8 name is its quoted +Inf bucket in 1.0.0", () => {
  const merged = mergeSources([{
    exporterName: "x",
    exposition: expositionOf([fam("my.h", "histogram", [
      { labels: labels(["a", "1"]), native: NATIVE, buckets: [], sum: 12.5, count: 7 },
    ])]),
  }]);
  const out = encodeText(merged.families, { version: "1.0.0", escaping: "allow-utf-8" });
  assertEquals(
    new TextDecoder().decode(out.body),
    '# TYPE "my.h" histogram\n{"my.h_bucket",a="1",le="+Inf"} 7\n{"my.h_sum",a="1"} 12.5\n' +
      '{"my.h_count",a="1"} 7\n',
  );
});

Deno.test("encodeText: a gauge histogram is three gauge families, as Prometheus stores it", () => {
  const { text, dropped } = encodeWithDropped([{
    name: "queue_wait",
    type: "gaugehistogram",
    help: "Waiting.",
    metrics: [
      {
        labels: labels(["q", "a"]),
        buckets: [{ upperBound: 1, count: 2 }, { upperBound: Infinity, count: 3 }],
        sum: 4,
        count: 3,
      },
      {
        labels: labels(["q", "b"]),
        buckets: [{ upperBound: Infinity, count: 1 }],
        sum: 0.5,
        count: 1,
      },
    ],
  }]);
  const expected = "# HELP queue_wait_bucket Waiting.\n# TYPE queue_wait_bucket gauge\n" +
    'queue_wait_bucket{q="a",le="1"} 2\nqueue_wait_bucket{q="a",le="+Inf"} 3\n' +
    'queue_wait_bucket{q="b",le="+Inf"} 1\n' +
    '# HELP queue_wait_gcount Waiting.\n# TYPE queue_wait_gcount gauge\nqueue_wait_gcount{q="a"} 3\n' +
    'queue_wait_gcount{q="b"} 1\n' +
    '# HELP queue_wait_gsum Waiting.\n# TYPE queue_wait_gsum gauge\nqueue_wait_gsum{q="a"} 4\n' +
    'queue_wait_gsum{q="b"} 0.5\n';
  assertEquals(text, expected);
  assertEquals(dropped, noneDropped());
  assertEquals(decoded(text).map((f) => [f.name, f.type]), [
    ["queue_wait_bucket", "gauge"],
    ["queue_wait_gcount", "gauge"],
    ["queue_wait_gsum", "gauge"],
  ]);
});

Deno.test("encodeText: info and stateset are gauges, unknown is untyped", () => {
  const { text } = encodeWithDropped([
    fam("build_info", "info", [val([["version", "1.2"]], 1)]),
    fam("feature", "stateset", [val([["feature", "a"]], 1), val([["feature", "b"]], 0)]),
    fam("thing", "unknown", [val([], 3)]),
  ]);
  assertEquals(
    text,
    '# TYPE build_info gauge\nbuild_info{version="1.2"} 1\n' +
      '# TYPE feature gauge\nfeature{feature="a"} 1\nfeature{feature="b"} 0\n' +
      "# TYPE thing untyped\nthing 3\n",
  );
});
