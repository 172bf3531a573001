/** Reloading the configuration: SIGHUP and POST /-/reload, valid and refused. */
import { assertEquals, assertStringIncludes } from "./_assert.ts";
import {
  eventually,
  runProgram,
  scrape,
  serveExporter,
  ServerProcess,
  startServer,
  tempDir,
  valueOf,
} from "./_server.ts";

function fileConfig(exporter: string, extra = ""): string {
  return `
web: {listen: ["tcp://127.0.0.1:0"]}
reverse_exporters:
  - path: /metrics
    exporters:
      file: [{name: ${exporter}, path: ${exporter}.prom}]
${extra}`;
}

async function writeMetrics(dir: string, ...names: string[]): Promise<void> {
  for (const name of names) await Deno.writeTextFile(`${dir}/${name}.prom`, `${name}_metric 1\n`);
}

const RELOAD_OK = "reverse_exporter_config_last_reload_successful";

Deno.test("SIGHUP reloads a valid configuration and refuses an invalid one", async () => {
  await using dir = await tempDir();
  await writeMetrics(dir.path, "a", "b");
  await using server = await startServer(dir.path, fileConfig("a"));
  assertStringIncludes(await scrape(server), 'a_metric{exporter_name="a"} 1');

  await Deno.writeTextFile(`${dir.path}/reverse_exporter.yml`, fileConfig("b"));
  Deno.kill(server.pid, "SIGHUP");
  await eventually(
    "the new configuration is served",
    async () => (await scrape(server)).includes("b_metric"),
  );
  assertEquals(server.logs.filter((l) => l.msg === "configuration reloaded").length, 1);
  const own = await scrape(server, "/-/metrics");
  assertEquals(valueOf(own, RELOAD_OK), 1);
  // The removed exporter's own series went with it; the new one has its own.
  assertEquals(own.includes('exporter_name="a"'), false);
  assertStringIncludes(
    own,
    'reverse_exporter_exporter_scrapes_total{path="/metrics",exporter_name="b",kind="file"}',
  );

  await Deno.writeTextFile(
    `${dir.path}/reverse_exporter.yml`,
    fileConfig("c").replace("path: c.prom", "paht: c.prom"),
  );
  Deno.kill(server.pid, "SIGHUP");
  await eventually(
    "the refusal is logged",
    () => server.logs.some((l) => l.msg === "invalid configuration"),
  );
  const refusal = server.logs.find((l) => l.msg === "invalid configuration")!;
  assertStringIncludes(
    String(refusal["problem"]),
    'exporters.file[0].paht: unknown key (did you mean "path"?)',
  );
  assertStringIncludes(String(refusal["what"]), "the running one stays");
  const body = await scrape(server);
  assertStringIncludes(body, 'b_metric{exporter_name="b"} 1');
  assertEquals(valueOf(await scrape(server, "/-/metrics"), RELOAD_OK), 0);
});

Deno.test("POST /-/reload needs --web.enable-lifecycle, and answers with the outcome", async (t) => {
  await using dir = await tempDir();
  await writeMetrics(dir.path, "a", "b");
  await t.step("without the flag: 403, and nothing changes", async () => {
    await using server = await startServer(dir.path, fileConfig("a"));
    await Deno.writeTextFile(`${dir.path}/reverse_exporter.yml`, fileConfig("b"));
    const response = await fetch(server.url("/-/reload"), { method: "POST" });
    assertEquals(response.status, 403);
    assertStringIncludes(await response.text(), "--web.enable-lifecycle");
    assertStringIncludes(await scrape(server), "a_metric");
  });
  await t.step(
    "with the flag: 200 for a valid one, 500 naming the key for an invalid one",
    async () => {
      await Deno.writeTextFile(`${dir.path}/reverse_exporter.yml`, fileConfig("a"));
      await using server = await startServer(dir.path, fileConfig("a"), {
        args: ["--web.enable-lifecycle"],
      });
      await Deno.writeTextFile(`${dir.path}/reverse_exporter.yml`, fileConfig("b"));
      const ok = await fetch(server.url("/-/reload"), { method: "POST" });
      assertEquals([ok.status, await ok.text()], [200, "Configuration reloaded.\n"]);
      assertStringIncludes(await scrape(server), 'b_metric{exporter_name="b"} 1');

      await Deno.writeTextFile(
        `${dir.path}/reverse_exporter.yml`,
        "reverse_exporters: [{path: metrics}]\n",
      );
      const refused = await fetch(server.url("/-/reload"), { method: "POST" });
      assertEquals(refused.status, 500);
      assertStringIncludes(await refused.text(), 'reverse_exporters[0].path: must start with "/"');
      assertStringIncludes(await scrape(server), 'b_metric{exporter_name="b"} 1');

      const get = await fetch(server.url("/-/reload"));
      await get.body?.cancel();
      assertEquals([get.status, get.headers.get("allow")], [405, "POST"]);
    },
  );
});

