/** The real server as a subprocess in front of real HTTP exporters on loopback. */
import { decodeText, familiesOf, type Metric, sampleCountOf } from "../src/exposition/mod.ts";
import { assert, assertEquals, assertStringIncludes } from "./_assert.ts";
import {
  fixture,
  installed,
  promtoolCheckMetrics,
  sampleLines,
  serveExporter,
  startServer,
  tempDir,
} from "./_server.ts";

const NODE = fixture("node_exporter_1.5.prom");
const PROMETHEUS = fixture("prometheus_2.42.prom");
const hasPromtool = await installed("promtool");

function textResponse(body: string): Response {
  return new Response(body, { headers: { "Content-Type": "text/plain; version=0.0.4" } });
}

/** The samples (lines of text) of one metric. */
function samplesOfMetric(metric: Metric): number {
  if ("buckets" in metric) {
    return metric.buckets.length + (metric.sum === undefined ? 0 : 1) +
      (metric.count === undefined ? 0 : 1);
  }
  if ("quantiles" in metric) {
    return metric.quantiles.length + (metric.sum === undefined ? 0 : 1) +
      (metric.count === undefined ? 0 : 1);
  }
  return 1;
}

function countSamples(text: string): number {
  return sampleCountOf(decodeText(new TextEncoder().encode(text)));
}

