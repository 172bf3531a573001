/**
 * The text 0.0.4 decoder (and what text 1.0.0 shares with it). Ported from the engine before
 * issue 13: decoders take bytes, decoded expositions are compared as objects (`metrics`, not
 * `samples`: a histogram's or summary's lines are one metric), `untyped` is `unknown`, and a
 * family without samples is not part of an exposition.
 */
import { assert, assertEquals, assertStringIncludes, assertThrows } from "../_assert.ts";
import {
  DecodeError,
  decodeText,
  encodeText,
  familiesOf,
  type HistogramMetric,
  mergeSources,
  type MetricFamily,
  type SummaryMetric,
  type ValueMetric,
} from "../../src/exposition/mod.ts";
import {
  assertDecodeFails,
  bytes,
  collidingLabelSets,
  decode,
  decoded,
  encoded,
  fixture,
  labelSetText,
  text,
  val,
} from "./_samples.ts";

/** The only family decoded from `text`. */
function only(text: string): MetricFamily {
  const families = decoded(text);
  assertEquals(families.length, 1, `expected one family, got ${families.map((f) => f.name)}`);
  return families[0]!;
}

/** The metrics of the only family decoded from `text`, as one-value metrics. */
function values(text: string): ValueMetric[] {
  return only(text).metrics as ValueMetric[];
}

/** The value of the only sample decoded from `text`. */
function valueOf(text: string): number {
  const metrics = values(text);
  assertEquals(metrics.length, 1);
  return metrics[0]!.value;
}

/** Asserts that decoding `text` as text 0.0.4 fails at `line` and `column`. */
function decodeFails(
  text: string,
  line: number,
  column: number,
  messageIncludes?: string,
): DecodeError {
  return assertDecodeFails((t) => decode(t), text, { line, column, messageIncludes });
}

// --- Well-formed input -------------------------------------------------------------------------

Deno.test("decodeText: a typed family with HELP, labels and values", () => {
  const text = "# HELP http_requests_total Total requests.\n" +
    "# TYPE http_requests_total counter\n" +
    'http_requests_total{code="200",method="get"} 1027\n' +
    'http_requests_total{code="500",method="post"} 3\n';
  assertEquals(decoded(text), [{
    name: "http_requests_total",
    type: "counter",
    help: "Total requests.",
    metrics: [
      val([["code", "200"], ["method", "get"]], 1027),
      val([["code", "500"], ["method", "post"]], 3),
    ],
  }]);
});

Deno.test("decodeText: empty input and blank lines give no families", () => {
  assertEquals(decoded(""), []);
  assertEquals(decoded("\n\n  \n\t\n"), []);
  assertEquals(decoded("# just a comment\n"), []);
});

Deno.test('decodeText: label values unescape \\\\, \\" and \\n', () => {
  const metrics = values('m{a="back\\\\slash",b="say \\"hi\\"",c="two\\nlines",d="\\\\n"} 1\n');
  assertEquals(metrics[0]!.labels, [
    { name: "a", value: "back\\slash" },
    { name: "b", value: 'say "hi"' },
    { name: "c", value: "two\nlines" },
    { name: "d", value: "\\n" },
  ]);
});

Deno.test("decodeText: label values keep commas, braces, equals and non-ASCII text", () => {
  const metrics = values('m{a="x,y}z=w",b="\u00e9\u6f22"} 1\n');
  assertEquals(metrics[0]!.labels, [
    { name: "a", value: "x,y}z=w" },
    { name: "b", value: "\u00e9\u6f22" },
  ]);
});

Deno.test("decodeText: HELP unescapes \\\\ and \\n and keeps other backslashes", () => {
  const family = only('# HELP m a\\\\b\\nc \\"q\\" \\t\n# TYPE m gauge\nm 1\n');
  assertEquals(family.help, 'a\\b\nc \\"q\\" \\t');
});

Deno.test("decodeText: HELP keeps inner and trailing blanks, drops the blanks before it", () => {
  assertEquals(only("# HELP m    a  b \nm 1\n").help, "a  b ");
});

Deno.test("decodeText: a HELP line without text gives an empty help", () => {
  const family = only("# HELP m\n# TYPE m gauge\nm 1\n");
  // "# HELP m" has a name, so it is a HELP line with empty text.
  assertEquals(family.help, "");
});

Deno.test("decodeText: NaN in any case", () => {
  for (const token of ["NaN", "nan", "NAN"]) {
    assert(Number.isNaN(valueOf(`m ${token}\n`)), token);
  }
});

