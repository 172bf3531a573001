/**
 * End to end, nothing lost (issue 13): a real Prometheus 2.42 with native histograms and
 * exemplar storage on scrapes an exporter built with the Prometheus Go client directly, and
 * two such exporters through reverse_exporter, and stores the same native histograms and the
 * exemplars both ways. Runs where Debian's `prometheus`, Go and the Go client are installed.
 */
import { assert, assertEquals } from "./_assert.ts";
import { buildGoExporter, missingGo, startGoExporter } from "./_go_exporter.ts";
import { query, queryOne, startPrometheus } from "./_prometheus.ts";
import {
  eventually,
  installed,
  promtoolCheckMetrics,
  scrape,
  startServer,
  tempDir,
  valueOf,
} from "./_server.ts";

async function missingTool(): Promise<string | undefined> {
  for (const command of ["prometheus", "promtool"]) {
    if (!(await installed(command))) return `${command} not installed`;
  }
  return await missingGo();
}
const missing = await missingTool();

/** The native histograms the Go exporter serves. */
const NATIVE = ["demo_native_seconds", "demo_native_only_seconds"];

Deno.test({
  name:
    `a real Prometheus stores the same native histograms and exemplars through reverse_exporter as directly${
      missing === undefined ? "" : ` (skipped: ${missing})`
    }`,
  ignore: missing !== undefined,
  async fn(t) {
    await using dir = await tempDir();
    const binary = await buildGoExporter(dir.path);
    await using a = await startGoExporter(binary);
    await using b = await startGoExporter(binary);
    await using server = await startServer(
      dir.path,
      `
web: {listen: ["tcp://127.0.0.1:0"]}
reverse_exporters:
  - path: /go
    exporters:
      http:
        - {name: a, address: "${a.url}"}
        - {name: b, address: "${b.url}"}
`,
    );
    const target = new URL(server.url("/")).host;
    await using prometheusServer = await startPrometheus(
      dir.path,
      `
global: {scrape_interval: 1s, scrape_timeout: 900ms}
scrape_configs:
  - job_name: direct
    static_configs: [{targets: ["${new URL(a.url).host}"]}]
  - job_name: reverse
    metrics_path: /go
    static_configs: [{targets: ["${target}"]}]
`,
      { flags: ["--enable-feature=native-histograms,exemplar-storage"] },
    );
    const prometheus = prometheusServer.url;
    await eventually("Prometheus has scraped both jobs twice", async () => {
      const scrapes = await query(prometheus, "count_over_time(up[1m])");
      return ["direct", "reverse"].every((job) =>
        Number(scrapes.find((s) => s.metric["job"] === job)?.value[1] ?? 0) >= 2
      );
    }, 30_000);

    await t.step("both targets are up, and both exporters of the path", async () => {
      assertEquals(await queryOne(prometheus, 'up{job="direct"}'), 1);
      assertEquals(await queryOne(prometheus, 'up{job="reverse"}'), 1);
      for (const name of ["a", "b"]) {
        assertEquals(
          await queryOne(prometheus, `reverse_exporter_backend_up{exporter_name="${name}"}`),
          1,
        );
      }
    });

    await t.step("every native histogram has the same count and sum both ways", async () => {
      for (const histogram of NATIVE) {
        const direct = await queryOne(prometheus, `histogram_count(${histogram}{job="direct"})`);
        assert(direct > 0, `${histogram}: ${direct}`);
        for (const name of ["a", "b"]) {
          const selector = `${histogram}{job="reverse",exporter_name="${name}"}`;
          assertEquals(await queryOne(prometheus, `histogram_count(${selector})`), direct);
          assertEquals(
            await queryOne(prometheus, `histogram_sum(${selector})`),
            await queryOne(prometheus, `histogram_sum(${histogram}{job="direct"})`),
          );
        }
      }
      // And the classic buckets of the histogram that has them, as Prometheus 2.42 keeps a
      // histogram with both: as native only (it stores the classic ones with
      // scrape_classic_histograms, not asked here).
      const classic = await query(prometheus, 'demo_classic_seconds_bucket{job="reverse"}');
      assertEquals(classic.length, 2 * 5);
    });

    await t.step("exemplars are stored with exporter_name", async () => {
      const now = Date.now() / 1000;
      const response = await fetch(
        `${prometheus}/api/v1/query_exemplars?query=${
          encodeURIComponent('{__name__=~"demo_.*",job="reverse"}')
        }&start=${now - 600}&end=${now + 60}`,
      );
      const body = await response.json();
      assertEquals(body.status, "success", JSON.stringify(body));
      const seen = new Set<string>();
      for (
        const series of body.data as {
          seriesLabels: Record<string, string>;
          exemplars: { labels: Record<string, string> }[];
        }[]
      ) {
        const exporter = series.seriesLabels["exporter_name"];
        assert(exporter === "a" || exporter === "b", JSON.stringify(series.seriesLabels));
        for (const exemplar of series.exemplars) {
          seen.add(`${exporter}/${exemplar.labels["trace_id"]}`);
        }
      }
      // The counter's and the classic buckets', from each exporter.
      for (const exporter of ["a", "b"]) {
        for (const trace of ["r1", "c1", "c2"]) {
          assert(seen.has(`${exporter}/${trace}`), `${exporter}/${trace} not in ${[...seen]}`);
        }
      }
    });

    await t.step(
      "Prometheus rejected nothing: no duplicate sample, nothing out of order",
      async () => {
        const own = await (await fetch(`${prometheus}/metrics`)).text();
        for (
          const counter of [
            "prometheus_target_scrapes_sample_duplicate_timestamp_total",
            "prometheus_target_scrapes_sample_out_of_order_total",
            "prometheus_target_scrapes_sample_out_of_bounds_total",
            "prometheus_target_scrapes_exemplar_out_of_order_total",
          ]
        ) {
          assertEquals(valueOf(own, counter), 0, counter);
        }
        const problems = prometheusServer.daemon.output.split("\n").filter((line) =>
          /level=(warn|error)/.test(line) && line.includes("target=")
        );
        assertEquals(problems, []);
      },
    );

    await t.step("promtool check metrics accepts the text answer", async () => {
      const { code, output } = await promtoolCheckMetrics(await scrape(server, "/go"));
      assert(code === 0 || code === 3, `promtool exit ${code}: ${output}`);
    });
  },
});
