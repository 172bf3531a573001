import { assert, assertEquals } from "../_assert.ts";
import { installed } from "../_server.ts";
import { noneDropped } from "../../src/exposition/conversion.ts";
import { decodeOpenMetrics } from "../../src/exposition/decode_openmetrics.ts";
import { decodeText } from "../../src/exposition/decode_text.ts";
import { encodeOpenMetrics } from "../../src/exposition/encode_openmetrics.ts";
import { encodeText } from "../../src/exposition/encode_text.ts";
import { mergeSources, targetLabelsOf } from "../../src/exposition/merge.ts";
import type { MetricFamily, NativeHistogram } from "../../src/exposition/model.ts";
import { expositionOf, familiesOf } from "../../src/exposition/objects.ts";
import {
  byName,
  decoded,
  encodedAlone,
  fixtureBytes,
  om,
  promtoolParseOpenMetrics,
  withTimestamps,
} from "./_openmetrics.ts";
import { bytes, labels, text } from "./_samples.ts";

const promtool = await installed("promtool");
const PROMTOOL_SKIPPED = promtool ? "" : " (promtool checks skipped: promtool not installed)";

/** `families` served alone, encoded as OpenMetrics: the text and what was dropped. */
function encode(
  families: MetricFamily[],
  options?: Parameters<typeof encodeOpenMetrics>[1],
): { text: string; dropped: ReturnType<typeof noneDropped> } {
  const encoded = encodedAlone(expositionOf(families), options);
  return { text: text(encoded.body), dropped: encoded.dropped };
}

/** What an encoding dropped: none but the counts given. */
function dropped(counts: Partial<ReturnType<typeof noneDropped>> = {}) {
  return { ...noneDropped(), ...counts };
}

/** A native histogram with `count` observations, one bucket and the given exemplars. */
function native(count: number, exemplars: NativeHistogram["exemplars"] = []): NativeHistogram {
  return {
    schema: 0,
    zeroThreshold: 1e-128,
    zeroCount: 0,
    count,
    sum: 1.5,
    float: false,
    positiveSpans: [{ offset: 0, length: 1 }],
    positiveBuckets: [count],
    negativeSpans: [],
    negativeBuckets: [],
    exemplars,
  };
}

/** Every OpenMetrics type, with created times, exemplars, units, timestamps. */
const EVERY_TYPE: MetricFamily[] = [
  {
    name: "requests_total",
    type: "counter",
    help: 'Requests "served"\nin \\ total.',
    metrics: [
      {
        labels: labels(["code", "200"]),
        value: 1027,
        createdMs: 1520430000123,
        exemplar: { labels: labels(["trace_id", "abc"]), value: 0.5, timestampMs: 1520879607789 },
      },
      { labels: labels(["code", "500"]), value: 3, timestampMs: 1520879607789.5 },
    ],
  },
  {
    name: "queue_bytes",
    type: "gauge",
    unit: "bytes",
    metrics: [{ labels: labels(["q", 'a"b\\c\nd']), value: NaN }],
  },
  {
    name: "latency_seconds",
    type: "histogram",
    unit: "seconds",
    metrics: [{
      labels: labels(["path", "/"]),
      count: 2,
      sum: 2.05,
      buckets: [
        { upperBound: 0.1, count: 1, exemplar: { labels: [], value: 0.05 } },
        { upperBound: 1, count: 1, le: "1.0" },
        { upperBound: Infinity, count: 2 },
      ],
      createdMs: 1520430000000,
    }],
  },
  {
    name: "rpc_seconds",
    type: "summary",
    metrics: [{
      labels: [],
      count: 4,
      sum: 10,
      quantiles: [{ quantile: 0.5, value: 1.5 }, { quantile: 0.99, value: 3 }],
      createdMs: 1520430000500,
    }],
  },
  {
    name: "build_info",
    type: "info",
    help: "Build.",
    metrics: [{ labels: labels(["version", "1.2.3"]), value: 1 }],
  },
  {
    name: "state",
    type: "stateset",
    metrics: [{ labels: labels(["state", "a"]), value: 1 }, {
      labels: labels(["state", "b"]),
      value: 0,
    }],
  },
  {
    name: "queue_wait",
    type: "gaugehistogram",
    metrics: [{
      labels: [],
      count: 42,
      sum: 3289.3,
      buckets: [{
        upperBound: 0.1,
        count: 20,
        exemplar: { labels: labels(["t", "x"]), value: 0.01 },
      }, { upperBound: Infinity, count: 42 }],
    }],
  },
  {
    name: "temperature",
    type: "unknown",
    metrics: [{ labels: [], value: -0, timestampMs: -1500 }],
  },
];

