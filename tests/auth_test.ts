/** Basic auth on paths and on the program's own routes, and paths that try to get around it. */
import bcrypt from "bcryptjs";
import { assert, assertEquals } from "./_assert.ts";
import { type ServerProcess, startServer, tempDir } from "./_server.ts";

const SECRET = "secret_metric";

function basic(user: string, password: string): string {
  const bytes = new TextEncoder().encode(`${user}:${password}`);
  return `Basic ${btoa(String.fromCharCode(...bytes))}`;
}

async function status(server: ServerProcess, path: string, authorization?: string, method = "GET") {
  const response = await fetch(server.url(path), {
    method,
    headers: authorization === undefined ? {} : { Authorization: authorization },
  });
  const body = await response.text();
  return { status: response.status, body, challenge: response.headers.get("www-authenticate") };
}

/** Sends `target` exactly as written (fetch would normalize it) and returns status and body. */
async function raw(
  server: ServerProcess,
  target: string,
): Promise<{ status: number; body: string }> {
  const [hostname, port] = server.bound[0]!.split(":") as [string, string];
  const conn = await Deno.connect({ hostname, port: Number(port) });
  await conn.write(
    new TextEncoder().encode(`GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`),
  );
  const text = await new Response(conn.readable).text();
  return { status: Number(text.split(" ")[1]), body: text.slice(text.indexOf("\r\n\r\n") + 4) };
}

async function start(dir: string): Promise<ServerProcess> {
  await Deno.writeTextFile(`${dir}/secret.prom`, `${SECRET} 42\n`);
  const hash = bcrypt.hashSync("hashed-pass", 4);
  return await startServer(
    dir,
    `
web:
  listen: ["tcp://127.0.0.1:0"]
  auth: {basic_auth: [{username: admin, password: admin-pass}]}
reverse_exporters:
  - path: /metrics
    auth:
      basic_auth:
        - {username: prometheus, password: plain-pass}
        - {username: prometheus, password_hash: "${hash}"}
        - {username: other, password: "p:a:ss"}
    exporters: {file: [{name: secret, path: secret.prom}]}
  - path: /open
    exporters: {file: [{name: open, path: secret.prom}]}
`,
    { args: ["--web.enable-lifecycle"] },
  );
}

Deno.test("basic auth on a path: right, wrong, missing, malformed, bcrypt, two passwords", async () => {
  await using dir = await tempDir();
  await using server = await start(dir.path);
  for (
    const good of [
      basic("prometheus", "plain-pass"),
      basic("prometheus", "hashed-pass"),
      basic("other", "p:a:ss"),
    ]
  ) {
    const r = await status(server, "/metrics", good);
    assertEquals(r.status, 200);
    assert(r.body.includes(`${SECRET}{exporter_name="secret"} 42`));
  }
  const refused = [
    undefined,
    basic("prometheus", "wrong"),
    basic("nobody", "plain-pass"),
    basic("admin", "admin-pass"), // web.auth's user has no access to a path with its own auth
    "Basic !!!not-base64!!!",
    "Bearer plain-pass",
    "Basic " + btoa("no-colon"),
    "",
  ];
  for (const authorization of refused) {
    const r = await status(server, "/metrics", authorization);
    assertEquals(r.status, 401, String(authorization));
    assertEquals(r.challenge, 'Basic realm="reverse_exporter"');
    assert(!r.body.includes(SECRET));
  }
  // A wrong method without credentials learns nothing either.
  assertEquals((await status(server, "/metrics", undefined, "POST")).status, 401);
  // A path without auth stays open.
  assertEquals((await status(server, "/open")).status, 200);
  // Every answer is counted, refusals included.
  const own = (await status(server, "/-/metrics", basic("admin", "admin-pass"))).body;
  assert(own.includes('reverse_exporter_http_requests_total{path="/metrics",code="401"} 9'), own);
  assert(own.includes('reverse_exporter_http_requests_total{path="/metrics",code="200"} 3'), own);
});

Deno.test("web.auth guards /, /-/metrics and /-/reload; /-/healthy and /-/ready stay open", async () => {
  await using dir = await tempDir();
  await using server = await start(dir.path);
  const admin = basic("admin", "admin-pass");
  for (
    const [path, method] of [["/", "GET"], ["/-/metrics", "GET"], ["/-/reload", "POST"]] as const
  ) {
    assertEquals((await status(server, path, undefined, method)).status, 401, path);
    assertEquals(
      (await status(server, path, basic("prometheus", "plain-pass"), method)).status,
      401,
      path,
    );
    assertEquals((await status(server, path, admin, method)).status, 200, path);
  }
  for (const path of ["/-/healthy", "/-/ready"]) {
    assertEquals((await status(server, path)).status, 200);
  }
});

Deno.test("no variant of a protected path reaches its data without credentials", async () => {
  await using dir = await tempDir();
  await using server = await start(dir.path);
  const variants = [
    "/metrics/",
    "//metrics",
    "/Metrics",
    "/METRICS",
    "/metrics%2f",
    "/metrics%2F",
    "/metric%73",
    "/%6detrics",
    "/./metrics",
    "/x/../metrics",
    "/%2e/metrics",
    "/%2e%2e/metrics",
    "/metrics/.",
    "/metrics;x",
    "/metrics%00",
    "/metrics?x=1",
    "/metrics#x",
    "/metrics%20",
    "/open/../metrics",
    "/open/%2e%2e/metrics",
    "http://x/metrics",
  ];
  for (const variant of variants) {
    const r = await raw(server, variant);
    assert(!r.body.includes(SECRET), `${variant} gave the data (${r.status})`);
    assert([400, 401, 404].includes(r.status), `${variant}: status ${r.status}`);
  }
});
