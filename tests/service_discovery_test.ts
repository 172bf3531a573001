/**
 * `GET /-/sd` (issue 16, item 4): Prometheus's HTTP service discovery of the paths served, one
 * target group per path or per exporter. The real server as a subprocess; a real Prometheus
 * (Debian's 2.42) discovers the targets through it and scrapes them, when installed.
 */
import { request } from "node:http";
import { assert, assertEquals } from "./_assert.ts";
import { makeCertificates } from "./_certs.ts";
import { queryOne, startPrometheus } from "./_prometheus.ts";
import { eventually, installed, startServer, tempDir } from "./_server.ts";

const hasOpenssl = await installed("openssl");
const hasPrometheus = await installed("prometheus");

const AUTHORIZATION = `Basic ${btoa("sd:secret")}`;

/** A configuration with a context path, two paths of file exporters, and web.auth. */
async function writeConfig(dir: string, listen: readonly string[]): Promise<string> {
  for (const name of ["a", "b", "c"]) {
    await Deno.writeTextFile(`${dir}/${name}.prom`, `sd_${name}_metric 1\n`);
  }
  return `
web:
  listen: ${JSON.stringify(listen)}
  context_path: /reverse
  auth: {basic_auth: [{username: sd, password: secret}]}
reverse_exporters:
  - path: /metrics
    exporters:
      file: [{name: a, path: a.prom}, {name: b, path: b.prom}]
  - path: /other
    exporters:
      file: [{name: c, path: c.prom}]
`;
}

/** GETs `path` of the server at `hostPort` with the Host header `host`; status, type and body. */
function getWithHost(
  hostPort: string,
  options: { path: string; host: string; authorization?: string },
): Promise<{ status: number; type: string; body: string }> {
  const [hostname, port] = hostPort.split(":") as [string, string];
  return new Promise((resolve, reject) => {
    const outgoing = request({
      host: hostname,
      port: Number(port),
      path: options.path,
      headers: {
        host: options.host,
        ...(options.authorization === undefined ? {} : { authorization: options.authorization }),
      },
    }, (response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => body += chunk);
      response.on("end", () =>
        resolve({
          status: response.statusCode ?? 0,
          type: String(response.headers["content-type"]),
          body,
        }));
    });
    outgoing.once("error", reject);
    outgoing.end();
  });
}

Deno.test({
  name: "GET /-/sd: one target group per path, or per exporter, at the address the client used" +
    (hasOpenssl ? "" : " (skipped: openssl not installed)"),
  ignore: !hasOpenssl,
  async fn(t) {
    await using dir = await tempDir();
    await makeCertificates(dir.path);
    await using server = await startServer(
      dir.path,
      await writeConfig(dir.path, [
        "tcp://127.0.0.1:0",
        "tcps://127.0.0.1:0?tlscert=server.crt&tlskey=server.key",
      ]),
    );
    const [plain, secure] = server.bound as [string, string];
    const sd = (query: string, host = plain) =>
      getWithHost(plain, { path: `/reverse/-/sd${query}`, host, authorization: AUTHORIZATION });

    await t.step("guarded by web.auth, as the landing page", async () => {
      const refused = await getWithHost(plain, { path: "/reverse/-/sd", host: plain });
      assertEquals(refused.status, 401);
    });

    await t.step(
      "one group per path: __metrics_path__ with the context path, and path",
      async () => {
        const answer = await sd("");
        assertEquals([answer.status, answer.type], [200, "application/json"]);
        assertEquals(JSON.parse(answer.body), [
          {
            targets: [plain],
            labels: { __metrics_path__: "/reverse/metrics", __scheme__: "http", path: "/metrics" },
          },
          {
            targets: [plain],
            labels: { __metrics_path__: "/reverse/other", __scheme__: "http", path: "/other" },
          },
        ]);
        assertEquals(JSON.parse((await sd("?per_exporter=false")).body), JSON.parse(answer.body));
      },
    );

    await t.step("per_exporter=true: one group per exporter, asking for it alone", async () => {
      const answer = await sd("?per_exporter=true");
      assertEquals(answer.status, 200);
      const group = (path: string, exporter: string) => ({
        targets: [plain],
        labels: {
          __metrics_path__: `/reverse${path}`,
          __scheme__: "http",
          path,
          __param_exporter: exporter,
          exporter_name: exporter,
        },
      });
      assertEquals(JSON.parse(answer.body), [
        group("/metrics", "a"),
        group("/metrics", "b"),
        group("/other", "c"),
      ]);
    });

    await t.step("the target is the Host the client reached it at", async () => {
      const answer = await sd("", "reverse.example:9998");
      assertEquals(
        JSON.parse(answer.body).map((g: { targets: string[] }) => g.targets),
        [["reverse.example:9998"], ["reverse.example:9998"]],
      );
    });

    await t.step("over TLS, __scheme__ is https", async () => {
      const read = (file: string) => Deno.readTextFileSync(`${dir.path}/${file}`);
      using client = Deno.createHttpClient({ caCerts: [read("ca.crt")] });
      const response = await fetch(`https://${secure}/reverse/-/sd`, {
        client,
        headers: { authorization: AUTHORIZATION },
      });
      const groups = await response.json();
      assertEquals(groups[0], {
        targets: [secure],
        labels: { __metrics_path__: "/reverse/metrics", __scheme__: "https", path: "/metrics" },
      });
    });

    await t.step("a per_exporter other than true or false is a 400", async () => {
      const answer = await sd("?per_exporter=yes");
      assertEquals(
        [answer.status, answer.body],
        [400, "Bad Request: per_exporter must be true or false\n"],
      );
    });

    await t.step("each group's URL serves its path", async () => {
      const groups = JSON.parse((await sd("?per_exporter=true")).body);
      for (const { targets, labels } of groups) {
        const url = `${labels.__scheme__}://${targets[0]}${labels.__metrics_path__}` +
          `?exporter=${encodeURIComponent(labels.__param_exporter)}`;
        const body = await (await fetch(url)).text();
        assert(body.includes(`exporter_name="${labels.exporter_name}"`), `${url}: ${body}`);
      }
    });
  },
});

