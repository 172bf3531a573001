/**
 * Secrets out of the configuration file (issue 16, item 6): `password_file` in an http exporter's
 * `basic_auth` and in `auth.basic_auth` users, a header's value from `{file: ...}`; read at load
 * and reload, trimmed as Prometheus trims its `*_file` secrets, granted by
 * `--print-permissions`, and shown nowhere: not in logs, pages, errors or `--check-config`.
 */
import { assert, assertEquals, assertStringIncludes } from "./_assert.ts";
import {
  eventually,
  type LogLine,
  runProgram,
  scrape,
  serveExporter,
  startServer,
  tempDir,
  valueOf,
} from "./_server.ts";
import { MAX_SECRET_BYTES } from "../src/config/_secret_file.ts";

function basic(user: string, password: string): string {
  const bytes = new TextEncoder().encode(`${user}:${password}`);
  return `Basic ${btoa(String.fromCharCode(...bytes))}`;
}

/** A secret, unique to a test run, that must appear nowhere but where it is sent. */
function marker(name: string): string {
  return `${name}-${crypto.randomUUID()}`;
}

/** Fails if any of `secrets` (or the Basic credentials of `user` with it) is in `text`. */
function assertNowhere(text: string, secrets: readonly string[], where: string): void {
  for (const secret of secrets) {
    assert(!text.includes(secret), `${where} shows the secret ${secret}`);
    assert(!text.includes(btoa(`exporter-user:${secret}`)), `${where} shows ${secret} in base64`);
  }
}

Deno.test("secrets from files reach the exporter and guard the path, and appear in no log, page, error or check", async () => {
  await using dir = await tempDir();
  const exporterPassword = marker("exporter-pass");
  const token = marker("token");
  const scraperPassword = marker("scraper-pass");
  const adminPassword = marker("admin-pass");
  const secrets = [exporterPassword, token, scraperPassword, adminPassword];
  // Whitespace around a secret is trimmed, as Prometheus trims it (a trailing newline above all).
  await Deno.writeTextFile(`${dir.path}/exporter_pass`, `${exporterPassword}\n`);
  await Deno.writeTextFile(`${dir.path}/token`, `  ${token} \r\n`);
  await Deno.mkdir(`${dir.path}/secrets`);
  await Deno.writeTextFile(`${dir.path}/secrets/scraper`, `${scraperPassword}\n`);
  await Deno.writeTextFile(`${dir.path}/secrets/admin`, adminPassword);
  const expected = { authorization: basic("exporter-user", exporterPassword), token };
  const exporter = await serveExporter((request) => {
    const ok = request.headers.get("authorization") === expected.authorization &&
      request.headers.get("x-token") === expected.token;
    return ok ? new Response("guarded_value 1\n") : new Response("refused\n", { status: 401 });
  });
  await using _ = exporter;
  const config = `
web:
  listen: ["tcp://127.0.0.1:0"]
  auth: {basic_auth: [{username: admin, password_file: secrets/admin}]}
exporter_defaults:
  http: {headers: {X-Token: {file: token}}}
reverse_exporters:
  - path: /metrics
    auth: {basic_auth: [{username: prometheus, password_file: secrets/scraper}]}
    exporters:
      http:
        - name: guarded
          address: "${exporter.url}/metrics"
          basic_auth: {username: exporter-user, password_file: exporter_pass}
        - name: down
          address: "http://127.0.0.1:1/metrics"
          basic_auth: {username: exporter-user, password_file: exporter_pass}
`;
  await using server = await startServer(dir.path, config, {
    args: ["--log-level", "debug", "--web.enable-lifecycle"],
  });
  const scraper = { Authorization: basic("prometheus", scraperPassword) };
  const admin = { Authorization: basic("admin", adminPassword) };

  const body = await scrape(server, "/metrics", { headers: scraper });
  assertEquals(valueOf(body, 'reverse_exporter_backend_up{exporter_name="guarded"}'), 1);
  assertEquals(valueOf(body, 'guarded_value{exporter_name="guarded"}'), 1);
  const sent = exporter.requests.at(-1)!.headers;
  assertEquals(sent.get("authorization"), basic("exporter-user", exporterPassword));
  assertEquals(sent.get("x-token"), token);
  for (const wrong of [{}, { Authorization: basic("prometheus", "wrong") }, admin]) {
    const refused = await fetch(server.url("/metrics"), { headers: wrong });
    await refused.body?.cancel();
    assertEquals(refused.status, 401);
  }

  // Everything a person or a program can see of the running server.
  const seen: [string, string][] = [["the scrape", body]];
  for (const [path, headers] of [["/", admin], ["/-/metrics", admin]] as const) {
    seen.push([path, await (await fetch(server.url(path), { headers })).text()]);
  }
  seen.push([
    "the landing page's JSON",
    await (await fetch(server.url("/"), { headers: { ...admin, Accept: "application/json" } }))
      .text(),
  ]);
  const reload = await fetch(server.url("/-/reload"), { method: "POST", headers: admin });
  seen.push(["POST /-/reload", await reload.text()]);
  const check = await runProgram(
    ["--config-file", `${dir.path}/reverse_exporter.yml`, "--check-config"],
    { cwd: dir.path },
  );
  assertEquals(check.code, 0, check.stderr);
  seen.push(["--check-config", check.stdout + check.stderr]);
  const permissions = await runProgram(
    ["--config-file", `${dir.path}/reverse_exporter.yml`, "--print-permissions"],
    { cwd: dir.path },
  );
  // The secret files are granted, one by one.
  assertStringIncludes(
    permissions.stdout,
    `--allow-read=${dir.path}/reverse_exporter.yml,${dir.path}/secrets/admin,${dir.path}/token,` +
      `${dir.path}/exporter_pass,${dir.path}/secrets/scraper\n`,
  );
  seen.push(["--print-permissions", permissions.stdout + permissions.stderr]);
  // The down exporter's failure was logged, and the landing page shows its error.
  assert(server.logs.some((l) => l.msg === "exporter scrape failed"));
  assert(server.logs.some((l) => l.msg === "path scraped"));
  seen.push(["the log", JSON.stringify(server.logs)]);
  for (const [where, text] of seen) assertNowhere(text, secrets, where);
});

