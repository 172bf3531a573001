/** The server under exactly the permissions --print-permissions gives, and less. */
import { assert, assertEquals, assertStringIncludes } from "./_assert.ts";
import {
  printedFlags,
  scrape,
  serveExporter,
  ServerProcess,
  tempDir,
  writeScript,
} from "./_server.ts";

/** Writes a configuration with one exporter of each kind into `dir`; returns its path. */
async function writeAllKinds(
  dir: string,
  exporterUrl: string,
  name = "config.yml",
): Promise<string> {
  await Deno.writeTextFile(`${dir}/cron.prom`, "cron_metric 1\n");
  await writeScript(dir, "script.sh", "echo script_metric 1");
  const file = `${dir}/${name}`;
  await Deno.writeTextFile(
    file,
    `
web: {listen: ["tcp://127.0.0.1:0"]}
reverse_exporters:
  - path: /metrics
    exporters:
      http: [{name: backend, address: "${exporterUrl}/metrics"}]
      file: [{name: cron, path: cron.prom}]
      exec: [{name: script, command: ./script.sh}]
      exec_cached: [{name: cached, command: ./script.sh, exec_interval: 10s}]
`,
  );
  return file;
}

Deno.test("started with exactly the printed flags, every kind of exporter is scraped", async () => {
  await using dir = await tempDir();
  await using exporter = await serveExporter(() => new Response("backend_metric 1\n"));
  const file = await writeAllKinds(dir.path, exporter.url);
  const flags = await printedFlags(file, dir.path);
  assertEquals(flags.map((f) => f.split("=")[0]), ["--allow-net", "--allow-read", "--allow-run"]);
  await using server = await ServerProcess.start(["--config-file", file], {
    cwd: dir.path,
    permissions: ["--no-prompt", ...flags],
  });
  const body = await scrape(server);
  for (const name of ["backend", "cron", "script", "cached"]) {
    assertStringIncludes(body, `reverse_exporter_backend_up{exporter_name="${name}"} 1`);
  }
});

Deno.test("with one printed flag removed, the server exits 1 naming that grant", async (t) => {
  await using dir = await tempDir();
  await using exporter = await serveExporter(() => new Response("backend_metric 1\n"));
  const file = await writeAllKinds(dir.path, exporter.url);
  const flags = await printedFlags(file, dir.path);
  for (const removed of flags) {
    await t.step(removed.split("=")[0]!, async () => {
      const kept = flags.filter((f) => f !== removed);
      const server = await ServerProcess.start(["--config-file", file], {
        cwd: dir.path,
        permissions: ["--no-prompt", ...kept],
      });
      assertEquals(await server.exitCode(), 1);
      assertEquals(server.bound, []);
      const errors = server.logs.filter((l) => l.level === "error").map((l) =>
        `${l.msg}: ${String(l["error"] ?? l["problem"])}`
      );
      assertEquals(errors.length, 1, JSON.stringify(server.logs));
      const [flag, values] = removed.split("=") as [string, string];
      if (flag === "--allow-read") {
        // Without it, not even the configuration file can be read: that is said first.
        assertStringIncludes(errors[0]!, `not permitted; add --allow-read=${file}`);
      } else {
        assertStringIncludes(errors[0]!, "missing permissions:");
        assertStringIncludes(errors[0]!, `Add: ${flag}=${values}`);
      }
    });
  }
});