/** One active target of Prometheus's `/api/v1/targets`. */
interface ActiveTarget {
  discoveredLabels: Record<string, string>;
  labels: Record<string, string>;
  scrapeUrl: string;
  health: string;
  lastError: string;
}

Deno.test({
  name: "a real Prometheus discovers the targets through /-/sd (http_sd_configs) and scrapes them" +
    (hasPrometheus ? "" : " (skipped: prometheus not installed)"),
  ignore: !hasPrometheus,
  async fn(t) {
    await using dir = await tempDir();
    await using server = await startServer(
      dir.path,
      await writeConfig(dir.path, ["tcp://127.0.0.1:0"]),
    );
    const target = server.bound[0]!;
    // The snippet of README.md ("Service discovery"), with this test's address and intervals.
    await using prometheusServer = await startPrometheus(
      dir.path,
      `
global: {scrape_interval: 1s, scrape_timeout: 900ms}
scrape_configs:
  - job_name: reverse_exporter
    http_sd_configs:
      - url: http://${target}/reverse/-/sd
        refresh_interval: 1s
        basic_auth: {username: sd, password: secret}
  - job_name: reverse_exporter_per_exporter
    honor_labels: true
    http_sd_configs:
      - url: http://${target}/reverse/-/sd?per_exporter=true
        refresh_interval: 1s
        basic_auth: {username: sd, password: secret}
`,
    );
    const prometheus = prometheusServer.url;

    let targets: ActiveTarget[] = [];
    await eventually("Prometheus has discovered and scraped 5 targets", async () => {
      const response = await fetch(`${prometheus}/api/v1/targets?state=active`);
      targets = (await response.json()).data.activeTargets;
      return targets.length === 5 && targets.every((t) => t.health !== "unknown");
    }, 30_000);
    const byUrl = (job: string) =>
      Object.fromEntries(
        targets.filter((t) => t.labels["job"] === job).map((
          t,
        ) => [t.scrapeUrl, { labels: t.labels, health: t.health, error: t.lastError }]),
      );

    await t.step("one target per path: their labels, URLs and health", () => {
      const labels = (path: string) => ({ instance: target, job: "reverse_exporter", path });
      assertEquals(byUrl("reverse_exporter"), {
        [`http://${target}/reverse/metrics`]: {
          labels: labels("/metrics"),
          health: "up",
          error: "",
        },
        [`http://${target}/reverse/other`]: { labels: labels("/other"), health: "up", error: "" },
      });
    });

    await t.step("one target per exporter: their labels and URLs", () => {
      const labels = (path: string, exporter: string) => ({
        instance: target,
        job: "reverse_exporter_per_exporter",
        path,
        exporter_name: exporter,
      });
      assertEquals(byUrl("reverse_exporter_per_exporter"), {
        [`http://${target}/reverse/metrics?exporter=a`]: {
          labels: labels("/metrics", "a"),
          health: "up",
          error: "",
        },
        [`http://${target}/reverse/metrics?exporter=b`]: {
          labels: labels("/metrics", "b"),
          health: "up",
          error: "",
        },
        [`http://${target}/reverse/other?exporter=c`]: {
          labels: labels("/other", "c"),
          health: "up",
          error: "",
        },
      });
      const discovered = targets.find((t) => t.scrapeUrl.endsWith("?exporter=b"));
      assertEquals(discovered?.discoveredLabels["__param_exporter"], "b");
    });

    await t.step("the merged targets' samples reach Prometheus with their path", async () => {
      assertEquals(
        await queryOne(prometheus, `sd_c_metric{job="reverse_exporter",path="/other"}`),
        1,
      );
      assertEquals(
        await queryOne(
          prometheus,
          `sd_a_metric{job="reverse_exporter",path="/metrics",exporter_name="a"}`,
        ),
        1,
      );
    });
  },
});
