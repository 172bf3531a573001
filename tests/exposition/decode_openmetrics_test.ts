import { assert, assertEquals, assertThrows } from "../_assert.ts";
import {
  DecodeError,
  decodeExposition,
  decodeOpenMetrics,
  decodeText,
  expositionFormat,
} from "../../src/exposition/mod.ts";
import type { MetricFamily } from "../../src/exposition/mod.ts";
import { assertDecodeFails, fam, fixture, smp } from "./_samples.ts";

/** An OpenMetrics exposition of these lines, ended by `# EOF` and a newline. */
function om(...lines: string[]): string {
  return [...lines, "# EOF"].join("\n") + "\n";
}

/** The only family decoded from the OpenMetrics `lines`. */
function only(...lines: string[]): MetricFamily {
  const families = decodeOpenMetrics(om(...lines));
  assertEquals(families.length, 1, `expected one family, got ${families.map((f) => f.name)}`);
  return families[0]!;
}

/** The value of the only sample of `name value`, decoded as OpenMetrics. */
function valueOf(token: string): number {
  const family = only(`m ${token}`);
  assertEquals(family.samples.length, 1);
  return family.samples[0]!.value;
}

/** Asserts that decoding `text` as OpenMetrics fails at `line` and `column`. */
function decodeFails(
  text: string,
  line: number,
  column: number,
  messageIncludes?: string,
): DecodeError {
  return assertDecodeFails(decodeOpenMetrics, text, { line, column, messageIncludes });
}

// --- # EOF -------------------------------------------------------------------------------------

Deno.test("decodeOpenMetrics: # EOF alone, with or without its newline, is an empty exposition", () => {
  assertEquals(decodeOpenMetrics("# EOF"), []);
  assertEquals(decodeOpenMetrics("# EOF\n"), []);
});

Deno.test("decodeOpenMetrics: # EOF is required, the error is at the end of the input", () => {
  decodeFails("", 1, 1, 'missing "# EOF"');
  decodeFails("m 1\n", 2, 1, 'missing "# EOF"');
  decodeFails("# TYPE m gauge\nm 1", 2, 4, 'missing "# EOF"');
  decodeFails("# HELP m help\n", 2, 1, 'missing "# EOF"');
});

Deno.test("decodeOpenMetrics: nothing may follow # EOF but one newline", () => {
  decodeFails("# EOF\nm 1\n", 2, 1, 'unexpected data after "# EOF"');
  decodeFails("# EOF\n\n", 2, 1, 'unexpected data after "# EOF"');
  decodeFails("m 1\n# EOF\n# EOF\n", 3, 1, 'unexpected data after "# EOF"');
  decodeFails("# EOF ", 1, 6, 'unexpected text after "# EOF"');
  decodeFails("# EOFX\n", 1, 6, 'unexpected text after "# EOF"');
  decodeFails("# EOF\r\n", 1, 6, 'unexpected text after "# EOF"');
});

// --- # UNIT, exemplars and timestamps ----------------------------------------------------------

Deno.test("decodeOpenMetrics: # UNIT lines are accepted and dropped", () => {
  const family = only(
    "# TYPE foo_seconds counter",
    "# UNIT foo_seconds seconds",
    "# HELP foo_seconds Time spent.",
    "foo_seconds_total 17.5",
  );
  assertEquals(
    family,
    fam("foo_seconds_total", "counter", [smp("foo_seconds_total", [], 17.5)], "Time spent."),
  );
  // An empty unit is allowed; a unit is a metric-name-like word.
  assertEquals(only("# UNIT m ", "m 1").samples, [smp("m", [], 1)]);
  decodeFails(om("# UNIT m sec-onds"), 1, 13, 'unexpected character "-"');
  decodeFails(om("# UNIT m"), 1, 9, "missing unit");
});

