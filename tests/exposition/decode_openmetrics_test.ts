import { assert, assertEquals, assertThrows } from "../_assert.ts";
import { DecodeError } from "../../src/exposition/_scan.ts";
import { decodeExposition, formatOf } from "../../src/exposition/decode.ts";
import { decodeOpenMetrics } from "../../src/exposition/decode_openmetrics.ts";
import { decodeText } from "../../src/exposition/decode_text.ts";
import type { MetricFamily, ValueFamily } from "../../src/exposition/model.ts";
import { familiesOf } from "../../src/exposition/objects.ts";
import { BUCKET, COUNT, CREATED, SUM } from "../../src/exposition/store.ts";
import { decoded, fixtureBytes, om, textCarried } from "./_openmetrics.ts";
import { assertDecodeFails, bytes, labels } from "./_samples.ts";

/** The only family decoded from the OpenMetrics `lines`. */
function only(...lines: string[]): MetricFamily {
  const families = decoded(om(...lines));
  assertEquals(families.length, 1, `expected one family, got ${families.map((f) => f.name)}`);
  return families[0]!;
}

/** The value of the only metric of `name value`, decoded as OpenMetrics. */
function valueOf(token: string): number {
  const family = only(`m ${token}`) as ValueFamily;
  assertEquals(family.metrics.length, 1);
  return family.metrics[0]!.value;
}

/** Asserts that decoding `input` as OpenMetrics fails at `line` and `column`. */
function decodeFails(
  input: Uint8Array | string,
  line: number,
  column: number,
  messageIncludes?: string,
): DecodeError {
  const body = typeof input === "string" ? bytes(input) : input;
  return assertDecodeFails(decodeOpenMetrics, body, { line, column, messageIncludes });
}

// --- # EOF -------------------------------------------------------------------------------------

Deno.test("decodeOpenMetrics: # EOF alone, with or without its newline, is an empty exposition", () => {
  assertEquals(decoded("# EOF"), []);
  assertEquals(decoded("# EOF\n"), []);
});

Deno.test("decodeOpenMetrics: # EOF is required, the error is at the end of the input", () => {
  decodeFails("", 1, 1, 'missing "# EOF"');
  decodeFails("m 1\n", 2, 1, 'missing "# EOF"');
  decodeFails("# TYPE m gauge\nm 1", 2, 4, 'missing "# EOF"');
  decodeFails("# HELP m help\n", 2, 1, 'missing "# EOF"');
  decodeFails('# TYPE c counter\nc_total 1 # {a="b"} 4', 2, 22, 'missing "# EOF"');
});

Deno.test("decodeOpenMetrics: nothing may follow # EOF but one newline", () => {
  decodeFails("# EOF\nm 1\n", 2, 1, 'unexpected data after "# EOF"');
  decodeFails("# EOF\n\n", 2, 1, 'unexpected data after "# EOF"');
  decodeFails("m 1\n# EOF\n# EOF\n", 3, 1, 'unexpected data after "# EOF"');
  decodeFails("# EOF ", 1, 6, 'unexpected text after "# EOF"');
  decodeFails("# EOFX\n", 1, 6, 'unexpected text after "# EOF"');
  decodeFails("# EOF\r\n", 1, 6, 'unexpected text after "# EOF"');
});

// --- # UNIT ------------------------------------------------------------------------------------

Deno.test("decodeOpenMetrics: # UNIT is the family's unit", () => {
  assertEquals(
    only(
      "# TYPE foo_seconds counter",
      "# UNIT foo_seconds seconds",
      "# HELP foo_seconds Time spent.",
      "foo_seconds_total 17.5",
    ),
    {
      name: "foo_seconds_total",
      type: "counter",
      help: "Time spent.",
      unit: "seconds",
      metrics: [{ labels: [], value: 17.5 }],
    },
  );
  // An empty unit counts as none; a second UNIT keeps the first.
  assertEquals(only("# UNIT m ", "m 1"), {
    name: "m",
    type: "unknown",
    metrics: [{ labels: [], value: 1 }],
  });
  assertEquals(only("# UNIT m_bytes bytes", "# UNIT m_bytes bits", "m_bytes 1").unit, "bytes");
  // Not a suffix of the name: kept, as it came (encoders that need the suffix drop it).
  assertEquals(only("# TYPE m gauge", "# UNIT m seconds", "m 1").unit, "seconds");
  // A unit is a metric-name-like word.
  decodeFails(om("# UNIT m sec-onds"), 1, 13, 'unexpected character "-"');
  decodeFails(om("# UNIT m sec\u00e9"), 1, 13, 'unexpected character "\u00e9"');
  decodeFails(om("# UNIT m"), 1, 9, "missing unit");
});

