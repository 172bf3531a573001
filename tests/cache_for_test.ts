/**
 * `cache_for` (issue 16, item 7): a scrape within that time of an exporter's last successful one
 * gets its result instead of a new fetch or run, so that two Prometheus servers cost one; off by
 * default, bounded by the scrape's own deadline, held of `web.max_bytes_in_flight`, shown on the
 * landing page.
 */
import { assert, assertEquals, assertStringIncludes } from "./_assert.ts";
import { Daemon, freePort, query, queryOne, waitForHttp } from "./_prometheus.ts";
import {
  eventually,
  installed,
  scrape,
  scriptPermissions,
  serveExporter,
  startServer,
  tempDir,
  valueOf,
  writeScript,
} from "./_server.ts";
import { KINDS } from "../src/exporters/mod.ts";
import { ConfigError, validateConfig } from "../src/config/validate.ts";
import { parseYaml } from "../src/std/yaml.ts";

/** An http exporter whose gauge is the number of requests it has had. */
function countingExporter() {
  let n = 0;
  return serveExporter(() => new Response(`fetches ${++n}\n`));
}

/** How Prometheus scrapes: with its scrape timeout in a header. */
const PROMETHEUS_HEADERS = { "X-Prometheus-Scrape-Timeout-Seconds": "10" };

Deno.test("cache_for: every kind, in exporter_defaults too; off by default; a bad value names its key", () => {
  const config = validateConfig(
    parseYaml(`
exporter_defaults:
  http: {cache_for: 5s}
reverse_exporters:
  - path: /metrics
    exporters:
      http:
        - {name: a, address: "http://127.0.0.1:9100/metrics"}
        - {name: b, address: "http://127.0.0.1:9100/metrics", cache_for: 1m}
      file: [{name: f, path: f.prom, cache_for: 10s}, {name: g, path: g.prom}]
      exec: [{name: e, command: ./e.sh, cache_for: 500ms}]
      exec_cached: [{name: c, command: ./c.sh, exec_interval: 30s, cache_for: 2s}]
`),
    { file: "/etc/re/config.yml", baseDir: "/etc/re", kinds: KINDS },
  );
  assertEquals(
    config.reverseExporters[0]!.exporters.map((e) => [e.name, e.cacheForMs]),
    [["a", 5000], ["b", 60_000], ["f", 10_000], ["g", 0], ["e", 500], ["c", 2000]],
  );
  let error: unknown;
  try {
    validateConfig(
      parseYaml(`
exporter_defaults: {file: {cache_for: soon}}
reverse_exporters: [{path: /m, exporters: {exec: [{name: e, command: e.sh, cache_for: -1s}]}}]
`),
      { file: "/etc/re/config.yml", baseDir: "/etc/re", kinds: KINDS },
    );
  } catch (e) {
    error = e;
  }
  assert(error instanceof ConfigError);
  assertEquals(error.problems.length, 2, error.problems.join("\n"));
  assertStringIncludes(error.problems[0]!, "exporter_defaults.file.cache_for: invalid duration");
  assertStringIncludes(
    error.problems[1]!,
    "reverse_exporters[0].exporters.exec[0].cache_for: invalid duration",
  );
});

Deno.test("two scrapes within cache_for cost one fetch of the exporter; without it, two", async () => {
  await using dir = await tempDir();
  await using cached = await countingExporter();
  await using plain = await countingExporter();
  await using server = await startServer(
    dir.path,
    `
web: {listen: ["tcp://127.0.0.1:0"]}
reverse_exporters:
  - path: /metrics
    exporters:
      http:
        - {name: cached, address: "${cached.url}/metrics", cache_for: 30s}
        - {name: plain, address: "${plain.url}/metrics"}
`,
  );
  // Two Prometheus servers, one after the other.
  const first = await scrape(server, "/metrics", { headers: PROMETHEUS_HEADERS });
  const second = await scrape(server, "/metrics", { headers: PROMETHEUS_HEADERS });
  assertEquals(cached.requests.length, 1);
  assertEquals(plain.requests.length, 2);
  // The second got the first's result of the cached exporter, and a new one of the other.
  assertEquals(valueOf(first, 'fetches{exporter_name="cached"}'), 1);
  assertEquals(valueOf(second, 'fetches{exporter_name="cached"}'), 1);
  assertEquals(valueOf(second, 'fetches{exporter_name="plain"}'), 2);
  assertEquals(valueOf(second, 'reverse_exporter_backend_up{exporter_name="cached"}'), 1);
  // Its scrape duration is that of the scrape that produced the result.
  assertEquals(
    valueOf(second, 'reverse_exporter_backend_scrape_duration_seconds{exporter_name="cached"}'),
    valueOf(first, 'reverse_exporter_backend_scrape_duration_seconds{exporter_name="cached"}'),
  );

  const own = await scrape(server, "/-/metrics");
  assertEquals(
    valueOf(
      own,
      'reverse_exporter_exporter_cache_hits_total{path="/metrics",exporter_name="cached"}',
    ),
    1,
  );
  assertEquals(
    valueOf(
      own,
      'reverse_exporter_exporter_scrapes_total{path="/metrics",exporter_name="cached",kind="http"}',
    ),
    1,
  );

  // The landing page shows cache_for, and when a scrape last got the cached result.
  const page = await (await fetch(server.url("/"))).text();
  assertStringIncludes(page, '<span class="kind">http, cache_for 30s</span>');
  assertStringIncludes(page, '<span class="run">last answered from cache <time');
  const json = await (await fetch(server.url("/"), { headers: { Accept: "application/json" } }))
    .json();
  const [c, p] = json.paths[0].exporters;
  assertEquals([c.cacheForSeconds, p.cacheForSeconds], [30, 0]);
  assert(typeof c.lastCacheHitAt === "number" && c.lastCacheHitAt >= c.lastScrapeAt);
  assertEquals(p.lastCacheHitAt, undefined);
});

