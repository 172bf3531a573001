/**
 * `?exporter=NAME` (repeatable) scrapes only those exporters of a path (issue 16, item 3): the
 * answer, its `reverse_exporter_backend_*` series, a 400 for an unknown name, a query never
 * forwarded, scrapes shared only between requests asking for the same exporters, and a real
 * Prometheus scraping a target with `__param_exporter`, as service discovery hands them out.
 */
import { assert, assertEquals, assertStringIncludes } from "./_assert.ts";
import { countBy, Daemon, freePort, query, queryOne, waitForHttp } from "./_prometheus.ts";
import {
  eventually,
  installed,
  sampleLines,
  scrape,
  serveExporter,
  startServer,
  tempDir,
  valueOf,
} from "./_server.ts";

/** The `exporter_name` values of the sample lines of `text`, each once, sorted. */
function exporterNames(text: string): string[] {
  const names = new Set<string>();
  for (const line of sampleLines(text)) {
    const name = /[{,]exporter_name="([^"]*)"/.exec(line)?.[1];
    if (name !== undefined) names.add(name);
  }
  return [...names].sort();
}

Deno.test("?exporter= scrapes only the exporters named; an unknown name is a 400 naming the known ones", async () => {
  await using dir = await tempDir();
  await using a = await serveExporter(() => new Response("a_gauge 1\n"));
  await using b = await serveExporter(() => new Response("b_gauge 2\n"));
  await Deno.writeTextFile(`${dir.path}/c.prom`, "c_gauge 3\n");
  await using server = await startServer(
    dir.path,
    `
web: {listen: ["tcp://127.0.0.1:0"]}
reverse_exporters:
  - path: /metrics
    exporters:
      http:
        - {name: a, address: "${a.url}/metrics", forward_url_params: true}
        - {name: b, address: "${b.url}/metrics"}
      file: [{name: c, path: c.prom}]
`,
  );

  const onlyA = await scrape(server, "/metrics?exporter=a");
  assertEquals(exporterNames(onlyA), ["a"]);
  assertEquals(valueOf(onlyA, 'a_gauge{exporter_name="a"}'), 1);
  assertEquals(valueOf(onlyA, 'reverse_exporter_backend_up{exporter_name="a"}'), 1);
  assertEquals(onlyA.includes('exporter_name="b"'), false);
  assertEquals([a.requests.length, b.requests.length], [1, 0]);
  // The parameter is never passed on, even to an exporter that forwards the query.
  assertEquals(a.requests[0]!.url.search, "");

  // Repeated, in any order, a name more than once: the exporters named, in configuration order.
  const twoOfThree = await scrape(server, "/metrics?exporter=c&exporter=a&exporter=c&target=x");
  assertEquals(exporterNames(twoOfThree), ["a", "c"]);
  assert(
    twoOfThree.indexOf('reverse_exporter_backend_up{exporter_name="a"}') <
      twoOfThree.indexOf('reverse_exporter_backend_up{exporter_name="c"}'),
  );
  assertEquals(a.requests[1]!.url.search, "?target=x");
  assertEquals(b.requests.length, 0);

  // Without the parameter: every exporter, as always.
  assertEquals(exporterNames(await scrape(server, "/metrics")), ["a", "b", "c"]);

  const before = [a.requests.length, b.requests.length];
  for (const query of ["?exporter=d", "?exporter=a&exporter=nope", "?exporter="]) {
    const response = await fetch(server.url(`/metrics${query}`));
    const text = await response.text();
    assertEquals(response.status, 400, query);
    assertStringIncludes(text, "/metrics has no exporter named");
    assertStringIncludes(text, 'its exporters: "a", "b", "c"');
  }
  assertStringIncludes(
    await (await fetch(server.url("/metrics?exporter=a&exporter=nope"))).text(),
    'no exporter named "nope";',
  );
  // Nothing was scraped for a refused request.
  assertEquals([a.requests.length, b.requests.length], before);
  const own = await scrape(server, "/-/metrics");
  assertEquals(valueOf(own, 'reverse_exporter_http_requests_total{path="/metrics",code="400"}'), 4);
});