Deno.test("the flags of one configuration do not serve another's host, file or command", async () => {
  await using dir = await tempDir();
  await using exporterA = await serveExporter(() => new Response("a_metric 1\n"));
  await using exporterB = await serveExporter(() => new Response("b_metric 1\n"));
  await Deno.mkdir(`${dir.path}/a`);
  await Deno.mkdir(`${dir.path}/b`);
  const fileA = await writeAllKinds(`${dir.path}/a`, exporterA.url);
  const fileB = await writeAllKinds(`${dir.path}/b`, exporterB.url);
  const flagsA = await printedFlags(fileA, dir.path);
  // A's flags, plus reading B's configuration file so that the check can say what B needs.
  const permissions = [
    "--no-prompt",
    ...flagsA.map((f) => f.startsWith("--allow-read=") ? `${f},${fileB}` : f),
  ];
  const server = await ServerProcess.start(["--config-file", fileB], {
    cwd: dir.path,
    permissions,
  });
  assertEquals(await server.exitCode(), 1);
  const error = String(server.logs.find((l) => l.level === "error")?.["error"]);
  const port = new URL(exporterB.url).port;
  assertStringIncludes(error, `net 127.0.0.1:${port} (for exporter backend (http) of /metrics)`);
  assertStringIncludes(
    error,
    `read ${dir.path}/b/cron.prom (for exporter cron (file) of /metrics)`,
  );
  assertStringIncludes(
    error,
    `run ${dir.path}/b/script.sh (for exporter script (exec) of /metrics)`,
  );
  assert(!error.includes("/a/"), "only B's missing grants are named");
});

Deno.test("a denied connection at scrape time is that exporter's failure, not a crash", async () => {
  await using dir = await tempDir();
  await using elsewhere = await serveExporter(() => new Response("elsewhere_metric 1\n"));
  await using redirecting = await serveExporter(() =>
    Response.redirect(`${elsewhere.url.replace("127.0.0.1", "localhost")}/metrics`, 302)
  );
  await using plain = await serveExporter(() => new Response("plain_metric 1\n"));
  const file = `${dir.path}/config.yml`;
  await Deno.writeTextFile(
    file,
    `
web: {listen: ["tcp://127.0.0.1:0"]}
reverse_exporters:
  - path: /metrics
    exporters:
      http:
        - {name: redirected, address: "${redirecting.url}/metrics"}
        - {name: plain, address: "${plain.url}/metrics"}
`,
  );
  const flags = await printedFlags(file, dir.path);
  await using server = await ServerProcess.start(["--config-file", file], {
    cwd: dir.path,
    permissions: ["--no-prompt", ...flags],
  });
  const body = await scrape(server);
  assertStringIncludes(body, 'plain_metric{exporter_name="plain"} 1');
  assertStringIncludes(body, 'reverse_exporter_backend_up{exporter_name="redirected"} 0');
  const failure = server.logs.find((l) => l.msg === "exporter scrape failed");
  assertEquals(failure?.["cause"], "connect");
  assertStringIncludes(String(failure?.["error"]), "net access");
  assertStringIncludes(await scrape(server), 'plain_metric{exporter_name="plain"} 1');
});

Deno.test("an http exporter behind a Unix socket is scraped with exactly the printed flags", async () => {
  await using dir = await tempDir();
  const socket = `${dir.path}/exporter.sock`;
  // The exporter runs in its own process: Unix sockets need grants the test runner lacks.
  const exporter = new Deno.Command(Deno.execPath(), {
    args: [
      "eval",
      `Deno.serve({ path: ${JSON.stringify(socket)}, onListen() { console.log("up"); } }, ` +
      `(r) => new Response("socket_metric{path=\\"" + new URL(r.url).pathname + "\\"} 1\\n"));`,
    ],
    stdout: "piped",
    stderr: "null",
  }).spawn();
  try {
    const reader = exporter.stdout.pipeThrough(new TextDecoderStream()).getReader();
    await reader.read(); // "up"
    reader.releaseLock();
    const file = `${dir.path}/config.yml`;
    await Deno.writeTextFile(
      file,
      `
web: {listen: ["tcp://127.0.0.1:0"]}
reverse_exporters:
  - path: /metrics
    exporters:
      http: [{name: socket, address: "http://localhost/metrics", unix_socket: exporter.sock}]
`,
    );
    const flags = await printedFlags(file, dir.path);
    assertEquals(
      flags.find((f) => f.startsWith("--allow-net=")),
      `--allow-net=127.0.0.1:0,localhost:80,unix:${socket}`,
    );
    await using server = await ServerProcess.start(["--config-file", file], {
      cwd: dir.path,
      permissions: ["--no-prompt", ...flags],
    });
    assertStringIncludes(
      await scrape(server),
      'socket_metric{path="/metrics",exporter_name="socket"} 1',
    );
  } finally {
    exporter.kill("SIGTERM");
    await exporter.status;
  }
});
