/**
 * tcps://, unix:// and unixs:// listeners, and client certificates (tlsclientca=): the real
 * server as a subprocess, certificates made by openssl at test time, real TLS clients.
 */
import { assert, assertEquals, assertRejects, assertStringIncludes } from "./_assert.ts";
import { makeCertificates } from "./_certs.ts";
import {
  eventually,
  installed,
  REPO,
  runProgram,
  serveExporter,
  ServerProcess,
  startServer,
  tempDir,
} from "./_server.ts";
import type { SocketRequest, SocketResponse } from "./_socket_client.ts";
import { connect as tlsConnect } from "node:tls";

const hasOpenssl = await installed("openssl");
const SKIP = hasOpenssl ? "" : " (skipped: openssl not installed)";

function textResponse(body: string): Response {
  return new Response(body, { headers: { "Content-Type": "text/plain; version=0.0.4" } });
}

/** The server's flags: loopback, its directory, and its Unix sockets. */
function permissions(dir: string, sockets: readonly string[] = []): string[] {
  return [
    "--no-prompt",
    `--allow-net=${["127.0.0.1", "[::1]", ...sockets.map((s) => `unix:${s}`)].join(",")}`,
    `--allow-read=${dir}`,
    ...(sockets.length > 0 ? [`--allow-write=${sockets.join(",")}`] : []),
  ];
}

/** GETs `url` over TLS, trusting the test CA, presenting `cert` and `key` if given. */
async function tlsGet(
  url: string,
  options: { ca?: string; cert?: string; key?: string },
): Promise<{ status: number; body: string }> {
  const read = (path: string) => Deno.readTextFileSync(path);
  using client = Deno.createHttpClient({
    ...(options.ca === undefined ? {} : { caCerts: [read(options.ca)] }),
    ...(options.cert === undefined || options.key === undefined
      ? {}
      : { cert: read(options.cert), key: read(options.key) }),
  });
  const response = await fetch(url, { client, signal: AbortSignal.timeout(10_000) });
  return { status: response.status, body: await response.text() };
}

/** GETs over a Unix socket from a child process (see tests/_socket_client.ts). */
async function socketGet(request: SocketRequest): Promise<SocketResponse> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      `--config=${REPO}deno.json`,
      "--no-prompt",
      `--allow-net=unix:${request.socket},localhost`,
      "--allow-read",
      `--allow-write=${request.socket}`,
      `${REPO}tests/_socket_client.ts`,
      JSON.stringify(request),
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(20_000),
  }).output();
  const stdout = new TextDecoder().decode(output.stdout);
  if (!output.success) {
    throw new Error(
      `socket client: exit ${output.code}: ${new TextDecoder().decode(output.stderr)}`,
    );
  }
  return JSON.parse(stdout);
}

function bodyOf(response: SocketResponse): string {
  if ("error" in response) throw new Error(`request failed: ${response.error}`);
  assertEquals(response.status, 200, response.body);
  return response.body;
}

/** Listens on `path` in a child process killed with SIGKILL: the socket file stays. */
async function leaveStaleSocket(path: string): Promise<void> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "eval",
      `Deno.listen({ transport: "unix", path: ${JSON.stringify(path)} });` +
      'console.log("listening"); setTimeout(() => {}, 20_000);',
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const first = await reader.read();
  child.kill("SIGKILL");
  await reader.cancel();
  await child.status;
  assertStringIncludes(first.value ?? "", "listening");
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/** Every error and problem the server logged, one per line. */
function errorsOf(server: ServerProcess): string {
  return server.logs.filter((l) => l.level === "error").map((l) =>
    String(l["error"] ?? l["problem"])
  ).join("\n");
}

/**
 * Certificates made in `dir`, and the server on a tcps:// listener asking for client
 * certificates of the test CA, in front of one exporter.
 */
async function startClientCaServer(dir: string) {
  const certs = await makeCertificates(dir);
  const exporter = await serveExporter(() => textResponse("tls_metric 1\n"));
  const server = await startServer(
    dir,
    `
web:
  listen: ["tcps://127.0.0.1:0?tlscert=server.crt&tlskey=server.key&tlsclientca=ca.crt"]
reverse_exporters:
  - path: /metrics
    exporters: {http: [{name: a, address: "${exporter.url}/metrics"}]}
`,
    { permissions: permissions(dir) },
  );
  assertEquals(server.bound.length, 1, JSON.stringify(server.logs));
  return {
    certs,
    exporter,
    server,
    async [Symbol.asyncDispose]() {
      await server.stop();
      await exporter[Symbol.asyncDispose]();
    },
  };
}

