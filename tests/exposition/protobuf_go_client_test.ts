/**
 * The protobuf decoder on a real source: an exporter built with the Prometheus Go client
 * (tests/fixtures/go_client_exporter, Debian's golang-go and client_golang 1.14, offline in
 * GOPATH mode), and a body captured from it for machines without Go.
 */
import { assert, assertEquals } from "../_assert.ts";
import { tempDir } from "../_server.ts";
import { buildGoExporter, missingGo, startGoExporter } from "../_go_exporter.ts";
import {
  decodeProtobuf,
  encodeText,
  type Exemplar,
  familiesOf,
  type MetricFamily,
} from "../../src/exposition/mod.ts";
import {
  acceptHeader,
  formatOfContentType,
  SCRAPE_PROTOCOLS,
} from "../../src/exposition/formats.ts";
import { merged, NATIVE_ZERO_THRESHOLD } from "./_protobuf.ts";

/** The Accept header of Prometheus asking for protobuf. */
const PROMETHEUS_PROTOBUF_ACCEPT =
  "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited";

const missing = await missingGo();

/** An exemplar without its timestamp, which the Go client sets to the time of observation. */
function timeless(exemplar: Exemplar): Exemplar {
  return { labels: exemplar.labels, value: exemplar.value };
}

/**
 * What the exporter exposes (see its source), exemplars without their timestamps; checks
 * that those of observations have one within `observed`.
 */
function assertGoClientModel(
  families: MetricFamily[],
  observed: { from: number; to: number },
): void {
  const seen: number[] = [];
  const strip = (family: MetricFamily): MetricFamily => {
    if (family.type !== "histogram") return family;
    return {
      ...family,
      metrics: family.metrics.map((m) => ({
        ...m,
        buckets: m.buckets.map((b) => {
          if (b.exemplar === undefined) return b;
          seen.push(b.exemplar.timestampMs ?? NaN);
          return { ...b, exemplar: timeless(b.exemplar) };
        }),
      })),
    };
  };
  assertEquals(families.map(strip), [
    {
      name: "demo_classic_seconds",
      type: "histogram",
      help: "A classic histogram with exemplars.",
      metrics: [{
        labels: [{ name: "path", value: "/a" }],
        count: 3,
        sum: 3.7,
        buckets: [
          {
            upperBound: 0.25,
            count: 1,
            exemplar: { labels: [{ name: "trace_id", value: "c1" }], value: 0.1 },
          },
          { upperBound: 0.5, count: 1 },
          {
            upperBound: 1,
            count: 2,
            exemplar: { labels: [{ name: "trace_id", value: "c2" }], value: 0.6 },
          },
          { upperBound: 2.5, count: 2 },
          { upperBound: Infinity, count: 3 },
        ],
      }],
    },
    {
      name: "demo_escapes",
      type: "gauge",
      help: "A gauge whose label value has a quote, a backslash and a newline.",
      metrics: [{
        labels: [{ name: "value", value: 'a "quoted" \\ value\nwith newline' }],
        value: 1.5,
      }],
    },
    {
      name: "demo_latency_seconds",
      type: "summary",
      help: "A summary.",
      metrics: [{
        labels: [],
        count: 3,
        sum: 6,
        quantiles: [{ quantile: 0.5, value: 2 }, { quantile: 0.9, value: 3 }],
      }],
    },
    {
      name: "demo_native_only_seconds",
      type: "histogram",
      help: "A native histogram without classic buckets.",
      metrics: [{
        labels: [],
        count: 3,
        sum: 2.5,
        buckets: [],
        native: {
          schema: 3,
          zeroThreshold: NATIVE_ZERO_THRESHOLD,
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
      name: "demo_native_seconds",
      type: "histogram",
      help: "A native histogram with classic buckets.",
      metrics: [{
        labels: [],
        count: 5,
        sum: 0.05 + 0.3 + 0.3 + 0.7 + 2,
        buckets: [
          { upperBound: 0.1, count: 1 },
          { upperBound: 0.5, count: 3 },
          {
            upperBound: 1,
            count: 4,
            exemplar: { labels: [{ name: "trace_id", value: "n1" }], value: 0.7 },
          },
          {
            upperBound: Infinity,
            count: 5,
            exemplar: { labels: [{ name: "trace_id", value: "n2" }], value: 2 },
          },
        ],
        native: {
          schema: 3,
          zeroThreshold: NATIVE_ZERO_THRESHOLD,
          zeroCount: 0,
          count: 5,
          sum: 0.05 + 0.3 + 0.3 + 0.7 + 2,
          float: false,
          // Buckets of 0.05, 0.3 (twice), 0.7 and 2 at schema 3.
          positiveSpans: [
            { offset: -34, length: 1 },
            { offset: 20, length: 1 },
            { offset: 8, length: 1 },
            { offset: 11, length: 1 },
          ],
          positiveBuckets: [1, 1, -1, 0],
          negativeSpans: [],
          negativeBuckets: [],
          exemplars: [],
        },
      }],
    },
    {
      name: "demo_requests_total",
      type: "counter",
      help: "A counter with an exemplar and a created timestamp.",
      metrics: [{
        labels: [{ name: "code", value: "200" }],
        value: 42,
        exemplar: { labels: [{ name: "trace_id", value: "r1" }], value: 7 },
        createdMs: 1700000000250,
      }],
    },
  ]);
  assertEquals(seen.length, 4);
  for (const ms of seen) {
    assert(ms >= observed.from && ms <= observed.to, `exemplar time ${ms} not in ${observed}`);
  }
}

Deno.test("the captured Go client body decodes to what the exporter exposes", () => {
  const body = Deno.readFileSync(new URL("../fixtures/go_client_exporter.pb", import.meta.url));
  // Captured on 2026-12-04.
  assertGoClientModel(familiesOf(decodeProtobuf(body)), {
    from: Date.UTC(2026, 11, 4),
    to: Date.UTC(2026, 11, 5),
  });
});

Deno.test({
  name: `an exporter built with the Prometheus Go client, asked for protobuf as Prometheus asks${
    missing === undefined ? "" : ` (skipped: ${missing})`
  }`,
  ignore: missing !== undefined,
  async fn() {
    await using dir = await tempDir();
    const binary = await buildGoExporter(dir.path);
    const started = Date.now();
    await using exporter = await startGoExporter(binary);
    const url = exporter.url;
    {
      const response = await fetch(url, { headers: { accept: PROMETHEUS_PROTOBUF_ACCEPT } });
      assertEquals(response.status, 200);
      assertEquals(formatOfContentType(response.headers.get("content-type")), {
        kind: "protobuf",
      });
      const body = new Uint8Array(await response.arrayBuffer());
      const exposition = decodeProtobuf(body);
      assertGoClientModel(familiesOf(exposition), { from: started - 60_000, to: Date.now() });

      // Our text of its protobuf is its own text.
      const text = await (await fetch(url)).text();
      assertEquals(new TextDecoder().decode(encodeText(merged(exposition)).body), text);

      // Asked as our http exporters ask (protobuf first), it answers protobuf too.
      const ours = await fetch(url, { headers: { accept: acceptHeader(SCRAPE_PROTOCOLS) } });
      assertEquals(formatOfContentType(ours.headers.get("content-type")), { kind: "protobuf" });
      assertEquals(
        familiesOf(decodeProtobuf(new Uint8Array(await ours.arrayBuffer()))),
        familiesOf(exposition),
      );
    }
  },
});
