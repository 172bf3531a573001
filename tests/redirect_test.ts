/**
 * An http exporter's credentials (`headers`, `basic_auth`, client certificate) stay with its
 * origin: a redirect to another origin is followed without them (issue 14, item 7).
 */
import { createServer } from "node:https";
import type { TLSSocket } from "node:tls";
import { assert, assertEquals } from "./_assert.ts";
import { makeCertificates } from "./_certs.ts";
import {
  installed,
  type RecordedRequest,
  serveExporter,
  startServer,
  tempDir,
  valueOf,
} from "./_server.ts";

const hasOpenssl = await installed("openssl");

function metrics(name: string): Response {
  return new Response(`${name} 1\n`, { headers: { "Content-Type": "text/plain; version=0.0.4" } });
}

function credentialsOf(request: RecordedRequest): [string | null, string | null] {
  return [request.headers.get("X-Token"), request.headers.get("Authorization")];
}

Deno.test("a redirect to another port gets neither headers nor basic auth; a same-origin one does", async () => {
  await using dir = await tempDir();
  await using elsewhere = await serveExporter(() => metrics("elsewhere"));
  await using exporter = await serveExporter((request) => {
    const path = new URL(request.url).pathname;
    if (path === "/away") return Response.redirect(`${elsewhere.url}/metrics`, 302);
    if (path === "/moved") return Response.redirect(`${exporter.url}/metrics`, 301);
    return metrics("home");
  });
  await using server = await startServer(
    dir.path,
    `
web: {listen: ["tcp://127.0.0.1:0"]}
exporter_defaults:
  http: {headers: {X-Token: s3cret}, basic_auth: {username: u, password: p}}
reverse_exporters:
  - path: /away
    exporters: {http: [{name: away, address: "${exporter.url}/away"}]}
  - path: /moved
    exporters: {http: [{name: moved, address: "${exporter.url}/moved"}]}
`,
  );
  const away = await (await fetch(server.url("/away"))).text();
  assertEquals(valueOf(away, 'elsewhere{exporter_name="away"}'), 1, away);
  assertEquals(elsewhere.requests.length, 1);
  assertEquals(credentialsOf(elsewhere.requests[0]!), [null, null]);
  // The exporter's own origin got them, and the same-origin redirect's target too.
  const moved = await (await fetch(server.url("/moved"))).text();
  assertEquals(valueOf(moved, 'home{exporter_name="moved"}'), 1, moved);
  assertEquals(exporter.requests.map((r) => r.url.pathname), ["/away", "/moved", "/metrics"]);
  for (const request of exporter.requests) {
    assertEquals(credentialsOf(request), ["s3cret", "Basic dTpw"]);
  }
});

Deno.test("more than 10 redirects fail the exporter", async () => {
  await using dir = await tempDir();
  await using exporter = await serveExporter((request) => {
    const hop = Number(new URL(request.url).searchParams.get("hop") ?? 0);
    return Response.redirect(`${new URL(request.url).origin}/metrics?hop=${hop + 1}`, 307);
  });
  await using server = await startServer(
    dir.path,
    `
web: {listen: ["tcp://127.0.0.1:0"]}
reverse_exporters:
  - path: /metrics
    exporters: {http: [{name: loop, address: "${exporter.url}/metrics"}]}
`,
  );
  const body = await (await fetch(server.url("/metrics"))).text();
  assertEquals(valueOf(body, 'reverse_exporter_backend_up{exporter_name="loop"}'), 0);
  assertEquals(exporter.requests.length, 11);
  const failure = server.logs.find((l) => l.msg === "exporter scrape failed");
  assertEquals(failure?.["cause"], "http_status");
  assert(
    String(failure?.["error"]).includes("stopped after 10 redirects"),
    String(failure?.["error"]),
  );
});

/** An https server asking for (not requiring) a client certificate; records who presented one. */
function certificateRecorder(
  certs: { cert: string; key: string; ca: string },
  handler: (path: string) => { status: number; location?: string; body?: string },
): Promise<AsyncDisposable & { port: number; presented: boolean[] }> {
  const presented: boolean[] = [];
  const server = createServer({
    cert: Deno.readTextFileSync(certs.cert),
    key: Deno.readTextFileSync(certs.key),
    ca: Deno.readTextFileSync(certs.ca),
    requestCert: true,
    rejectUnauthorized: false,
  }, (request, response) => {
    presented.push((request.socket as TLSSocket).authorized);
    const answer = handler(request.url ?? "/");
    response.writeHead(answer.status, {
      "Content-Type": "text/plain; version=0.0.4",
      "Connection": "close",
      ...(answer.location === undefined ? {} : { Location: answer.location }),
    });
    response.end(answer.body ?? "");
  });
  return new Promise((resolve) => {
    server.listen({ host: "127.0.0.1", port: 0 }, () => {
      const address = server.address();
      resolve({
        port: typeof address === "object" && address !== null ? address.port : 0,
        presented,
        [Symbol.asyncDispose]: () => new Promise<void>((done) => server.close(() => done())),
      });
    });
  });
}

Deno.test({
  name: "a redirect to another origin is not shown the client certificate" +
    (hasOpenssl ? "" : " (skipped: openssl not installed)"),
  ignore: !hasOpenssl,
  async fn() {
    await using dir = await tempDir();
    const certs = await makeCertificates(dir.path);
    const tls = { cert: certs.serverCert, key: certs.serverKey, ca: certs.caCert };
    await using elsewhere = await certificateRecorder(
      tls,
      () => ({ status: 200, body: "far 1\n" }),
    );
    await using exporter = await certificateRecorder(
      tls,
      (path) =>
        path === "/away"
          ? { status: 302, location: `https://localhost:${elsewhere.port}/metrics` }
          : { status: 200, body: "near 1\n" },
    );
    await using server = await startServer(
      dir.path,
      `
web: {listen: ["tcp://127.0.0.1:0"]}
exporter_defaults:
  http: {tls: {ca_file: ${certs.caCert}, cert_file: ${certs.clientCert}, key_file: ${certs.clientKey}}}
reverse_exporters:
  - path: /away
    exporters: {http: [{name: away, address: "https://127.0.0.1:${exporter.port}/away"}]}
  - path: /near
    exporters: {http: [{name: near, address: "https://127.0.0.1:${exporter.port}/near"}]}
`,
      {
        // The system's CAs are read for an https exporter (see system_cas.ts).
        permissions: [
          "--no-prompt",
          "--allow-net=127.0.0.1,localhost",
          "--allow-read",
          "--allow-env=SSL_CERT_FILE,SSL_CERT_DIR",
        ],
      },
    );
    const near = await (await fetch(server.url("/near"))).text();
    assertEquals(valueOf(near, 'near{exporter_name="near"}'), 1, near);
    const away = await (await fetch(server.url("/away"))).text();
    assertEquals(valueOf(away, 'far{exporter_name="away"}'), 1, away);
    assertEquals(exporter.presented, [true, true]);
    assertEquals(elsewhere.presented, [false]);
  },
});