Deno.test("encodeOpenMetrics: every type, with HELP, TYPE and UNIT lines, # EOF last", () => {
  const { text, dropped: counts } = encode(EVERY_TYPE);
  assertEquals(
    text,
    [
      "# TYPE build info",
      "# HELP build Build.",
      'build_info{version="1.2.3"} 1',
      "# TYPE latency_seconds histogram",
      "# UNIT latency_seconds seconds",
      'latency_seconds_bucket{path="/",le="0.1"} 1 # {} 0.05',
      'latency_seconds_bucket{path="/",le="1.0"} 1',
      'latency_seconds_bucket{path="/",le="+Inf"} 2',
      'latency_seconds_count{path="/"} 2',
      'latency_seconds_sum{path="/"} 2.05',
      'latency_seconds_created{path="/"} 1.52043e+09',
      "# TYPE queue_bytes gauge",
      "# UNIT queue_bytes bytes",
      'queue_bytes{q="a\\"b\\\\c\\nd"} NaN',
      "# TYPE queue_wait gaugehistogram",
      'queue_wait_bucket{le="0.1"} 20 # {t="x"} 0.01',
      'queue_wait_bucket{le="+Inf"} 42',
      "queue_wait_gcount 42",
      "queue_wait_gsum 3289.3",
      "# TYPE requests counter",
      '# HELP requests Requests \\"served\\"\\nin \\\\ total.',
      'requests_total{code="200"} 1027 # {trace_id="abc"} 0.5 1520879607.789',
      'requests_created{code="200"} 1.520430000123e+09',
      'requests_total{code="500"} 3 1520879607.7895',
      "# TYPE rpc_seconds summary",
      'rpc_seconds{quantile="0.5"} 1.5',
      'rpc_seconds{quantile="0.99"} 3',
      "rpc_seconds_count 4",
      "rpc_seconds_sum 10",
      "rpc_seconds_created 1.5204300005e+09",
      "# TYPE state stateset",
      'state{state="a"} 1',
      'state{state="b"} 0',
      "# TYPE temperature unknown",
      "temperature -0 -1.5",
      "# EOF",
      "",
    ].join("\n"),
  );
  assertEquals(counts, dropped());
});

Deno.test("encodeOpenMetrics: what it writes decodes to the same families", () => {
  const exposition = expositionOf(EVERY_TYPE);
  const again = decodeOpenMetrics(encodedAlone(exposition).body);
  assertEquals(familiesOf(again), byName(familiesOf(exposition)));
});

Deno.test(`encodeOpenMetrics: Prometheus's own OpenMetrics parser reads every type${PROMTOOL_SKIPPED}`, async () => {
  if (!promtool) return;
  const exposition = withTimestamps(expositionOf(EVERY_TYPE), 1700000000000);
  const { code, output } = await promtoolParseOpenMetrics(encodedAlone(exposition).body);
  assertEquals(code, 0, output);
});

