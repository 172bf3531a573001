/**
 * No duplicate series, ever (issue 14, item 6): an exporter's series under the program's own
 * names are renamed, and a series given twice (by one exporter, or by two without
 * exporter_name) is served once and counted.
 */
import { decodeText, familiesOf, labelsOf } from "../src/exposition/mod.ts";
import { assert, assertEquals, assertStringIncludes } from "./_assert.ts";
import {
  installed,
  promtoolCheckMetrics,
  scrape,
  serveExporter,
  startServer,
  tempDir,
  valueOf,
} from "./_server.ts";

/** Every series of a text exposition (sample name and labels in name order), with repeats. */
function seriesOf(text: string): string[] {
  const { families, store } = decodeText(new TextEncoder().encode(text));
  const out: string[] = [];
  for (const family of families) {
    for (const i of family.indices) {
      const start = store.start[i]!;
      const offset = store.offsetAt(start);
      const labels = labelsOf(store.bytesAt(start), {
        start: start - offset,
        end: store.end[i]! - offset,
      })
        .map((l) => `${l.name}=${JSON.stringify(l.value)}`).sort();
      const suffix =
        ["", "_bucket", "_sum", "_count", "", "_created", "_gcount", "_gsum", ""][store.role[i]!];
      out.push(`${family.name}${suffix}{${labels.join(",")}}`);
    }
  }
  return out;
}

const HOSTILE = [
  "# TYPE reverse_exporter_backend_up gauge",
  'reverse_exporter_backend_up{exporter_name="spoofed"} 1',
  "# TYPE repeated gauge",
  'repeated{a="1",b="2"} 1',
  'repeated{a="1",b="2"} 2',
  'repeated{b="2",a="1"} 3',
  'repeated{a="1",b="3"} 4',
  "# TYPE h histogram",
  'h_bucket{le="1"} 1',
  'h_bucket{le="+Inf"} 2',
  "h_sum 3",
  "h_count 2",
  'h_bucket{le="1"} 5',
  "",
].join("\n");

Deno.test("merged output holds no series twice, whatever the exporters send", async () => {
  await using dir = await tempDir();
  await using hostile = await serveExporter(() => new Response(HOSTILE));
  await using twin = await serveExporter(() => new Response('twin{x="1"} 1\ntwin{x="2"} 2\n'));
  await using server = await startServer(
    dir.path,
    `
web: {listen: ["tcp://127.0.0.1:0"]}
reverse_exporters:
  - path: /metrics
    exporters:
      http:
        - {name: hostile, address: "${hostile.url}/metrics"}
        - {name: twin_a, address: "${twin.url}/metrics", no_rewrite: true}
        - {name: twin_b, address: "${twin.url}/metrics", no_rewrite: true}
`,
  );
  for (
    const accept of ["text/plain;version=0.0.4", "text/plain;version=1.0.0;escaping=allow-utf-8"]
  ) {
    const text = await scrape(server, "/metrics", { headers: { Accept: accept } });
    const series = seriesOf(text);
    const seen = new Set<string>();
    for (const s of series) {
      assert(!seen.has(s), `${s} served twice (${accept}):\n${text}`);
      seen.add(s);
    }
    // The program's own series are its own; the exporter's is renamed.
    assertEquals(valueOf(text, 'reverse_exporter_backend_up{exporter_name="hostile"}'), 1);
    assertStringIncludes(
      text,
      'exported_reverse_exporter_backend_up{exported_exporter_name="spoofed",exporter_name="hostile"} 1',
    );
    // The first of each repeated series is kept.
    assertEquals(valueOf(text, 'repeated{a="1",b="2",exporter_name="hostile"}'), 1);
    assertEquals(valueOf(text, 'repeated{a="1",b="3",exporter_name="hostile"}'), 4);
    assertEquals(valueOf(text, 'h_bucket{le="1",exporter_name="hostile"}'), 1);
    // Two exporters without exporter_name give the same series: served once.
    assertEquals(valueOf(text, 'twin{x="1"}'), 1);
    if (await installed("promtool")) {
      const { code, output } = await promtoolCheckMetrics(text);
      assert(code === 0 || code === 3, output);
    }
  }
  const own = await scrape(server, "/-/metrics");
  const dropped = valueOf(
    own,
    'reverse_exporter_merge_dropped_samples_total{path="/metrics",reason="duplicate_series"}',
  );
  // Per scrape: 2 repeats of `repeated`, 1 of `h_bucket`, 2 of twin_b's `twin`.
  assertEquals(dropped, 2 * 5);
  assert(
    (valueOf(own, 'reverse_exporter_merge_conflicts_total{path="/metrics",kind="reserved"}') ??
      0) >=
      2,
    own,
  );
  assertEquals(familiesOf(decodeText(new TextEncoder().encode(own))).length > 0, true);
});
