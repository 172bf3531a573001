import { assert, assertEquals, assertStringIncludes, assertThrows } from "../_assert.ts";
import {
  AUX_FACTOR,
  BUCKET,
  COUNT,
  CREATED,
  DecodeError,
  decodeProtobuf,
  decodeText,
  type Exposition,
  familiesOf,
  type MetricFamily,
  NATIVE,
  QUANTILE,
  SUM,
  VALUE,
} from "../../src/exposition/mod.ts";
import {
  ALL_TYPES,
  delimited,
  family,
  type Field,
  label,
  message,
  NATIVE_ZERO_THRESHOLD,
  timestamp,
} from "./_protobuf.ts";

const COUNTER = 0;
const GAUGE = 1;
const SUMMARY = 2;
const HISTOGRAM = 4;

/** What ALL_TYPES holds. */
const ALL_TYPES_MODEL: MetricFamily[] = [
  {
    name: "requests_total",
    type: "counter",
    help: "Help of requests_total.",
    metrics: [
      {
        labels: [{ name: "code", value: "200" }, { name: "method", value: "get" }],
        value: 1027,
        exemplar: {
          labels: [{ name: "trace_id", value: "abc" }],
          value: 1,
          timestampMs: 1700000000500,
        },
        createdMs: 1690000000250,
      },
      { labels: [{ name: "code", value: "500" }], timestampMs: 1700000000123, value: 3 },
    ],
  },
  {
    name: "temperature_celsius",
    type: "gauge",
    help: "Help of temperature_celsius.",
    unit: "celsius",
    metrics: [
      { labels: [{ name: "room", value: 'a "quoted" \\ value\nnew' }], value: 21.5 },
      // A timestamp_ms of 0 is no timestamp, as Prometheus reads it.
      { labels: [{ name: "room", value: "b" }], value: -3 },
    ],
  },
  {
    name: "some_untyped",
    type: "unknown",
    help: "Help of some_untyped.",
    metrics: [{ labels: [], value: 42 }],
  },
  {
    name: "rpc_duration_seconds",
    type: "summary",
    help: "Help of rpc_duration_seconds.",
    metrics: [{
      labels: [{ name: "service", value: "a" }],
      count: 7,
      sum: 12.5,
      quantiles: [{ quantile: 0.5, value: 1.5 }, { quantile: 0.99, value: 4 }],
      createdMs: 1690000000000,
    }],
  },
  {
    name: "http_latency_seconds",
    type: "histogram",
    help: "Help of http_latency_seconds.",
    metrics: [{
      labels: [{ name: "path", value: "/" }],
      count: 4,
      sum: 5.5,
      buckets: [
        {
          upperBound: 0.1,
          count: 1,
          exemplar: { labels: [{ name: "id", value: "x" }], value: 0.05 },
        },
        { upperBound: 1, count: 3 },
        // Added: classic buckets without +Inf.
        { upperBound: Infinity, count: 4 },
      ],
      createdMs: 1690000000000,
    }],
  },
  {
    name: "native_seconds",
    type: "histogram",
    help: "Help of native_seconds.",
    metrics: [{
      labels: [],
      count: 5,
      sum: 3.25,
      buckets: [
        { upperBound: 0.1, count: 1 },
        {
          upperBound: Infinity,
          count: 5,
          exemplar: { labels: [{ name: "id", value: "inf" }], value: 2 },
        },
      ],
      native: {
        schema: 3,
        zeroThreshold: NATIVE_ZERO_THRESHOLD,
        zeroCount: 0,
        count: 5,
        sum: 3.25,
        float: false,
        positiveSpans: [{ offset: -34, length: 1 }, { offset: 20, length: 2 }],
        positiveBuckets: [1, 2, -1],
        negativeSpans: [],
        negativeBuckets: [],
        exemplars: [
          { labels: [{ name: "id", value: "n1" }], value: 0.7, timestampMs: 1700000000000 },
        ],
      },
    }],
  },
  {
    name: "native_only_seconds",
    type: "histogram",
    help: "Help of native_only_seconds.",
    metrics: [{
      labels: [],
      count: 3,
      sum: 2.5,
      buckets: [],
      native: {
        schema: 3,
        zeroThreshold: 1e-9,
        zeroCount: 1,
        count: 3,
        sum: 2.5,
        float: false,
        positiveSpans: [{ offset: 13, length: 1 }],
        positiveBuckets: [1],
        negativeSpans: [{ offset: -8, length: 1 }],
        negativeBuckets: [1],
        exemplars: [],
      },
    }],
  },
  {
    name: "queue_size",
    type: "gaugehistogram",
    help: "Help of queue_size.",
    metrics: [{
      labels: [],
      count: 2.5,
      sum: 10,
      buckets: [{ upperBound: 1, count: 1.5 }, { upperBound: Infinity, count: 2.5 }],
      native: {
        schema: 0,
        zeroThreshold: 0.001,
        zeroCount: 0.5,
        count: 2.5,
        sum: 10,
        float: true,
        positiveSpans: [{ offset: 0, length: 2 }],
        positiveBuckets: [1, 1],
        negativeSpans: [],
        negativeBuckets: [],
        exemplars: [],
      },
    }],
  },
  {
    name: "my.dotted.metric",
    type: "gauge",
    help: "Help of my.dotted.metric.",
    metrics: [{
      labels: [{ name: "label.with.dots", value: "v" }, { name: "ok", value: "x" }],
      value: 1,
    }],
  },
];