Deno.test("encodeOpenMetrics: a counter without _total is unknown, its created times and exemplars dropped", () => {
  const { text, dropped: counts } = encode([{
    name: "jobs",
    type: "counter",
    metrics: [{
      labels: [],
      value: 3,
      createdMs: 1000,
      exemplar: { labels: [], value: 1 },
    }],
  }, { name: "about", type: "info", metrics: [{ labels: [], value: 1 }] }]);
  assertEquals(text, "# TYPE about gauge\nabout 1\n# TYPE jobs unknown\njobs 3\n# EOF\n");
  assertEquals(counts, dropped({ created_timestamp: 1, exemplar: 1 }));
});

Deno.test("encodeOpenMetrics: a counter or info whose short name another family has keeps its own", () => {
  const { text } = encode([
    { name: "foo", type: "gauge", metrics: [{ labels: [], value: 1 }] },
    { name: "foo_total", type: "counter", metrics: [{ labels: [], value: 2, createdMs: 5000 }] },
    { name: "bar_info", type: "info", metrics: [{ labels: [], value: 1 }] },
    { name: "bar", type: "gauge", metrics: [{ labels: [], value: 3 }] },
    // Both would be `baz`: the first in the order served takes it.
    { name: "baz_info", type: "info", metrics: [{ labels: [], value: 1 }] },
    { name: "baz_total", type: "counter", metrics: [{ labels: [], value: 4 }] },
  ]);
  assertEquals(
    text,
    [
      "# TYPE bar gauge",
      "bar 3",
      "# TYPE bar_info gauge",
      "bar_info 1",
      "# TYPE baz info",
      "baz_info 1",
      "# TYPE baz_total unknown",
      "baz_total 4",
      "# TYPE foo gauge",
      "foo 1",
      "# TYPE foo_total unknown",
      "foo_total 2",
      "# EOF",
      "",
    ].join("\n"),
  );
  // Valid OpenMetrics: each family once.
  assertEquals(decoded(text).length, 6);
});

Deno.test("encodeOpenMetrics: a unit only where the name ends with it, and not for info or stateset", () => {
  const { text, dropped: counts } = encode([
    { name: "a_seconds", type: "gauge", unit: "seconds", metrics: [{ labels: [], value: 1 }] },
    { name: "b", type: "gauge", unit: "seconds", metrics: [{ labels: [], value: 1 }] },
    { name: "cseconds", type: "gauge", unit: "seconds", metrics: [{ labels: [], value: 1 }] },
    { name: "d_seconds_total", type: "counter", unit: "seconds", metrics: [] },
    { name: "e_seconds_info", type: "info", unit: "seconds", metrics: [] },
    { name: "f", type: "gauge", unit: "", metrics: [{ labels: [], value: 1 }] },
    { name: "g_x", type: "gauge", unit: "x-y", metrics: [{ labels: [], value: 1 }] },
  ].filter((f) => f.metrics.length > 0) as MetricFamily[]);
  assertEquals(text.split("\n").filter((l) => l.startsWith("# UNIT")), [
    "# UNIT a_seconds seconds",
  ]);
  assertEquals(counts, dropped({ unit: 3 }));
  const counter = encode([{
    name: "d_seconds_total",
    type: "counter",
    unit: "seconds",
    metrics: [{ labels: [], value: 1 }],
  }, {
    name: "e_seconds_info",
    type: "info",
    unit: "seconds",
    metrics: [{ labels: [], value: 1 }],
  }]);
  assertEquals(
    counter.text,
    "# TYPE d_seconds counter\n# UNIT d_seconds seconds\nd_seconds_total 1\n" +
      "# TYPE e_seconds info\ne_seconds_info 1\n# EOF\n",
  );
  assertEquals(counter.dropped, dropped({ unit: 1 }));
});