Deno.test("decodeText: +Inf, -Inf, Inf and their spellings", () => {
  assertEquals(valueOf("m +Inf\n"), Infinity);
  assertEquals(valueOf("m -Inf\n"), -Infinity);
  assertEquals(valueOf("m Inf\n"), Infinity);
  assertEquals(valueOf("m inf\n"), Infinity);
  assertEquals(valueOf("m +Infinity\n"), Infinity);
  assertEquals(valueOf("m -infinity\n"), -Infinity);
});

Deno.test("decodeText: exponents, decimals and signs", () => {
  assertEquals(valueOf("m 1e+06\n"), 1_000_000);
  assertEquals(valueOf("m 1.5e-05\n"), 0.000015);
  assertEquals(valueOf("m 2.768675376e+09\n"), 2768675376);
  assertEquals(valueOf("m 1E3\n"), 1000);
  assertEquals(valueOf("m .5\n"), 0.5);
  assertEquals(valueOf("m 5.\n"), 5);
  assertEquals(valueOf("m +5\n"), 5);
  assertEquals(valueOf("m 010\n"), 10);
});

Deno.test("decodeText: values of more than 15 digits or large exponents are exact too", () => {
  // Past the fast path of plain numbers: read as Number() reads them.
  assertEquals(valueOf("m 1234567890123456789\n"), 1234567890123456789);
  assertEquals(valueOf("m 0.1000000000000000055511151231257827\n"), 0.1);
  assertEquals(valueOf("m 1e300\n"), 1e300);
  assertEquals(valueOf("m 4.9e-324\n"), 5e-324);
  assertEquals(valueOf("m 1.7976931348623157e308\n"), Number.MAX_VALUE);
});

Deno.test("decodeText: negative values", () => {
  assertEquals(valueOf("m -1\n"), -1);
  assertEquals(valueOf("m -0.25\n"), -0.25);
  assertEquals(valueOf("m -1.5e-05\n"), -0.000015);
  assertEquals(valueOf("m -.5\n"), -0.5);
  assert(Object.is(valueOf("m -0\n"), -0), "-0 stays -0");
});

Deno.test("decodeText: timestamps are kept, negative ones too", () => {
  assertEquals(values("m 1 1700000000000\nm 2 -1500\nm 3 +42\nm 4\n"), [
    val([], 1, 1700000000000),
    val([], 2, -1500),
    val([], 3, 42),
    val([], 4),
  ]);
});

Deno.test("decodeText: a histogram's _bucket, _sum and _count are one metric of one family", () => {
  const text = "# HELP h Latency.\n# TYPE h histogram\n" +
    'h_bucket{le="0.1"} 1\nh_bucket{le="+Inf"} 2\nh_sum 0.3\nh_count 2\n';
  assertEquals(decoded(text), [{
    name: "h",
    type: "histogram",
    help: "Latency.",
    metrics: [{
      labels: [],
      buckets: [{ upperBound: 0.1, count: 1 }, { upperBound: Infinity, count: 2 }],
      sum: 0.3,
      count: 2,
    }],
  }]);
});

Deno.test("decodeText: a summary's quantiles, _sum and _count are one metric of one family", () => {
  const text = "# TYPE s summary\n" +
    's{quantile="0.5"} 1.5\ns{quantile="0.99"} 3\ns_sum 10\ns_count 4\n';
  assertEquals(decoded(text), [{
    name: "s",
    type: "summary",
    metrics: [{
      labels: [],
      quantiles: [{ quantile: 0.5, value: 1.5 }, { quantile: 0.99, value: 3 }],
      sum: 10,
      count: 4,
    }],
  }]);
});

Deno.test("decodeText: a summary without quantiles has only _sum and _count, in their order", () => {
  const exposition = decode("# TYPE s summary\ns_count 1\ns_sum 0.3\n");
  assertEquals(familiesOf(exposition), [{
    name: "s",
    type: "summary",
    metrics: [{ labels: [], quantiles: [], count: 1, sum: 0.3 }],
  }]);
  // Written back in the order read.
  assertEquals(encoded(exposition), "# TYPE s summary\ns_count 1\ns_sum 0.3\n");
});

Deno.test("decodeText: _bucket of a summary and _sum of a gauge are families of their own", () => {
  // Changed on purpose: the summary `s`, without samples, is no longer a family.
  const families = decoded("# TYPE s summary\ns_bucket 1\n# TYPE g gauge\ng 1\ng_sum 2\n");
  assertEquals(
    families.map((f) => [f.name, f.type, f.metrics.length]),
    [["s_bucket", "unknown", 1], ["g", "gauge", 1], ["g_sum", "unknown", 1]],
  );
});

Deno.test("decodeText: samples without HELP or TYPE are unknown families without help", () => {
  const families = decoded('a 1\nb{x="y"} 2\n');
  assertEquals(families, [
    { name: "a", type: "unknown", metrics: [val([], 1)] },
    { name: "b", type: "unknown", metrics: [val([["x", "y"]], 2)] },
  ]);
  assert(!("help" in families[0]!), "an absent HELP is no help property");
});