// --- Exemplars ---------------------------------------------------------------------------------

Deno.test("decodeOpenMetrics: exemplars of counters and buckets are kept, with their timestamps in ms", () => {
  assertEquals(
    decoded(om(
      "# TYPE c counter",
      'c_total{a="1"} 3 # {trace_id="abc"} 0.5',
      'c_total{a="2"} 4 1520879607.789 # {trace_id="d\\"e"} 1 1520879607.7',
      "# TYPE h histogram",
      'h_bucket{le="0.1"} 8 # {} 0.054',
      'h_bucket{le="+Inf"} 17 # {span="x",trace="y"} 9.8 1520879607.789',
      "h_count 17",
      "h_sum 324789.3",
      "# TYPE q gaugehistogram",
      'q_bucket{le="+Inf"} 4 # {t="z"} 2',
    )),
    [
      {
        name: "c_total",
        type: "counter",
        metrics: [
          {
            labels: labels(["a", "1"]),
            value: 3,
            exemplar: { labels: labels(["trace_id", "abc"]), value: 0.5 },
          },
          {
            labels: labels(["a", "2"]),
            timestampMs: 1520879607789,
            value: 4,
            exemplar: {
              labels: labels(["trace_id", 'd"e']),
              value: 1,
              timestampMs: 1520879607700,
            },
          },
        ],
      },
      {
        name: "h",
        type: "histogram",
        metrics: [{
          labels: [],
          count: 17,
          sum: 324789.3,
          buckets: [
            { upperBound: 0.1, count: 8, exemplar: { labels: [], value: 0.054 } },
            {
              upperBound: Infinity,
              count: 17,
              exemplar: {
                labels: labels(["span", "x"], ["trace", "y"]),
                value: 9.8,
                timestampMs: 1520879607789,
              },
            },
          ],
        }],
      },
      {
        name: "q",
        type: "gaugehistogram",
        metrics: [{
          labels: [],
          buckets: [{
            upperBound: Infinity,
            count: 4,
            exemplar: { labels: labels(["t", "z"]), value: 2 },
          }],
        }],
      },
    ],
  );
});

Deno.test("decodeOpenMetrics: an exemplar elsewhere than on a counter's total or a bucket is an error", () => {
  const where = "only a counter's _total and histogram buckets have exemplars";
  decodeFails(om("# TYPE g gauge", "g 1 # {} 1"), 2, 5, `exemplar on g: ${where}`);
  decodeFails(om("m_total 1 # {} 1"), 1, 11, "exemplar on m_total");
  decodeFails(om("# TYPE h histogram", "h_count 1 # {} 1"), 2, 11, "exemplar on h_count");
  decodeFails(om("# TYPE h histogram", "h_sum 1 # {} 1"), 2, 9, "exemplar on h_sum");
  decodeFails(om("# TYPE c counter", "c_created 1 # {} 1"), 2, 13, "exemplar on c_created");
  decodeFails(om("# TYPE s summary", 's{quantile="0.5"} 1 # {} 1'), 2, 21, "exemplar on s");
  decodeFails(om("# TYPE i info", "i_info 1 # {} 1"), 2, 10, "exemplar on i_info");
  decodeFails(om("# TYPE q gaugehistogram", "q_gcount 1 # {} 1"), 2, 12, "exemplar on q_gcount");
});

Deno.test("decodeOpenMetrics: exemplar labels are at most 128 characters, names and values", () => {
  // 1 + 127 characters, 125 of them of 2 bytes: characters count, not bytes.
  const value = "\u00e9".repeat(125) + "ab";
  const exemplar = only("# TYPE c counter", `c_total 1 # {a="${value}"} 1`) as ValueFamily;
  assertEquals(exemplar.metrics[0]!.exemplar?.labels, labels(["a", value]));
  // Escapes count as the character they stand for.
  only("# TYPE c counter", `c_total 1 # {a="${"\\n".repeat(127)}"} 1`);
  decodeFails(
    om("# TYPE c counter", `c_total 1 # {ab="${"x".repeat(127)}"} 1`),
    2,
    13,
    "exemplar labels of 129 characters, more than the 128 OpenMetrics allows",
  );
  decodeFails(
    om("# TYPE c counter", `c_total 1 # {a="${"\u{1f600}".repeat(128)}"} 1`),
    2,
    13,
    "exemplar labels of 129 characters",
  );
});