Deno.test("decodeProtobuf: every type of metric, as the model has it", () => {
  assertEquals(familiesOf(decodeProtobuf(ALL_TYPES)), ALL_TYPES_MODEL);
});

/** The roles of a family's samples, in order. */
function rolesOf(exposition: Exposition, name: string): number[] {
  const family = exposition.families.find((f) => f.name === name)!;
  return [...family.indices].map((i) => exposition.store.role[i]!);
}

/** The canonical label set of each sample of a family, in order. */
function labelSetsOf(exposition: Exposition, name: string): string[] {
  const { store } = exposition;
  const family = exposition.families.find((f) => f.name === name)!;
  return [...family.indices].map((i) => {
    const start = store.start[i]!;
    const offset = store.offsetAt(start);
    return new TextDecoder().decode(
      store.bytesAt(start).subarray(start - offset, store.end[i]! - offset),
    );
  });
}

Deno.test("decodeProtobuf: samples in the order encoders rely on, NATIVE before BUCKETs", () => {
  const exposition = decodeProtobuf(ALL_TYPES);
  assertEquals(rolesOf(exposition, "requests_total"), [VALUE, CREATED, VALUE]);
  assertEquals(rolesOf(exposition, "rpc_duration_seconds"), [
    QUANTILE,
    QUANTILE,
    SUM,
    COUNT,
    CREATED,
  ]);
  assertEquals(rolesOf(exposition, "http_latency_seconds"), [
    BUCKET,
    BUCKET,
    BUCKET,
    SUM,
    COUNT,
    CREATED,
  ]);
  assertEquals(rolesOf(exposition, "native_seconds"), [NATIVE, BUCKET, BUCKET, SUM, COUNT]);
  assertEquals(rolesOf(exposition, "native_only_seconds"), [NATIVE, SUM, COUNT]);
  assertEquals(labelSetsOf(exposition, "rpc_duration_seconds"), [
    'service="a",quantile="0.5"',
    'service="a",quantile="0.99"',
    'service="a"',
    'service="a"',
    'service="a"',
  ]);
  assertEquals(labelSetsOf(exposition, "http_latency_seconds").slice(0, 3), [
    'path="/",le="0.1"',
    'path="/",le="1"',
    'path="/",le="+Inf"',
  ]);
});

Deno.test("decodeProtobuf: label sets in canonical form, names outside the legacy set quoted", () => {
  const exposition = decodeProtobuf(ALL_TYPES);
  assertEquals(labelSetsOf(exposition, "temperature_celsius"), [
    'room="a \\"quoted\\" \\\\ value\\nnew"',
    'room="b"',
  ]);
  assertEquals(labelSetsOf(exposition, "my.dotted.metric"), ['"label.with.dots"="v",ok="x"']);
  const { store } = exposition;
  assert(store.quotedLabelNames);
  // Every label name of the samples (exemplars' labels are not theirs).
  assertEquals(
    [...store.labelNames].sort(),
    ["code", "label.with.dots", "le", "method", "ok", "path", "quantile", "room", "service"],
  );
  const legacy = decodeProtobuf(delimited(family("g", GAUGE, [[label("a", "1")]])));
  assertEquals(legacy.store.quotedLabelNames, false);
});