Deno.test("decodeText: a HELP line without TYPE gives an unknown family", () => {
  assertEquals(decoded("# HELP a Some help.\na 1\n"), [
    { name: "a", type: "unknown", help: "Some help.", metrics: [val([], 1)] },
  ]);
});

Deno.test("decodeText: HELP after TYPE, and TYPE after HELP, both apply", () => {
  assertEquals(decoded("# TYPE a gauge\n# HELP a Help.\na 1\n"), [
    { name: "a", type: "gauge", help: "Help.", metrics: [val([], 1)] },
  ]);
  assertEquals(decoded("# HELP a Help.\n# TYPE a gauge\na 1\n"), [
    { name: "a", type: "gauge", help: "Help.", metrics: [val([], 1)] },
  ]);
});

Deno.test("decodeText: comments that are neither HELP nor TYPE are skipped", () => {
  const text = "# a comment\n#another\n# HELPER m not help\n# TYPEFACE m counter\n" +
    "# EOF\n#\n# HELP\n# TYPE\nm 1\n# trailing comment";
  assertEquals(decoded(text), [{ name: "m", type: "unknown", metrics: [val([], 1)] }]);
});

Deno.test("decodeText: blank and whitespace-only lines are skipped", () => {
  const text = '\n# TYPE m gauge\n\n   \n\t\nm 1\n\n\nm{a="b"} 2\n\n';
  assertEquals(decoded(text), [{
    name: "m",
    type: "gauge",
    metrics: [val([], 1), val([["a", "b"]], 2)],
  }]);
});

Deno.test("decodeText: blanks and tabs around tokens", () => {
  assertEquals(values('  m\t{ a = "b" ,\tc="d" }\t 1 \t 7 \t\n'), [
    val([["a", "b"], ["c", "d"]], 1, 7),
  ]);
});

Deno.test("decodeText: CRLF line endings", () => {
  const lf = '# HELP m Help.\n# TYPE m gauge\nm{a="b"} 1 5\n\n# comment\nm 2\n';
  const crlf = lf.replaceAll("\n", "\r\n");
  const family = only(crlf);
  assertEquals(family.help, "Help.");
  assertEquals(family.metrics, [val([["a", "b"]], 1, 5), val([], 2)]);
  assertEquals(decoded(crlf), decoded(lf));
});

Deno.test("decodeText: a missing final newline", () => {
  assertEquals(values("# TYPE m gauge\nm 1"), [val([], 1)]);
  assertEquals(values("m 1 123"), [val([], 1, 123)]);
  assertEquals(values('m{a="b"} NaN').length, 1);
  // A HELP line after the samples applies too (a family without samples is none).
  assertEquals(only("m 1\n# HELP m No newline.").help, "No newline.");
  assertEquals(only("m 1\n# HELP m CR at the end.\r").help, "CR at the end.");
  assertEquals(decoded("# HELP m No samples."), []);
});

Deno.test("decodeText: an empty label set {}", () => {
  assertEquals(values("m{} 1\n"), [val([], 1)]);
  assertEquals(values("m{ } 1\n"), [val([], 1)]);
  assertEquals(values("m{}1\n"), [val([], 1)]);
});

Deno.test("decodeText: a trailing comma in a label set", () => {
  assertEquals(values('m{a="b",} 1\n'), [val([["a", "b"]], 1)]);
  assertEquals(values('m{a="b",c="d" , } 1\n'), [val([["a", "b"], ["c", "d"]], 1)]);
});

Deno.test("decodeText: whitespace between the metric name and {", () => {
  assertEquals(values('m {a="b"} 1\n'), [val([["a", "b"]], 1)]);
  assertEquals(values('m \t {a="b"} 1\n'), [val([["a", "b"]], 1)]);
});

Deno.test("decodeText: names with colons, digits and underscores", () => {
  const family = only('job:rate5m:sum_2{_l1="x",L_2="y"} 1\n');
  assertEquals(family.name, "job:rate5m:sum_2");
  assertEquals(family.metrics[0]!.labels.map((l) => l.name), ["_l1", "L_2"]);
});

Deno.test("decodeText: samples of a family met again later join that family", () => {
  const text = "# TYPE a counter\na 1\n# TYPE b gauge\nb 2\na 3\nc 4\nb 5\nc 6\n";
  assertEquals(decoded(text), [
    { name: "a", type: "counter", metrics: [val([], 1), val([], 3)] },
    { name: "b", type: "gauge", metrics: [val([], 2), val([], 5)] },
    { name: "c", type: "unknown", metrics: [val([], 4), val([], 6)] },
  ]);
});