Deno.test("a cached result older than the scrape's own deadline is not taken; a failed scrape is never kept", async () => {
  await using dir = await tempDir();
  let n = 0;
  let failNext = false;
  await using exporter = await serveExporter(() => {
    n++;
    if (failNext) {
      failNext = false;
      return new Response("broken", { status: 500 });
    }
    return new Response(`fetches ${n}\n`);
  });
  await using server = await startServer(
    dir.path,
    `
web: {listen: ["tcp://127.0.0.1:0"]}
reverse_exporters:
  - path: /metrics
    exporters:
      http: [{name: e, address: "${exporter.url}/metrics", cache_for: 1m}]
`,
  );
  assertEquals(valueOf(await scrape(server), 'fetches{exporter_name="e"}'), 1);
  await new Promise((r) => setTimeout(r, 700));
  // A scrape budget of 0.5 s (a deadline of 0.45 s): the result, 0.7 s old, is too old for it.
  const hurried = await scrape(server, "/metrics", {
    headers: { "X-Prometheus-Scrape-Timeout-Seconds": "0.5" },
  });
  assertEquals(valueOf(hurried, 'fetches{exporter_name="e"}'), 2);
  // A scrape with a longer budget takes the result kept: the newer one.
  const patient = await scrape(server, "/metrics", { headers: PROMETHEUS_HEADERS });
  assertEquals(valueOf(patient, 'fetches{exporter_name="e"}'), 2);
  assertEquals(exporter.requests.length, 2);

  // A scrape that fails replaces nothing, and keeps nothing: the next one within cache_for gets
  // the last good result.
  failNext = true;
  await new Promise((r) => setTimeout(r, 700));
  const failed = await scrape(server, "/metrics", {
    headers: { "X-Prometheus-Scrape-Timeout-Seconds": "0.5" },
  });
  assertEquals(valueOf(failed, 'reverse_exporter_backend_up{exporter_name="e"}'), 0);
  assertEquals(valueOf(await scrape(server), 'fetches{exporter_name="e"}'), 2);
  assertEquals(exporter.requests.length, 3);
});

Deno.test("cache_for on a script and a file: one run for two scrapes; the file's older content", async () => {
  await using dir = await tempDir();
  await writeScript(
    dir.path,
    "count.sh",
    `echo run >> "${dir.path}/runs"\necho "script_runs $(wc -l < "${dir.path}/runs")"`,
  );
  await Deno.writeTextFile(`${dir.path}/f.prom`, "file_value 1\n");
  await using server = await startServer(
    dir.path,
    `
web: {listen: ["tcp://127.0.0.1:0"]}
exporter_defaults:
  exec: {cache_for: 30s}
reverse_exporters:
  - path: /metrics
    exporters:
      exec: [{name: script, command: ./count.sh}]
      file: [{name: file, path: f.prom, cache_for: 30s}]
`,
    { permissions: scriptPermissions(dir.path) },
  );
  const first = await scrape(server);
  await Deno.writeTextFile(`${dir.path}/f.prom`, "file_value 2\n");
  const second = await scrape(server);
  for (const text of [first, second]) {
    assertEquals(valueOf(text, 'script_runs{exporter_name="script"}'), 1);
    assertEquals(valueOf(text, 'file_value{exporter_name="file"}'), 1);
  }
  assertEquals((await Deno.readTextFile(`${dir.path}/runs`)).trim().split("\n").length, 1);
});