Deno.test("a scrape in flight during a reload finishes on the old configuration", async () => {
  await using dir = await tempDir();
  await writeMetrics(dir.path, "b");
  let release = () => {};
  const held = new Promise<void>((resolve) => release = resolve);
  await using slow = await serveExporter(async () => {
    await held;
    return new Response("slow_metric 1\n");
  });
  await using server = await startServer(
    dir.path,
    `
web: {listen: ["tcp://127.0.0.1:0"]}
reverse_exporters:
  - path: /metrics
    exporters:
      http: [{name: slow, address: "${slow.url}/metrics"}]
`,
    { args: ["--web.enable-lifecycle"] },
  );
  const inFlight = scrape(server);
  await eventually("the slow exporter is being scraped", () => slow.requests.length === 1);
  await Deno.writeTextFile(`${dir.path}/reverse_exporter.yml`, fileConfig("b"));
  assertEquals((await fetch(server.url("/-/reload"), { method: "POST" })).status, 200);
  assertStringIncludes(await scrape(server), 'b_metric{exporter_name="b"} 1');
  release();
  const old = await inFlight;
  assertStringIncludes(old, 'slow_metric{exporter_name="slow"} 1');
  assertStringIncludes(old, 'reverse_exporter_backend_up{exporter_name="slow"} 1');
});

Deno.test("a changed web.listen is logged as needing a restart; the rest is reloaded", async () => {
  await using dir = await tempDir();
  await writeMetrics(dir.path, "a", "b");
  await using server = await startServer(dir.path, fileConfig("a"));
  await Deno.writeTextFile(
    `${dir.path}/reverse_exporter.yml`,
    fileConfig("b").replace('["tcp://127.0.0.1:0"]', '["tcp://127.0.0.1:0", "tcp://[::1]:0"]'),
  );
  Deno.kill(server.pid, "SIGHUP");
  await eventually(
    "the new configuration is served",
    async () => (await scrape(server)).includes("b_metric"),
  );
  const warning = server.logs.find((l) => l.msg.startsWith("web.listen changed"));
  assertEquals(warning?.["configured"], "tcp://127.0.0.1:0 tcp://[::1]:0");
  assertEquals(server.bound.length, 1);
});

Deno.test("under a locked permission set, a reload that needs more is refused, naming the grant", async () => {
  await using dir = await tempDir();
  await writeMetrics(dir.path, "a", "b");
  const file = `${dir.path}/reverse_exporter.yml`;
  await Deno.writeTextFile(file, fileConfig("a"));
  const printed = await runProgram(["--config-file", file, "--print-permissions"], {
    cwd: dir.path,
    permissions: ["--no-prompt", `--allow-read=${dir.path}`],
  });
  const flags = printed.stdout.trim().split(" ");
  await using server = await ServerProcess.start(["--config-file", file], {
    cwd: dir.path,
    permissions: ["--no-prompt", ...flags],
  });
  assertStringIncludes(await scrape(server), "a_metric");
  await Deno.writeTextFile(file, fileConfig("b"));
  Deno.kill(server.pid, "SIGHUP");
  await eventually(
    "the refusal is logged",
    () =>
      server.logs.some((l) =>
        l.level === "error" && String(l["error"]).includes("missing permissions")
      ),
  );
  const refusal = server.logs.find((l) => l.level === "error")!;
  assertStringIncludes(refusal.msg, "the running one stays");
  assertStringIncludes(
    String(refusal["error"]),
    `read ${dir.path}/b.prom (for exporter b (file) of /metrics)`,
  );
  assertStringIncludes(String(refusal["error"]), `Add: --allow-read=${dir.path}/b.prom`);
  assertStringIncludes(await scrape(server), 'a_metric{exporter_name="a"} 1');
  assertEquals(valueOf(await scrape(server, "/-/metrics"), RELOAD_OK), 0);
});