Deno.test("decodeText: histogram samples met again after another family join the histogram", () => {
  const text = '# TYPE h histogram\nh_bucket{le="+Inf"} 2\nother 1\nh_sum 3\nh_count 2\n';
  assertEquals(decoded(text), [
    {
      name: "h",
      type: "histogram",
      metrics: [{ labels: [], buckets: [{ upperBound: Infinity, count: 2 }], sum: 3, count: 2 }],
    },
    { name: "other", type: "unknown", metrics: [val([], 1)] },
  ]);
});

Deno.test("decodeText: families are in order of first appearance", () => {
  const text = "z 1\n# HELP a A.\n# TYPE m gauge\nm 1\na 2\n";
  assertEquals(decoded(text).map((f) => f.name), ["z", "a", "m"]);
});

Deno.test("decodeText: a duplicate HELP keeps the first", () => {
  const family = only("# HELP m first\n# TYPE m gauge\nm 1\n# HELP m second\nm 2\n");
  assertEquals(family.help, "first");
  assertEquals(family.metrics.length, 2);
});

Deno.test("decodeText: a repeated TYPE with the same type is accepted", () => {
  const family = only("# TYPE m gauge\nm 1\n# TYPE m gauge\nm 2\n");
  assertEquals(family.type, "gauge");
  assertEquals((family.metrics as ValueMetric[]).map((m) => m.value), [1, 2]);
});

Deno.test("decodeText: TYPE untyped is the type unknown", () => {
  assertEquals(only("# TYPE m untyped\nm 1\n").type, "unknown");
});

// --- Histograms and summaries: lines grouped into metrics ---------------------------------------

Deno.test("decodeText: histogram lines interleaved with another metric's are grouped by labels", () => {
  const text = "# TYPE h histogram\n" +
    'h_bucket{a="1",le="1"} 1\n' +
    'h_bucket{a="2",le="1"} 10\n' +
    'h_bucket{a="1",le="+Inf"} 2\n' +
    'h_bucket{a="2",le="+Inf"} 20\n' +
    'h_sum{a="2"} 200\n' +
    'h_sum{a="1"} 100\n' +
    'h_count{a="1"} 2\n' +
    'h_count{a="2"} 20\n';
  assertEquals(decoded(text)[0]!.metrics, [
    {
      labels: [{ name: "a", value: "1" }],
      buckets: [{ upperBound: 1, count: 1 }, { upperBound: Infinity, count: 2 }],
      sum: 100,
      count: 2,
    },
    {
      labels: [{ name: "a", value: "2" }],
      buckets: [{ upperBound: 1, count: 10 }, { upperBound: Infinity, count: 20 }],
      sum: 200,
      count: 20,
    },
  ]);
});

Deno.test("decodeText: a histogram's lines interleaved line by line with a gauge's", () => {
  const text = "# TYPE h histogram\n# TYPE g gauge\n" +
    'h_bucket{le="1"} 1\ng 1\nh_bucket{le="+Inf"} 2\ng{x="y"} 2\nh_sum 3\ng{x="z"} 3\nh_count 2\n';
  assertEquals(decoded(text), [
    {
      name: "h",
      type: "histogram",
      metrics: [{
        labels: [],
        buckets: [{ upperBound: 1, count: 1 }, { upperBound: Infinity, count: 2 }],
        sum: 3,
        count: 2,
      }],
    },
    { name: "g", type: "gauge", metrics: [val([], 1), val([["x", "y"]], 2), val([["x", "z"]], 3)] },
  ]);
});

Deno.test("decodeText: le anywhere, and labels in another order, still one metric", () => {
  const text = "# TYPE h histogram\n" +
    'h_bucket{le="0.5",b="y",a="x"} 1\n' +
    'h_bucket{a="x",le="1",b="y"} 2\n' +
    'h_bucket{b="y",a="x",le="+Inf"} 3\n' +
    'h_sum{b="y",a="x"} 4\n' +
    'h_count{a="x",b="y"} 3\n' +
    // Another metric: one label differs.
    'h_count{a="x",b="z"} 9\n';
  const [family] = decoded(text);
  assertEquals(family!.metrics, [
    {
      // The labels of the first line, but `le`.
      labels: [{ name: "b", value: "y" }, { name: "a", value: "x" }],
      buckets: [
        { upperBound: 0.5, count: 1 },
        { upperBound: 1, count: 2 },
        { upperBound: Infinity, count: 3 },
      ],
      sum: 4,
      count: 3,
    },
    { labels: [{ name: "a", value: "x" }, { name: "b", value: "z" }], buckets: [], count: 9 },
  ]);
});