Deno.test("a cached body is held of web.max_bytes_in_flight until cache_for ends; one that does not fit is not kept", async () => {
  await using dir = await tempDir();
  const small = `small_gauge 1\n${"# padding\n".repeat(10_000)}`; // 100 kB
  const large = `large_gauge 1\n${"# padding\n".repeat(60_000)}`; // 600 kB
  // no-transform: served as it is, not gzipped, so that its size is the bytes held.
  await using exporter = await serveExporter((request) =>
    new Response(new URL(request.url).pathname === "/small" ? small : large, {
      headers: { "Cache-Control": "no-transform" },
    })
  );
  await using server = await startServer(
    dir.path,
    `
web: {listen: ["tcp://127.0.0.1:0"], max_bytes_in_flight: 1MiB}
reverse_exporters:
  - path: /small
    exporters:
      http: [{name: s, address: "${exporter.url}/small", cache_for: 3s}]
  - path: /large
    exporters:
      http: [{name: l, address: "${exporter.url}/large", cache_for: 30s}]
`,
  );
  await scrape(server, "/small");
  const bytes = async () =>
    valueOf(await scrape(server, "/-/metrics"), "reverse_exporter_bytes_in_flight");
  assertEquals(await bytes(), new TextEncoder().encode(small).length);
  await eventually(
    "the cached body is given back after cache_for",
    async () => await bytes() === 0,
  );
  await scrape(server, "/small");
  assertEquals(exporter.requests.length, 2);

  // 600 kB read, and 600 kB more for the cache's copy, do not fit in 1 MiB: the scrape is
  // answered, its result is not kept, and the next scrape fetches again.
  for (let i = 0; i < 2; i++) {
    assertEquals(
      valueOf(await scrape(server, "/large"), 'reverse_exporter_backend_up{exporter_name="l"}'),
      1,
    );
  }
  assertEquals(exporter.requests.filter((r) => r.url.pathname === "/large").length, 2);
  assertEquals(await bytes(), new TextEncoder().encode(small).length);
});

const missingPrometheus = await installed("prometheus") ? undefined : "prometheus";

Deno.test({
  name: `two real Prometheus servers scraping within cache_for cost one exporter scrape${
    missingPrometheus === undefined ? "" : ` (skipped: ${missingPrometheus} not installed)`
  }`,
  ignore: missingPrometheus !== undefined,
  async fn() {
    await using dir = await tempDir();
    await using exporter = await countingExporter();
    await using server = await startServer(
      dir.path,
      `
web: {listen: ["tcp://127.0.0.1:0"]}
reverse_exporters:
  - path: /metrics
    exporters:
      http: [{name: e, address: "${exporter.url}/metrics", cache_for: 1m}]
`,
    );
    const target = new URL(server.url("/")).host;
    // An HA pair: the same job, each server with its own replica label, so each scrapes at its
    // own moment within the interval. A scrape budget of 1 s bounds the results they take to
    // 0.9 s old: of the two scrapes of each second, the later gets the earlier's result.
    const servers: { daemon: Daemon; url: string }[] = [];
    for (const replica of ["a", "b"]) {
      const address = `127.0.0.1:${freePort()}`;
      await Deno.writeTextFile(
        `${dir.path}/prometheus-${replica}.yml`,
        `
global: {scrape_interval: 1s, scrape_timeout: 1s, external_labels: {replica: ${replica}}}
scrape_configs:
  - job_name: host
    static_configs: [{targets: ["${target}"]}]
`,
      );
      const daemon = new Daemon("prometheus", [
        `--config.file=${dir.path}/prometheus-${replica}.yml`,
        `--storage.tsdb.path=${dir.path}/data-${replica}`,
        `--web.listen-address=${address}`,
      ], dir.path);
      servers.push({ daemon, url: `http://${address}` });
    }
    try {
      for (const { daemon, url } of servers) await waitForHttp(daemon, `${url}/-/ready`);
      const answered = async () =>
        valueOf(
          await scrape(server, "/-/metrics"),
          'reverse_exporter_http_requests_total{path="/metrics",code="200"}',
        ) ?? 0;
      await eventually("both servers have scraped 5 times", async () => {
        for (const { url } of servers) {
          const up = await query(url, "count_over_time(up[1m])");
          if (up.length === 0 || Number(up[0]!.value[1]) < 5) return false;
        }
        return true;
      }, 30_000);
      const scrapes = await answered();
      const fetches = exporter.requests.length;
      // One fetch per second for two scrapes (one more if a scrape was in flight when counted).
      assert(
        fetches <= Math.ceil(scrapes / 2) + 1,
        `${fetches} fetches of the exporter for ${scrapes} scrapes`,
      );
      for (const { url } of servers) {
        assertEquals(await queryOne(url, "up"), 1);
        assert(await queryOne(url, 'fetches{exporter_name="e"}') >= 1);
      }
    } finally {
      for (const { daemon } of servers) await daemon[Symbol.asyncDispose]();
    }
  },
});