Deno.test("encodeOpenMetrics: the samples of a metric together, in OpenMetrics's order", () => {
  // Text as Go writes it (sum before count), with two metrics interleaved line by line.
  const exposition = decodeText(bytes(
    "# TYPE h histogram\n" +
      'h_bucket{a="1",le="1"} 1\n' +
      'h_bucket{a="2",le="1"} 2\n' +
      'h_bucket{a="1",le="+Inf"} 3\n' +
      'h_bucket{a="2",le="+Inf"} 4\n' +
      'h_sum{a="1"} 5\n' +
      'h_sum{a="2"} 6\n' +
      'h_count{a="1"} 3\n' +
      'h_count{a="2"} 4\n',
  ));
  assertEquals(
    text(encodedAlone(exposition).body),
    [
      "# TYPE h histogram",
      'h_bucket{a="1",le="1"} 1',
      'h_bucket{a="1",le="+Inf"} 3',
      'h_count{a="1"} 3',
      'h_sum{a="1"} 5',
      'h_bucket{a="2",le="1"} 2',
      'h_bucket{a="2",le="+Inf"} 4',
      'h_count{a="2"} 4',
      'h_sum{a="2"} 6',
      "# EOF",
      "",
    ].join("\n"),
  );
});

Deno.test("encodeOpenMetrics: a native histogram is written as its classic histogram, its buckets counted dropped", () => {
  const exemplar = (value: number) => ({ labels: labels(["t", String(value)]), value });
  const { text, dropped: counts } = encode([{
    name: "h",
    type: "histogram",
    metrics: [
      // Without classic buckets: its +Inf bucket, with its last exemplar.
      {
        labels: labels(["a", "native"]),
        count: 7,
        sum: 1.5,
        buckets: [],
        native: native(7, [exemplar(1), exemplar(2)]),
      },
      // With classic buckets: those, which have exemplars of their own.
      {
        labels: labels(["a", "both"]),
        count: 7,
        sum: 1.5,
        buckets: [{ upperBound: Infinity, count: 7, exemplar: exemplar(3) }],
        native: native(7, [exemplar(3)]),
      },
    ],
  }]);
  assertEquals(
    text,
    [
      "# TYPE h histogram",
      'h_bucket{a="native",le="+Inf"} 7 # {t="2"} 2',
      'h_count{a="native"} 7',
      'h_sum{a="native"} 1.5',
      'h_bucket{a="both",le="+Inf"} 7 # {t="3"} 3',
      'h_count{a="both"} 7',
      'h_sum{a="both"} 1.5',
      "# EOF",
      "",
    ].join("\n"),
  );
  assertEquals(counts, dropped({ native_histogram_buckets: 2, exemplar: 2 }));
});

Deno.test("encodeOpenMetrics: exemplars over 128 characters, and a gauge histogram's created time, are dropped", () => {
  const { text, dropped: counts } = encode([{
    name: "c_total",
    type: "counter",
    metrics: [
      {
        labels: labels(["i", "1"]),
        value: 1,
        exemplar: { labels: labels(["a", "x".repeat(127)]), value: 1 },
      },
      {
        labels: labels(["i", "2"]),
        value: 2,
        exemplar: { labels: labels(["a", "x".repeat(128)]), value: 1 },
      },
    ],
  }, {
    name: "q",
    type: "gaugehistogram",
    metrics: [{ labels: [], buckets: [{ upperBound: Infinity, count: 1 }], createdMs: 1000 }],
  }]);
  assertEquals(text.split("\n").filter((l) => l.includes(" # ")).length, 1);
  assertEquals(counts, dropped({ exemplar: 1, created_timestamp: 1 }));
});

const UTF8_FAMILIES: MetricFamily[] = [{
  name: "my.requests_total",
  type: "counter",
  help: "UTF-8.",
  metrics: [{
    labels: labels(["http.code", "200"], ["plain", "p"]),
    value: 1,
    createdMs: 2000,
    exemplar: { labels: labels(["trace.id", "x"]), value: 1 },
  }],
}, {
  name: "my.latency",
  type: "histogram",
  metrics: [{ labels: [], count: 1, buckets: [{ upperBound: Infinity, count: 1 }] }],
}];