Deno.test("decodeOpenMetrics: exemplars are checked and dropped", () => {
  const families = decodeOpenMetrics(om(
    "# TYPE c counter",
    'c_total{a="1"} 3 # {trace_id="abc"} 0.5',
    'c_total{a="2"} 4 1520879607.789 # {trace_id="d\\"e"} 1 1520879607.7',
    "# TYPE h histogram",
    'h_bucket{le="0.1"} 8 # {} 0.054',
    'h_bucket{le="+Inf"} 17 # {span="x",trace="y"} 9.8 1520879607.789',
    "h_count 17",
    "h_sum 324789.3",
  ));
  assertEquals(families, [
    fam("c_total", "counter", [
      smp("c_total", [["a", "1"]], 3),
      smp("c_total", [["a", "2"]], 4, 1520879607789),
    ]),
    fam("h", "histogram", [
      smp("h_bucket", [["le", "0.1"]], 8),
      smp("h_bucket", [["le", "+Inf"]], 17),
      smp("h_count", [], 17),
      smp("h_sum", [], 324789.3),
    ]),
  ]);
});

Deno.test("decodeOpenMetrics: a malformed exemplar is a positioned error", () => {
  decodeFails(om('c_total 1 # {a="b"}'), 1, 20, "missing exemplar value");
  decodeFails(om('c_total 1 # {a="b"} x'), 1, 21, 'invalid exemplar value "x"');
  decodeFails(om('c_total 1 # {a="b} 1'), 1, 21, "unterminated label value");
  decodeFails(om('c_total 1 #{a="b"} 1'), 1, 11, "expected an exemplar");
  decodeFails(om('c_total 1 # a="b" 1'), 1, 11, "expected an exemplar");
  decodeFails(om("c_total 1 2 3"), 1, 13, "expected an exemplar");
  decodeFails(om('c_total 1 # {a="b"} 1 x'), 1, 23, 'invalid timestamp "x"');
  decodeFails(om('c_total 1 # {a="b"} 1 2 3'), 1, 24, "unexpected whitespace");
  decodeFails(om('c_total 1 # {1a="b"} 1'), 1, 14, "invalid label name in exemplar");
});

Deno.test("decodeOpenMetrics: timestamps in seconds become whole milliseconds, rounded", () => {
  const family = only(
    "m 1 1520879607.789",
    "m 2 1520879607",
    "m 3 -1.5",
    "m 4 0.0015",
    "m 5 0.0004",
    "m 6 1e3",
    "m 7",
  );
  assertEquals(family.samples, [
    smp("m", [], 1, 1520879607789),
    smp("m", [], 2, 1520879607000),
    smp("m", [], 3, -1500),
    smp("m", [], 4, 2),
    smp("m", [], 5, 0),
    smp("m", [], 6, 1000000),
    smp("m", [], 7),
  ]);
  // A tiny negative timestamp rounds to 0, not to -0.
  assert(Object.is(only("m 1 -0.0004").samples[0]!.timestampMs, 0));
});

Deno.test("decodeOpenMetrics: a timestamp that is not a real number, or too large, is an error", () => {
  decodeFails(om("m 1 NaN"), 1, 5, 'invalid timestamp "NaN"');
  decodeFails(om("m 1 +Inf"), 1, 5, 'invalid timestamp "+Inf"');
  decodeFails(om("m 1 12:00"), 1, 5, 'invalid timestamp "12:00"');
  decodeFails(om("m 1 1e400"), 1, 5, "timestamp 1e400 is out of range");
  decodeFails(om("m 1 1e13"), 1, 5, "timestamp 1e13 is out of range");
  decodeFails(om("m 1 "), 1, 5, "missing timestamp");
});

// --- Family types ------------------------------------------------------------------------------

Deno.test("decodeOpenMetrics: counter foo's foo_total samples are a counter foo_total, foo_created is dropped", () => {
  assertEquals(
    only(
      "# TYPE foo counter",
      "# HELP foo Requests.",
      'foo_total{code="200"} 1027',
      'foo_created{code="200"} 1520430000.123',
      'foo_total{code="500"} 3 1520879607.789',
      'foo_created{code="500"} 1520430000.123 1520879607.789',
    ),
    fam("foo_total", "counter", [
      smp("foo_total", [["code", "200"]], 1027),
      smp("foo_total", [["code", "500"]], 3, 1520879607789),
    ], "Requests."),
  );
});

