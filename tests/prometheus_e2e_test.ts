/**
 * End to end: a real Prometheus server scrapes reverse_exporter, which stands in front of a real
 * node_exporter, a metrics file and a script. Everything runs on 127.0.0.1 and in temporary
 * directories; the test runs only where Debian's `prometheus` (with `promtool`) and
 * `prometheus-node-exporter` are installed.
 */
import { assert, assertEquals } from "./_assert.ts";
import {
  countBy,
  Daemon,
  freePort,
  query,
  queryOne,
  startPrometheus,
  waitForHttp,
} from "./_prometheus.ts";
import {
  eventually,
  installed,
  promtoolCheckMetrics,
  sampleLines,
  scrape,
  startServer,
  tempDir,
  valueOf,
  writeScript,
} from "./_server.ts";

const PROMETHEUS = "prometheus";
const NODE_EXPORTER = "prometheus-node-exporter";

async function missingCommand(): Promise<string | undefined> {
  for (const command of [PROMETHEUS, "promtool", NODE_EXPORTER]) {
    if (!(await installed(command))) return command;
  }
  return undefined;
}
const missing = await missingCommand();

/** The Prometheus jobs, one per reverse_exporter path. */
const METRICS_JOB = "reverse_exporter_metrics";
const NODE_JOB = "reverse_exporter_node";
const JOBS = [METRICS_JOB, NODE_JOB] as const;

/**
 * The series Prometheus adds to every target itself, without `exporter_name` (Prometheus 2.42
 * without `--enable-feature=extra-scrape-metrics`). Every other series must carry one.
 */
const SYNTHETIC = [
  "scrape_duration_seconds",
  "scrape_samples_post_metric_relabeling",
  "scrape_samples_scraped",
  "scrape_series_added",
  "up",
];

/** A counter and a gauge with labels, served by the file exporter. */
const METRICS_FILE = `# HELP e2e_file_jobs_total Jobs done, from a file.
# TYPE e2e_file_jobs_total counter
e2e_file_jobs_total{queue="a"} 3
e2e_file_jobs_total{queue="b"} 5
# HELP e2e_file_temperature_celsius A gauge with labels, from a file.
# TYPE e2e_file_temperature_celsius gauge
e2e_file_temperature_celsius{room="kitchen",sensor="1"} 21.5
e2e_file_temperature_celsius{room="hall",sensor="2"} -3.25
`;

/** The number of sample lines of `text` per `exporter_name` ("" when absent). */
function linesByExporter(text: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const line of sampleLines(text)) {
    const name = /[{,]exporter_name="([^"]*)"/.exec(line)?.[1] ?? "";
    counts[name] = (counts[name] ?? 0) + 1;
  }
  return counts;
}

