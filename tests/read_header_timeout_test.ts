/**
 * `read_header_timeout`: clients that send their request headers too slowly (or never
 * finish a TLS handshake) are cut off, on every kind of listener, while normal scrapes
 * are served; idle keep-alive connections and slow scrapes are not cut by it.
 */
import { assert, assertEquals, assertStringIncludes } from "./_assert.ts";
import { makeCertificates } from "./_certs.ts";
import { installed, REPO, scrape, serveExporter, startServer, tempDir } from "./_server.ts";
import { type Cut, HEAD, trickle } from "./_trickle_client.ts";

const hasOpenssl = await installed("openssl");

/** The host and port of a `host:port` bound address. */
function hostPort(bound: string): { hostname: string; port: number } {
  const colon = bound.lastIndexOf(":");
  return {
    hostname: bound.slice(0, colon).replace(/^\[|\]$/g, ""),
    port: Number(bound.slice(colon + 1)),
  };
}

const CONFIG = (listen: string, exporters = "file: [{name: a, path: a.prom}]") => `
web: {listen: ["${listen}"], read_header_timeout: 500ms}
reverse_exporters:
  - path: /metrics
    exporters: {${exporters}}
`;

Deno.test("tcp://: a client sending one header byte a second is answered 408 and closed after read_header_timeout, while scrapes are served", async () => {
  await using dir = await tempDir();
  await Deno.writeTextFile(`${dir.path}/a.prom`, "a_metric 1\n");
  await using server = await startServer(dir.path, CONFIG("tcp://127.0.0.1:0"));
  const slow = trickle(await Deno.connect(hostPort(server.bound[0]!)), {
    everyMs: 1_000,
    giveUpMs: 10_000,
  });
  // Served while the slow client holds its connection.
  assertStringIncludes(await scrape(server), 'a_metric{exporter_name="a"} 1');
  const cut = await slow;
  assert(cut.afterMs >= 400 && cut.afterMs < 900, `cut after ${cut.afterMs} ms`);
  assert(cut.sent < HEAD.length, "the whole head was sent: never cut");
  assertStringIncludes(cut.answer, "HTTP/1.1 408 ");
  assertStringIncludes(await scrape(server), 'a_metric{exporter_name="a"} 1');
});

Deno.test("tcp://: a connection that sends nothing is closed after read_header_timeout", async () => {
  await using dir = await tempDir();
  await Deno.writeTextFile(`${dir.path}/a.prom`, "a_metric 1\n");
  await using server = await startServer(dir.path, CONFIG("tcp://[::1]:0"));
  const silent = await Deno.connect(hostPort(server.bound[0]!));
  const cut = await trickle(silent, { everyMs: 10_000, giveUpMs: 0 });
  // giveUpMs 0: nothing sent; trickle waits up to 2 s for the server to close.
  assertEquals(cut.sent, 0);
  assertStringIncludes(cut.answer, "408");
});