Deno.test("decodeOpenMetrics: a malformed exemplar is a positioned error", () => {
  decodeFails(om("# TYPE c counter", 'c_total 1 # {a="b"}'), 2, 20, "missing exemplar value");
  decodeFails(om("# TYPE c counter", 'c_total 1 # {a="b"} x'), 2, 21, 'invalid exemplar value "x"');
  decodeFails(om("# TYPE c counter", 'c_total 1 # {a="b} 1'), 2, 21, "unterminated label value");
  decodeFails(om("# TYPE c counter", 'c_total 1 #{a="b"} 1'), 2, 11, "expected an exemplar");
  decodeFails(om("# TYPE c counter", 'c_total 1 # a="b" 1'), 2, 11, "expected an exemplar");
  decodeFails(om("# TYPE c counter", "c_total 1 2 3"), 2, 13, "expected an exemplar");
  decodeFails(om("# TYPE c counter", 'c_total 1 # {a="b"} 1 x'), 2, 23, 'invalid timestamp "x"');
  decodeFails(
    om("# TYPE c counter", 'c_total 1 # {a="b"} 1 NaN'),
    2,
    23,
    'invalid timestamp "NaN"',
  );
  decodeFails(om("# TYPE c counter", 'c_total 1 # {a="b"} 1 2 3'), 2, 24, "unexpected whitespace");
  decodeFails(om("# TYPE c counter", 'c_total 1 # {1a="b"} 1'), 2, 14, "invalid label name");
  decodeFails(om("# TYPE c counter", 'c_total 1 # {a="b",a="c"} 1'), 2, 20, "duplicate label a");
  decodeFails(
    om("# TYPE c counter", 'c_total 1 # {"x.y"} 1'),
    2,
    14,
    "expected a label name in the exemplar",
  );
});

Deno.test("decodeOpenMetrics: exemplar labels may have quoted names, and are not the exposition's labels", () => {
  const exposition = decodeOpenMetrics(om(
    "# TYPE c counter",
    'c_total{a="1"} 1 # {"id.thing"="t",other="o"} 4',
  ));
  assertEquals(
    (familiesOf(exposition)[0] as ValueFamily).metrics[0]!.exemplar,
    { labels: labels(["id.thing", "t"], ["other", "o"]), value: 4 },
  );
  // The series' label names only: a quoted exemplar label name asks no escaping of them.
  assertEquals(exposition.store.quotedLabelNames, false);
});

// --- Timestamps --------------------------------------------------------------------------------

Deno.test("decodeOpenMetrics: timestamps in seconds become milliseconds, their fractions kept", () => {
  const family = only(
    "m 1 1520879607.789",
    "m 2 1520879607",
    "m 3 -1.5",
    "m 4 0.0015",
    "m 5 0.0004",
    "m 6 1e3",
    "m 7",
    "m 8 1.5E-3",
    "m 9 -0",
    "m 10 1795612380.7251432",
  ) as ValueFamily;
  assertEquals(family.metrics.map((m) => m.timestampMs), [
    1520879607789,
    1520879607000,
    -1500,
    1.5,
    0.4,
    1000000,
    undefined,
    1.5,
    0,
    1795612380725.1432,
  ]);
  // -0 seconds is 0 ms, not -0.
  assert(Object.is(family.metrics[8]!.timestampMs, 0));
});

Deno.test("decodeOpenMetrics: a timestamp that is not a real number, or too large, is an error", () => {
  decodeFails(om("m 1 NaN"), 1, 5, 'invalid timestamp "NaN"');
  decodeFails(om("m 1 +Inf"), 1, 5, 'invalid timestamp "+Inf"');
  decodeFails(om("m 1 12:00"), 1, 5, 'invalid timestamp "12:00"');
  decodeFails(om("m 1 0x10"), 1, 5, 'invalid timestamp "0x10"');
  decodeFails(om("m 1 1e400"), 1, 5, "timestamp 1e400 is out of range");
  decodeFails(om("m 1 1e13"), 1, 5, "timestamp 1e13 is out of range");
  decodeFails(om("m 1 "), 1, 5, "missing timestamp");
});

// --- Family types ------------------------------------------------------------------------------