Deno.test("an unchanged exec_cached exporter keeps running across a reload; a changed one restarts", async () => {
  await using dir = await tempDir();
  await writeMetrics(dir.path, "b");
  await Deno.writeTextFile(
    `${dir.path}/count.sh`,
    `#!/bin/sh\necho run >> "${dir.path}/runs"\necho "cached_runs{arg=\\"$1\\"} $(wc -l < "${dir.path}/runs")"\n`,
    { mode: 0o755 },
  );
  const config = (arg: string, extra = "") => `
web: {listen: ["tcp://127.0.0.1:0"]}
reverse_exporters:
  - path: /metrics
    exporters:
      exec_cached: [{name: cached, command: ./count.sh, args: ["${arg}"], exec_interval: 1h}]
${extra}`;
  await using server = await startServer(dir.path, config("one"), {
    permissions: [
      "--no-prompt",
      "--allow-net=127.0.0.1,[::1]",
      `--allow-read=${dir.path}`,
      "--allow-run",
    ],
    args: ["--web.enable-lifecycle"],
  });
  assertEquals(valueOf(await scrape(server), 'cached_runs{arg="one",exporter_name="cached"}'), 1);

  // Another exporter added: the exec_cached one is the same, its result and schedule stay.
  await Deno.writeTextFile(
    `${dir.path}/reverse_exporter.yml`,
    config("one", "      file: [{name: b, path: b.prom}]"),
  );
  assertEquals((await fetch(server.url("/-/reload"), { method: "POST" })).status, 200);
  const after = await scrape(server);
  assertStringIncludes(after, 'b_metric{exporter_name="b"} 1');
  assertEquals(valueOf(after, 'cached_runs{arg="one",exporter_name="cached"}'), 1);

  // Its arguments changed: a new exporter, which runs at once.
  await Deno.writeTextFile(`${dir.path}/reverse_exporter.yml`, config("two"));
  assertEquals((await fetch(server.url("/-/reload"), { method: "POST" })).status, 200);
  assertEquals(valueOf(await scrape(server), 'cached_runs{arg="two",exporter_name="cached"}'), 2);
  assertEquals((await Deno.readTextFile(`${dir.path}/runs`)).trim().split("\n").length, 2);
});

Deno.test("a reload reads the included files again: a new drop-in is served, a broken one refused naming it", async () => {
  await using dir = await tempDir();
  await writeMetrics(dir.path, "a", "b");
  await Deno.mkdir(`${dir.path}/conf.d`);
  const dropIn = (name: string) =>
    `reverse_exporters: [{path: /${name}, exporters: {file: [{name: ${name}, path: ../${name}.prom}]}}]\n`;
  await Deno.writeTextFile(`${dir.path}/conf.d/a.yml`, dropIn("a"));
  await using server = await startServer(dir.path, fileConfig("a", "include: [conf.d/*.yml]"));
  assertStringIncludes(await scrape(server, "/a"), 'a_metric{exporter_name="a"} 1');

  await Deno.writeTextFile(`${dir.path}/conf.d/b.yml`, dropIn("b"));
  Deno.kill(server.pid, "SIGHUP");
  await eventually("the new drop-in is served", async () => {
    const response = await fetch(server.url("/b"));
    return (await response.text()).includes('b_metric{exporter_name="b"} 1');
  });

  await Deno.writeTextFile(
    `${dir.path}/conf.d/b.yml`,
    dropIn("b").replace("path: ../", "paht: ../"),
  );
  Deno.kill(server.pid, "SIGHUP");
  await eventually(
    "the refusal is logged",
    () => server.logs.some((l) => l.msg === "invalid configuration"),
  );
  const refusal = server.logs.find((l) => l.msg === "invalid configuration")!;
  assertStringIncludes(
    String(refusal["problem"]),
    `${dir.path}/conf.d/b.yml: reverse_exporters[0].exporters.file[0].paht: unknown key`,
  );
  // The running configuration stays, the drop-in's path with it.
  assertStringIncludes(await scrape(server, "/b"), 'b_metric{exporter_name="b"} 1');
  assertEquals(valueOf(await scrape(server, "/-/metrics"), RELOAD_OK), 0);
});