Deno.test("decodeOpenMetrics: a counter family named foo_total has samples foo_total_total", () => {
  assertEquals(
    only("# TYPE foo_total counter", "foo_total_total 1", "foo_total_created 2"),
    fam("foo_total_total", "counter", [smp("foo_total_total", [], 1)]),
  );
  decodeFails(
    om("# TYPE foo_total counter", "foo_total 1"),
    2,
    1,
    "sample foo_total does not fit counter foo_total: expected foo_total_total or foo_total_created",
  );
  decodeFails(om("# TYPE foo counter", "foo 1"), 2, 1, "expected foo_total or foo_created");
});

Deno.test("decodeOpenMetrics: gauge stays gauge, unknown and untyped samples become untyped", () => {
  assertEquals(decodeOpenMetrics(om("# TYPE g gauge", "g 1", "# TYPE u unknown", "u 2", "n 3")), [
    fam("g", "gauge", [smp("g", [], 1)]),
    fam("u", "untyped", [smp("u", [], 2)]),
    fam("n", "untyped", [smp("n", [], 3)]),
  ]);
  // "untyped" is a text 0.0.4 word, not an OpenMetrics type.
  decodeFails(om("# TYPE u untyped"), 1, 10, 'unknown metric type "untyped"');
});

Deno.test("decodeOpenMetrics: a histogram keeps buckets, _count and _sum and drops _created", () => {
  assertEquals(
    only(
      "# TYPE h histogram",
      'h_bucket{path="/",le="0.1"} 1',
      'h_bucket{path="/",le="+Inf"} 2',
      'h_count{path="/"} 2',
      'h_sum{path="/"} 0.3',
      'h_created{path="/"} 1520430000.123',
    ),
    fam("h", "histogram", [
      smp("h_bucket", [["path", "/"], ["le", "0.1"]], 1),
      smp("h_bucket", [["path", "/"], ["le", "+Inf"]], 2),
      smp("h_count", [["path", "/"]], 2),
      smp("h_sum", [["path", "/"]], 0.3),
    ]),
  );
  decodeFails(om("# TYPE h histogram", 'h_bucket{path="/"} 1'), 2, 1, 'h_bucket has no "le" label');
  decodeFails(
    om("# TYPE h histogram", "h 1"),
    2,
    1,
    "expected h_bucket, h_count, h_sum or h_created",
  );
});

Deno.test("decodeOpenMetrics: a summary keeps quantiles, _count and _sum and drops _created", () => {
  assertEquals(
    only(
      "# TYPE s summary",
      's{quantile="0.5"} 1.5',
      's{quantile="0.99"} 3',
      "s_count 4",
      "s_sum 10",
      "s_created 1520430000.123",
    ),
    fam("s", "summary", [
      smp("s", [["quantile", "0.5"]], 1.5),
      smp("s", [["quantile", "0.99"]], 3),
      smp("s_count", [], 4),
      smp("s_sum", [], 10),
    ]),
  );
  decodeFails(
    om("# TYPE s summary", 's{q="0.5"} 1'),
    2,
    1,
    'summary quantile s has no "quantile" label',
  );
});

Deno.test("decodeOpenMetrics: info foo's foo_info samples are a gauge foo_info", () => {
  assertEquals(
    only("# TYPE build info", "# HELP build Build.", 'build_info{version="1.2.3"} 1'),
    fam("build_info", "gauge", [smp("build_info", [["version", "1.2.3"]], 1)], "Build."),
  );
  decodeFails(om("# TYPE build info", "build 1"), 2, 1, "expected build_info");
});

Deno.test("decodeOpenMetrics: a stateset is a gauge of the same name", () => {
  assertEquals(
    only("# TYPE st stateset", 'st{st="a"} 0', 'st{st="bb"} 1'),
    fam("st", "gauge", [smp("st", [["st", "a"]], 0), smp("st", [["st", "bb"]], 1)]),
  );
});