Deno.test("encodeOpenMetrics: UTF-8 names are quoted in 1.0.0 with allow-utf-8, as Prometheus 3 reads them", () => {
  const { text } = encode(UTF8_FAMILIES, { version: "1.0.0", escaping: "allow-utf-8" });
  assertEquals(
    text,
    [
      '# TYPE "my.latency" histogram',
      '{"my.latency_bucket",le="+Inf"} 1',
      '{"my.latency_count"} 1',
      '# TYPE "my.requests" counter',
      '# HELP "my.requests" UTF-8.',
      '{"my.requests_total","http.code"="200",plain="p"} 1 # {"trace.id"="x"} 1',
      '{"my.requests_created","http.code"="200",plain="p"} 2',
      "# EOF",
      "",
    ].join("\n"),
  );
  assertEquals(decoded(text), byName(UTF8_FAMILIES));
});

Deno.test("encodeOpenMetrics: UTF-8 names are escaped otherwise, by the scheme asked", () => {
  const lines = (options: Parameters<typeof encodeOpenMetrics>[1]) =>
    encode(UTF8_FAMILIES, options).text.split("\n").filter((l) => l.includes("total{"));
  assertEquals(lines({}), ['my_requests_total{http_code="200",plain="p"} 1 # {trace_id="x"} 1']);
  // 0.0.1 has no quoted names: allow-utf-8 falls back to underscores.
  assertEquals(lines({ version: "0.0.1", escaping: "allow-utf-8" }), lines({}));
  assertEquals(lines({ escaping: "dots" }), [
    'my_dot_requests__total{http_dot_code="200",plain="p"} 1 # {trace_dot_id="x"} 1',
  ]);
  assertEquals(lines({ escaping: "values" }), [
    'U__my_2e_requests__total{U__http_2e_code="200",plain="p"} 1 # {U__trace_2e_id="x"} 1',
  ]);
});

Deno.test("encodeOpenMetrics: target labels follow each sample's own, renamed where they clash", () => {
  const exposition = decodeOpenMetrics(om(
    "# TYPE c counter",
    'c_total{exporter_name="own",a="1"} 1 # {t="x"} 2',
    'c_created{exporter_name="own",a="1"} 3',
  ));
  const { families } = mergeSources([{
    exporterName: "node",
    exposition,
    target: targetLabelsOf(labels(["exporter_name", "node"])),
  }]);
  assertEquals(
    text(encodeOpenMetrics(families).body),
    "# TYPE c counter\n" +
      'c_total{exported_exporter_name="own",a="1",exporter_name="node"} 1 # {t="x"} 2\n' +
      'c_created{exported_exporter_name="own",a="1",exporter_name="node"} 3\n# EOF\n',
  );
});

Deno.test("encodeOpenMetrics: an empty exposition is # EOF alone", () => {
  assertEquals(text(encodeOpenMetrics([]).body), "# EOF\n");
});

// --- Round trips -------------------------------------------------------------------------------

Deno.test("round trip: the Python client's capture decodes, encodes and decodes to the same", () => {
  const first = decodeOpenMetrics(fixtureBytes("python_client.openmetrics"));
  const encoded = encodedAlone(first);
  assertEquals(encoded.dropped, dropped());
  const second = decodeOpenMetrics(encoded.body);
  assertEquals(familiesOf(second), byName(familiesOf(first)));
  // Encoding again gives the same bytes.
  assertEquals(text(encodedAlone(second).body), text(encoded.body));
});

Deno.test(`round trip: Prometheus's own OpenMetrics parser reads the Python client's capture re-encoded${PROMTOOL_SKIPPED}`, async () => {
  if (!promtool) return;
  const exposition = withTimestamps(
    decodeOpenMetrics(fixtureBytes("python_client.openmetrics")),
    1795612381000,
  );
  const { code, output } = await promtoolParseOpenMetrics(encodedAlone(exposition).body);
  assertEquals(code, 0, output);
});

