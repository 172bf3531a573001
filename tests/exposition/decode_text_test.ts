import { assert, assertEquals, assertStringIncludes, assertThrows } from "../_assert.ts";
import { DecodeError, decodeText, encodeText } from "../../src/exposition/mod.ts";
import type { MetricFamily } from "../../src/exposition/mod.ts";
import { assertDecodeFails, fixture, smp } from "./_samples.ts";

/** The only family decoded from `text`. */
function only(text: string): MetricFamily {
  const families = decodeText(text);
  assertEquals(families.length, 1, `expected one family, got ${families.map((f) => f.name)}`);
  return families[0]!;
}

/** The value of the only sample decoded from `text`. */
function valueOf(text: string): number {
  const family = only(text);
  assertEquals(family.samples.length, 1);
  return family.samples[0]!.value;
}

/** Asserts that decoding `text` fails at `line` and `column`, and returns the error. */
function decodeFails(
  text: string,
  line: number,
  column: number,
  messageIncludes?: string,
): DecodeError {
  return assertDecodeFails(decodeText, text, { line, column, messageIncludes });
}

// --- Well-formed input -------------------------------------------------------------------------

Deno.test("decodeText: a typed family with HELP, labels and values", () => {
  const text = "# HELP http_requests_total Total requests.\n" +
    "# TYPE http_requests_total counter\n" +
    'http_requests_total{code="200",method="get"} 1027\n' +
    'http_requests_total{code="500",method="post"} 3\n';
  assertEquals(decodeText(text), [{
    name: "http_requests_total",
    type: "counter",
    help: "Total requests.",
    samples: [
      smp("http_requests_total", [["code", "200"], ["method", "get"]], 1027),
      smp("http_requests_total", [["code", "500"], ["method", "post"]], 3),
    ],
  }]);
});

Deno.test("decodeText: empty input and blank lines give no families", () => {
  assertEquals(decodeText(""), []);
  assertEquals(decodeText("\n\n  \n\t\n"), []);
  assertEquals(decodeText("# just a comment\n"), []);
});

Deno.test('decodeText: label values unescape \\\\, \\" and \\n', () => {
  const family = only('m{a="back\\\\slash",b="say \\"hi\\"",c="two\\nlines",d="\\\\n"} 1\n');
  assertEquals(family.samples[0]!.labels, [
    { name: "a", value: "back\\slash" },
    { name: "b", value: 'say "hi"' },
    { name: "c", value: "two\nlines" },
    { name: "d", value: "\\n" },
  ]);
});