Deno.test("a reload reads the secret files again", async () => {
  await using dir = await tempDir();
  const [oldToken, newToken] = [marker("old"), marker("new")];
  const [oldPass, newPass] = [marker("old-pass"), marker("new-pass")];
  await Deno.writeTextFile(`${dir.path}/token`, `${oldToken}\n`);
  await Deno.writeTextFile(`${dir.path}/pass`, `${oldPass}\n`);
  await using exporter = await serveExporter(() => new Response("value 1\n"));
  await using server = await startServer(
    dir.path,
    `
web: {listen: ["tcp://127.0.0.1:0"]}
reverse_exporters:
  - path: /metrics
    auth: {basic_auth: [{username: p, password_file: pass}]}
    exporters:
      http: [{name: e, address: "${exporter.url}/metrics", headers: {X-Token: {file: token}}}]
`,
  );
  await scrape(server, "/metrics", { headers: { Authorization: basic("p", oldPass) } });
  assertEquals(exporter.requests.at(-1)!.headers.get("x-token"), oldToken);

  // Replaced by rename, as Kubernetes and Docker secrets are.
  await Deno.writeTextFile(`${dir.path}/token.new`, `${newToken}\n`);
  await Deno.rename(`${dir.path}/token.new`, `${dir.path}/token`);
  await Deno.writeTextFile(`${dir.path}/pass`, `${newPass}\n`);
  Deno.kill(server.pid, "SIGHUP");
  await eventually(
    "the reload is done",
    () => server.logs.some((l: LogLine) => l.msg === "configuration reloaded"),
  );
  const old = await fetch(server.url("/metrics"), {
    headers: { Authorization: basic("p", oldPass) },
  });
  await old.body?.cancel();
  assertEquals(old.status, 401);
  await scrape(server, "/metrics", { headers: { Authorization: basic("p", newPass) } });
  assertEquals(exporter.requests.at(-1)!.headers.get("x-token"), newToken);
});