Deno.test("only requests asking for the same exporters share a scrape in progress", async () => {
  await using dir = await tempDir();
  await using slow = await serveExporter(async () => {
    await new Promise((r) => setTimeout(r, 1500));
    return new Response("slow_gauge 1\n");
  });
  await using fast = await serveExporter(() => new Response("fast_gauge 1\n"));
  await using server = await startServer(
    dir.path,
    `
web: {listen: ["tcp://127.0.0.1:0"]}
reverse_exporters:
  - path: /metrics
    exporters:
      http:
        - {name: slow, address: "${slow.url}/metrics"}
        - {name: fast, address: "${fast.url}/metrics"}
`,
  );
  const onlySlow = [
    scrape(server, "/metrics?exporter=slow"),
    scrape(server, "/metrics?exporter=slow"),
  ];
  const all = scrape(server, "/metrics");
  await eventually("both scrapes of the slow exporter started", () => slow.requests.length === 2);
  // Asking for the fast exporter alone joins none of the scrapes in progress: it is answered
  // at once, without the slow exporter.
  const started = performance.now();
  const onlyFast = await scrape(server, "/metrics?exporter=fast");
  const fastMs = performance.now() - started;
  assertEquals(exporterNames(onlyFast), ["fast"]);
  assert(fastMs < 1000, `?exporter=fast took ${Math.round(fastMs)} ms`);
  for (const text of await Promise.all(onlySlow)) assertEquals(exporterNames(text), ["slow"]);
  assertEquals(exporterNames(await all), ["fast", "slow"]);
  // The two requests for the slow exporter alone shared one scrape; the one for all had its own.
  assertEquals(slow.requests.length, 2);
  assertEquals(fast.requests.length, 2);
});

const missingPrometheus = await installed("prometheus") ? undefined : "prometheus";

Deno.test({
  name: `a real Prometheus scrapes one target per exporter with __param_exporter${
    missingPrometheus === undefined ? "" : ` (skipped: ${missingPrometheus} not installed)`
  }`,
  ignore: missingPrometheus !== undefined,
  async fn() {
    await using dir = await tempDir();
    await using a = await serveExporter(() => new Response("sd_a_gauge 1\n"));
    await using b = await serveExporter(() => new Response("sd_b_gauge 2\n"));
    await using server = await startServer(
      dir.path,
      `
web: {listen: ["tcp://127.0.0.1:0"]}
reverse_exporters:
  - path: /metrics
    exporters:
      http:
        - {name: a, address: "${a.url}/metrics"}
        - {name: b, address: "${b.url}/metrics"}
`,
    );
    const target = new URL(server.url("/")).host;
    const prometheusAddress = `127.0.0.1:${freePort()}`;
    const prometheus = `http://${prometheusAddress}`;
    // The target groups of /-/sd?per_exporter=true: one per exporter, with __param_exporter.
    await Deno.writeTextFile(
      `${dir.path}/prometheus.yml`,
      `
global: {scrape_interval: 1s, scrape_timeout: 900ms}
scrape_configs:
  - job_name: per_exporter
    static_configs:
      - {targets: ["${target}"], labels: {__param_exporter: a, path: /metrics, exporter: a}}
      - {targets: ["${target}"], labels: {__param_exporter: b, path: /metrics, exporter: b}}
`,
    );
    await using prometheusProcess = new Daemon("prometheus", [
      `--config.file=${dir.path}/prometheus.yml`,
      `--storage.tsdb.path=${dir.path}/prometheus-data`,
      `--web.listen-address=${prometheusAddress}`,
    ], dir.path);
    await waitForHttp(prometheusProcess, `${prometheus}/-/ready`);
    await eventually("Prometheus has scraped both targets twice", async () => {
      const scrapes = await query(prometheus, 'count_over_time(up{job="per_exporter"}[1m])');
      return scrapes.length === 2 && scrapes.every((s) => Number(s.value[1]) >= 2);
    }, 30_000);

    for (const name of ["a", "b"]) {
      assertEquals(await queryOne(prometheus, `up{exporter="${name}"}`), 1, name);
      // Each target holds its own exporter's series only.
      assertEquals(
        await countBy(prometheus, "exporter_name", `{job="per_exporter", exporter="${name}"}`),
        { [name]: 3, "": 5 }, // its gauge and 2 backend series; Prometheus's own 5
      );
    }
    assertEquals(await queryOne(prometheus, 'sd_b_gauge{exporter="b",exporter_name="b"}'), 2);
  },
});
