/**
 * Paths with `.` or `..` segments are 404 on every listener, before any credential check or
 * scrape (issue 14, item 9): sent raw, as fetch would resolve them first.
 */
import { assert, assertEquals } from "./_assert.ts";
import { makeCertificates } from "./_certs.ts";
import { installed, startServer, tempDir, valueOf } from "./_server.ts";

const hasOpenssl = await installed("openssl");

const CREDENTIALS = `Basic ${btoa("prometheus:pass")}`;

const DOTTED = [
  "/x/../metrics",
  "/./metrics",
  "/%2e%2e/metrics",
  "/%2E/metrics",
  "/x/%2e%2E/metrics",
  "/x/.%2e/metrics",
  "/x/%2e./metrics",
  "/metrics/.",
  "/metrics/..",
  "/open/../metrics",
  "/x\\..\\metrics",
  "/x/../metrics?y=1",
  "http://x/../metrics",
];

/** Sends `GET target` as written over `conn` and returns the status and body. */
async function rawGet(
  conn: Deno.Conn,
  target: string,
  authorization?: string,
): Promise<{ status: number; body: string }> {
  const auth = authorization === undefined ? "" : `Authorization: ${authorization}\r\n`;
  await conn.write(
    new TextEncoder().encode(
      `GET ${target} HTTP/1.1\r\nHost: x\r\n${auth}Connection: close\r\n\r\n`,
    ),
  );
  const text = await new Response(conn.readable).text();
  return { status: Number(text.split(" ")[1]), body: text.slice(text.indexOf("\r\n\r\n") + 4) };
}

async function checkListener(connect: () => Promise<Deno.Conn>): Promise<void> {
  for (const target of DOTTED) {
    for (const authorization of [undefined, CREDENTIALS]) {
      const answer = await rawGet(await connect(), target, authorization);
      assertEquals(answer.status, 404, `${target} ${authorization ?? ""}`);
      assertEquals(answer.body, "Not Found\n");
    }
  }
  const canonical = await rawGet(await connect(), "/metrics", CREDENTIALS);
  assertEquals(canonical.status, 200);
  assert(canonical.body.includes('secret{exporter_name="secret"} 42'), canonical.body);
}

Deno.test({
  name:
    "dot segments are 404 on tcp:// and tcps://, with or without credentials, and scrape nothing" +
    (hasOpenssl ? "" : " (skipped: openssl not installed)"),
  ignore: !hasOpenssl,
  async fn() {
    await using dir = await tempDir();
    const certs = await makeCertificates(dir.path);
    await Deno.writeTextFile(`${dir.path}/secret.prom`, "secret 42\n");
    await using server = await startServer(
      dir.path,
      `
web:
  listen:
    - tcp://127.0.0.1:0
    - tcps://127.0.0.1:0?tlscert=${certs.serverCert}&tlskey=${certs.serverKey}
reverse_exporters:
  - path: /metrics
    auth: {basic_auth: [{username: prometheus, password: pass}]}
    exporters: {file: [{name: secret, path: secret.prom}]}
  - path: /open
    exporters: {file: [{name: open, path: secret.prom}]}
`,
    );
    const [tcp, tcps] = server.bound.map((bound) => {
      const colon = bound.lastIndexOf(":");
      return { hostname: bound.slice(0, colon), port: Number(bound.slice(colon + 1)) };
    });
    await checkListener(() => Deno.connect(tcp!));
    const caCerts = [await Deno.readTextFile(certs.caCert)];
    await checkListener(() => Deno.connectTls({ ...tcps!, caCerts }));
    // Only the two canonical requests reached the path and scraped its exporter.
    const own = await (await fetch(server.url("/-/metrics"))).text();
    assertEquals(
      valueOf(
        own,
        'reverse_exporter_exporter_scrapes_total{path="/metrics",exporter_name="secret",kind="file"}',
      ),
      2,
      own,
    );
    assertEquals(
      valueOf(own, 'reverse_exporter_http_requests_total{path="/metrics",code="401"}'),
      undefined,
    );
  },
});