Deno.test("secret files: one source of a password, files that exist and hold text, never quoted in a problem", async () => {
  await using dir = await tempDir();
  const secret = marker("secret");
  await Deno.writeTextFile(`${dir.path}/ok`, `${secret}\n`);
  await Deno.writeTextFile(`${dir.path}/empty`, " \n\n");
  await Deno.writeTextFile(`${dir.path}/two_lines`, `${secret}\nsecond line ${secret}\n`);
  await Deno.writeTextFile(`${dir.path}/big`, "x".repeat(MAX_SECRET_BYTES + 1));
  await Deno.writeFile(`${dir.path}/binary`, new Uint8Array([0xff, 0xfe, 0x41]));
  await Deno.mkdir(`${dir.path}/folder`);
  const file = `${dir.path}/reverse_exporter.yml`;
  await Deno.writeTextFile(
    file,
    `
web:
  auth:
    basic_auth:
      - {username: a, password: x, password_file: ok}
      - {username: b, password_hash: "$2y$04$abcdefghijklmnopqrstuuW0bHKrHZy8WmB0a6sTFbjC9mE2Ki0Zy", password_file: ok}
      - {username: c, password_file: missing}
      - {username: d, password_file: empty}
reverse_exporters:
  - path: /metrics
    exporters:
      http:
        - name: e
          address: http://127.0.0.1:9100/metrics
          basic_auth: {username: u, password: x, password_file: ok}
          headers:
            X-Two: {file: two_lines}
            X-Big: {file: big}
            X-Binary: {file: binary}
            X-Folder: {file: folder}
            X-Nothing: {}
            X-Other: {path: ok}
            "Bad Name": plain
`,
  );
  const { code, stdout, stderr } = await runProgram(["--config-file", file, "--check-config"], {
    cwd: dir.path,
  });
  assertEquals(code, 1);
  assertEquals(stdout, "");
  const h = "reverse_exporters[0].exporters.http[0]";
  assertEquals(stderr.trim().split("\n").map((l) => l.slice(file.length + 2)), [
    "web.auth.basic_auth[0]: needs exactly one of password, password_file and password_hash",
    "web.auth.basic_auth[1]: needs exactly one of password, password_file and password_hash",
    `web.auth.basic_auth[2].password_file: cannot read the secret file ${dir.path}/missing: ` +
    `No such file or directory (os error 2): stat '${dir.path}/missing'`,
    `web.auth.basic_auth[3].password_file: the secret file ${dir.path}/empty is empty`,
    `${h}.basic_auth: password and password_file are both set: keep one`,
    `${h}.headers.X-Two: its value has a character a header cannot carry (a line break, a ` +
    "control character or one beyond U+00FF)",
    `${h}.headers.X-Big.file: cannot read the secret file ${dir.path}/big: larger than ` +
    `${MAX_SECRET_BYTES} bytes`,
    `${h}.headers.X-Binary.file: cannot read the secret file ${dir.path}/binary: not UTF-8 text`,
    `${h}.headers.X-Folder.file: cannot read the secret file ${dir.path}/folder: not a ` +
    "regular file",
    `${h}.headers.X-Nothing.file: required`,
    `${h}.headers.X-Other.path: unknown key; known keys here: file`,
    `${h}.headers.X-Other.file: required`,
    `${h}.headers.Bad Name: is not a valid header name`,
  ]);
  assertNowhere(stderr, [secret], "--check-config");
});

Deno.test("exporter_defaults: an exporter's own password replaces a default password_file, and the other way round", async () => {
  await using dir = await tempDir();
  const [fromFile, inline] = [marker("file"), marker("inline")];
  await Deno.writeTextFile(`${dir.path}/pass`, `${fromFile}\n`);
  await using exporter = await serveExporter(() => new Response("value 1\n"));
  await using server = await startServer(
    dir.path,
    `
web: {listen: ["tcp://127.0.0.1:0"]}
exporter_defaults:
  http: {basic_auth: {username: u, password_file: pass}}
reverse_exporters:
  - path: /defaults
    exporters: {http: [{name: d, address: "${exporter.url}/metrics"}]}
  - path: /own
    exporters:
      http: [{name: o, address: "${exporter.url}/metrics", basic_auth: {password: ${inline}}}]
`,
  );
  await scrape(server, "/defaults");
  assertEquals(exporter.requests.at(-1)!.headers.get("authorization"), basic("u", fromFile));
  await scrape(server, "/own");
  assertEquals(exporter.requests.at(-1)!.headers.get("authorization"), basic("u", inline));
});