Deno.test("keep-alive connections idle for longer than read_header_timeout, and scrapes slower than it, are served", async () => {
  await using dir = await tempDir();
  await using exporter = await serveExporter(async () => {
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    return new Response("slow_metric 1\n");
  });
  await Deno.writeTextFile(`${dir.path}/a.prom`, "a_metric 1\n");
  await using server = await startServer(
    dir.path,
    `
web: {listen: ["tcp://127.0.0.1:0"], read_header_timeout: 500ms}
reverse_exporters:
  - path: /metrics
    exporters: {file: [{name: a, path: a.prom}]}
  - path: /slow
    exporters: {http: [{name: s, address: "${exporter.url}/metrics", timeout: 10s}]}
`,
  );
  const conn = await Deno.connect(hostPort(server.bound[0]!));
  try {
    const exchange = async (path: string) => {
      await conn.write(new TextEncoder().encode(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`));
      return await readResponse(conn);
    };
    assertStringIncludes(await exchange("/metrics"), 'a_metric{exporter_name="a"} 1');
    await new Promise((resolve) => setTimeout(resolve, 2_000)); // idle, four times the timeout
    assertStringIncludes(await exchange("/metrics"), 'a_metric{exporter_name="a"} 1');
    // The answer takes 2.5 s; the headers came at once.
    assertStringIncludes(await exchange("/slow"), 'slow_metric{exporter_name="s"} 1');
  } finally {
    conn.close();
  }
});

/** Reads one response with a Content-Length body from `conn`; returns head and body. */
async function readResponse(conn: Deno.Conn): Promise<string> {
  const decoder = new TextDecoder();
  let text = "";
  const buffer = new Uint8Array(65536);
  const deadline = AbortSignal.timeout(10_000);
  while (!deadline.aborted) {
    const end = text.indexOf("\r\n\r\n");
    if (end >= 0) {
      const length = Number(/content-length: *(\d+)/i.exec(text.slice(0, end))?.[1]);
      if (text.length >= end + 4 + length) return text;
    }
    const n = await conn.read(buffer);
    if (n === null) throw new Error(`closed after ${JSON.stringify(text)}`);
    text += decoder.decode(buffer.subarray(0, n));
  }
  throw new Error("no complete response in 10 s");
}

Deno.test("unix://: a trickling client is cut after read_header_timeout", async () => {
  await using dir = await tempDir();
  await Deno.writeTextFile(`${dir.path}/a.prom`, "a_metric 1\n");
  const path = `${dir.path}/re.sock`;
  await using server = await startServer(dir.path, CONFIG(`unix://${path}`), {
    permissions: [
      "--no-prompt",
      `--allow-net=unix:${path}`,
      `--allow-read=${dir.path}`,
      `--allow-write=${path}`,
    ],
  });
  assertEquals(server.bound, [path], JSON.stringify(server.logs));
  const output = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--no-prompt",
      ...[`--allow-net=unix:${path}`, `--allow-read=${path}`, `--allow-write=${path}`],
      `${REPO}tests/_trickle_client.ts`,
      ...[path, "300", "10000"],
    ],
    stdin: "null",
    stderr: "inherit",
    signal: AbortSignal.timeout(20_000),
  }).output();
  assert(output.success, "the trickle client failed");
  const cut: Cut = JSON.parse(new TextDecoder().decode(output.stdout));
  assert(cut.afterMs >= 400 && cut.afterMs < 900, `cut after ${cut.afterMs} ms`);
  assertStringIncludes(cut.answer, "HTTP/1.1 408 ");
});

Deno.test({
  name: `tcps://: a trickling client, and one that never starts the TLS handshake, are cut${
    hasOpenssl ? "" : " (skipped: openssl not installed)"
  }`,
  ignore: !hasOpenssl,
  async fn() {
    await using dir = await tempDir();
    await makeCertificates(dir.path);
    await Deno.writeTextFile(`${dir.path}/a.prom`, "a_metric 1\n");
    await using server = await startServer(
      dir.path,
      CONFIG("tcps://127.0.0.1:0?tlscert=server.crt&tlskey=server.key"),
    );
    const address = hostPort(server.bound[0]!);
    const caCerts = [await Deno.readTextFile(`${dir.path}/ca.crt`)];
    const tls = await Deno.connectTls({ ...address, caCerts });
    await tls.handshake();
    const cut = await trickle(tls, { everyMs: 300, giveUpMs: 10_000 });
    assert(cut.afterMs >= 400 && cut.afterMs < 900, `cut after ${cut.afterMs} ms`);
    assertStringIncludes(cut.answer, "HTTP/1.1 408 ");

    // A plain TCP connection to the TLS port that never sends a ClientHello.
    const silent = await trickle(await Deno.connect(address), { everyMs: 10_000, giveUpMs: 0 });
    assertEquals(silent.answer, "", "closed without an answer");
    assert(silent.afterMs < 900, `closed after ${silent.afterMs} ms`);
  },
});