Deno.test("decodeText: a label named like another's value is not the same metric", () => {
  // Same hash-independent content in another arrangement: {a="b"} against {b="a"}.
  const text = '# TYPE h histogram\nh_bucket{a="b",le="1"} 1\nh_sum{b="a"} 2\nh_count{a="b"} 1\n';
  const metrics = decoded(text)[0]!.metrics as HistogramMetric[];
  assertEquals(metrics.map((m) => [m.labels, m.buckets.length, m.sum, m.count]), [
    [[{ name: "a", value: "b" }], 1, undefined, 1],
    [[{ name: "b", value: "a" }], 0, 2, undefined],
  ]);
});

Deno.test("decodeText: histogram lines of two label sets whose hashes collide are two metrics", () => {
  const [one, two] = collidingLabelSets();
  const text = "# TYPE h histogram\n" +
    `h_bucket{${labelSetText(one)},le="+Inf"} 1\n` +
    `h_bucket{${labelSetText(two)},le="+Inf"} 2\n` +
    `h_count{${labelSetText(two)}} 2\n` +
    `h_count{${labelSetText(one)}} 1\n`;
  assertEquals(decoded(text)[0]!.metrics, [
    { labels: one, buckets: [{ upperBound: Infinity, count: 1 }], count: 1 },
    { labels: two, buckets: [{ upperBound: Infinity, count: 2 }], count: 2 },
  ]);
});

Deno.test("decodeText: the same labels at another timestamp are another metric", () => {
  const text = "# TYPE s summary\n" +
    's{quantile="0.5"} 1 1000\ns_sum 2 1000\ns{quantile="0.5"} 3 2000\ns_sum 4 2000\n' +
    "s_count 5 1000\n";
  const metrics = decoded(text)[0]!.metrics as SummaryMetric[];
  assertEquals(metrics, [
    { labels: [], timestampMs: 1000, quantiles: [{ quantile: 0.5, value: 1 }], sum: 2, count: 5 },
    { labels: [], timestampMs: 2000, quantiles: [{ quantile: 0.5, value: 3 }], sum: 4 },
  ]);
});

Deno.test("decodeText: le and quantile written otherwise than Go writes them are kept", () => {
  const text = '# TYPE h histogram\nh_bucket{le="1.0"} 1\nh_bucket{le="+inf"} 2\n' +
    '# TYPE s summary\ns{quantile="0.50"} 1\n';
  const [h, s] = decoded(text);
  assertEquals((h!.metrics[0] as HistogramMetric).buckets, [
    { upperBound: 1, count: 1, le: "1.0" },
    { upperBound: Infinity, count: 2, le: "+inf" },
  ]);
  assertEquals((s!.metrics[0] as SummaryMetric).quantiles, [
    { quantile: 0.5, value: 1, label: "0.50" },
  ]);
  // And written back as they were.
  assertEquals(
    encoded(decode(text)),
    '# TYPE h histogram\nh_bucket{le="1.0"} 1\nh_bucket{le="+inf"} 2\n' +
      '# TYPE s summary\ns{quantile="0.50"} 1\n',
  );
});

// --- The store ---------------------------------------------------------------------------------

Deno.test("decodeText: canonical label sets stay in the body; others are written canonical", () => {
  const body = bytes('m{a="1",b="2"} 1\nm{ b="2", a="1" } 2\nm{a="1",} 3\nm 4\n');
  const { store } = decodeText(body);
  assertEquals(store.length, 4);
  assertEquals(store.input, body);
  const span = (i: number) => {
    const start = store.start[i]!;
    const offset = store.offsetAt(start);
    return text(store.bytesAt(start).subarray(start - offset, store.end[i]! - offset));
  };
  // The first points into the body, the others into aux.
  assert(store.start[0]! < store.inputLength && store.start[1]! >= store.inputLength);
  assertEquals([0, 1, 2, 3].map(span), ['a="1",b="2"', 'b="2",a="1"', 'a="1"', ""]);
  // The same series in another order has the same hash; values and roles are kept.
  assertEquals(store.hash[0], store.hash[1]);
  assertEquals(store.hash[0], decodeText(bytes('m{b="2",a="1"} 9\n')).store.hash[0]);
  assert(store.hash[0] !== store.hash[2]);
  assertEquals([...store.value.subarray(0, 4)], [1, 2, 3, 4]);
  assertEquals([...store.labelNames].sort(), ["a", "b"]);
  assertEquals(store.quotedLabelNames, false);
});

// --- Fixtures ----------------------------------------------------------------------------------