Deno.test("decodeOpenMetrics: a gauge histogram is three gauges: _bucket, _gcount and _gsum", () => {
  assertEquals(
    decodeOpenMetrics(om(
      "# TYPE q gaugehistogram",
      "# HELP q Queue wait.",
      'q_bucket{le="0.1"} 20 # {trace="x"} 0.05',
      'q_bucket{le="+Inf"} 42',
      "q_gcount 42",
      "q_gsum 3289.3",
    )),
    [
      fam("q_bucket", "gauge", [
        smp("q_bucket", [["le", "0.1"]], 20),
        smp("q_bucket", [["le", "+Inf"]], 42),
      ], "Queue wait."),
      fam("q_gcount", "gauge", [smp("q_gcount", [], 42)], "Queue wait."),
      fam("q_gsum", "gauge", [smp("q_gsum", [], 3289.3)], "Queue wait."),
    ],
  );
  decodeFails(om("# TYPE q gaugehistogram", "q_bucket 1"), 2, 1, 'q_bucket has no "le" label');
  decodeFails(om("# TYPE q gaugehistogram", "q 1"), 2, 1, "expected q_bucket, q_gcount or q_gsum");
});

Deno.test("decodeOpenMetrics: a family without samples keeps its type and help, and is empty", () => {
  assertEquals(decodeOpenMetrics(om("# TYPE c counter", "# HELP c Help.", "# TYPE g gauge")), [
    fam("c_total", "counter", [], "Help."),
    fam("g", "gauge", []),
  ]);
});

// --- Escapes and values ------------------------------------------------------------------------

Deno.test('decodeOpenMetrics: label values unescape \\\\, \\" and \\n, and keep other backslashes', () => {
  const family = only(
    'm{a="back\\\\slash",b="say \\"hi\\"",c="two\\nlines",d="tab\\t",e="\\\\n"} 1',
  );
  assertEquals(family.samples[0]!.labels, [
    { name: "a", value: "back\\slash" },
    { name: "b", value: 'say "hi"' },
    { name: "c", value: "two\nlines" },
    { name: "d", value: "tab\\t" },
    { name: "e", value: "\\n" },
  ]);
});

Deno.test("decodeOpenMetrics: label values keep commas, braces, equals, NUL and non-ASCII text", () => {
  const family = only('m{a="x,y}z=w # {",b="\u00e9\u6f22\u{1f600}",c="\u0000"} 1');
  assertEquals(family.samples[0]!.labels, [
    { name: "a", value: "x,y}z=w # {" },
    { name: "b", value: "\u00e9\u6f22\u{1f600}" },
    { name: "c", value: "\u0000" },
  ]);
});

Deno.test('decodeOpenMetrics: HELP unescapes \\\\, \\" and \\n, keeps other backslashes and raw quotes', () => {
  assertEquals(
    only('# HELP m a\\\\b\\nc \\"q\\" "raw" \\t end\\', "m 1").help,
    'a\\b\nc "q" "raw" \\t end\\',
  );
});

Deno.test("decodeOpenMetrics: an empty HELP is no HELP, a second HELP is ignored", () => {
  const empty = only("# HELP m ", "m 1");
  assert(!("help" in empty), "an empty HELP gives no help property");
  assertEquals(only("# HELP m ", "# HELP m Second.", "m 1").help, "Second.");
  assertEquals(only("# HELP m First.", "# HELP m Second.", "m 1").help, "First.");
});

Deno.test("decodeOpenMetrics: values are integers, decimals, exponents, NaN and infinities", () => {
  assertEquals(valueOf("1027"), 1027);
  assertEquals(valueOf("0042"), 42);
  assertEquals(valueOf("1.5"), 1.5);
  assertEquals(valueOf("-0.25"), -0.25);
  assertEquals(valueOf("+3"), 3);
  assertEquals(valueOf("1."), 1);
  assertEquals(valueOf(".5"), 0.5);
  assertEquals(valueOf("-.5e1"), -5);
  assertEquals(valueOf("1.7956123807250628e+09"), 1795612380.7250628);
  assertEquals(valueOf("1E-3"), 0.001);
  assertEquals(valueOf("5e-324"), 5e-324);
  assert(Object.is(valueOf("-0"), -0), "-0 stays -0");
  for (const token of ["NaN", "nan", "NAN"]) assert(Number.isNaN(valueOf(token)), token);
  for (const token of ["+Inf", "Inf", "inf", "+Infinity", "infinity", "INF"]) {
    assertEquals(valueOf(token), Infinity, token);
  }
  for (const token of ["-Inf", "-inf", "-Infinity"]) assertEquals(valueOf(token), -Infinity, token);
});

