import { assert, assertEquals, assertStringIncludes } from "../_assert.ts";
import {
  decodeProtobuf,
  decodeText,
  encodeProtobuf,
  encodeText,
  expositionOf,
  familiesOf,
  mergeSources,
  type MetricFamily,
  noneDropped,
  PROTOBUF_CONTENT_TYPE,
  targetLabelsOf,
} from "../../src/exposition/mod.ts";
import {
  ALL_TYPES,
  delimited,
  family,
  hasProtoc,
  label,
  merged,
  protobufRoundTrip,
  protocDecodeRaw,
} from "./_protobuf.ts";

const utf8 = new TextEncoder();

function fixtureBytes(name: string): Uint8Array {
  return Deno.readFileSync(new URL(`../fixtures/${name}`, import.meta.url));
}

/** The text 0.0.4 of an exposition's families merged alone. */
function textOf(exposition: ReturnType<typeof decodeText>): string {
  return new TextDecoder().decode(encodeText(merged(exposition)).body);
}

Deno.test("PROTOBUF_CONTENT_TYPE is the delimited MetricFamily stream", () => {
  assertEquals(
    PROTOBUF_CONTENT_TYPE,
    "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited",
  );
});

Deno.test("encodeProtobuf: protobuf -> exposition -> protobuf gives the same model and bytes", () => {
  for (const body of [ALL_TYPES, fixtureBytes("go_client_exporter.pb")]) {
    const decoded = decodeProtobuf(body);
    const model = familiesOf(decoded);
    // Families come out sorted by name, as the merge serves them.
    const sorted = [...model].sort((a, b) => (a.name < b.name ? -1 : 1));
    // UTF-8 names as they are.
    const options = { escaping: "allow-utf-8" } as const;
    const encoded = encodeProtobuf(merged(decoded), options);
    assertEquals(encoded.dropped, noneDropped());
    assertEquals(familiesOf(decodeProtobuf(encoded.body)), sorted);
    // Encoding what it decodes again gives the same bytes.
    assertEquals(
      encodeProtobuf(merged(decodeProtobuf(encoded.body)), options).body,
      encoded.body,
    );
  }
});

Deno.test("encodeProtobuf: text -> protobuf -> text gives the same text", () => {
  for (
    const name of [
      "node_exporter_1.5.prom",
      "prometheus_2.42.prom",
      "pushgateway.prom",
      "exporter_exporter.prom",
      "blackbox_exporter.prom",
      "blackbox_probe.prom",
      "go_client_exporter.prom",
    ]
  ) {
    const text = decodeText(fixtureBytes(name));
    const viaProtobuf = decodeProtobuf(encodeProtobuf(merged(text)).body);
    assertEquals(textOf(viaProtobuf), textOf(text), name);
  }
});

Deno.test("encodeProtobuf: text -> protobuf keeps the model, but how le was written", () => {
  // The Python client writes le="1.0" and puts le first; protobuf has only the bound.
  const text = decodeText(fixtureBytes("python_client.prom"));
  const withoutLe = (families: MetricFamily[]) =>
    families.map((f) =>
      f.type !== "histogram" ? f : {
        ...f,
        metrics: f.metrics.map((m) => ({
          ...m,
          buckets: m.buckets.map(({ le: _, ...bucket }) => bucket),
        })),
      }
    );
  const viaProtobuf = familiesOf(decodeProtobuf(encodeProtobuf(merged(text)).body));
  assertEquals(viaProtobuf, withoutLe(familiesOf(text)).sort((a, b) => (a.name < b.name ? -1 : 1)));
  assert(JSON.stringify(familiesOf(text)).includes('"le":"1.0"'));
});

Deno.test("encodeProtobuf: the Go client's protobuf decodes to the Go client's text", () => {
  // Both captured from the same run of tests/fixtures/go_client_exporter.
  const text = new TextDecoder().decode(fixtureBytes("go_client_exporter.prom"));
  assertEquals(textOf(decodeProtobuf(fixtureBytes("go_client_exporter.pb"))), text);
});

Deno.test("tests/fixtures/node_exporter_1.5.pb is the node_exporter capture in protobuf", () => {
  const encoded = encodeProtobuf(
    mergeSources([{
      exporterName: "node_exporter",
      exposition: decodeText(fixtureBytes("node_exporter_1.5.prom")),
    }]).families,
  ).body;
  assertEquals(
    encoded,
    fixtureBytes("node_exporter_1.5.pb"),
    "write it again with encodeProtobuf of the .prom file merged alone",
  );
});

const protoc = hasProtoc();