Deno.test({
  name: `a real Prometheus scrapes reverse_exporter in front of node_exporter, a file and a script${
    missing === undefined ? "" : ` (skipped: ${missing} not installed)`
  }`,
  ignore: missing !== undefined,
  async fn(t) {
    await using dir = await tempDir();

    // node_exporter with a few collectors only: its series are the same on every scrape (133
    // on a machine of 2 CPUs: cpu, meminfo, loadavg, textfile of an empty directory, and its own
    // go_*, process_* and promhttp_* series); only their values change.
    const textfiles = `${dir.path}/textfile`;
    await Deno.mkdir(textfiles);
    const nodeAddress = `127.0.0.1:${freePort()}`;
    await using node = new Daemon(NODE_EXPORTER, [
      `--web.listen-address=${nodeAddress}`,
      "--collector.disable-defaults",
      "--collector.cpu",
      "--collector.meminfo",
      "--collector.loadavg",
      "--collector.textfile",
      `--collector.textfile.directory=${textfiles}`,
    ], dir.path);
    await waitForHttp(node, `http://${nodeAddress}/metrics`);

    await Deno.writeTextFile(`${dir.path}/metrics.prom`, METRICS_FILE);
    await writeScript(
      dir.path,
      "metrics.sh",
      `echo '# HELP e2e_script_value A gauge printed by a script.'
echo '# TYPE e2e_script_value gauge'
echo 'e2e_script_value{source="script"} 42'`,
    );
    await using server = await startServer(
      dir.path,
      `
web: {listen: ["tcp://127.0.0.1:0"]}
reverse_exporters:
  - path: /metrics
    exporters:
      http: [{name: node, address: "http://${nodeAddress}/metrics"}]
      file: [{name: cron, path: ./metrics.prom}]
      exec: [{name: script, command: ./metrics.sh}]
  - path: /node
    exporters:
      http: [{name: node, address: "http://${nodeAddress}/metrics"}]
`,
      {
        permissions: [
          "--no-prompt",
          "--allow-net=127.0.0.1,[::1]",
          `--allow-read=${dir.path}`,
          "--allow-run",
        ],
      },
    );
    const target = new URL(server.url("/")).host;

    await using prometheusServer = await startPrometheus(
      dir.path,
      `
global: {scrape_interval: 1s, scrape_timeout: 900ms}
scrape_configs:
  - job_name: ${METRICS_JOB}
    metrics_path: /metrics
    static_configs: [{targets: ["${target}"]}]
  - job_name: ${NODE_JOB}
    metrics_path: /node
    static_configs: [{targets: ["${target}"]}]
`,
    );
    const prometheus = prometheusServer.url;

    // Each target has been scraped at least twice, so that a series that appeared in only one
    // scrape, or a rejection on a later scrape, would show.
    await eventually("Prometheus has scraped both paths twice", async () => {
      const scrapes = await query(prometheus, "count_over_time(up[1m])");
      return JOBS.every((job) =>
        Number(scrapes.find((s) => s.metric["job"] === job)?.value[1] ?? 0) >= 2
      );
    }, 30_000);

    // What the test sees of each path, scraped right after Prometheus's scrapes.
    const served = {
      [METRICS_JOB]: await scrape(server, "/metrics"),
      [NODE_JOB]: await scrape(server, "/node"),
    };

    await t.step("both targets are up, and every exporter of each path was up", async () => {
      for (const job of JOBS) {
        assertEquals(await queryOne(prometheus, `up{job="${job}"}`), 1, job);
      }
      const up = await query(prometheus, "reverse_exporter_backend_up");
      assertEquals(
        up.map((s) => `${s.metric["job"]}/${s.metric["exporter_name"]}=${s.value[1]}`)
          .sort(),
        [
          `${METRICS_JOB}/cron=1`,
          `${METRICS_JOB}/node=1`,
          `${METRICS_JOB}/script=1`,
          `${NODE_JOB}/node=1`,
        ],
      );
    });

    await t.step("scrape_samples_scraped matches the samples served", async () => {
      for (const job of JOBS) {
        // Exact: node_exporter's series set is fixed (its values change, not its series), the
        // file and the script are fixed, and each exporter adds two reverse_exporter_backend_*.
        const lines = sampleLines(served[job]).length;
        assertEquals(
          await queryOne(prometheus, `scrape_samples_scraped{job="${job}"}`),
          lines,
          job,
        );
        assertEquals(
          await queryOne(prometheus, `scrape_samples_post_metric_relabeling{job="${job}"}`),
          lines,
          job,
        );
      }
      // node_exporter's own series, once through each path.
      const nodeLines = sampleLines(await (await fetch(`http://${nodeAddress}/metrics`)).text());
      const byExporter = linesByExporter(served[METRICS_JOB]);
      assertEquals(byExporter["node"], nodeLines.length + 2);
      assertEquals(byExporter["cron"], 4 + 2);
      assertEquals(byExporter["script"], 1 + 2);
    });

    await t.step("every series carries exporter_name, the same count as served", async () => {
      for (const job of JOBS) {
        // Series per exporter_name in Prometheus = sample lines per exporter_name served; the
        // series without exporter_name are exactly Prometheus's own per-target series.
        const expected: Record<string, number> = {
          ...linesByExporter(served[job]),
          "": SYNTHETIC.length,
        };
        assertEquals(await countBy(prometheus, "exporter_name", `{job="${job}"}`), expected, job);
        const without = await countBy(prometheus, "__name__", `{job="${job}", exporter_name=""}`);
        assertEquals(Object.keys(without).sort(), SYNTHETIC, job);
      }
      const names = await countBy(
        prometheus,
        "exporter_name",
        `{job="${METRICS_JOB}", exporter_name!=""}`,
      );
      assertEquals(Object.keys(names).sort(), ["cron", "node", "script"]);
    });

    await t.step("the file's and the script's values reach Prometheus relabelled", async () => {
      assertEquals(
        await queryOne(
          prometheus,
          `e2e_file_temperature_celsius{job="${METRICS_JOB}",exporter_name="cron",room="hall",sensor="2"}`,
        ),
        -3.25,
      );
      assertEquals(
        await queryOne(
          prometheus,
          `e2e_file_jobs_total{job="${METRICS_JOB}",exporter_name="cron",queue="b"}`,
        ),
        5,
      );
      assertEquals(
        await queryOne(
          prometheus,
          `e2e_script_value{job="${METRICS_JOB}",exporter_name="script",source="script"}`,
        ),
        42,
      );
      for (const job of JOBS) {
        assertEquals(
          await queryOne(prometheus, `count(node_load1{job="${job}",exporter_name="node"})`),
          1,
          job,
        );
      }
    });

    await t.step("Prometheus rejected nothing", async () => {
      const own = await (await fetch(`${prometheus}/metrics`)).text();
      // All of these exist in Prometheus 2.42; each counts scrapes or samples it refused.
      for (
        const counter of [
          "prometheus_target_scrapes_sample_duplicate_timestamp_total",
          "prometheus_target_scrapes_sample_out_of_order_total",
          "prometheus_target_scrapes_sample_out_of_bounds_total",
          "prometheus_target_scrapes_exceeded_sample_limit_total",
          "prometheus_target_scrapes_exceeded_body_size_limit_total",
          "prometheus_target_scrapes_exemplar_out_of_order_total",
          "prometheus_target_scrape_pool_exceeded_label_limits_total",
        ]
      ) {
        assertEquals(valueOf(own, counter), 0, counter);
      }
      // Nor did it log a problem with a target (ingestion errors are logged per target).
      const problems = prometheusServer.daemon.output.split("\n").filter((line) =>
        /level=(warn|error)/.test(line) && line.includes("target=")
      );
      assertEquals(problems, []);
    });

    await t.step("promtool check metrics parses the output of both paths", async () => {
      for (const [job, text] of Object.entries(served)) {
        const { code, output } = await promtoolCheckMetrics(text);
        // 0: clean; 3: only lint (node_exporter's own output gets 3); 1: parse error.
        assert(code === 0 || code === 3, `${job}: promtool exit ${code}: ${output}`);
        assert(!output.includes("error while linting"), `${job}: ${output}`);
      }
    });

    assert(!node.exited, `node_exporter exited: ${node.output}`);
  },
});