Deno.test({
  name: `tcps:// with tlsclientca= admits a CA-signed client certificate only${SKIP}`,
  ignore: !hasOpenssl,
  async fn(t) {
    await using dir = await tempDir();
    await using setup = await startClientCaServer(dir.path);
    const { certs, exporter, server } = setup;
    const url = `https://${server.bound[0]}/metrics`;

    await t.step("a client certificate signed by the CA, clientAuth: accepted", async () => {
      const { status, body } = await tlsGet(url, {
        ca: certs.caCert,
        cert: certs.clientCert,
        key: certs.clientKey,
      });
      assertEquals(status, 200);
      assertStringIncludes(body, 'tls_metric{exporter_name="a"} 1');
    });
    const refused: [string, { cert?: string; key?: string }][] = [
      ["no client certificate", {}],
      ["a client certificate of another CA", {
        cert: certs.otherCaClientCert,
        key: certs.clientKey,
      }],
      ["an expired client certificate signed by the CA", {
        cert: certs.expiredClientCert,
        key: certs.clientKey,
      }],
      ["a certificate signed by the CA without clientAuth (the server's)", {
        cert: certs.serverCert,
        key: certs.serverKey,
      }],
    ];
    for (const [what, client] of refused) {
      await t.step(`${what}: the handshake fails`, async () => {
        const before = exporter.requests.length;
        await assertRejects(() => tlsGet(url, { ca: certs.caCert, ...client }), TypeError);
        assertEquals(exporter.requests.length, before, "nothing was scraped for it");
      });
    }
    await t.step(
      "each refused handshake is logged with the listener, client and reason",
      async () => {
        const failed = () => server.logs.filter((l) => l.msg === "TLS handshake failed");
        await eventually("a log line per refusal", () => failed().length >= refused.length);
        assertEquals(failed().length, refused.length, JSON.stringify(server.logs));
        for (const line of failed()) {
          assertEquals(line.level, "info");
          assertStringIncludes(String(line.listener), "tcps://127.0.0.1:0");
          assertEquals(line.client, "127.0.0.1");
          assertStringIncludes(String(line.error), "client certificate refused: ");
        }
        const reasons = failed().map((l) => String(l.error).split(": ")[1]);
        assertEquals(reasons, [
          "no client certificate",
          "unknown CA",
          "expired",
          "wrong key usage",
        ]);
      },
    );
    await t.step("connections closed before their handshake are not logged at info", async () => {
      const before = server.logs.length;
      const [hostname, port] = server.bound[0]!.split(":");
      for (let i = 0; i < 5; i++) {
        (await Deno.connect({ hostname: hostname!, port: Number(port) })).close();
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
      assertEquals(server.logs.slice(before), []);
    });
    await t.step("a client that does not trust the CA refuses the server", async () => {
      await assertRejects(
        () => tlsGet(url, { cert: certs.clientCert, key: certs.clientKey }),
        TypeError,
      );
    });
    await t.step("the refused clients did not disturb the server", async () => {
      const { status } = await tlsGet(url, {
        ca: certs.caCert,
        cert: certs.clientCert,
        key: certs.clientKey,
      });
      assertEquals(status, 200);
      assertEquals(errorsOf(server), "");
    });
  },
});

/**
 * GETs `path` over TLS with node:tls, which presents whatever certificate and key it is given:
 * a version 1 certificate, or one with a key that is not its own. Resolves to the status, or
 * undefined when the connection ends without an answer.
 */
function nodeTlsGet(
  bound: string,
  path: string,
  files: { ca: string; cert?: string; key?: string },
): Promise<number | undefined> {
  const colon = bound.lastIndexOf(":");
  const read = (file: string) => Deno.readTextFileSync(file);
  return new Promise((resolve) => {
    let answer = "";
    const socket = tlsConnect({
      host: bound.slice(0, colon),
      port: Number(bound.slice(colon + 1)),
      servername: "localhost",
      ca: read(files.ca),
      ...(files.cert === undefined || files.key === undefined
        ? {}
        : { cert: read(files.cert), key: read(files.key) }),
    }, () => socket.write(`GET ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`));
    const timer = setTimeout(() => socket.destroy(), 10_000);
    socket.on("data", (chunk) => answer += chunk);
    socket.on("error", () => {});
    socket.on("close", () => {
      clearTimeout(timer);
      const status = /^HTTP\/1\.1 (\d{3}) /.exec(answer)?.[1];
      resolve(status === undefined ? undefined : Number(status));
    });
  });
}

Deno.test({
  name:
    `client certificates are accepted and refused as Go's crypto/tls does, each refusal named${SKIP}`,
  ignore: !hasOpenssl,
  async fn(t) {
    await using dir = await tempDir();
    await using setup = await startClientCaServer(dir.path);
    const { certs, exporter, server } = setup;
    const key = certs.clientKey;
    const accepted: [string, string][] = [
      ["clientAuth", certs.clientCert],
      ["no extended key usage", certs.noEkuClientCert],
      ["anyExtendedKeyUsage", certs.anyEkuClientCert],
      ["through an intermediate CA the client sends", certs.intermediateChain],
    ];
    for (const [what, cert] of accepted) {
      await t.step(`accepted: ${what}`, async () => {
        const before = exporter.requests.length;
        assertEquals(
          await nodeTlsGet(server.bound[0]!, "/metrics", { ca: certs.caCert, cert, key }),
          200,
        );
        assertEquals(exporter.requests.length, before + 1);
      });
    }
    // [what, certificate, key, the reason logged]
    const refused: [string, string | undefined, string, string][] = [
      ["no certificate", undefined, key, "no client certificate"],
      [
        "signed by another CA",
        certs.otherCaClientCert,
        key,
        "unknown CA: the certificate of CN=scraper is not signed by the client CA (issuer CN=another CA)",
      ],
      [
        "expired",
        certs.expiredClientCert,
        key,
        "expired: the certificate of CN=scraper was valid until 2020-01-31T00:00:00.000Z",
      ],
      [
        "not yet valid",
        certs.futureClientCert,
        key,
        "not yet valid: the certificate of CN=scraper is valid from 2099-01-01T00:00:00.000Z",
      ],
      [
        "extended key usage serverAuth only",
        certs.serverAuthClientCert,
        key,
        "wrong key usage: the certificate of CN=scraper has the extended key usage serverAuth, not clientAuth",
      ],
      [
        "through an intermediate CA limited to serverAuth",
        certs.serverAuthIntermediateChain,
        key,
        "wrong key usage: the certificate of CN=serverAuth intermediate CA has the extended key usage serverAuth, not clientAuth",
      ],
      [
        "X.509 version 1",
        certs.v1ClientCert,
        key,
        "the certificate of CN=scraper is an X.509 version 1 certificate: not accepted",
      ],
      // Deno's TLS completes this handshake as it does the one above (the refusal comes from
      // the check after it): it does not check that the client holds a version 1 certificate's
      // key, so accepting version 1 would let in anyone with a copy of the certificate.
      [
        "X.509 version 1 with a key that is not its own",
        certs.v1ClientCert,
        certs.otherClientKey,
        "the certificate of CN=scraper is an X.509 version 1 certificate: not accepted",
      ],
    ];
    const failures = () => server.logs.filter((l) => l.msg === "TLS handshake failed");
    for (const [what, cert, clientKey, reason] of refused) {
      await t.step(`refused, no request served, reason logged: ${what}`, async () => {
        const before = exporter.requests.length;
        const logged = failures().length;
        const files = cert === undefined
          ? { ca: certs.caCert }
          : { ca: certs.caCert, cert, key: clientKey };
        assertEquals(await nodeTlsGet(server.bound[0]!, "/metrics", files), undefined);
        await eventually("the refusal is logged", () => failures().length > logged);
        const line = failures()[logged]!;
        assertEquals([line.level, line.client], ["info", "127.0.0.1"]);
        assertStringIncludes(String(line.error), `client certificate refused: ${reason}`);
        assertEquals(exporter.requests.length, before, "nothing was scraped for it");
      });
    }
    await t.step("the landing page is not served to a refused client either", async () => {
      assertEquals(
        await nodeTlsGet(server.bound[0]!, "/", {
          ca: certs.caCert,
          cert: certs.serverAuthClientCert,
          key,
        }),
        undefined,
      );
      assertEquals(
        await nodeTlsGet(server.bound[0]!, "/", { ca: certs.caCert, cert: certs.clientCert, key }),
        200,
      );
      assertEquals(errorsOf(server), "");
    });
  },
});

Deno.test({
  name: `unix:// and unixs:// serve; sockets are 0660 and removed on SIGTERM${SKIP}`,
  ignore: !hasOpenssl,
  async fn(t) {
    await using dir = await tempDir();
    const certs = await makeCertificates(dir.path);
    const plain = `${dir.path}/plain.sock`;
    const secure = `${dir.path}/secure.sock`;
    await using exporter = await serveExporter(() => textResponse("socket_metric 1\n"));
    const server = await startServer(
      dir.path,
      `
web:
  listen:
    - unix://plain.sock
    - "unixs://secure.sock?tlscert=server.crt&tlskey=server.key&tlsclientca=ca.crt"
reverse_exporters:
  - path: /metrics
    exporters: {http: [{name: a, address: "${exporter.url}/metrics"}]}
`,
      { permissions: permissions(dir.path, [plain, secure]) },
    );
    try {
      assertEquals(server.bound, [plain, secure], JSON.stringify(server.logs));
      await t.step("the socket files allow no more than owner and group read/write", async () => {
        for (const path of [plain, secure]) {
          const info = await Deno.lstat(path);
          assert(info.isSocket, `${path} is not a socket`);
          const mode = info.mode! & 0o777;
          assertEquals(mode & ~0o660, 0, `${path} has mode ${mode.toString(8)}`);
        }
      });
      await t.step("unix://: a plain HTTP scrape", async () => {
        const body = bodyOf(await socketGet({ socket: plain, url: "http://localhost/metrics" }));
        assertStringIncludes(body, 'socket_metric{exporter_name="a"} 1');
      });
      await t.step("unixs://: a scrape over TLS with a CA-signed client certificate", async () => {
        const body = bodyOf(
          await socketGet({
            socket: secure,
            url: "https://localhost/metrics",
            caFile: certs.caCert,
            certFile: certs.clientCert,
            keyFile: certs.clientKey,
          }),
        );
        assertStringIncludes(body, 'socket_metric{exporter_name="a"} 1');
      });
      await t.step("unixs://: without a client certificate, or another CA's: refused", async () => {
        for (const certFile of [undefined, certs.otherCaClientCert]) {
          const response = await socketGet({
            socket: secure,
            url: "https://localhost/metrics",
            caFile: certs.caCert,
            ...(certFile === undefined ? {} : { certFile, keyFile: certs.clientKey }),
          });
          assert("error" in response, `${certFile}: ${JSON.stringify(response)}`);
        }
      });
      await t.step("unixs:// speaks TLS: plain HTTP gets no metrics", async () => {
        const response = await socketGet({ socket: secure, url: "http://localhost/metrics" });
        assert(
          "error" in response || !response.body.includes("socket_metric"),
          JSON.stringify(response),
        );
      });
    } finally {
      assertEquals(await server.stop("SIGTERM"), 0);
    }
    assert(!await exists(plain), `${plain} is left after SIGTERM`);
    assert(!await exists(secure), `${secure} is left after SIGTERM`);
  },
});

Deno.test("a stale socket is replaced; a live one, or a file that is not a socket, is refused", async (t) => {
  await using dir = await tempDir();
  const path = `${dir.path}/metrics.sock`;
  const config = `web: {listen: ["unix://metrics.sock"]}\n`;

  await t.step("a socket left by a process that died is replaced", async () => {
    // A socket file with nobody listening, as a killed server leaves it.
    await leaveStaleSocket(path);
    assert((await Deno.lstat(path)).isSocket, "the stale socket was not made");
    const server = await startServer(dir.path, config, {
      permissions: permissions(dir.path, [path]),
    });
    try {
      assertEquals(server.bound, [path], JSON.stringify(server.logs));
      const response = await socketGet({ socket: path, url: "http://localhost/-/healthy" });
      assertStringIncludes(bodyOf(response), "Healthy");

      // While it serves, a second server on the same path is refused, and the first serves on.
      const second = await startServer(dir.path, config, {
        permissions: permissions(dir.path, [path]),
      });
      assertEquals(await second.exitCode(), 1);
      assertStringIncludes(errorsOf(second), `socket path ${path} is in use`);
      assertEquals(second.bound.length, 0);
      const again = await socketGet({ socket: path, url: "http://localhost/-/healthy" });
      assertStringIncludes(bodyOf(again), "Healthy");
    } finally {
      assertEquals(await server.stop(), 0);
    }
    assert(!await exists(path), "the socket is left after SIGTERM");
  });

  await t.step("a regular file at the path is named in the error and left untouched", async () => {
    await Deno.writeTextFile(path, "precious data\n", { mode: 0o644 });
    const server = await startServer(dir.path, config, {
      permissions: permissions(dir.path, [path]),
    });
    assertEquals(await server.exitCode(), 1);
    const errors = errorsOf(server);
    assertStringIncludes(errors, `web.listen "unix://metrics.sock"`);
    assertStringIncludes(errors, `socket path ${path} exists and is not a socket`);
    assertEquals(server.bound.length, 0);
    assertEquals(await Deno.readTextFile(path), "precious data\n");
    assertEquals((await Deno.lstat(path)).mode! & 0o777, 0o644);
  });
});

Deno.test({
  name: `bad TLS material: exit 1 naming the file and the listener, nothing served${SKIP}`,
  ignore: !hasOpenssl,
  async fn(t) {
    await using dir = await tempDir();
    const certs = await makeCertificates(dir.path);
    await Deno.writeTextFile(`${dir.path}/not_pem.txt`, "this is not PEM\n");
    await Deno.copyFile(certs.clientKey, `${dir.path}/key_as_cert.crt`);
    const mkfifo = await new Deno.Command("mkfifo", { args: [`${dir.path}/fifo.crt`] }).output();
    assertEquals(mkfifo.code, 0);
    const d = dir.path;
    const cases: [string, string, string[]][] = [
      [
        "a missing certificate file",
        "tcps://127.0.0.1:0?tlscert=missing.crt&tlskey=server.key",
        [`TLS file ${d}/missing.crt`],
      ],
      [
        "a certificate file that is not PEM",
        "tcps://127.0.0.1:0?tlscert=not_pem.txt&tlskey=server.key",
        [`TLS certificate file ${d}/not_pem.txt: not a PEM certificate`],
      ],
      [
        // Opened, it would wait for a writer: the program would never start.
        "a certificate file that is a FIFO",
        "tcps://127.0.0.1:0?tlscert=fifo.crt&tlskey=server.key",
        [`TLS certificate file ${d}/fifo.crt: cannot read it: not a regular file`],
      ],
      [
        "a key where the certificate should be",
        "tcps://127.0.0.1:0?tlscert=key_as_cert.crt&tlskey=server.key",
        [`TLS certificate file ${d}/key_as_cert.crt: not a PEM certificate`],
      ],
      [
        "a key file that is not PEM",
        "tcps://127.0.0.1:0?tlscert=server.crt&tlskey=not_pem.txt",
        [`TLS key file ${d}/not_pem.txt: not a PEM private key`],
      ],
      [
        "a key that is not the certificate's",
        "tcps://127.0.0.1:0?tlscert=server.crt&tlskey=other.key",
        [`TLS key file ${d}/other.key does not match`, `TLS certificate file ${d}/server.crt`],
      ],
      [
        "a client CA file that is not PEM",
        "tcps://127.0.0.1:0?tlscert=server.crt&tlskey=server.key&tlsclientca=not_pem.txt",
        [`TLS client CA file ${d}/not_pem.txt: not a PEM certificate`],
      ],
      [
        "a key that is not the certificate's, on unixs://",
        "unixs://secure.sock?tlscert=server.crt&tlskey=other.key",
        [`TLS key file ${d}/other.key does not match`],
      ],
    ];
    for (const [what, url, messages] of cases) {
      await t.step(what, async () => {
        const server = await startServer(d, `web: {listen: ["${url}"]}\n`, {
          permissions: permissions(d, [`${d}/secure.sock`]),
        });
        assertEquals(await server.exitCode(), 1);
        const errors = errorsOf(server);
        for (const message of [url, ...messages]) assertStringIncludes(errors, message);
        assertEquals(server.bound.length, 0, "it must not serve anything");
        assert(!await exists(`${d}/secure.sock`), "a socket was made");
      });
    }
    await t.step(
      "a listener that started before the bad one is closed, its socket removed",
      async () => {
        const plain = `${d}/plain.sock`;
        const server = await startServer(
          d,
          `web: {listen: ["unix://plain.sock", "tcps://127.0.0.1:0?tlscert=server.crt&tlskey=other.key"]}\n`,
          { permissions: permissions(d, [plain]) },
        );
        assertEquals(await server.exitCode(), 1);
        assertStringIncludes(errorsOf(server), `TLS key file ${d}/other.key does not match`);
        assert(!await exists(plain), "the first listener's socket is left");
      },
    );
  },
});

Deno.test({
  name: `several listeners at once (tcp, tcps, unix, unixs) serve the same data${SKIP}`,
  ignore: !hasOpenssl,
  async fn() {
    await using dir = await tempDir();
    const certs = await makeCertificates(dir.path);
    const plain = `${dir.path}/plain.sock`;
    const secure = `${dir.path}/secure.sock`;
    await Deno.writeTextFile(
      `${dir.path}/data.prom`,
      '# TYPE shared_metric gauge\nshared_metric{kind="a"} 1\nshared_metric{kind="b"} 2\n',
    );
    await using server = await startServer(
      dir.path,
      `
web:
  listen:
    - tcp://127.0.0.1:0
    - "tcps://127.0.0.1:0?tlscert=server.crt&tlskey=server.key"
    - unix://plain.sock
    - "unixs://secure.sock?tlscert=server.crt&tlskey=server.key"
reverse_exporters:
  - path: /metrics
    backend_metrics: false
    exporters: {file: [{name: shared, path: data.prom}]}
`,
      { permissions: permissions(dir.path, [plain, secure]) },
    );
    assertEquals(server.bound.length, 4, JSON.stringify(server.logs));
    const overTcp = await (await fetch(server.url("/metrics"))).text();
    assertStringIncludes(overTcp, 'shared_metric{kind="b",exporter_name="shared"} 2');
    // Without tlsclientca, no client certificate is asked for.
    const overTls = await tlsGet(`https://${server.bound[1]}/metrics`, { ca: certs.caCert });
    const overUnix = bodyOf(await socketGet({ socket: plain, url: "http://localhost/metrics" }));
    const overUnixTls = bodyOf(
      await socketGet({ socket: secure, url: "https://localhost/metrics", caFile: certs.caCert }),
    );
    assertEquals(overTls, { status: 200, body: overTcp });
    assertEquals(overUnix, overTcp);
    assertEquals(overUnixTls, overTcp);
  },
});

Deno.test({
  name: `tcps:// shutdown: a scrape in flight finishes, idle connections do not hold it${SKIP}`,
  ignore: !hasOpenssl,
  async fn() {
    await using dir = await tempDir();
    const certs = await makeCertificates(dir.path);
    let release = () => {};
    const held = new Promise<void>((resolve) => release = resolve);
    await using exporter = await serveExporter(async (request) => {
      if (new URL(request.url).pathname === "/slow") await held;
      return textResponse("late_metric 1\n");
    });
    const server = await startServer(
      dir.path,
      `
web:
  listen: ["tcps://127.0.0.1:0?tlscert=server.crt&tlskey=server.key"]
reverse_exporters:
  - path: /metrics
    exporters: {http: [{name: slow, address: "${exporter.url}/slow"}]}
  - path: /fast
    exporters: {http: [{name: fast, address: "${exporter.url}/fast"}]}
`,
      { permissions: permissions(dir.path) },
    );
    const origin = `https://${server.bound[0]}`;
    const ca = Deno.readTextFileSync(certs.caCert);
    // An idle keep-alive connection, and one that never says anything.
    using idleClient = Deno.createHttpClient({ caCerts: [ca] });
    const fast = await fetch(`${origin}/fast`, { client: idleClient });
    assertEquals(fast.status, 200);
    await fast.text();
    const [hostname, port] = [server.bound[0]!.split(":")[0]!, server.bound[0]!.split(":")[1]!];
    using _silent = await Deno.connect({ hostname, port: Number(port) });
    using busyClient = Deno.createHttpClient({ caCerts: [ca] });
    const scrape = fetch(`${origin}/metrics`, { client: busyClient }).then((r) => r.text());
    while (!exporter.requests.some((r) => r.url.pathname === "/slow")) {
      await new Promise((r) => setTimeout(r, 10));
    }
    const exit = server.stop("SIGTERM");
    await new Promise((r) => setTimeout(r, 300));
    const released = Date.now();
    release();
    assertStringIncludes(await scrape, 'late_metric{exporter_name="slow"} 1');
    assertEquals(await exit, 0);
    const took = Date.now() - released;
    assert(took < 4_000, `the server took ${took} ms to stop after the last response`);
    assert(
      !server.logs.some((l) => l.msg.includes("still in flight")),
      JSON.stringify(server.logs),
    );
  },
});

Deno.test({
  name: `tcps://: a client that goes away cancels the scrape it asked for${SKIP}`,
  ignore: !hasOpenssl,
  async fn() {
    await using dir = await tempDir();
    const certs = await makeCertificates(dir.path);
    const { promise: aborted, resolve: onAbort } = Promise.withResolvers<void>();
    await using exporter = await serveExporter((request) =>
      new Promise<Response>((resolve) => {
        request.signal.addEventListener("abort", () => {
          onAbort();
          resolve(new Response("late"));
        });
      })
    );
    await using server = await startServer(
      dir.path,
      `
web:
  listen: ["tcps://127.0.0.1:0?tlscert=server.crt&tlskey=server.key"]
reverse_exporters:
  - path: /metrics
    exporters: {http: [{name: hang, address: "${exporter.url}/metrics", timeout: 60s}]}
`,
      { permissions: permissions(dir.path) },
    );
    using client = Deno.createHttpClient({ caCerts: [Deno.readTextFileSync(certs.caCert)] });
    const controller = new AbortController();
    const scrape = fetch(`https://${server.bound[0]}/metrics`, {
      client,
      signal: controller.signal,
    });
    while (exporter.requests.length === 0) await new Promise((r) => setTimeout(r, 10));
    controller.abort();
    await assertRejects(() => scrape, DOMException);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<"timeout">((r) => timer = setTimeout(() => r("timeout"), 10_000));
    const outcome = await Promise.race([aborted.then(() => "aborted" as const), timedOut]);
    clearTimeout(timer);
    assertEquals(outcome, "aborted", "the exporter's request was not cancelled");
  },
});

Deno.test({
  name: `under exactly the printed flags, tcps, unix and unixs listeners serve${SKIP}`,
  ignore: !hasOpenssl,
  async fn(t) {
    await using dir = await tempDir();
    const certs = await makeCertificates(dir.path);
    const plain = `${dir.path}/plain.sock`;
    const secure = `${dir.path}/secure.sock`;
    const file = `${dir.path}/listeners.yml`;
    await Deno.writeTextFile(
      file,
      `
web:
  listen:
    - "tcps://127.0.0.1:0?tlscert=server.crt&tlskey=server.key&tlsclientca=ca.crt"
    - unix://plain.sock
    - "unixs://secure.sock?tlscert=server.crt&tlskey=server.key"
`,
    );
    const printed = await runProgram(["--config-file", file, "--print-permissions"], {
      cwd: dir.path,
      permissions: ["--no-prompt", `--allow-read=${dir.path}`],
    });
    assertEquals(printed.code, 0, printed.stderr);
    const flags = printed.stdout.trim().split(" ");
    const d = dir.path;
    assertEquals(flags, [
      `--allow-net=127.0.0.1:0,unix:${plain},unix:${secure}`,
      // The TLS files' folder is watched for renewals.
      `--allow-read=${file},${d}/server.crt,${d}/server.key,${d}/ca.crt,${d},${plain},${secure}`,
      `--allow-write=${plain},${secure}`,
    ]);
    await t.step("with them all, every listener serves", async () => {
      await using server = await ServerProcess.start(["--config-file", file], {
        cwd: d,
        permissions: ["--no-prompt", ...flags],
      });
      assertEquals(server.bound.length, 3, JSON.stringify(server.logs));
      const overTls = await tlsGet(`https://${server.bound[0]}/-/healthy`, {
        ca: certs.caCert,
        cert: certs.clientCert,
        key: certs.clientKey,
      });
      assertEquals(overTls.status, 200);
      const overUnix = await socketGet({ socket: plain, url: "http://localhost/-/healthy" });
      assertStringIncludes(bodyOf(overUnix), "Healthy");
      const overUnixTls = await socketGet({
        socket: secure,
        url: "https://localhost/-/healthy",
        caFile: certs.caCert,
      });
      assertStringIncludes(bodyOf(overUnixTls), "Healthy");
    });
    await t.step("without net to a socket, it exits 1 naming the grant", async () => {
      const less = flags.map((f) => f.replace(`,unix:${secure}`, ""));
      const server = await ServerProcess.start(["--config-file", file], {
        cwd: d,
        permissions: ["--no-prompt", ...less],
      });
      assertEquals(await server.exitCode(), 1);
      assertStringIncludes(errorsOf(server), `net unix:${secure}`);
      assertEquals(server.bound, []);
    });
  },
});