Deno.test("decodeOpenMetrics: a counter foo is the family foo_total, its _created its created time", () => {
  assertEquals(
    only(
      "# TYPE foo counter",
      "# HELP foo Requests.",
      'foo_total{code="200"} 1027',
      'foo_created{code="200"} 1520430000.123',
      'foo_total{code="500"} 3 1520879607.789',
      'foo_created{code="500"} 1520430000.123 1520879607.789',
      'foo_created{code="404"} 1520430000',
    ),
    {
      name: "foo_total",
      type: "counter",
      help: "Requests.",
      metrics: [
        { labels: labels(["code", "200"]), value: 1027, createdMs: 1520430000.123 * 1000 },
        {
          labels: labels(["code", "500"]),
          timestampMs: 1520879607789,
          value: 3,
          createdMs: 1520430000.123 * 1000,
        },
        // A created time without a total: a metric without a value.
        { labels: labels(["code", "404"]), value: NaN, createdMs: 1520430000000 },
      ],
    },
  );
});

Deno.test("decodeOpenMetrics: the lines of a metric share a metric number, in any order", () => {
  const { store } = decodeOpenMetrics(om(
    "# TYPE h histogram",
    'h_bucket{a="1",le="1"} 1',
    'h_bucket{a="2",le="1"} 2',
    'h_bucket{le="+Inf",a="1"} 3',
    'h_count{a="1"} 3',
    'h_sum{a="2"} 5',
    'h_created{a="1"} 10',
    'h_count{a="1"} 3 100',
  ));
  const metrics = Array.from(store.metric.subarray(0, store.length));
  assertEquals(metrics, [0, 1, 0, 0, 1, 0, 2]);
  assertEquals(Array.from(store.role.subarray(0, store.length)), [
    BUCKET,
    BUCKET,
    BUCKET,
    COUNT,
    SUM,
    CREATED,
    COUNT,
  ]);
  // A counter's total and created share one too; another timestamp is another metric.
  const counter = decodeOpenMetrics(om(
    "# TYPE c counter",
    "c_total 1 10",
    "c_created 5 10",
    "c_total 2 20",
    "c_created 5 20",
  )).store;
  assertEquals(Array.from(counter.metric.subarray(0, counter.length)), [0, 0, 1, 1]);
});

Deno.test("decodeOpenMetrics: a counter family named foo_total has samples foo_total_total", () => {
  assertEquals(
    only("# TYPE foo_total counter", "foo_total_total 1", "foo_total_created 2"),
    {
      name: "foo_total_total",
      type: "counter",
      metrics: [{ labels: [], value: 1, createdMs: 2000 }],
    },
  );
  decodeFails(
    om("# TYPE foo_total counter", "foo_total 1"),
    2,
    1,
    "sample foo_total does not fit counter foo_total: expected foo_total_total or foo_total_created",
  );
  decodeFails(om("# TYPE foo counter", "foo 1"), 2, 1, "expected foo_total or foo_created");
});

Deno.test("decodeOpenMetrics: gauge stays gauge, unknown and untyped samples are unknown", () => {
  assertEquals(decoded(om("# TYPE g gauge", "g 1", "# TYPE u unknown", "u 2", "n 3")), [
    { name: "g", type: "gauge", metrics: [{ labels: [], value: 1 }] },
    { name: "u", type: "unknown", metrics: [{ labels: [], value: 2 }] },
    { name: "n", type: "unknown", metrics: [{ labels: [], value: 3 }] },
  ]);
  // "untyped" is a text 0.0.4 word, not an OpenMetrics type.
  decodeFails(om("# TYPE u untyped"), 1, 10, 'unknown metric type "untyped"');
});

Deno.test("decodeOpenMetrics: a histogram keeps buckets, _count, _sum and _created", () => {
  assertEquals(
    only(
      "# TYPE h histogram",
      "# UNIT h seconds",
      'h_bucket{path="/",le="0.1"} 1',
      'h_bucket{path="/",le="1.0"} 1',
      'h_bucket{path="/",le="+Inf"} 2',
      'h_count{path="/"} 2',
      'h_sum{path="/"} 0.3',
      'h_created{path="/"} 1520430000.123',
    ),
    {
      name: "h",
      type: "histogram",
      unit: "seconds",
      metrics: [{
        labels: labels(["path", "/"]),
        count: 2,
        sum: 0.3,
        // The `le` as written is kept where it is not written as Go would.
        buckets: [
          { upperBound: 0.1, count: 1 },
          { upperBound: 1, count: 1, le: "1.0" },
          { upperBound: Infinity, count: 2 },
        ],
        createdMs: 1520430000.123 * 1000,
      }],
    },
  );
  decodeFails(om("# TYPE h histogram", 'h_bucket{path="/"} 1'), 2, 1, 'h_bucket has no "le" label');
  decodeFails(
    om("# TYPE h histogram", "h 1"),
    2,
    1,
    "expected h_bucket, h_count, h_sum or h_created",
  );
});