Deno.test("decodeOpenMetrics: a value that is not an OpenMetrics number is a positioned error", () => {
  for (
    const token of [
      "1e",
      "e5",
      ".",
      "+",
      "0x10",
      "1_000",
      "--1",
      "1.2.3",
      "Infinit",
      "+NaN",
      "true",
    ]
  ) {
    decodeFails(om(`m ${token}`), 1, 3, `invalid value ${JSON.stringify(token)}`);
  }
  decodeFails(om("m 1e400"), 1, 3, "value 1e400 is out of range");
  decodeFails(om("m -1e400"), 1, 3, "value -1e400 is out of range");
  decodeFails(om("m"), 1, 2, "missing value");
  decodeFails(om('m{a="b"}'), 1, 9, "missing value");
});

// --- Syntax ------------------------------------------------------------------------------------

Deno.test("decodeOpenMetrics: blank lines, carriage returns and comments are errors", () => {
  decodeFails("m 1\n\n# EOF\n", 2, 1, "empty line");
  decodeFails("m 1\r\n# EOF\n", 1, 4, "carriage return");
  decodeFails("# HELP m help\r\n# EOF\n", 1, 14, "carriage return");
  decodeFails("# TYPE m gauge\r\n# EOF\n", 1, 15, "carriage return");
  decodeFails(om("m 1", "# a comment"), 2, 1, 'only "# HELP", "# TYPE", "# UNIT" and "# EOF"');
  decodeFails(om("#TYPE m gauge"), 1, 1, 'only "# HELP"');
  decodeFails(om("# type m gauge"), 1, 1, 'only "# HELP"');
  decodeFails(om("#"), 1, 1, 'only "# HELP"');
});

Deno.test("decodeOpenMetrics: tokens are separated by exactly one space", () => {
  decodeFails(om(" m 1"), 1, 1, "invalid metric name");
  decodeFails(om("m  1"), 1, 3, "missing value");
  decodeFails(om("m\t1"), 1, 2, "expected a space before the value");
  decodeFails(om("m 1\t2"), 1, 4, "unexpected whitespace");
  decodeFails(om("m 1 2 "), 1, 7, "expected an exemplar");
  decodeFails(om("# TYPE  m gauge"), 1, 8, "invalid metric name");
  decodeFails(om("# TYPE m  gauge"), 1, 10, 'unknown metric type ""');
  decodeFails(om("# TYPE m gauge "), 1, 15, "unexpected whitespace");
  decodeFails(om("# HELP m"), 1, 9, "missing help text");
  decodeFails(om("# TYPE m"), 1, 9, "missing metric type");
});

Deno.test("decodeOpenMetrics: label sets have no blanks; a trailing comma is accepted", () => {
  assertEquals(only('m{a="1",b="2",} 1').samples, [smp("m", [["a", "1"], ["b", "2"]], 1)]);
  assertEquals(only("m{} 1").samples, [smp("m", [], 1)]);
  decodeFails(om('m{a = "1"} 1'), 1, 4, 'expected "=" after label a');
  decodeFails(om('m{a= "1"} 1'), 1, 5, "expected '\"' to open the value of a");
  decodeFails(om('m{a="1", b="2"} 1'), 1, 9, "invalid label name");
  decodeFails(om('m{a="1" } 1'), 1, 8, 'expected "," or "}"');
  decodeFails(om('m {a="1"} 1'), 1, 3, 'invalid value "{a=\\"1\\"}"');
  decodeFails(om("m{,} 1"), 1, 3, "invalid label name");
  decodeFails(om('m{a="1",,} 1'), 1, 9, "invalid label name");
});