Deno.test("decodeText: node_exporter fixture has go_gc_duration_seconds as a summary", () => {
  const families = decoded(fixture("node_exporter_1.5.prom"));
  const gc = families.find((f) => f.name === "go_gc_duration_seconds");
  assert(gc !== undefined);
  assertEquals(gc.type, "summary");
  assertEquals(gc.help, "A summary of the pause duration of garbage collection cycles.");
  assertEquals(gc.metrics.length, 1);
  const metric = gc.metrics[0] as SummaryMetric;
  assertEquals(metric.quantiles.length, 5);
  assertEquals(metric.quantiles[0], { quantile: 0, value: 1.4392e-05 });
  assertEquals([metric.sum, metric.count], [0.027334183, 1365]);
  // No family was split: every name appears once.
  assertEquals(new Set(families.map((f) => f.name)).size, families.length);
});

Deno.test("decodeText: prometheus fixture has its histograms with 15 buckets, _sum and _count", () => {
  const families = decoded(fixture("prometheus_2.42.prom"));
  const h = families.find((f) => f.name === "prometheus_tsdb_compaction_duration_seconds");
  assert(h !== undefined);
  assertEquals(h.type, "histogram");
  assertEquals(h.metrics.length, 1);
  const metric = h.metrics[0] as HistogramMetric;
  assertEquals(metric.buckets.length, 15);
  assertEquals(metric.buckets[14]!.upperBound, Infinity);
  assert(metric.sum !== undefined && metric.count !== undefined);
  assertEquals(families.filter((f) => f.type === "histogram").length, 5);
});

Deno.test("decodeText: python_client fixture has escaped label values, NaN, +Inf, le first", () => {
  const families = decoded(fixture("python_client.prom"));
  const queue = families.find((f) => f.name === "queue_depth_bytes");
  assert(queue !== undefined);
  assertEquals(queue.help, 'Queue depth with a "quoted" help and back\\slash.');
  const metrics = queue.metrics as ValueMetric[];
  assertEquals(metrics[0]!.labels, [{ name: "queue", value: 'we"ird\\la\nbel' }]);
  assert(Number.isNaN(metrics[0]!.value));
  assertEquals(metrics[1]!.value, Infinity);
  const latency = families.find((f) => f.name === "request_latency_seconds");
  // `le` is written first there: the four buckets, count and sum are still one metric.
  assertEquals(latency?.metrics, [{
    labels: [{ name: "path", value: "/api" }],
    buckets: [
      { upperBound: 0.01, count: 0 },
      { upperBound: 0.1, count: 1 },
      { upperBound: 1, count: 1, le: "1.0" },
      { upperBound: Infinity, count: 2 },
    ],
    count: 2,
    sum: 2.05,
  }]);
});

const goFixtures = [
  "blackbox_exporter.prom",
  "blackbox_probe.prom",
  "exporter_exporter.prom",
  "node_exporter_1.5.prom",
  "prometheus_2.42.prom",
  "pushgateway.prom",
];

/** Decodes `text`, merges it as the one source of a path, and encodes it as text 0.0.4. */
function throughMerge(text: string): string {
  const exposition = decode(text);
  const { families, conflicts } = mergeSources([{ exporterName: "x", exposition }]);
  assertEquals(conflicts, []);
  const out = encodeText(families);
  return new TextDecoder().decode(out.body);
}

for (const name of goFixtures) {
  Deno.test(`round trip: encodeText(mergeSources(decodeText(x))) is exactly ${name}`, () => {
    const text = fixture(name);
    assert(decoded(text).length > 0);
    assertEquals(throughMerge(text), text);
  });
}

for (const name of [...goFixtures, "python_client.prom"]) {
  Deno.test(`round trip: decode(encode(decode(x))) equals decode(x) for ${name}`, () => {
    const first = decoded(fixture(name));
    assertEquals(decoded(encoded(decode(fixture(name)))), first);
  });
}

Deno.test("round trip: python_client.prom is re-encoded Go style", () => {
  const out = throughMerge(fixture("python_client.prom"));
  assertStringIncludes(out, '\nhttp_requests_total{code="200",method="get"} 1027\n');
  assertStringIncludes(out, "\nrpc_duration_seconds_sum 0.3\n");
  assertStringIncludes(
    out,
    '\nhttp_requests_created{code="200",method="get"} 1.7956123807250628e+09\n',
  );
  // Labels are kept as written (le first), values as Go writes them.
  assertStringIncludes(out, '\nrequest_latency_seconds_bucket{le="1.0",path="/api"} 1\n');
});

Deno.test("decodeText: the OpenMetrics fixture fails on its exemplar, line 15", () => {
  const error = assertThrows(() => decode(fixture("python_client.openmetrics")), DecodeError);
  assertEquals(error.line, 15);
  assertStringIncludes(error.message, "line 15, column ");
  assertStringIncludes(error.message, '"#"');
});