Deno.test("decodeProtobuf: text and protobuf of the same series give equal hashes", () => {
  const text = new TextEncoder().encode(
    "# TYPE http_requests_total counter\n" +
      'http_requests_total{code="200",path="/a\\"b\\\\c\\nd",host="h\u00e9"} 3\n' +
      "# TYPE latency_seconds histogram\n" +
      'latency_seconds_bucket{path="/",le="0.25"} 1\n' +
      'latency_seconds_bucket{path="/",le="+Inf"} 2\n' +
      'latency_seconds_sum{path="/"} 0.5\n' +
      'latency_seconds_count{path="/"} 2\n' +
      "# TYPE rpc_seconds summary\n" +
      'rpc_seconds{quantile="0.99"} 4\n' +
      "rpc_seconds_sum 1\n" +
      "rpc_seconds_count 1\n" +
      '{"my.gauge","my.label"="x",b=""} 1\n',
  );
  const pb = delimited(
    family("http_requests_total", COUNTER, [[
      label("code", "200"),
      label("path", '/a"b\\c\nd'),
      label("host", "h\u00e9"),
      [3, [[1, { double: 3 }]]],
    ]]),
    family("latency_seconds", HISTOGRAM, [[
      label("path", "/"),
      [7, [[1, 2], [2, { double: 0.5 }], [3, [[1, 1], [2, { double: 0.25 }]]]]],
    ]]),
    family("rpc_seconds", SUMMARY, [[
      [4, [[1, 1], [2, { double: 1 }], [3, [[1, { double: 0.99 }], [2, { double: 4 }]]]]],
    ]]),
    family("my.gauge", GAUGE, [[label("my.label", "x"), label("b", ""), [2, [[1, {
      double: 1,
    }]]]]]),
  );
  const hashes = (exposition: Exposition) =>
    exposition.families.map((f) => ({
      name: f.name,
      hashes: [...f.indices].map((i) => exposition.store.hash[i]!),
    }));
  const fromText = hashes(decodeText(text, { version: "1.0.0" }));
  const fromProtobuf = hashes(decodeProtobuf(pb));
  assertEquals(fromProtobuf, fromText);
  // Not all equal by accident: the samples of a histogram differ.
  assertEquals(new Set(fromText[1]!.hashes).size, 4);
});

Deno.test("decodeProtobuf: classic histograms get +Inf; empty ones too, native-only ones not", () => {
  const exposition = decodeProtobuf(delimited(
    family("empty_classic", HISTOGRAM, [[[7, []]]]),
    family("no_op_native", HISTOGRAM, [[[7, [[1, 0], [12, [[1, { sint: 0 }], [2, 0]]]]]]]),
  ));
  assertEquals(rolesOf(exposition, "empty_classic"), [BUCKET, SUM, COUNT]);
  assertEquals(rolesOf(exposition, "no_op_native"), [NATIVE, SUM, COUNT]);
});

Deno.test("decodeProtobuf: unknown fields are skipped, packed repeated fields read", () => {
  // Field 13 (positive deltas) packed: sint64 1, -1 as zigzag varints 2, 1.
  const histogram = message([
    [1, 2],
    [99, "an unknown field"],
    [5, { sint: 0 }],
    [6, { double: 0.5 }],
    [12, [[1, { sint: 0 }], [2, 2]]],
    [13, Uint8Array.of(2, 1)],
  ]);
  const exposition = decodeProtobuf(delimited(
    family("h", HISTOGRAM, [[[7, histogram], [42, { double: 1 }]]], [[77, 5]]),
  ));
  const [h] = familiesOf(exposition);
  assertEquals(h, {
    name: "h",
    type: "histogram",
    help: "Help of h.",
    metrics: [{
      labels: [],
      count: 2,
      sum: 0,
      buckets: [],
      native: {
        schema: 0,
        zeroThreshold: 0.5,
        zeroCount: 0,
        count: 2,
        sum: 0,
        float: false,
        positiveSpans: [{ offset: 0, length: 2 }],
        positiveBuckets: [1, -1],
        negativeSpans: [],
        negativeBuckets: [],
        exemplars: [],
      },
    }],
  });
});

