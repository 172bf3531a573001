/**
 * Limits with clear answers (issue 14, item 4): `web.max_connections` per listener, the
 * listener's recovery once file descriptors ran out, and `web.max_bytes_in_flight`.
 */
import { assert, assertEquals, assertStringIncludes } from "./_assert.ts";
import { eventually, installed, startServer, tempDir, valueOf } from "./_server.ts";
import { trickleExporter } from "./_hostile_exporter.ts";

const hasPrlimit = await installed("prlimit");

function listenerAddress(bound: string): { hostname: string; port: number } {
  const colon = bound.lastIndexOf(":");
  return { hostname: bound.slice(0, colon), port: Number(bound.slice(colon + 1)) };
}

/** GETs `url`, giving each try `ms` and retrying until `totalMs` has passed. */
async function getWithin(url: string, ms: number, totalMs: number): Promise<Response | undefined> {
  const deadline = Date.now() + totalMs;
  while (Date.now() < deadline) {
    try {
      return await fetch(url, { signal: AbortSignal.timeout(ms) });
    } catch {
      // not answered in time: try again
    }
  }
  return undefined;
}

Deno.test("web.max_connections: beyond it, connections are closed at once and counted; below, accepted again", async () => {
  await using dir = await tempDir();
  await using server = await startServer(
    dir.path,
    `
web: {listen: ["tcp://127.0.0.1:0"], max_connections: 10, read_header_timeout: 60s}
reverse_exporters: [{path: /metrics, exporters: {http: []}}]
`,
  );
  const address = listenerAddress(server.bound[0]!);
  const held: Deno.Conn[] = [];
  for (let i = 0; i < 10; i++) held.push(await Deno.connect(address));
  // Let the server accept them all before the eleventh.
  await new Promise((resolve) => setTimeout(resolve, 200));
  const refused = await Deno.connect(address);
  const timer = setTimeout(() => refused.close(), 5_000);
  const n = await refused.read(new Uint8Array(16)).catch(() => null);
  clearTimeout(timer);
  assertEquals(n, null, "the eleventh connection is closed without an answer");
  try {
    refused.close();
  } catch {
    // closed
  }
  // One held connection goes away: the next is accepted again.
  held.pop()!.close();
  const own = await getWithin(server.url("/-/metrics"), 2_000, 10_000);
  assert(own !== undefined, "accepted again below the limit");
  const text = await own.text();
  const listener = 'listener="tcp://127.0.0.1:0"';
  assertEquals(valueOf(text, `reverse_exporter_connections_refused_total{${listener}}`), 1, text);
  assertEquals(valueOf(text, `reverse_exporter_connections{${listener}}`), 10, text);
  for (const conn of held) conn.close();
});

Deno.test({
  name: "under prlimit --nofile=256, 300 connections held then released: /-/healthy answers again" +
    (hasPrlimit ? "" : " (skipped: prlimit not installed)"),
  ignore: !hasPrlimit,
  async fn() {
    await using dir = await tempDir();
    await using server = await startServer(
      dir.path,
      `
web: {listen: ["tcp://127.0.0.1:0"], read_header_timeout: 60s}
reverse_exporters: [{path: /metrics, exporters: {http: []}}]
`,
      { wrapper: ["prlimit", "--nofile=256"] },
    );
    const address = listenerAddress(server.bound[0]!);
    const held: Deno.Conn[] = [];
    for (let i = 0; i < 300; i++) held.push(await Deno.connect(address));
    // The server accepts what its descriptors allow (max_connections, 256, is not reached
    // first: the runtime holds some), then runs out of them.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    for (const conn of held) conn.close();
    const healthy = await getWithin(server.url("/-/healthy"), 2_000, 15_000);
    assert(healthy !== undefined, "/-/healthy did not answer after the descriptors were freed");
    assertEquals(healthy.status, 200);
    assertEquals(await healthy.text(), "Healthy.\n");
  },
});

Deno.test("web.max_bytes_in_flight: a scrape beyond it gets 503 naming the key; an exporter read beyond it fails with memory_limit", async () => {
  await using dir = await tempDir();
  const MiB = 1024 * 1024;
  // Holds the whole budget (a body of 1 MiB, announced) until released.
  const release = Promise.withResolvers<void>();
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const serving = (async () => {
    for await (const conn of listener) {
      await conn.read(new Uint8Array(4096));
      const head = `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${MiB}\r\n` +
        "Connection: close\r\n\r\n";
      const body = new TextEncoder().encode(`held 1\n# ${"x".repeat(MiB - 10)}\n`);
      await conn.write(new TextEncoder().encode(head));
      await conn.write(body.subarray(0, 1000));
      await release.promise;
      for (let sent = 1000; sent < body.length;) sent += await conn.write(body.subarray(sent));
      conn.close();
    }
  })();
  const holder = `http://127.0.0.1:${(listener.addr as Deno.NetAddr).port}/metrics`;
  // 2 MB without a length: the reader's buffer outgrows the budget.
  const big = new TextEncoder().encode(`big 1\n# ${"y".repeat(2_000_000)}\n`);
  await using bigExporter = trickleExporter(
    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n",
    big,
    { pieceSize: 65536, pauseUs: 0 },
  );
  await using server = await startServer(
    dir.path,
    `
web: {listen: ["tcp://127.0.0.1:0"], max_bytes_in_flight: 1MiB}
reverse_exporters:
  - path: /held
    exporters: {http: [{name: holder, address: "${holder}"}]}
  - path: /big
    exporters: {http: [{name: big, address: "${bigExporter.url}"}]}
`,
  );
  try {
    const big1 = await (await fetch(server.url("/big"))).text();
    assertEquals(valueOf(big1, 'reverse_exporter_backend_up{exporter_name="big"}'), 0);
    const failure = server.logs.find((l) => l.msg === "exporter scrape failed");
    assertEquals(failure?.["cause"], "memory_limit", JSON.stringify(server.logs));
    assertStringIncludes(String(failure?.["error"]), "web.max_bytes_in_flight (1048576 bytes)");

    const held = fetch(server.url("/held")).then(async (r) => [r.status, await r.text()]);
    await eventually("the held scrape holds the whole budget", async () => {
      const own = await (await fetch(server.url("/-/metrics"))).text();
      return valueOf(own, "reverse_exporter_bytes_in_flight") === MiB;
    });
    const refused = await fetch(server.url("/big"));
    assertEquals(refused.status, 503);
    const reason = await refused.text();
    assertStringIncludes(reason, "web.max_bytes_in_flight (1048576 bytes)");
    assertEquals(reason.split("\n").length, 2, "one line");
    release.resolve();
    const [status, body] = await held;
    assertEquals(status, 200);
    assertEquals(valueOf(String(body), 'held{exporter_name="holder"}'), 1);
    const own = await (await fetch(server.url("/-/metrics"))).text();
    assertEquals(valueOf(own, "reverse_exporter_bytes_in_flight"), 0, own);
    assertEquals(
      valueOf(
        own,
        'reverse_exporter_exporter_scrape_failures_total{path="/big",exporter_name="big",cause="memory_limit"}',
      ),
      1,
    );
    assertEquals(valueOf(own, 'reverse_exporter_http_requests_total{path="/big",code="503"}'), 1);
  } finally {
    release.resolve();
    listener.close();
    await serving.catch(() => {});
  }
});