Deno.test("50 trickling clients are all cut, and scrapes are served meanwhile", async () => {
  await using dir = await tempDir();
  await Deno.writeTextFile(`${dir.path}/a.prom`, "a_metric 1\n");
  await using server = await startServer(dir.path, CONFIG("tcp://127.0.0.1:0"));
  const address = hostPort(server.bound[0]!);
  const slow = await Promise.all(Array.from({ length: 50 }, () => Deno.connect(address)));
  const cuts = slow.map((conn) => trickle(conn, { everyMs: 100, giveUpMs: 10_000 }));
  for (let i = 0; i < 10; i++) {
    assertStringIncludes(await scrape(server), 'a_metric{exporter_name="a"} 1');
  }
  for (const cut of await Promise.all(cuts)) {
    assert(cut.afterMs < 1_500, `cut after ${cut.afterMs} ms`);
    assertStringIncludes(cut.answer, "HTTP/1.1 408 ");
  }
  assertEquals(server.logs.filter((l) => l.level === "error"), []);
});

Deno.test({
  name:
    `tcp:// and tcps://: a keep-alive connection idle for 6 s, over Node's default of 5 s, serves the next scrape${
      hasOpenssl ? "" : " (tcps:// skipped: openssl not installed)"
    }`,
  async fn() {
    await using dir = await tempDir();
    await Deno.writeTextFile(`${dir.path}/a.prom`, "a_metric 1\n");
    const listen = ["tcp://127.0.0.1:0"];
    if (hasOpenssl) {
      await makeCertificates(dir.path);
      listen.push("tcps://127.0.0.1:0?tlscert=server.crt&tlskey=server.key");
    }
    await using server = await startServer(
      dir.path,
      `
web: {listen: ${JSON.stringify(listen)}, read_header_timeout: 500ms}
reverse_exporters:
  - path: /metrics
    exporters: {file: [{name: a, path: a.prom}]}
`,
    );
    const conns: Deno.Conn[] = [await Deno.connect(hostPort(server.bound[0]!))];
    if (hasOpenssl) {
      const caCerts = [await Deno.readTextFile(`${dir.path}/ca.crt`)];
      conns.push(await Deno.connectTls({ ...hostPort(server.bound[1]!), caCerts }));
    }
    try {
      const exchange = async (conn: Deno.Conn) => {
        await conn.write(new TextEncoder().encode("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"));
        return await readResponse(conn);
      };
      for (const conn of conns) {
        const answer = await exchange(conn);
        assertStringIncludes(answer, 'a_metric{exporter_name="a"} 1');
        // Longer than the 5 minutes Prometheus keeps an idle connection.
        assertStringIncludes(answer, "Keep-Alive: timeout=360\r\n");
      }
      await new Promise((resolve) => setTimeout(resolve, 6_000));
      for (const conn of conns) {
        assertStringIncludes(await exchange(conn), 'a_metric{exporter_name="a"} 1');
      }
    } finally {
      for (const conn of conns) conn.close();
    }
  },
});

Deno.test("an error answer closes its connection: only a client that was served keeps one idle", async () => {
  await using dir = await tempDir();
  await Deno.writeTextFile(`${dir.path}/a.prom`, "a_metric 1\n");
  await using server = await startServer(dir.path, CONFIG("tcp://127.0.0.1:0"));
  for (const [path, status] of [["/nowhere", "404"], ["/-/reload", "403"]] as const) {
    using conn = await Deno.connect(hostPort(server.bound[0]!));
    const method = path === "/-/reload" ? "POST" : "GET";
    await conn.write(
      new TextEncoder().encode(
        `${method} ${path} HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n`,
      ),
    );
    const answer = await readResponse(conn);
    assertStringIncludes(answer, `HTTP/1.1 ${status} `);
    assertStringIncludes(answer.toLowerCase(), "connection: close\r\n");
    // Then the server closes it.
    assertEquals(await conn.read(new Uint8Array(1)), null);
  }
});