Deno.test("decodeOpenMetrics: a summary keeps quantiles, _count, _sum and _created", () => {
  assertEquals(
    only(
      "# TYPE s summary",
      's{quantile="0.5"} 1.5',
      's{quantile="0.99"} 3',
      "s_count 4",
      "s_sum 10",
      "s_created 1520430000.123",
    ),
    {
      name: "s",
      type: "summary",
      metrics: [{
        labels: [],
        count: 4,
        sum: 10,
        quantiles: [{ quantile: 0.5, value: 1.5 }, { quantile: 0.99, value: 3 }],
        createdMs: 1520430000.123 * 1000,
      }],
    },
  );
  decodeFails(
    om("# TYPE s summary", 's{q="0.5"} 1'),
    2,
    1,
    'summary quantile s has no "quantile" label',
  );
});

Deno.test("decodeOpenMetrics: info foo's foo_info samples are the info family foo_info", () => {
  assertEquals(
    only("# TYPE build info", "# HELP build Build.", 'build_info{version="1.2.3"} 1'),
    {
      name: "build_info",
      type: "info",
      help: "Build.",
      metrics: [{ labels: labels(["version", "1.2.3"]), value: 1 }],
    },
  );
  decodeFails(om("# TYPE build info", "build 1"), 2, 1, "expected build_info");
});

Deno.test("decodeOpenMetrics: a stateset keeps its type, one metric per state", () => {
  assertEquals(
    only("# TYPE st stateset", 'st{st="a"} 0', 'st{st="bb"} 1'),
    {
      name: "st",
      type: "stateset",
      metrics: [{ labels: labels(["st", "a"]), value: 0 }, {
        labels: labels(["st", "bb"]),
        value: 1,
      }],
    },
  );
});

Deno.test("decodeOpenMetrics: a gauge histogram keeps its buckets, _gcount and _gsum", () => {
  assertEquals(
    decoded(om(
      "# TYPE q gaugehistogram",
      "# HELP q Queue wait.",
      'q_bucket{le="0.1"} 20',
      'q_bucket{le="+Inf"} 42',
      "q_gcount 42",
      "q_gsum 3289.3",
    )),
    [{
      name: "q",
      type: "gaugehistogram",
      help: "Queue wait.",
      metrics: [{
        labels: [],
        count: 42,
        sum: 3289.3,
        buckets: [{ upperBound: 0.1, count: 20 }, { upperBound: Infinity, count: 42 }],
      }],
    }],
  );
  decodeFails(om("# TYPE q gaugehistogram", "q_bucket 1"), 2, 1, 'q_bucket has no "le" label');
  decodeFails(om("# TYPE q gaugehistogram", "q 1"), 2, 1, "expected q_bucket, q_gcount or q_gsum");
  // OpenMetrics 1.0 gives a gauge histogram no _created: such a sample starts its own family.
  assertEquals(
    decoded(om("# TYPE q gaugehistogram", "q_gcount 1", "q_created 2")).map((f) => f.name),
    ["q", "q_created"],
  );
});

Deno.test("decodeOpenMetrics: a family without samples is not in the exposition", () => {
  assertEquals(decoded(om("# TYPE c counter", "# HELP c Help.", "# TYPE g gauge")), []);
});

// --- Escapes and values ------------------------------------------------------------------------

Deno.test('decodeOpenMetrics: label values unescape \\\\, \\" and \\n, and keep other backslashes', () => {
  const family = only(
    'm{a="back\\\\slash",b="say \\"hi\\"",c="two\\nlines",d="tab\\t",e="\\\\n",f="\\\u00e9\\\\"} 1',
  ) as ValueFamily;
  assertEquals(
    family.metrics[0]!.labels,
    labels(
      ["a", "back\\slash"],
      ["b", 'say "hi"'],
      ["c", "two\nlines"],
      ["d", "tab\\t"],
      ["e", "\\n"],
      ["f", "\\\u00e9\\"],
    ),
  );
});

Deno.test("decodeOpenMetrics: a backslash kept as written is the same series as one escaped", () => {
  // Stored in one canonical form, with one hash: the same series.
  const { store } = decodeOpenMetrics(om('g{a="x\\t"} 1', 'g{a="x\\\\t"} 2'));
  const canonical = (i: number) => {
    const start = store.start[i]!;
    const offset = store.offsetAt(start);
    return new TextDecoder().decode(
      store.bytesAt(start).subarray(start - offset, store.end[i]! - offset),
    );
  };
  assertEquals([canonical(0), canonical(1)], ['a="x\\\\t"', 'a="x\\\\t"']);
  assertEquals(store.hash[0], store.hash[1]);
  // And the lines of one metric, whichever way they write it.
  const histogram = decodeOpenMetrics(om(
    "# TYPE h histogram",
    'h_bucket{a="x\\t",le="1"} 1',
    'h_bucket{a="x\\\\t",le="+Inf"} 2',
    'h_count{a="x\\t"} 2',
  )).store;
  assertEquals(Array.from(histogram.metric.subarray(0, 3)), [0, 0, 0]);
});