Deno.test("decodeOpenMetrics: bad label names, duplicates and unterminated values", () => {
  decodeFails(om('m{1a="x"} 1'), 1, 3, "invalid label name");
  decodeFails(om('m{"a"="x"} 1'), 1, 3, "quoted label names are not supported");
  decodeFails(om('m{a="x",a="y"} 1'), 1, 9, "duplicate label a");
  decodeFails('m{a="x\n"} 1\n# EOF\n', 1, 7, "unterminated label value");
  decodeFails('m{a="x\\\n"} 1\n# EOF\n', 1, 8, "unterminated label value");
  decodeFails('m{a="x', 1, 7, "unterminated label value");
  // Past 16 labels, duplicates are found with a set: the same error.
  const many = Array.from({ length: 40 }, (_, i) => `l${i}="v"`).join(",");
  decodeFails(om(`m{${many},l3="again"} 1`), 1, 3 + many.length + 1, "duplicate label l3");
});

Deno.test("decodeOpenMetrics: quoted and invalid metric names are positioned errors", () => {
  decodeFails(om('{"my.metric"} 1'), 1, 1, "quoted metric names are not supported");
  decodeFails(om('"my.metric" 1'), 1, 1, "quoted metric names are not supported");
  decodeFails(om("1m 1"), 1, 1, "invalid metric name");
  decodeFails(om("m-x 1"), 1, 2, "expected a space before the value");
  decodeFails(om("# TYPE 1m gauge"), 1, 8, "invalid metric name");
});

// --- Families ----------------------------------------------------------------------------------

Deno.test("decodeOpenMetrics: a sample that does not fit the current family starts an unknown one", () => {
  assertEquals(
    decodeOpenMetrics(
      om("# TYPE g gauge", "g 1", "g_total 2", "# TYPE c counter", "c_total 3", "c_sum 4"),
    ),
    [
      fam("g", "gauge", [smp("g", [], 1)]),
      fam("g_total", "untyped", [smp("g_total", [], 2)]),
      fam("c_total", "counter", [smp("c_total", [], 3)]),
      fam("c_sum", "untyped", [smp("c_sum", [], 4)]),
    ],
  );
});

Deno.test("decodeOpenMetrics: interleaved families are an error", () => {
  decodeFails(
    om("# TYPE a gauge", "a 1", "# TYPE b gauge", "b 1", "a 2"),
    5,
    1,
    "metric family a appears a second time",
  );
  decodeFails(om("a 1", "b 1", "# HELP a Late."), 3, 8, "metric family a appears a second time");
});

Deno.test("decodeOpenMetrics: HELP, TYPE and UNIT come before the family's samples", () => {
  decodeFails(om("a 1", "# HELP a Late."), 2, 8, "HELP line for a after its samples");
  decodeFails(
    om("# TYPE c counter", "c_created 1", "# TYPE c counter"),
    3,
    8,
    "TYPE line for c after its samples",
  );
  decodeFails(om("a 1", "# UNIT a seconds"), 2, 8, "UNIT line for a after its samples");
});

Deno.test("decodeOpenMetrics: a second TYPE must agree", () => {
  assertEquals(only("# TYPE g gauge", "# TYPE g gauge", "g 1").type, "gauge");
  decodeFails(
    om("# TYPE g gauge", "# TYPE g counter"),
    2,
    8,
    "second TYPE line for g with another type",
  );
});

Deno.test("decodeOpenMetrics: two families that give the same 0.0.4 family are an error", () => {
  decodeFails(
    om("foo_total 1", "# TYPE foo counter", "foo_total 2"),
    2,
    8,
    "counter foo gives a family foo_total, which an earlier family already gave",
  );
  decodeFails(
    om("# TYPE foo info", "foo_info 1", "# TYPE foo_info gauge", "foo_info 2"),
    3,
    8,
    "gauge foo_info gives a family foo_info",
  );
  // Found when the family ends, even without samples.
  decodeFails(om("# TYPE q gaugehistogram", "# TYPE q_gsum gauge"), 2, 8, "gives a family q_gsum");
});