Deno.test({
  name: `encodeProtobuf: protoc --decode_raw reads what we write${
    protoc ? "" : " (skipped: protoc (protobuf-compiler) not installed)"
  }`,
  ignore: !protoc,
  async fn() {
    const node = await protocDecodeRaw(fixtureBytes("node_exporter_1.5.pb"));
    const families = decodeText(fixtureBytes("node_exporter_1.5.prom")).families;
    assertEquals(node.match(/^1 \{$/gm)?.length, families.length);
    assertStringIncludes(node, '  1: "node_cpu_seconds_total"\n');
    const all = await protocDecodeRaw(encodeProtobuf(merged(decodeProtobuf(ALL_TYPES))).body);
    for (
      const expected of [
        // A label value with a quote, a backslash and a newline, unescaped.
        '      2: "a \\"quoted\\" \\\\ value\\nnew"\n',
        // A name outside the legacy set, escaped by default.
        '  1: "my_dotted_metric"\n',
        '      1: "label_with_dots"\n',
        // The unit, and the type GAUGE_HISTOGRAM.
        '  5: "celsius"\n',
        "  3: 5\n",
        // A created timestamp, seconds and nanoseconds.
        "        1: 1690000000\n        2: 250000000\n",
        // A native histogram's schema 3 (zigzag: 6), its exemplar, its deltas 1, 2, -1.
        "      5: 6\n",
        "      16 {\n",
        "      13: 2\n      13: 4\n      13: 1\n",
        // The timestamp of a metric.
        "    6: 1700000000123\n",
      ]
    ) {
      assertStringIncludes(all, expected);
    }
  },
});

Deno.test("encodeProtobuf: target labels added, own labels named like them renamed", () => {
  const exposition = decodeProtobuf(delimited(
    family("g", 1, [
      [label("a", "1"), [2, [[1, { double: 1 }]]]],
      [label("exporter_name", "mine"), [2, [[1, { double: 2 }]]]],
    ]),
  ));
  const target = targetLabelsOf([{ name: "exporter_name", value: "node" }]);
  const { families } = mergeSources([{ exporterName: "node", exposition, target }]);
  const [g] = familiesOf(decodeProtobuf(encodeProtobuf(families).body));
  assertEquals(g!.metrics.map((m) => m.labels), [
    [{ name: "a", value: "1" }, { name: "exporter_name", value: "node" }],
    [{ name: "exported_exporter_name", value: "mine" }, {
      name: "exporter_name",
      value: "node",
    }],
  ]);
});

Deno.test("encodeProtobuf: names outside the legacy set escaped unless allow-utf-8", () => {
  const exposition = decodeProtobuf(delimited(
    family("my.metric", 1, [[label("my.label", "v"), label("ok_too", "x"), [2, [[1, {
      double: 1,
    }]]]]]),
  ));
  const cases = [
    ["allow-utf-8", "my.metric", "my.label"],
    ["underscores", "my_metric", "my_label"],
    ["dots", "my_dot_metric", "my_dot_label"],
    ["values", "U__my_2e_metric", "U__my_2e_label"],
  ] as const;
  for (const [escaping, name, labelName] of cases) {
    const [f] = familiesOf(decodeProtobuf(encodeProtobuf(merged(exposition), { escaping }).body));
    assertEquals(f!.name, name, escaping);
    // Legacy names are kept, underscores too (as Prometheus's EscapeMetricFamily keeps them).
    assertEquals(f!.metrics[0]!.labels, [{ name: labelName, value: "v" }, {
      name: "ok_too",
      value: "x",
    }]);
  }
});

Deno.test("encodeProtobuf: interleaved samples of histograms are grouped by metric", () => {
  const text = decodeText(utf8.encode(
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
  const [h] = protobufRoundTrip(text);
  assertEquals(h, {
    name: "h",
    type: "histogram",
    metrics: [
      {
        labels: [{ name: "a", value: "1" }],
        count: 3,
        sum: 5,
        buckets: [{ upperBound: 1, count: 1 }, { upperBound: Infinity, count: 3 }],
      },
      {
        labels: [{ name: "a", value: "2" }],
        count: 4,
        sum: 6,
        buckets: [{ upperBound: 1, count: 2 }, { upperBound: Infinity, count: 4 }],
      },
    ],
  });
});

Deno.test("encodeProtobuf: types mapped back, and what protobuf cannot carry counted", () => {
  const families: MetricFamily[] = [
    { name: "build_info", type: "info", metrics: [{ labels: [], value: 1 }] },
    {
      name: "state",
      type: "stateset",
      metrics: [{ labels: [{ name: "state", value: "a" }], value: 1 }],
    },
    { name: "u", type: "unknown", metrics: [{ labels: [], value: 2 }] },
    {
      name: "g",
      type: "gauge",
      metrics: [{
        labels: [],
        value: 3,
        exemplar: { labels: [], value: 1 },
        createdMs: 1000,
      }],
    },
  ];
  const encoded = encodeProtobuf(merged(expositionOf(families)));
  assertEquals(encoded.dropped, { ...noneDropped(), exemplar: 1, created_timestamp: 1 });
  assertEquals(
    familiesOf(decodeProtobuf(encoded.body)).map((f) => [f.name, f.type]),
    [["build_info", "gauge"], ["g", "gauge"], ["state", "gauge"], ["u", "unknown"]],
  );
});

Deno.test("encodeProtobuf: counts that are not integers go in the float fields", () => {
  const text = decodeText(utf8.encode(
    "# TYPE h histogram\n" +
      'h_bucket{le="1"} 0.5\n' +
      'h_bucket{le="+Inf"} 1.5\n' +
      "h_sum 2\n" +
      "h_count 1.5\n",
  ));
  const [h] = protobufRoundTrip(text);
  assertEquals(h!.metrics[0], {
    labels: [],
    count: 1.5,
    sum: 2,
    buckets: [{ upperBound: 1, count: 0.5 }, { upperBound: Infinity, count: 1.5 }],
  });
});

Deno.test("encodeProtobuf: long labels and escapes keep their lengths", () => {
  const long = "x".repeat(200);
  const veryLong = 'a "b" \\ c\n'.repeat(3000);
  const text = decodeText(
    utf8.encode(
      `m{${"n".repeat(150)}="${long}",v="${
        veryLong.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n")
      }",e=""} 1 -5\n` + `m{a="${long}"} 2\n`,
    ),
  );
  const [m] = protobufRoundTrip(text);
  assertEquals(m!.metrics, [
    {
      labels: [
        { name: "n".repeat(150), value: long },
        { name: "v", value: veryLong },
        { name: "e", value: "" },
      ],
      timestampMs: -5,
      value: 1,
    },
    { labels: [{ name: "a", value: long }], value: 2 },
  ]);
});

Deno.test("encodeProtobuf: quoted label names with escapes, kept as they are in allow-utf-8", () => {
  const text = decodeText(
    utf8.encode('{"m","a\\"b.c"="1","d\\\\e"="2"} 1\n'),
    { version: "1.0.0" },
  );
  const body = encodeProtobuf(merged(text), { escaping: "allow-utf-8" }).body;
  const [m] = familiesOf(decodeProtobuf(body));
  assertEquals(m!.metrics[0]!.labels, [{ name: 'a"b.c', value: "1" }, {
    name: "d\\e",
    value: "2",
  }]);
  assert(decodeProtobuf(body).store.quotedLabelNames);
});

Deno.test("encodeProtobuf: values protobuf cannot hold are left out and counted", () => {
  const native = {
    schema: 1.5,
    zeroThreshold: 0,
    zeroCount: 0,
    count: 1,
    sum: 1,
    float: false,
    positiveSpans: [],
    positiveBuckets: [],
    negativeSpans: [],
    negativeBuckets: [],
    exemplars: [],
  };
  const families: MetricFamily[] = [
    {
      name: "c_total",
      type: "counter",
      metrics: [{
        labels: [],
        value: 1,
        createdMs: Infinity,
        exemplar: { labels: [], value: 1, timestampMs: NaN },
        timestampMs: 1e300,
      }],
    },
    {
      name: "s",
      type: "summary",
      metrics: [{ labels: [], count: Infinity, sum: 1, quantiles: [], createdMs: NaN }],
    },
    { name: "h", type: "histogram", metrics: [{ labels: [], count: 1, buckets: [], native }] },
  ];
  const encoded = encodeProtobuf(merged(expositionOf(families)));
  assertEquals(encoded.dropped, {
    ...noneDropped(),
    created_timestamp: 1,
    native_histogram_buckets: 1,
  });
  assertEquals(familiesOf(decodeProtobuf(encoded.body)), [
    {
      name: "c_total",
      type: "counter",
      metrics: [{ labels: [], value: 1, exemplar: { labels: [], value: 1 } }],
    },
    {
      name: "h",
      type: "histogram",
      metrics: [{ labels: [], count: 1, sum: 0, buckets: [{ upperBound: Infinity, count: 1 }] }],
    },
    { name: "s", type: "summary", metrics: [{ labels: [], count: 0, sum: 1, quantiles: [] }] },
  ]);
});