Deno.test("decodeOpenMetrics: label values keep commas, braces, equals, NUL and non-ASCII text", () => {
  const family = only('m{a="x,y}z=w # {",b="\u00e9\u6f22\u{1f600}",c="\u0000"} 1') as ValueFamily;
  assertEquals(
    family.metrics[0]!.labels,
    labels(["a", "x,y}z=w # {"], ["b", "\u00e9\u6f22\u{1f600}"], ["c", "\u0000"]),
  );
});

Deno.test("decodeOpenMetrics: invalid UTF-8 is a positioned error", () => {
  const invalid = (prefix: string, suffix: string) =>
    new Uint8Array([...bytes(prefix), 0xff, ...bytes(suffix + "\n# EOF\n")]);
  const error = decodeFails(invalid('m{a="', '"} 1'), 1, 6, "invalid UTF-8");
  assert(error.invalidUtf8);
  decodeFails(invalid("# HELP m a", ""), 1, 11, "invalid UTF-8");
  decodeFails(invalid("m 1", ""), 1, 4, "invalid UTF-8");
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
  assertEquals(valueOf("12345678901234567890"), 12345678901234567890);
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
  decodeFails("# HELP m a\rb\n# EOF\n", 1, 11, "carriage return");
  decodeFails("# TYPE m gauge\r\n# EOF\n", 1, 15, "carriage return");
  decodeFails(om("m 1", "# a comment"), 2, 1, 'only "# HELP", "# TYPE", "# UNIT" and "# EOF"');
  decodeFails(om("#TYPE m gauge"), 1, 1, 'only "# HELP"');
  decodeFails(om("# type m gauge"), 1, 1, 'only "# HELP"');
  decodeFails(om("#\tTYPE m gauge"), 1, 1, 'only "# HELP"');
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
  assertEquals(
    (only('m{a="1",b="2",} 1') as ValueFamily).metrics[0]!.labels,
    labels(["a", "1"], ["b", "2"]),
  );
  assertEquals((only("m{} 1") as ValueFamily).metrics[0]!.labels, []);
  decodeFails(om('m{a = "1"} 1'), 1, 4, 'expected "=" after label a');
  decodeFails(om('m{a= "1"} 1'), 1, 5, "expected '\"' to open the value of a");
  decodeFails(om('m{a="1", b="2"} 1'), 1, 9, "unexpected whitespace in a label set");
  decodeFails(om('m{a="1" } 1'), 1, 8, 'expected "," or "}"');
  decodeFails(om('m{a="1"b="2"} 1'), 1, 8, 'expected "," or "}"');
  decodeFails(om('m {a="1"} 1'), 1, 3, 'invalid value "{a=\\"1\\"}"');
  decodeFails(om("m{,} 1"), 1, 3, "invalid label name");
  decodeFails(om('m{a="1",,} 1'), 1, 9, "invalid label name");
  decodeFails(om("m{a} 1"), 1, 4, 'expected "=" after label a');
});

Deno.test("decodeOpenMetrics: bad label names, duplicates and unterminated values", () => {
  decodeFails(om('m{1a="x"} 1'), 1, 3, "invalid label name");
  decodeFails(om('m{a="x",a="y"} 1'), 1, 9, "duplicate label a");
  decodeFails(om('m{a="x","a"="y"} 1'), 1, 10, "duplicate label a");
  decodeFails('m{a="x\n"} 1\n# EOF\n', 1, 7, "unterminated label value");
  decodeFails('m{a="x\\\n"} 1\n# EOF\n', 1, 7, "unterminated label value");
  decodeFails('m{a="x', 1, 7, "unterminated label value");
  // Past 16 labels, duplicates are found with a set: the same error.
  const many = Array.from({ length: 40 }, (_, i) => `l${i}="v"`).join(",");
  decodeFails(om(`m{${many},l3="again"} 1`), 1, 3 + many.length + 1, "duplicate label l3");
});

// --- Quoted UTF-8 names, as Prometheus 3 reads them --------------------------------------------