Deno.test("decodeProtobuf: families of one name given twice are one family", () => {
  const exposition = decodeProtobuf(delimited(
    family("g", GAUGE, [[label("a", "1"), [2, [[1, { double: 1 }]]]]]),
    family("other", GAUGE, [[[2, [[1, { double: 3 }]]]]]),
    family("g", GAUGE, [[label("a", "2"), [2, [[1, { double: 2 }]]]]]),
  ));
  assertEquals(exposition.families.map((f) => [f.name, f.indices.length]), [["g", 2], [
    "other",
    1,
  ]]);
  assertEquals(decodeProtobuf(new Uint8Array(0)).families, []);
});

/** Asserts that `body` fails to decode at byte `at`, naming `family` and saying `reason`. */
function assertFailsAt(
  body: Uint8Array,
  expected: { at: number; reason: string; family?: string },
): DecodeError {
  const error = assertThrows(() => decodeProtobuf(body), DecodeError);
  assertEquals({ line: error.line, column: error.column }, { line: 1, column: expected.at + 1 });
  assertStringIncludes(error.message, expected.reason);
  assertStringIncludes(error.message, `byte ${expected.at}`);
  assertStringIncludes(
    error.message,
    expected.family === undefined ? "the family at byte" : `family "${expected.family}"`,
  );
  return error;
}

const GOOD = family("g", GAUGE, [[label("a", "1"), [2, [[1, { double: 1 }]]]]]);

Deno.test("decodeProtobuf: a truncated body fails at the field cut", () => {
  const body = delimited(GOOD);
  // Cut inside the length of the family: a truncated varint at byte 0.
  assertFailsAt(Uint8Array.of(0x80), { at: 0, reason: "truncated varint" });
  // The family's length beyond the end.
  assertFailsAt(body.subarray(0, body.length - 1), {
    at: 0,
    reason: `message length ${body.length - 1} beyond the end of the body`,
  });
  // A length inside the family beyond its end: the metric's, shortened by hand.
  const metricLengthAt = body.indexOf(0x22) + 1; // field 4 (metric), wire type 2
  const broken = body.slice();
  broken[metricLengthAt] = 0x7f;
  assertFailsAt(broken, {
    at: metricLengthAt,
    reason: "beyond the end of its message",
    family: "g",
  });
  // A truncated double: the gauge's value field cut short, in messages of the right lengths.
  const shortDouble = delimited(family("g", GAUGE, [[[2, Uint8Array.of(0x09, 0, 0, 0)]]]));
  assertFailsAt(shortDouble, {
    at: shortDouble.length - 3,
    reason: "truncated double",
    family: "g",
  });
});

Deno.test("decodeProtobuf: wrong wire types, mismatched fields and bad values fail", () => {
  // The family name (field 1) as a varint.
  assertFailsAt(delimited(message([[1, 5]])), {
    at: 1,
    reason: "wrong wire type 0 for field 1 of MetricFamily",
  });
  // A gauge in a counter family.
  const counterWithGauge = delimited(family("c_total", COUNTER, [[[2, [[1, { double: 1 }]]]]]));
  assertFailsAt(counterWithGauge, {
    at: counterWithGauge.length - 11,
    reason: "a gauge in a family of type COUNTER",
    family: "c_total",
  });
  // An unknown metric type.
  const unknownType = delimited(message([[1, "x"], [3, 9]]));
  assertFailsAt(unknownType, { at: 4, reason: "unknown metric type 9", family: "x" });
  // No name, an empty name.
  assertFailsAt(delimited(message([[3, 1]])), { at: 1, reason: "empty family name" });
  assertFailsAt(delimited(message([[1, ""], [3, 1]])), { at: 1, reason: "empty family name" });
  // A timestamp beyond what numbers hold exactly (2^60 ms).
  const farTimestamp = delimited(family("g", GAUGE, [[[6, 2 ** 60]]]));
  assertFailsAt(farTimestamp, {
    at: farTimestamp.length - 10,
    reason: `timestamp ${2 ** 60} out of range`,
    family: "g",
  });
  // A group (wire type 3), which this format never uses.
  assertFailsAt(delimited(Uint8Array.of(0x0a, 1, 0x78, 0x5b)), {
    at: 4,
    reason: "unsupported wire type 3",
    family: "x",
  });
});