Deno.test("decodeText: label values keep commas, braces, equals and non-ASCII text", () => {
  const family = only('m{a="x,y}z=w",b="\u00e9\u6f22"} 1\n');
  assertEquals(family.samples[0]!.labels, [
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

Deno.test("decodeText: negative values", () => {
  assertEquals(valueOf("m -1\n"), -1);
  assertEquals(valueOf("m -0.25\n"), -0.25);
  assertEquals(valueOf("m -1.5e-05\n"), -0.000015);
  assertEquals(valueOf("m -.5\n"), -0.5);
});

Deno.test("decodeText: timestamps are kept, negative ones too", () => {
  const family = only("m 1 1700000000000\nm 2 -1500\nm 3 +42\nm 4\n");
  assertEquals(family.samples, [
    smp("m", [], 1, 1700000000000),
    smp("m", [], 2, -1500),
    smp("m", [], 3, 42),
    smp("m", [], 4),
  ]);
  assertEquals(family.samples[3]!.timestampMs, undefined);
});

Deno.test("decodeText: a histogram's _bucket, _sum and _count are one family", () => {
  const text = "# HELP h Latency.\n# TYPE h histogram\n" +
    'h_bucket{le="0.1"} 1\nh_bucket{le="+Inf"} 2\nh_sum 0.3\nh_count 2\n';
  assertEquals(decodeText(text), [{
    name: "h",
    type: "histogram",
    help: "Latency.",
    samples: [
      smp("h_bucket", [["le", "0.1"]], 1),
      smp("h_bucket", [["le", "+Inf"]], 2),
      smp("h_sum", [], 0.3),
      smp("h_count", [], 2),
    ],
  }]);
});

Deno.test("decodeText: a summary's quantiles, _sum and _count are one family", () => {
  const text = "# TYPE s summary\n" +
    's{quantile="0.5"} 1.5\ns{quantile="0.99"} 3\ns_sum 10\ns_count 4\n';
  assertEquals(decodeText(text), [{
    name: "s",
    type: "summary",
    samples: [
      smp("s", [["quantile", "0.5"]], 1.5),
      smp("s", [["quantile", "0.99"]], 3),
      smp("s_sum", [], 10),
      smp("s_count", [], 4),
    ],
  }]);
});

Deno.test("decodeText: a summary without quantiles has only _sum and _count", () => {
  const family = only("# TYPE s summary\ns_count 1\ns_sum 0.3\n");
  assertEquals(family.type, "summary");
  assertEquals(family.samples.map((s) => s.name), ["s_count", "s_sum"]);
});

Deno.test("decodeText: _bucket of a summary and _sum of a gauge are families of their own", () => {
  const families = decodeText(
    "# TYPE s summary\ns_bucket 1\n# TYPE g gauge\ng 1\ng_sum 2\n",
  );
  assertEquals(
    families.map((f) => [f.name, f.type, f.samples.length]),
    [["s", "summary", 0], ["s_bucket", "untyped", 1], ["g", "gauge", 1], ["g_sum", "untyped", 1]],
  );
});

Deno.test("decodeText: samples without HELP or TYPE are untyped families without help", () => {
  const families = decodeText('a 1\nb{x="y"} 2\n');
  assertEquals(families, [
    { name: "a", type: "untyped", samples: [smp("a", [], 1)] },
    { name: "b", type: "untyped", samples: [smp("b", [["x", "y"]], 2)] },
  ]);
  assert(!("help" in families[0]!), "an absent HELP is no help property");
});

Deno.test("decodeText: a HELP line without TYPE gives an untyped family", () => {
  assertEquals(decodeText("# HELP a Some help.\na 1\n"), [
    { name: "a", type: "untyped", help: "Some help.", samples: [smp("a", [], 1)] },
  ]);
});

Deno.test("decodeText: HELP after TYPE, and TYPE after HELP, both apply", () => {
  assertEquals(decodeText("# TYPE a gauge\n# HELP a Help.\na 1\n"), [
    { name: "a", type: "gauge", help: "Help.", samples: [smp("a", [], 1)] },
  ]);
});

Deno.test("decodeText: comments that are neither HELP nor TYPE are skipped", () => {
  const text = "# a comment\n#another\n# HELPER m not help\n# TYPEFACE m counter\n" +
    "# EOF\n#\n# HELP\n# TYPE\nm 1\n# trailing comment";
  assertEquals(decodeText(text), [{ name: "m", type: "untyped", samples: [smp("m", [], 1)] }]);
});

Deno.test("decodeText: blank and whitespace-only lines are skipped", () => {
  const text = '\n# TYPE m gauge\n\n   \n\t\nm 1\n\n\nm{a="b"} 2\n\n';
  assertEquals(decodeText(text), [{
    name: "m",
    type: "gauge",
    samples: [smp("m", [], 1), smp("m", [["a", "b"]], 2)],
  }]);
});

Deno.test("decodeText: blanks and tabs around tokens", () => {
  const family = only('  m\t{ a = "b" ,\tc="d" }\t 1 \t 7 \t\n');
  assertEquals(family.samples, [smp("m", [["a", "b"], ["c", "d"]], 1, 7)]);
});

Deno.test("decodeText: CRLF line endings", () => {
  const lf = '# HELP m Help.\n# TYPE m gauge\nm{a="b"} 1 5\n\n# comment\nm 2\n';
  const crlf = lf.replaceAll("\n", "\r\n");
  const family = only(crlf);
  assertEquals(family.help, "Help.");
  assertEquals(family.samples, [smp("m", [["a", "b"]], 1, 5), smp("m", [], 2)]);
  assertEquals(decodeText(crlf), decodeText(lf));
});

Deno.test("decodeText: a missing final newline", () => {
  assertEquals(only("# TYPE m gauge\nm 1").samples, [smp("m", [], 1)]);
  assertEquals(only("m 1 123").samples, [smp("m", [], 1, 123)]);
  assertEquals(only('m{a="b"} NaN').samples.length, 1);
  assertEquals(only("# HELP m No newline.").help, "No newline.");
  assertEquals(only("# HELP m CR at the end.\r").help, "CR at the end.");
});

Deno.test("decodeText: an empty label set {}", () => {
  assertEquals(only("m{} 1\n").samples, [smp("m", [], 1)]);
  assertEquals(only("m{ } 1\n").samples, [smp("m", [], 1)]);
  assertEquals(only("m{}1\n").samples, [smp("m", [], 1)]);
});

Deno.test("decodeText: a trailing comma in a label set", () => {
  assertEquals(only('m{a="b",} 1\n').samples, [smp("m", [["a", "b"]], 1)]);
  assertEquals(only('m{a="b",c="d" , } 1\n').samples, [smp("m", [["a", "b"], ["c", "d"]], 1)]);
});

Deno.test("decodeText: whitespace between the metric name and {", () => {
  assertEquals(only('m {a="b"} 1\n').samples, [smp("m", [["a", "b"]], 1)]);
  assertEquals(only('m \t {a="b"} 1\n').samples, [smp("m", [["a", "b"]], 1)]);
});

Deno.test("decodeText: names with colons, digits and underscores", () => {
  const family = only('job:rate5m:sum_2{_l1="x",L_2="y"} 1\n');
  assertEquals(family.name, "job:rate5m:sum_2");
  assertEquals(family.samples[0]!.labels.map((l) => l.name), ["_l1", "L_2"]);
});

Deno.test("decodeText: samples of a family met again later join that family", () => {
  const text = "# TYPE a counter\na 1\n# TYPE b gauge\nb 2\na 3\nc 4\nb 5\nc 6\n";
  assertEquals(decodeText(text), [
    { name: "a", type: "counter", samples: [smp("a", [], 1), smp("a", [], 3)] },
    { name: "b", type: "gauge", samples: [smp("b", [], 2), smp("b", [], 5)] },
    { name: "c", type: "untyped", samples: [smp("c", [], 4), smp("c", [], 6)] },
  ]);
});

Deno.test("decodeText: histogram samples met again after another family join the histogram", () => {
  const text = '# TYPE h histogram\nh_bucket{le="+Inf"} 2\nother 1\nh_sum 3\nh_count 2\n';
  const families = decodeText(text);
  assertEquals(families.map((f) => f.name), ["h", "other"]);
  assertEquals(families[0]!.samples.map((s) => s.name), ["h_bucket", "h_sum", "h_count"]);
});

Deno.test("decodeText: families are in order of first appearance", () => {
  const text = "z 1\n# HELP a A.\n# TYPE m gauge\nm 1\na 2\n";
  assertEquals(decodeText(text).map((f) => f.name), ["z", "a", "m"]);
});

Deno.test("decodeText: a duplicate HELP keeps the first", () => {
  const text = "# HELP m first\n# TYPE m gauge\nm 1\n# HELP m second\nm 2\n";
  const family = only(text);
  assertEquals(family.help, "first");
  assertEquals(family.samples.length, 2);
});

Deno.test("decodeText: a repeated TYPE with the same type is accepted", () => {
  const family = only("# TYPE m gauge\nm 1\n# TYPE m gauge\nm 2\n");
  assertEquals(family.type, "gauge");
  assertEquals(family.samples.map((s) => s.value), [1, 2]);
});

Deno.test("decodeText: TYPE untyped is a type like the others", () => {
  assertEquals(only("# TYPE m untyped\nm 1\n").type, "untyped");
});

// --- Fixtures ----------------------------------------------------------------------------------

Deno.test("decodeText: node_exporter fixture has go_gc_duration_seconds as a summary", () => {
  const families = decodeText(fixture("node_exporter_1.5.prom"));
  const gc = families.find((f) => f.name === "go_gc_duration_seconds");
  assert(gc !== undefined);
  assertEquals(gc.type, "summary");
  assertEquals(
    gc.help,
    "A summary of the pause duration of garbage collection cycles.",
  );
  assertEquals(gc.samples.length, 7);
  assertEquals(gc.samples[0], smp("go_gc_duration_seconds", [["quantile", "0"]], 1.4392e-05));
  assertEquals(gc.samples[6], smp("go_gc_duration_seconds_count", [], 1365));
  // No family was split: every name appears once.
  assertEquals(new Set(families.map((f) => f.name)).size, families.length);
});

Deno.test("decodeText: prometheus fixture has its histograms with 15 buckets, _sum and _count", () => {
  const families = decodeText(fixture("prometheus_2.42.prom"));
  const h = families.find((f) => f.name === "prometheus_tsdb_compaction_duration_seconds");
  assert(h !== undefined);
  assertEquals(h.type, "histogram");
  assertEquals(h.samples.length, 17);
  assertEquals(h.samples.filter((s) => s.name.endsWith("_bucket")).length, 15);
  assertEquals(h.samples[14]!.labels, [{ name: "le", value: "+Inf" }]);
  assertEquals(families.filter((f) => f.type === "histogram").length, 5);
});

Deno.test("decodeText: python_client fixture has escaped label values, NaN and +Inf", () => {
  const families = decodeText(fixture("python_client.prom"));
  const queue = families.find((f) => f.name === "queue_depth_bytes");
  assert(queue !== undefined);
  assertEquals(queue.help, 'Queue depth with a "quoted" help and back\\slash.');
  assertEquals(queue.samples[0]!.labels, [{ name: "queue", value: 'we"ird\\la\nbel' }]);
  assert(Number.isNaN(queue.samples[0]!.value));
  assertEquals(queue.samples[1]!.value, Infinity);
  const latency = families.find((f) => f.name === "request_latency_seconds");
  assertEquals(latency?.samples.length, 6);
});

const goFixtures = [
  "blackbox_exporter.prom",
  "blackbox_probe.prom",
  "exporter_exporter.prom",
  "node_exporter_1.5.prom",
  "prometheus_2.42.prom",
  "pushgateway.prom",
];

for (const name of goFixtures) {
  Deno.test(`round trip: encodeText(decodeText(x)) is exactly ${name}`, () => {
    const text = fixture(name);
    const families = decodeText(text);
    assert(families.length > 0);
    assertEquals(encodeText(families), text);
  });
}

for (const name of [...goFixtures, "python_client.prom"]) {
  Deno.test(`round trip: decode(encode(decode(x))) equals decode(x) for ${name}`, () => {
    const decoded = decodeText(fixture(name));
    assertEquals(decodeText(encodeText(decoded)), decoded);
  });
}

Deno.test("round trip: python_client.prom is re-encoded Go style", () => {
  const encoded = encodeText(decodeText(fixture("python_client.prom")));
  assertStringIncludes(encoded, '\nhttp_requests_total{code="200",method="get"} 1027\n');
  assertStringIncludes(encoded, "\nrpc_duration_seconds_sum 0.3\n");
  assertStringIncludes(
    encoded,
    '\nhttp_requests_created{code="200",method="get"} 1.7956123807250628e+09\n',
  );
});

Deno.test("decodeText: the OpenMetrics fixture fails on its exemplar, line 15", () => {
  const error = assertThrows(
    () => decodeText(fixture("python_client.openmetrics")),
    DecodeError,
  );
  assertEquals(error.line, 15);
  assertStringIncludes(error.message, "line 15, column ");
  assertStringIncludes(error.message, '"#"');
});

// --- Invalid input -----------------------------------------------------------------------------

Deno.test("DecodeError: is an Error named DecodeError with line, column and message", () => {
  const error = new DecodeError("some reason", 4, 2);
  assert(error instanceof Error);
  assertEquals(error.name, "DecodeError");
  assertEquals([error.line, error.column], [4, 2]);
  assertEquals(error.message, "line 4, column 2: some reason");
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

Deno.test('decodeText: a quoted metric name {"my.metric"} is rejected at its position', () => {
  decodeFails('{"my.metric"} 1\n', 1, 1);
  decodeFails('ok 1\n{"my.metric",a="b"} 1\n', 2, 1);
  decodeFails('# HELP "my.metric" text\n', 1, 8, "quoted metric names are not supported");
  decodeFails('# TYPE "my.metric" gauge\n', 1, 8, "quoted metric names are not supported");
});

Deno.test({
  name: 'decodeText: a quoted metric name {"my.metric"} is rejected with a clear message',
  fn() {
    decodeFails('{"my.metric"} 1\n', 1, 1, "quoted metric names are not supported");
  },
});

Deno.test("decodeText: a lone carriage return is not a line ending", () => {
  const error = assertThrows(() => decodeText("a 1\rb 2\n"), DecodeError);
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
  assertEquals(only("m +Inf -9007199254740991\n").samples[0]!.timestampMs, -9007199254740991);
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