Deno.test("decodeOpenMetrics: quoted metric and label names, in the braces and in metadata", () => {
  const exposition = decodeOpenMetrics(om(
    '# TYPE "my.gauge" gauge',
    '# HELP "my.gauge" A gauge.',
    '# UNIT "my.gauge" ',
    '{"my.gauge"} 1',
    '{"my.gauge",a="b"} 2',
    '{a="c","my.gauge","x.y"="z"} 3',
    '# TYPE "my.counter" counter',
    '{"my.counter_total",code="200"} 4',
    '{"my.counter_created",code="200"} 5',
    '{"Heiz\u00f6l \\"10\u20ac\\""} 6',
    'plain{"quoted"="q"} 7',
  ));
  assertEquals(familiesOf(exposition), [
    {
      name: "my.gauge",
      type: "gauge",
      help: "A gauge.",
      metrics: [
        { labels: [], value: 1 },
        { labels: labels(["a", "b"]), value: 2 },
        { labels: labels(["a", "c"], ["x.y", "z"]), value: 3 },
      ],
    },
    {
      name: "my.counter_total",
      type: "counter",
      metrics: [{ labels: labels(["code", "200"]), value: 4, createdMs: 5000 }],
    },
    { name: 'Heiz\u00f6l "10\u20ac"', type: "unknown", metrics: [{ labels: [], value: 6 }] },
    { name: "plain", type: "unknown", metrics: [{ labels: labels(["quoted", "q"]), value: 7 }] },
  ]);
  assert(exposition.store.labelNames.has("x.y"));
  assertEquals(exposition.store.quotedLabelNames, true);
});

Deno.test("decodeOpenMetrics: a quoted metric name outside the braces, twice or empty is an error", () => {
  decodeFails(om('"my.metric" 1'), 1, 1, "a quoted metric name is written inside the braces");
  decodeFails(om('"my.metric"{a="b"} 1'), 1, 1, "inside the braces");
  decodeFails(om('m{"other"} 1'), 1, 3, "metric name given twice");
  decodeFails(om('{"a","b"} 1'), 1, 6, "metric name given twice");
  decodeFails(om('{a="b"} 1'), 1, 1, "no metric name in the label set");
  decodeFails(om("{} 1"), 1, 1, "no metric name in the label set");
  decodeFails(om('{""} 1'), 1, 2, "invalid metric name");
  decodeFails(om('# TYPE "" gauge'), 1, 8, "invalid metric name");
  decodeFails(om('# TYPE "a\\tb" gauge'), 1, 10, "invalid escape sequence in quoted metric name");
  decodeFails(om("1m 1"), 1, 1, "invalid metric name");
  decodeFails(om("m-x 1"), 1, 2, "expected a space before the value");
  decodeFails(om("# TYPE 1m gauge"), 1, 8, "invalid metric name");
});

// --- Families ----------------------------------------------------------------------------------