Deno.test("round trip: OpenMetrics through text and back keeps what text carries", () => {
  const source = om(
    "# TYPE c counter",
    "# HELP c Requests.",
    'c_total{a="1"} 1027 1520879607.789',
    "# TYPE g gauge",
    'g{b="x\\\\y"} NaN',
    "# TYPE h histogram",
    'h_bucket{le="0.1"} 1',
    'h_bucket{le="+Inf"} 2',
    "h_count 2",
    "h_sum 0.3",
    "# TYPE s summary",
    's{quantile="0.5"} 1',
    "s_count 1",
    "s_sum 1",
    "u 5",
  );
  const first = decodeOpenMetrics(source);
  const asText = encodeText(mergeSources([{ exporterName: "a", exposition: first }]).families);
  const fromText = decodeText(asText.body);
  assertEquals(asText.dropped, dropped());
  const back = encodedAlone(fromText);
  assertEquals(back.dropped, dropped());
  assertEquals(familiesOf(decodeOpenMetrics(back.body)), byName(familiesOf(first)));
});

Deno.test("round trip: text drops and counts what OpenMetrics had, and rounds fractional timestamps", () => {
  const first = decodeOpenMetrics(om(
    "# TYPE c counter",
    "# UNIT c bytes",
    'c_total 1 1.0005 # {t="x"} 1',
    "c_created 5 1.0005",
    "g 2 -0.0004",
  ));
  const asText = encodeText(mergeSources([{ exporterName: "a", exposition: first }]).families);
  assertEquals(
    text(asText.body),
    "# TYPE c_total counter\nc_total 1 1001\n# TYPE g untyped\ng 2 0\n",
  );
  assertEquals(asText.dropped, dropped({ exemplar: 1, created_timestamp: 1, unit: 1 }));
});

Deno.test("encodeOpenMetrics: the output's samples are those of the input, line for line", () => {
  // No sample is lost or made up on the way: the capture's sample lines, re-encoded.
  const input = text(fixtureBytes("python_client.openmetrics"));
  const output = text(encodedAlone(decodeOpenMetrics(bytes(input))).body);
  const samples = (t: string) => t.split("\n").filter((l) => l !== "" && !l.startsWith("#")).length;
  assertEquals(samples(output), samples(input));
  assert(output.endsWith("\n# EOF\n"));
});

Deno.test(`promtoolParseOpenMetrics: Prometheus's parser refuses what it refuses${PROMTOOL_SKIPPED}`, async () => {
  if (!promtool) return;
  // Prometheus 2 takes exemplars only on samples named *_total or *_bucket.
  const refused = await promtoolParseOpenMetrics(om('a 1 1700000000 # {t="x"} 2'));
  assertEquals(refused.code, 1, refused.output);
  assert(refused.output.includes("does not support exemplars"), refused.output);
  const accepted = await promtoolParseOpenMetrics(om('a_total 1 1700000000 # {t="x"} 2'));
  assertEquals(accepted.code, 0, accepted.output);
});

Deno.test("encodeOpenMetrics: a counter shortened to a name another counter keeps makes that one keep its own", () => {
  // foo_total_total would be `foo_total`, foo_total `foo`; a gauge foo makes foo_total keep
  // `foo_total`, so foo_total_total must keep its own name too.
  const { text } = encode([
    { name: "foo_total_total", type: "counter", metrics: [{ labels: [], value: 1 }] },
    { name: "foo_total", type: "counter", metrics: [{ labels: [], value: 2 }] },
    { name: "foo", type: "gauge", metrics: [{ labels: [], value: 3 }] },
    // Without the gauge, both shorten: a counter foo and a counter foo_total.
    { name: "bar_total_total", type: "counter", metrics: [{ labels: [], value: 4 }] },
    { name: "bar_total", type: "counter", metrics: [{ labels: [], value: 5 }] },
  ]);
  assertEquals(
    text.split("\n").filter((l) => l.startsWith("# TYPE")),
    [
      "# TYPE bar counter",
      "# TYPE bar_total counter",
      "# TYPE foo gauge",
      "# TYPE foo_total unknown",
      "# TYPE foo_total_total unknown",
    ],
  );
  assertEquals(decoded(text).length, 5);
});
