/**
 * The server answers each client in the format its Accept header asks for, as Prometheus 3
 * sends it, with the exact Content-Type and a body in that format, gzipped or not; and asks
 * its exporters for protobuf first (issue 13).
 */
import {
  decodeExposition,
  familiesOf,
  type MetricFamily,
  SCRAPE_PROTOCOLS,
} from "../src/exposition/mod.ts";
import { acceptHeader } from "../src/exposition/formats.ts";
import { assert, assertEquals } from "./_assert.ts";
import { serveExporter, startServer, tempDir } from "./_server.ts";

const PROTOBUF = "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;" +
  "encoding=delimited";

/** Prometheus 3's Accept header by default, and with native histograms on. */
const PROMETHEUS_3 = "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6," +
  "application/openmetrics-text;version=0.0.1;q=0.5," +
  "text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4," +
  "text/plain;version=0.0.4;q=0.3,*/*;q=0.2";
const PROMETHEUS_3_PROTOBUF = `${PROTOBUF};q=0.6,` +
  "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5," +
  "application/openmetrics-text;version=0.0.1;q=0.4," +
  "text/plain;version=1.0.0;escaping=allow-utf-8;q=0.3," +
  "text/plain;version=0.0.4;q=0.2,*/*;q=0.1";

/** What the exporter serves: a UTF-8 name, a counter with a created time, an exemplar. */
const OPENMETRICS = [
  "# TYPE requests counter",
  "# HELP requests Requests served.",
  'requests_total{code="200"} 7 # {trace_id="abc"} 1.5 1700000000.5',
  'requests_created{code="200"} 1700000000',
  '# TYPE "my.metric" gauge',
  '{"my.metric",a="b"} 3',
  "# EOF",
  "",
].join("\n");

const cases: { accept: string | undefined; contentType: string }[] = [
  { accept: undefined, contentType: "text/plain; version=0.0.4; charset=utf-8" },
  { accept: "*/*", contentType: "text/plain; version=0.0.4; charset=utf-8" },
  {
    accept: PROMETHEUS_3,
    contentType: "application/openmetrics-text; version=1.0.0; charset=utf-8; escaping=allow-utf-8",
  },
  // No escaping= on the protobuf clause, which wins before the ones that have one: names are
  // escaped (underscores), as the Go libraries answer Prometheus 3.
  {
    accept: PROMETHEUS_3_PROTOBUF,
    contentType:
      "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited",
  },
  {
    accept: "application/openmetrics-text;version=0.0.1",
    contentType: "application/openmetrics-text; version=0.0.1; charset=utf-8",
  },
  {
    accept: "text/plain;version=1.0.0;escaping=allow-utf-8",
    contentType: "text/plain; version=1.0.0; charset=utf-8; escaping=allow-utf-8",
  },
  {
    accept: "text/plain;version=1.0.0;escaping=dots",
    contentType: "text/plain; version=1.0.0; charset=utf-8; escaping=dots",
  },
];

/** The families of a body, as its Content-Type says to decode it. */
function decoded(body: Uint8Array, contentType: string): MetricFamily[] {
  return familiesOf(decodeExposition(body, { contentType }));
}

Deno.test("each Accept header is answered in its format, with its Content-Type, plain and gzipped", async () => {
  await using dir = await tempDir();
  await using exporter = await serveExporter(() =>
    new Response(OPENMETRICS, {
      headers: { "Content-Type": "application/openmetrics-text; version=1.0.0; charset=utf-8" },
    })
  );
  await using server = await startServer(
    dir.path,
    `
web: {listen: ["tcp://127.0.0.1:0"]}
reverse_exporters:
  - path: /metrics
    exporters: {http: [{name: app, address: "${exporter.url}/metrics"}]}
`,
  );
  for (const { accept, contentType } of cases) {
    for (const gzip of [false, true]) {
      const headers: Record<string, string> = {};
      if (accept !== undefined) headers["Accept"] = accept;
      headers["Accept-Encoding"] = gzip ? "gzip" : "identity";
      const response = await fetch(server.url("/metrics"), { headers });
      assertEquals(response.status, 200);
      assertEquals(response.headers.get("content-type"), contentType, `Accept: ${accept}`);
      assertEquals(response.headers.get("content-encoding"), gzip ? "gzip" : null);
      const families = decoded(await response.bytes(), contentType);
      const requests = families.find((f) => f.name === "requests_total");
      assert(requests !== undefined, `no requests_total for Accept: ${accept}`);
      const metric = requests.metrics[0]!;
      const format = contentType.split(";")[0];
      // What the format carries arrives; what it cannot is left out.
      const rich = format !== "text/plain";
      assertEquals("exemplar" in metric, rich, `exemplar for ${contentType}`);
      assertEquals("createdMs" in metric, rich, `created timestamp for ${contentType}`);
      const names = families.map((f) => f.name);
      const utf8 = contentType.includes("escaping=allow-utf-8");
      const escaped = contentType.includes("escaping=dots") ? "my_dot_metric" : "my_metric";
      assert(names.includes(utf8 ? "my.metric" : escaped), `${names} for ${contentType}`);
    }
  }
  // Asked as Prometheus 3 asks with native histograms on: protobuf first, UTF-8 names as they are.
  assertEquals(exporter.requests[0]!.headers.get("accept"), acceptHeader(SCRAPE_PROTOCOLS));
  assert(exporter.requests[0]!.headers.get("accept")!.startsWith(PROBUF_START));
});

const PROBUF_START = `${PROTOBUF};escaping=allow-utf-8;q=0.6,`;