// --- Invalid input -----------------------------------------------------------------------------

Deno.test("DecodeError: is an Error named DecodeError with line, column and message", () => {
  const error = new DecodeError("some reason", { line: 4, column: 2 });
  assert(error instanceof Error);
  assertEquals(error.name, "DecodeError");
  assertEquals([error.line, error.column], [4, 2]);
  assertEquals(error.message, "line 4, column 2: some reason");
  assertEquals(error.invalidUtf8, false);
});

Deno.test("decodeText: an invalid value on line 3", () => {
  decodeFails("a 1\nb 2\nc abc\n", 3, 3, 'invalid value "abc"');
});

Deno.test("decodeText: line numbers count CRLF lines, comments and blank lines", () => {
  decodeFails("# HELP a x\r\n\r\n# comment\r\na 1\r\na x\r\n", 5, 3, "invalid value");
});

Deno.test("decodeText: hex, octal, binary and other non-float values are rejected", () => {
  decodeFails("m 0x10\n", 1, 3, 'invalid value "0x10"');
  decodeFails("m 0X10\n", 1, 3, "invalid value");
  decodeFails("m -0x10\n", 1, 3, "invalid value");
  decodeFails("m 0o7\n", 1, 3, "invalid value");
  decodeFails("m 0b1\n", 1, 3, "invalid value");
  decodeFails("m 1_000\n", 1, 3, "invalid value");
  decodeFails("m 1e\n", 1, 3, "invalid value");
  decodeFails("m 1.2.3\n", 1, 3, "invalid value");
  decodeFails("m -nan\n", 1, 3, "invalid value");
  decodeFails("m true\n", 1, 3, "invalid value");
  decodeFails("m +\n", 1, 3, "invalid value");
});

Deno.test("decodeText: a bad escape in a label value", () => {
  decodeFails('m{a="x\\ty"} 1\n', 1, 7, "invalid escape sequence");
  decodeFails('ok 1\nm{a="\\x"} 1\n', 2, 6, "invalid escape sequence");
});

Deno.test("decodeText: an unterminated label value", () => {
  decodeFails('m{a="x} 1\n', 1, 10, "unterminated label value");
  decodeFails('m{a="x\ny"} 1\n', 1, 7, "unterminated label value");
  decodeFails('m{a="x', 1, 7, "unterminated label value");
  decodeFails('m{a="x\\', 1, 7, "invalid escape sequence");
});

Deno.test("decodeText: a duplicate label name", () => {
  decodeFails('m{a="x",b="y",a="z"} 1\n', 1, 15, "duplicate label a");
});

Deno.test("decodeText: malformed label sets", () => {
  decodeFails("m{,} 1\n", 1, 3, "invalid label name");
  decodeFails('m{1a="x"} 1\n', 1, 3, "invalid label name");
  decodeFails('m{a:b="x"} 1\n', 1, 4, 'expected "=" after label a');
  decodeFails("m{a=x} 1\n", 1, 5, "expected '\"'");
  decodeFails('m{a="x" b="y"} 1\n', 1, 9, 'expected "," or "}"');
  decodeFails('m{a="x"\n', 1, 8, 'expected "," or "}"');
  decodeFails('m{"my.label"="x"} 1\n', 1, 3, "quoted label names are not supported");
});

Deno.test("decodeText: an unknown TYPE", () => {
  decodeFails("# TYPE m foo\n", 1, 10, 'unknown metric type "foo"');
  decodeFails("# TYPE m Counter\n", 1, 10, "unknown metric type");
  decodeFails("# TYPE m\n", 1, 9, 'unknown metric type ""');
  decodeFails("# TYPE m gauge extra\n", 1, 16, "unexpected text after metric type");
});

Deno.test("decodeText: a TYPE after the family's samples, or a second TYPE of another type", () => {
  decodeFails("m 1\n# TYPE m counter\n", 2, 8, "TYPE line for m after its samples");
  decodeFails("# TYPE m counter\n# TYPE m gauge\n", 2, 8, "second TYPE line for m");
});

Deno.test("decodeText: a histogram bucket without le", () => {
  decodeFails('# TYPE h histogram\nh_bucket{x="1"} 1\n', 2, 1, 'has no "le" label');
  decodeFails('# TYPE h histogram\nh_bucket{le="1"} 1\nh_bucket 2\n', 3, 1, "h_bucket");
});

Deno.test("decodeText: a bare sample named like its histogram", () => {
  decodeFails("# TYPE h histogram\nh 1\n", 2, 1, "must be named h_bucket, h_sum or h_count");
});

Deno.test("decodeText: a summary quantile without quantile", () => {
  decodeFails("# TYPE s summary\ns 1\n", 2, 1, 'has no "quantile" label');
});