// --- The Python client, in both formats --------------------------------------------------------

Deno.test("decodeOpenMetrics: the Python client's capture gives the series of its text 0.0.4 capture", () => {
  const fromOpenMetrics = decodeOpenMetrics(fixture("python_client.openmetrics"));
  // In text 0.0.4 the Python client writes the created timestamps as gauge families of their
  // own (`*_created`); from OpenMetrics they are dropped by rule. Everything else must match:
  // names, types, help, labels, values (NaN and +Inf included), order.
  const text = decodeText(fixture("python_client.prom"));
  const created = text.filter((f) => f.name.endsWith("_created") && f.type === "gauge");
  assertEquals(created.map((f) => f.name), [
    "http_requests_created",
    "request_latency_seconds_created",
    "rpc_duration_seconds_created",
  ]);
  assertEquals(fromOpenMetrics, text.filter((f) => !created.includes(f)));
  assertEquals(fromOpenMetrics.map((f) => [f.name, f.type, f.samples.length]), [
    ["http_requests_total", "counter", 2],
    ["queue_depth_bytes", "gauge", 2],
    ["request_latency_seconds", "histogram", 6],
    ["rpc_duration_seconds", "summary", 2],
    ["build_info", "gauge", 1],
    ["task_state", "gauge", 3],
  ]);
});

// --- decodeExposition --------------------------------------------------------------------------

Deno.test("decodeExposition: application/openmetrics-text always means OpenMetrics", () => {
  for (
    const contentType of [
      "application/openmetrics-text; version=1.0.0; charset=utf-8",
      "application/openmetrics-text",
      " Application/OpenMetrics-Text ;version=0.0.1",
    ]
  ) {
    assertEquals(expositionFormat("m 1\n", { contentType }), "openmetrics", contentType);
    // Text 0.0.4 under that type fails as OpenMetrics does: no # EOF.
    const error = assertThrows(() => decodeExposition("m 1\n", { contentType }), DecodeError);
    assertEquals([error.line, error.column], [2, 1]);
  }
});

Deno.test("decodeExposition: text/plain, another type or none is decided by a final # EOF line", () => {
  const openMetrics = om("# TYPE c counter", "c_total 1");
  const text = "# TYPE c_total counter\nc_total 1\n";
  const expected = [fam("c_total", "counter", [smp("c_total", [], 1)])];
  for (const contentType of [undefined, "text/plain; version=0.0.4; charset=utf-8", "text/html"]) {
    assertEquals(decodeExposition(openMetrics, { contentType }), expected);
    assertEquals(decodeExposition(text, { contentType }), expected);
  }
  assertEquals(decodeExposition(openMetrics), expected);
  assertEquals(expositionFormat(openMetrics), "openmetrics");
  assertEquals(expositionFormat(text), "text");
});

Deno.test("decodeExposition: only a whole last line # EOF makes OpenMetrics", () => {
  assertEquals(expositionFormat("# EOF"), "openmetrics");
  assertEquals(expositionFormat("m 1\n# EOF"), "openmetrics");
  assertEquals(expositionFormat("m 1\n# EOF\n\n  \n"), "openmetrics");
  assertEquals(expositionFormat("m 1\n# EOF\r\n"), "openmetrics");
  assertEquals(expositionFormat(""), "text");
  assertEquals(expositionFormat("\n\n"), "text");
  assertEquals(expositionFormat("m 1\n#EOF\n"), "text");
  assertEquals(expositionFormat("m 1\nx # EOF\n"), "text");
  assertEquals(expositionFormat("# EOF\nm 1\n"), "text");
  // Detected as OpenMetrics, so OpenMetrics's rules apply: nothing after # EOF.
  const error = assertThrows(() => decodeExposition("m 1\n# EOF\n\n"), DecodeError);
  assertEquals([error.line, error.column], [3, 1]);
});