Deno.test("decodeProtobuf: invalid UTF-8 fails, with the invalidUtf8 flag", () => {
  const body = delimited(message([[1, "ok"], [3, GAUGE], [4, [[1, [[1, "a"], [
    2,
    Uint8Array.of(0x61, 0xff, 0x62),
  ]]]]]]));
  const at = body.indexOf(0xff);
  const error = assertFailsAt(body, { at, reason: "invalid UTF-8", family: "ok" });
  assert(error.invalidUtf8);
  const badName = delimited(message([[1, Uint8Array.of(0x6d, 0xc3)], [3, GAUGE]]));
  assertFailsAt(badName, { at: badName.indexOf(0xc3), reason: "invalid UTF-8" });
  const badHelp = delimited(message([[1, "m"], [2, Uint8Array.of(0xed, 0xa0, 0x80)]]));
  assertFailsAt(badHelp, { at: badHelp.indexOf(0xed), reason: "invalid UTF-8", family: "m" });
});

Deno.test("decodeProtobuf: duplicate labels fail, le in a histogram and quantile in a summary too", () => {
  const duplicate = delimited(family("g", GAUGE, [[label("a", "1"), label("a", "2")]]));
  const error = assertThrows(() => decodeProtobuf(duplicate), DecodeError);
  assertStringIncludes(error.message, "duplicate label a (byte");
  assertStringIncludes(error.message, 'family "g"');
  const le = delimited(family("h", HISTOGRAM, [[label("le", "x"), [7, [[1, 1]]]]]));
  assertStringIncludes(
    assertThrows(() => decodeProtobuf(le), DecodeError).message,
    "duplicate label le",
  );
  const quantile = delimited(family("s", SUMMARY, [[label("quantile", "x"), [4, [[3, [[1, {
    double: 0.5,
  }]]]]]]]));
  assertStringIncludes(
    assertThrows(() => decodeProtobuf(quantile), DecodeError).message,
    "duplicate label quantile",
  );
  const emptyName = delimited(family("g", GAUGE, [[label("", "1")]]));
  assertStringIncludes(
    assertThrows(() => decodeProtobuf(emptyName), DecodeError).message,
    "empty label name",
  );
  // Thousands of labels: a set, not pairs, finds the duplicate.
  const many: Field[] = [];
  for (let i = 0; i < 5000; i++) many.push(label(`l${i}`, "v"));
  many.push(label("l42", "again"));
  assertStringIncludes(
    assertThrows(() => decodeProtobuf(delimited(family("g", GAUGE, [many]))), DecodeError)
      .message,
    "duplicate label l42",
  );
});

Deno.test("decodeProtobuf: label sets copied for buckets stay within a bound of the body", () => {
  // A histogram whose 10 kB label set would be copied for each of 20,000 buckets: 200 MB.
  const labels: Field[] = [];
  for (let i = 0; i < 100; i++) labels.push(label(`label_${i}`, "v".repeat(90)));
  const buckets: Field[] = [];
  for (let i = 0; i < 20_000; i++) buckets.push([3, [[1, i], [2, { double: i }]]]);
  const body = delimited(family("h", HISTOGRAM, [[...labels, [7, buckets]]]));
  const error = assertThrows(() => decodeProtobuf(body), DecodeError);
  assertStringIncludes(error.message, `label sets take over ${AUX_FACTOR} times the body's size`);
  assertStringIncludes(error.message, 'family "h"');
  // Within the bound, the same histogram decodes.
  const fewer = delimited(family("h", HISTOGRAM, [[...labels, [7, buckets.slice(0, 100)]]]));
  assertEquals(decodeProtobuf(fewer).families[0]!.indices.length, 103);
});

Deno.test("decodeProtobuf: a timestamp and created timestamps with nanoseconds", () => {
  const exposition = decodeProtobuf(delimited(
    family("c_total", COUNTER, [[[3, [[1, { double: 1 }], [3, timestamp(1, 5)]]], [6, -5]]]),
  ));
  const [c] = familiesOf(exposition);
  assertEquals(c!.metrics[0], {
    labels: [],
    timestampMs: -5,
    value: 1,
    createdMs: (1 + 5e-9) * 1000,
  });
});