Deno.test("decodeText: missing values and bad timestamps", () => {
  decodeFails("m\n", 1, 2, "missing value");
  decodeFails("m \n", 1, 3, "missing value");
  decodeFails('m{a="b"}\n', 1, 9, "missing value");
  decodeFails("m 1 1.5\n", 1, 5, 'invalid timestamp "1.5"');
  decodeFails("m 1 -\n", 1, 5, "invalid timestamp");
  decodeFails("m 1 2 3\n", 1, 7, "unexpected text after timestamp");
});

Deno.test("decodeText: invalid metric names", () => {
  decodeFails("1m 1\n", 1, 1, "invalid metric name");
  decodeFails("m.x 1\n", 1, 1, "invalid metric name");
  decodeFails("ok 1\n  m-x 1\n", 2, 3, "invalid metric name");
  decodeFails("# HELP m.x text\n", 1, 8, "invalid metric name");
  decodeFails("# TYPE 1m counter\n", 1, 8, "invalid metric name");
});

Deno.test('decodeText: a quoted metric name {"my.metric"} is rejected by 0.0.4 at its position', () => {
  // Changed on purpose: text 1.0.0 accepts them (text_utf8_test.ts); 0.0.4 still refuses them.
  decodeFails('{"my.metric"} 1\n', 1, 1, "quoted metric names are not supported");
  decodeFails('ok 1\n{"my.metric",a="b"} 1\n', 2, 1, "quoted metric names are not supported");
  decodeFails('# HELP "my.metric" text\n', 1, 8, "quoted metric names are not supported");
  decodeFails('# TYPE "my.metric" gauge\n', 1, 8, "quoted metric names are not supported");
});

Deno.test("decodeText: a lone carriage return is not a line ending", () => {
  const error = assertThrows(() => decode("a 1\rb 2\n"), DecodeError);
  assertEquals(error.line, 1);
  assertStringIncludes(error.message, "carriage return");
});

Deno.test("decodeText: the error is thrown even after many valid families", () => {
  const text = fixture("node_exporter_1.5.prom");
  const lines = text.split("\n").length; // The final newline makes one more, empty, line.
  decodeFails(text + "broken{\n", lines, 8, "invalid label name");
});

Deno.test("decodeText: values and timestamps out of range are positioned errors", () => {
  decodeFails("m 1e400\n", 1, 3, "out of range");
  decodeFails("m -1e400\n", 1, 3, "out of range");
  decodeFails("m 1 1000000000000000000000\n", 1, 5, "invalid timestamp");
  decodeFails("m 1 9223372036854775807\n", 1, 5, "invalid timestamp");
  assertEquals(values("m +Inf -9007199254740991\n")[0]!.timestampMs, -9007199254740991);
});

Deno.test("decodeText: a carriage return inside a HELP line is an error", () => {
  decodeFails("# HELP m x\r\r\nm 1\n", 1, 11, "carriage return");
  assertEquals(only("# HELP m x\r\nm 1\r\n").help, "x");
});

Deno.test("decodeText: duplicate labels are found among many labels", () => {
  let labels = "";
  for (let i = 0; i < 40; i++) labels += `l${i}="${i}",`;
  decodeFails(`m{${labels}l7="again"} 1\n`, 1, 3 + labels.length, "duplicate label l7");
});

Deno.test("decodeText: invalid UTF-8 is a positioned error that says so", () => {
  const cases: [number[], number, number][] = [
    // A continuation byte alone, in a label value.
    [[...bytes('m{a="x'), 0x80, ...bytes('"} 1\n')], 1, 7],
    // An overlong "/" in a HELP text, on line 2.
    [[...bytes("a 1\n# HELP m x"), 0xc0, 0xaf, 10], 2, 11],
    // A surrogate (U+D800) in a comment.
    [[...bytes("# c "), 0xed, 0xa0, 0x80, 10], 1, 5],
    // A truncated sequence at the end of a value token.
    [[...bytes("m 1"), 0xe2, 0x82], 1, 4],
    // After a two-byte character, columns count characters.
    [[...bytes('m{a="\u00e9'), 0xff, ...bytes('"} 1\n')], 1, 7],
  ];
  for (const [input, line, column] of cases) {
    const error = assertThrows(() => decodeText(Uint8Array.from(input)), DecodeError);
    assertEquals(
      [error.line, error.column, error.invalidUtf8],
      [line, column, true],
      error.message,
    );
    assertStringIncludes(error.message, "invalid UTF-8");
  }
  // Other errors are not said to be invalid UTF-8.
  assertEquals(assertThrows(() => decode("m x\n"), DecodeError).invalidUtf8, false);
});