Deno.test("decodeOpenMetrics: a sample that does not fit the current family starts an unknown one", () => {
  assertEquals(
    decoded(
      om("# TYPE g gauge", "g 1", "g_total 2", "# TYPE c counter", "c_total 3", "c_sum 4"),
    ).map((f) => [f.name, f.type]),
    [["g", "gauge"], ["g_total", "unknown"], ["c_total", "counter"], ["c_sum", "unknown"]],
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

Deno.test("decodeOpenMetrics: two families whose samples clash are an error", () => {
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
  // A gauge histogram's samples clash with a gauge q_gsum's, found when the family ends.
  decodeFails(om("# TYPE q gaugehistogram", "# TYPE q_gsum gauge"), 2, 8, "gives a family q_gsum");
  decodeFails(
    om("# TYPE q gaugehistogram", "q_gcount 1", "q_bucket_x 2", "q_gsum 3"),
    4,
    1,
    "unknown q_gsum gives a family q_gsum",
  );
});

// --- The Python client, in both formats --------------------------------------------------------

Deno.test("decodeOpenMetrics: the Python client's capture, everything kept", () => {
  const created = (seconds: number) => seconds * 1000;
  assertEquals(decoded(fixtureBytes("python_client.openmetrics")), [
    {
      name: "http_requests_total",
      type: "counter",
      help: "Total HTTP requests.",
      metrics: [
        {
          labels: labels(["code", "200"], ["method", "get"]),
          value: 1027,
          createdMs: created(1.7956123807250628e+09),
        },
        {
          labels: labels(["code", "500"], ["method", "post"]),
          value: 3,
          createdMs: created(1.795612380725073e+09),
        },
      ],
    },
    {
      name: "queue_depth_bytes",
      type: "gauge",
      help: 'Queue depth with a "quoted" help and back\\slash.',
      unit: "bytes",
      metrics: [
        { labels: labels(["queue", 'we"ird\\la\nbel']), value: NaN },
        { labels: labels(["queue", "normal"]), value: Infinity },
      ],
    },
    {
      name: "request_latency_seconds",
      type: "histogram",
      help: "Request latency.",
      metrics: [{
        labels: labels(["path", "/api"]),
        count: 2,
        sum: 2.05,
        buckets: [
          { upperBound: 0.01, count: 0 },
          {
            upperBound: 0.1,
            count: 1,
            exemplar: {
              labels: labels(["trace_id", "abc123"]),
              value: 0.05,
              timestampMs: 1795612380725.1432,
            },
          },
          { upperBound: 1, count: 1, le: "1.0" },
          { upperBound: Infinity, count: 2 },
        ],
        createdMs: created(1.7956123807251246e+09),
      }],
    },
    {
      name: "rpc_duration_seconds",
      type: "summary",
      help: "RPC duration.",
      metrics: [{
        labels: [],
        count: 1,
        sum: 0.3,
        quantiles: [],
        createdMs: created(1.7956123807251585e+09),
      }],
    },
    {
      name: "build_info",
      type: "info",
      help: "Build information.",
      metrics: [{ labels: labels(["revision", "deadbeef"], ["version", "1.2.3"]), value: 1 }],
    },
    {
      name: "task_state",
      type: "stateset",
      help: "Task state.",
      metrics: [
        { labels: labels(["task_state", "starting"]), value: 0 },
        { labels: labels(["task_state", "running"]), value: 1 },
        { labels: labels(["task_state", "stopped"]), value: 0 },
      ],
    },
  ]);
});

Deno.test("decodeOpenMetrics: the Python client's capture has the series of its text capture", () => {
  // What text 0.0.4 carries of it: no created times (the Python client writes them as gauges
  // of their own in text), units or exemplars; info and stateset are gauges.
  const fromOpenMetrics = decoded(fixtureBytes("python_client.openmetrics")).map(textCarried);
  const fromText = familiesOf(decodeText(fixtureBytes("python_client.prom")));
  const created = fromText.filter((f) => f.name.endsWith("_created"));
  assertEquals(created.map((f) => f.name), [
    "http_requests_created",
    "request_latency_seconds_created",
    "rpc_duration_seconds_created",
  ]);
  assertEquals(fromOpenMetrics, fromText.filter((f) => !created.includes(f)));
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
    assertEquals(formatOf(bytes("m 1\n"), { contentType }).kind, "openmetrics", contentType);
    // Text 0.0.4 under that type fails as OpenMetrics does: no # EOF.
    const error = assertThrows(
      () => decodeExposition(bytes("m 1\n"), { contentType }),
      DecodeError,
    );
    assertEquals([error.line, error.column], [2, 1]);
  }
});

Deno.test("decodeExposition: text/plain, another type or none is decided by a final # EOF line", () => {
  const openMetrics = om("# TYPE c counter", "c_total 1");
  const text = bytes("# TYPE c_total counter\nc_total 1\n");
  const expected: MetricFamily[] = [
    { name: "c_total", type: "counter", metrics: [{ labels: [], value: 1 }] },
  ];
  for (const contentType of [undefined, "text/html"]) {
    assertEquals(familiesOf(decodeExposition(openMetrics, { contentType })), expected);
    assertEquals(familiesOf(decodeExposition(text, { contentType })), expected);
  }
  assertEquals(formatOf(openMetrics).kind, "openmetrics");
  assertEquals(formatOf(text).kind, "text");
});

Deno.test("decodeExposition: only a whole last line # EOF makes OpenMetrics", () => {
  const kind = (t: string) => formatOf(bytes(t)).kind;
  assertEquals(kind("# EOF"), "openmetrics");
  assertEquals(kind("m 1\n# EOF"), "openmetrics");
  assertEquals(kind("m 1\n# EOF\n\n  \n"), "openmetrics");
  assertEquals(kind("m 1\n# EOF\r\n"), "openmetrics");
  assertEquals(kind(""), "text");
  assertEquals(kind("\n\n"), "text");
  assertEquals(kind("m 1\n#EOF\n"), "text");
  assertEquals(kind("m 1\nx # EOF\n"), "text");
  assertEquals(kind("# EOF\nm 1\n"), "text");
  // Detected as OpenMetrics, so OpenMetrics's rules apply: nothing after # EOF.
  const error = assertThrows(() => decodeExposition(bytes("m 1\n# EOF\n\n")), DecodeError);
  assertEquals([error.line, error.column], [3, 1]);
});