Deno.test("two node_exporters and a Prometheus on one path merge into one valid exposition", async () => {
  await using dir = await tempDir();
  await using node = await serveExporter(() => textResponse(NODE));
  await using prometheus = await serveExporter(() => textResponse(PROMETHEUS));
  await using server = await startServer(
    dir.path,
    `
web:
  listen: ["tcp://127.0.0.1:0"]
reverse_exporters:
  - path: /metrics
    exporters:
      http:
        - name: node_a
          address: ${node.url}/metrics
        - name: node_b
          address: ${node.url}/metrics
          labels: {node_uuid: b}
        - name: prometheus
          address: ${prometheus.url}/metrics
`,
  );
  const response = await fetch(server.url("/metrics"));
  assertEquals(response.status, 200);
  assertEquals(response.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  const text = await response.text();

  // Each family appears once, with one TYPE and at most one HELP.
  const typeLines = text.split("\n").filter((l) => l.startsWith("# TYPE "));
  const typeNames = typeLines.map((l) => l.split(" ")[2]);
  assertEquals(new Set(typeNames).size, typeNames.length, "a family appears twice");
  const helpNames = text.split("\n").filter((l) => l.startsWith("# HELP ")).map((l) =>
    l.split(" ")[2]
  );
  assertEquals(new Set(helpNames).size, helpNames.length, "a HELP appears twice");

  // Every sample of the exporters carries its exporter_name; nothing was lost.
  const exposition = decodeText(new TextEncoder().encode(text));
  let fromExporters = 0;
  for (const family of familiesOf(exposition)) {
    for (const sample of family.metrics) {
      const exporter = sample.labels.find((l) => l.name === "exporter_name")?.value;
      assert(exporter !== undefined, `${family.name} has no exporter_name`);
      if (family.name.startsWith("reverse_exporter_backend_")) continue;
      fromExporters += samplesOfMetric(sample);
      if (exporter === "node_b") {
        assertEquals(sample.labels.find((l) => l.name === "node_uuid")?.value, "b");
      }
    }
  }
  assertEquals(fromExporters, 2 * countSamples(NODE) + countSamples(PROMETHEUS));
  assertStringIncludes(text, 'reverse_exporter_backend_up{exporter_name="node_a"} 1');
  assertStringIncludes(text, 'reverse_exporter_backend_up{exporter_name="prometheus"} 1');
  assertStringIncludes(
    text,
    'node_cpu_seconds_total{cpu="0",mode="idle",node_uuid="b",exporter_name="node_b"}',
  );
  // Families are sorted by name.
  assertEquals(typeNames, [...typeNames].sort());

  // The exporters were asked for text 0.0.4, with gzip, by reverse_exporter.
  const request = node.requests[0]!;
  assertStringIncludes(request.headers.get("accept") ?? "", "text/plain;version=0.0.4");
  assertStringIncludes(request.headers.get("user-agent") ?? "", "reverse_exporter/");
  assertEquals(request.headers.get("accept-encoding"), "gzip");
});

Deno.test({
  name: `promtool check metrics parses the merge of two node_exporters${
    hasPromtool ? "" : " (skipped: promtool not installed)"
  }`,
  ignore: !hasPromtool,
  async fn() {
    await using dir = await tempDir();
    await using node = await serveExporter(() => textResponse(NODE));
    await using server = await startServer(
      dir.path,
      `
web: {listen: ["tcp://127.0.0.1:0"]}
reverse_exporters:
  - path: /metrics
    exporters:
      http:
        - {name: one, address: "${node.url}/metrics"}
        - {name: two, address: "${node.url}/metrics"}
`,
    );
    const text = await (await fetch(server.url("/metrics"))).text();
    const { code, output } = await promtoolCheckMetrics(text);
    // 0: clean; 3: only naming lint (node_exporter's own output gets 3); 1: parse error.
    assert(code === 0 || code === 3, `promtool exit ${code}: ${output}`);
    assert(!output.includes("error while linting"), output);
  },
});

Deno.test("a failing exporter is marked down while the others are served", async (t) => {
  await using dir = await tempDir();
  await using good = await serveExporter(() => textResponse("up_metric 1\n"));
  await using failing = await serveExporter((request) => {
    const path = new URL(request.url).pathname;
    if (path === "/500") return new Response("oops", { status: 500 });
    if (path === "/garbage") return textResponse("this is { not an exposition\n");
    if (path === "/big") return textResponse(NODE);
    // /hang: answers only when the client gives up.
    return new Promise<Response>((resolve) => {
      request.signal.addEventListener("abort", () => resolve(new Response("late")));
    });
  });
  const closed = await serveExporter(() => new Response());
  const closedUrl = closed.url;
  await closed[Symbol.asyncDispose]();
  await using server = await startServer(
    dir.path,
    `
web: {listen: ["tcp://127.0.0.1:0"]}
reverse_exporters:
  - path: /metrics
    exporters:
      http:
        - {name: good, address: "${good.url}/metrics"}
        - {name: status, address: "${failing.url}/500"}
        - {name: garbage, address: "${failing.url}/garbage"}
        - {name: hang, address: "${failing.url}/hang", timeout: 300ms}
        - {name: big, address: "${failing.url}/big", body_size_limit: 1KiB}
        - {name: refused, address: "${closedUrl}/metrics"}
`,
  );
  const response = await fetch(server.url("/metrics"), { signal: AbortSignal.timeout(10_000) });
  assertEquals(response.status, 200);
  const text = await response.text();
  assertStringIncludes(text, 'up_metric{exporter_name="good"} 1');
  assertStringIncludes(text, 'reverse_exporter_backend_up{exporter_name="good"} 1');
  const causes: Record<string, string> = {
    status: "http_status",
    garbage: "decode",
    hang: "timeout",
    big: "body_too_large",
    refused: "connect",
  };
  for (const [name, cause] of Object.entries(causes)) {
    await t.step(`${name}: down, logged once with path, name and cause ${cause}`, () => {
      assertStringIncludes(text, `reverse_exporter_backend_up{exporter_name="${name}"} 0`);
      const failures = server.logs.filter((l) =>
        l.msg === "exporter scrape failed" && l["exporter"] === name
      );
      assertEquals(failures.length, 1, JSON.stringify(failures));
      assertEquals(failures[0]!["path"], "/metrics");
      assertEquals(failures[0]!["cause"], cause);
    });
  }
  const garbage = server.logs.find((l) => l["exporter"] === "garbage")!;
  assertStringIncludes(String(garbage["error"]), "line 1, column");
  // The failures are counted in the program's own metrics.
  const own = await (await fetch(server.url("/-/metrics"))).text();
  assertStringIncludes(
    own,
    'reverse_exporter_exporter_scrape_failures_total{path="/metrics",exporter_name="hang",cause="timeout"} 1',
  );
});

Deno.test("X-Prometheus-Scrape-Timeout-Seconds cuts an exporter's deadline", async () => {
  await using dir = await tempDir();
  await using hanging = await serveExporter((request) =>
    new Promise<Response>((resolve) => {
      request.signal.addEventListener("abort", () => resolve(new Response("late")));
    })
  );
  await using server = await startServer(
    dir.path,
    `
web: {listen: ["tcp://127.0.0.1:0"]}
reverse_exporters:
  - path: /metrics
    exporters:
      http: [{name: slow, address: "${hanging.url}/metrics", timeout: 60s}]
`,
  );
  const response = await fetch(server.url("/metrics"), {
    headers: { "X-Prometheus-Scrape-Timeout-Seconds": "0.5" },
    signal: AbortSignal.timeout(20_000),
  });
  const text = await response.text();
  assertStringIncludes(text, 'reverse_exporter_backend_up{exporter_name="slow"} 0');
  const failure = server.logs.find((l) => l.msg === "exporter scrape failed");
  assertEquals(failure?.["cause"], "timeout");
  const duration =
    (familiesOf(decodeText(new TextEncoder().encode(text))).find((f) =>
      f.name === "reverse_exporter_backend_scrape_duration_seconds"
    )!.metrics[0] as { value: number }).value;
  // The 60 s timeout was cut to the 0.5 s budget less its margin.
  assert(duration < 30, `the exporter ran for ${duration} s`);
});

Deno.test("gzip: the response is gzipped when accepted, and gzipped exporters are decoded", async () => {
  await using dir = await tempDir();
  await using exporter = await serveExporter(async () => {
    const gzipped = await new Response(
      new Blob([NODE]).stream().pipeThrough(new CompressionStream("gzip")),
    ).arrayBuffer();
    return new Response(gzipped, {
      headers: { "Content-Type": "text/plain; version=0.0.4", "Content-Encoding": "gzip" },
    });
  });
  await using server = await startServer(
    dir.path,
    `
web: {listen: ["tcp://127.0.0.1:0"]}
reverse_exporters:
  - path: /metrics
    backend_metrics: false
    exporters:
      http: [{name: node, address: "${exporter.url}/metrics"}]
`,
  );
  // Deno's fetch always asks for gzip and decompresses: read raw bytes over a socket instead.
  const plain = await rawGet(server.url("/metrics"), {});
  assert(!plain.head.toLowerCase().includes("content-encoding"), plain.head);
  const plainText = new TextDecoder().decode(plain.body);
  assertEquals(countSamples(plainText), countSamples(NODE));

  const raw = await rawGet(server.url("/metrics"), { "Accept-Encoding": "gzip" });
  assertStringIncludes(raw.head.toLowerCase(), "content-encoding: gzip");
  // In the path of every Prometheus scrape: compressed at the fastest level (the gzip
  // header's XFL byte is 4), and sent whole, with its length.
  assertEquals(raw.body[8], 4, "XFL of the gzip header");
  assertEquals(
    Number(/^content-length: *(\d+)\r?$/im.exec(raw.head)?.[1]),
    raw.body.length,
    raw.head,
  );
  const body = await new Response(
    new Blob([raw.body]).stream().pipeThrough(new DecompressionStream("gzip")),
  ).text();
  assertEquals(body, plainText);
});

/** GET over a plain TCP socket, returning the response head and the raw (chunked-decoded) body. */
async function rawGet(url: string, headers: Record<string, string>) {
  const u = new URL(url);
  const conn = await Deno.connect({ hostname: u.hostname, port: Number(u.port) });
  const lines = [`GET ${u.pathname} HTTP/1.1`, `Host: ${u.host}`, "Connection: close"];
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  await conn.write(new TextEncoder().encode(lines.join("\r\n") + "\r\n\r\n"));
  const bytes = new Uint8Array(await new Response(conn.readable).arrayBuffer());
  const split = findSequence(bytes, [13, 10, 13, 10]);
  const head = new TextDecoder().decode(bytes.slice(0, split));
  let body: Uint8Array<ArrayBuffer> = bytes.slice(split + 4);
  if (/transfer-encoding: chunked/i.test(head)) body = dechunk(body);
  return { head, body };
}

function findSequence(bytes: Uint8Array, sequence: number[]): number {
  outer: for (let i = 0; i <= bytes.length - sequence.length; i++) {
    for (let j = 0; j < sequence.length; j++) if (bytes[i + j] !== sequence[j]) continue outer;
    return i;
  }
  return -1;
}

function dechunk(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  const parts: Uint8Array[] = [];
  let pos = 0;
  for (;;) {
    const lineEnd = findSequence(bytes.subarray(pos), [13, 10]) + pos;
    const size = parseInt(new TextDecoder().decode(bytes.slice(pos, lineEnd)), 16);
    if (!size) break;
    parts.push(bytes.slice(lineEnd + 2, lineEnd + 2 + size));
    pos = lineEnd + 2 + size + 2;
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

Deno.test("forward_url_params adds the scrape's parameters and keeps the address's own", async () => {
  await using dir = await tempDir();
  await using exporter = await serveExporter((request) => {
    const params = [...new URL(request.url).searchParams].map(([k, v]) => `${k}=${v}`).join("&");
    return textResponse(`probe_params{params="${params}"} 1\n`);
  });
  await using server = await startServer(
    dir.path,
    `
web: {listen: ["tcp://127.0.0.1:0"]}
reverse_exporters:
  - path: /probe
    backend_metrics: false
    exporters:
      http:
        - {name: forwarding, address: "${exporter.url}/probe?module=http_2xx", forward_url_params: true}
        - {name: plain, address: "${exporter.url}/probe?module=http_2xx"}
`,
  );
  const text = await (await fetch(server.url("/probe?target=example.org&debug=true"))).text();
  assertStringIncludes(
    text,
    'probe_params{params="module=http_2xx&target=example.org&debug=true",exporter_name="forwarding"} 1',
  );
  assertStringIncludes(text, 'probe_params{params="module=http_2xx",exporter_name="plain"} 1');
});

Deno.test("methods, own routes, HEAD and context_path", async (t) => {
  await using dir = await tempDir();
  await using exporter = await serveExporter(() => textResponse("a_metric 1\n"));
  await using server = await startServer(
    dir.path,
    `
web:
  listen: ["tcp://127.0.0.1:0"]
  context_path: /reverse/ # the Go program's form: the same as /reverse
reverse_exporters:
  - path: /metrics
    exporters:
      http: [{name: a, address: "${exporter.url}/metrics"}]
`,
  );
  await t.step("the path is served under the context path only", async () => {
    assertEquals((await fetch(server.url("/reverse/metrics"))).status, 200);
    for (const path of ["/metrics", "/reverse/metrics/", "/reverse//metrics", "/reverse/Metrics"]) {
      const response = await fetch(server.url(path));
      await response.body?.cancel();
      assertEquals(response.status, 404, path);
    }
  });
  await t.step("other methods get 405 with Allow", async () => {
    for (const method of ["POST", "PUT", "DELETE"]) {
      const response = await fetch(server.url("/reverse/metrics"), { method });
      await response.body?.cancel();
      assertEquals(response.status, 405, method);
      assertEquals(response.headers.get("allow"), "GET, HEAD");
    }
  });
  await t.step("HEAD answers 200 without a body", async () => {
    const response = await fetch(server.url("/reverse/metrics"), { method: "HEAD" });
    assertEquals(response.status, 200);
    assertEquals(await response.text(), "");
    // Asked for gzip, it answers with GET's headers, and compresses nothing.
    const url = new URL(server.url("/reverse/metrics"));
    using conn = await Deno.connect({ hostname: url.hostname, port: Number(url.port) });
    const head = [
      `HEAD ${url.pathname} HTTP/1.1`,
      `Host: ${url.host}`,
      "Accept-Encoding: gzip",
      "Connection: close",
    ];
    await conn.write(new TextEncoder().encode(head.join("\r\n") + "\r\n\r\n"));
    const answer = await new Response(conn.readable).text();
    assertStringIncludes(answer, "HTTP/1.1 200 ");
    assertStringIncludes(answer.toLowerCase(), "content-encoding: gzip\r\n");
    assert(answer.endsWith("\r\n\r\n"), answer);
  });
  await t.step("/-/healthy, /-/ready and /-/metrics", async () => {
    assertEquals((await (await fetch(server.url("/reverse/-/healthy"))).text()).trim(), "Healthy.");
    assertEquals((await fetch(server.url("/reverse/-/ready"))).status, 200);
    const own = await (await fetch(server.url("/reverse/-/metrics"))).text();
    for (
      const name of [
        "reverse_exporter_build_info{version=",
        "process_resident_memory_bytes ",
        "process_cpu_seconds_total ",
        "process_start_time_seconds ",
        'reverse_exporter_exporter_scrapes_total{path="/metrics",exporter_name="a",kind="http"}',
        'reverse_exporter_http_requests_total{path="/metrics",code="200"}',
        'reverse_exporter_http_requests_total{path="/metrics",code="405"} 3',
        "reverse_exporter_config_last_reload_successful 1",
      ]
    ) {
      assertStringIncludes(own, name);
    }
  });
});

Deno.test("listens on several addresses at once, IPv4 and IPv6", async () => {
  await using dir = await tempDir();
  await using exporter = await serveExporter(() => textResponse("a_metric 1\n"));
  await using server = await startServer(
    dir.path,
    `
web: {listen: ["tcp://127.0.0.1:0", "tcp://[::1]:0"]}
reverse_exporters:
  - path: /metrics
    exporters: {http: [{name: a, address: "${exporter.url}/metrics"}]}
`,
  );
  assertEquals(server.bound.length, 2);
  assert(server.bound[1]!.startsWith("[::1]:"), server.bound[1]);
  for (const listener of [0, 1]) {
    const text = await (await fetch(server.url("/metrics", listener))).text();
    assertStringIncludes(text, 'a_metric{exporter_name="a"} 1');
  }
});

Deno.test("SIGTERM and SIGINT stop the server gracefully with exit code 0", async () => {
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    await using dir = await tempDir();
    const server = await startServer(dir.path, `web: {listen: ["tcp://127.0.0.1:0"]}\n`);
    assertEquals(await server.stop(signal), 0);
    assert(server.logs.some((l) => l.msg === "stopped"), JSON.stringify(server.logs));
  }
});

Deno.test("a scrape in flight finishes during a graceful stop", async () => {
  await using dir = await tempDir();
  let release = () => {};
  const held = new Promise<void>((resolve) => release = resolve);
  await using exporter = await serveExporter(async () => {
    await held;
    return textResponse("late_metric 1\n");
  });
  const server = await startServer(
    dir.path,
    `
web: {listen: ["tcp://127.0.0.1:0"]}
reverse_exporters:
  - path: /metrics
    exporters: {http: [{name: slow, address: "${exporter.url}/metrics"}]}
`,
  );
  const scrape = fetch(server.url("/metrics")).then((r) => r.text());
  while (exporter.requests.length === 0) await new Promise((r) => setTimeout(r, 10));
  const exit = server.stop("SIGTERM");
  await new Promise((r) => setTimeout(r, 200));
  release();
  assertStringIncludes(await scrape, 'late_metric{exporter_name="slow"} 1');
  assertEquals(await exit, 0);
});

Deno.test("an invalid configuration exits 1 naming the key, and serves nothing", async () => {
  await using dir = await tempDir();
  const server = await startServer(
    dir.path,
    `
web: {listen: ["tcp://127.0.0.1:0"]}
reverse_exporters:
  - path: /metrics
    exporters:
      http: [{name: a, adress: "http://127.0.0.1:1/metrics"}]
`,
  );
  assertEquals(await server.exitCode(), 1);
  const problems = server.logs.filter((l) => l.msg === "invalid configuration").map((l) =>
    String(l["problem"])
  );
  assert(
    problems.some((p) =>
      p.includes(
        "reverse_exporter.yml: reverse_exporters[0].exporters.http[0].adress: unknown key",
      ) &&
      p.includes('did you mean "address"')
    ),
    JSON.stringify(problems),
  );
  assertEquals(server.bound.length, 0);
  assertEquals(sampleLines("").length, 0);
});

Deno.test("a failing exporter is logged when it goes down and when it recovers, not on every scrape", async () => {
  await using dir = await tempDir();
  let up = false;
  await using exporter = await serveExporter(() =>
    up ? textResponse("flaky_metric 1\n") : new Response("down", { status: 503 })
  );
  await using server = await startServer(
    dir.path,
    `
web: {listen: ["tcp://127.0.0.1:0"]}
reverse_exporters:
  - path: /metrics
    exporters: {http: [{name: flaky, address: "${exporter.url}/metrics"}]}
`,
  );
  const scrapeText = async () => await (await fetch(server.url("/metrics"))).text();
  for (let i = 0; i < 3; i++) await scrapeText();
  up = true;
  assertStringIncludes(await scrapeText(), 'flaky_metric{exporter_name="flaky"} 1');
  up = false;
  await scrapeText();
  const events = server.logs.filter((l) => l["exporter"] === "flaky").map((l) =>
    `${l.level} ${l.msg}`
  );
  assertEquals(events, [
    "warning exporter scrape failed",
    "info exporter recovered",
    "warning exporter scrape failed",
  ]);
  const own = await (await fetch(server.url("/-/metrics"))).text();
  assertStringIncludes(
    own,
    'reverse_exporter_exporter_scrape_failures_total{path="/metrics",exporter_name="flaky",cause="http_status"} 4',
  );
});
