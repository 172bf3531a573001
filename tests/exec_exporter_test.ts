/** `exec` exporters through the real server: shared runs, cancellation, timeouts, failures. */
import { assert, assertEquals, assertStringIncludes } from "./_assert.ts";
import {
  eventually,
  installed,
  liveProcesses,
  scrape,
  scriptPermissions,
  startServer,
  tempDir,
  valueOf,
  writeScript,
} from "./_server.ts";

const hasPs = await installed("ps");
const needsPs = hasPs ? "" : " (skipped: ps not installed)";

function execConfig(exporters: string): string {
  return `
web: {listen: ["tcp://127.0.0.1:0"]}
reverse_exporters:
  - path: /metrics
    exporters:
${exporters}
`;
}

Deno.test("20 concurrent scrapes of a slow script share one run and all get its result", async () => {
  await using dir = await tempDir();
  await writeScript(
    dir.path,
    "slow.sh",
    `echo run >> "${dir.path}/runs"
sleep 1
echo "slow_runs $(wc -l < "${dir.path}/runs")"`,
  );
  await using server = await startServer(
    dir.path,
    execConfig(`      exec: [{name: slow, command: ./slow.sh, timeout: 30s}]`),
    { permissions: scriptPermissions(dir.path) },
  );
  const bodies = await Promise.all(Array.from({ length: 20 }, () => scrape(server)));
  assertEquals(
    (await Deno.readTextFile(`${dir.path}/runs`)).split("\n").filter((l) => l).length,
    1,
  );
  for (const body of bodies) assertEquals(valueOf(body, 'slow_runs{exporter_name="slow"}'), 1);
  // The next scrape starts a new run.
  assertEquals(valueOf(await scrape(server), 'slow_runs{exporter_name="slow"}'), 2);
});

Deno.test({
  name:
    `when every client of a never-ending script has gone, its process group is stopped${needsPs}`,
  ignore: !hasPs,
  async fn() {
    await using dir = await tempDir();
    const marker = "86401";
    await writeScript(dir.path, "forever.sh", `sleep ${marker} &\nsleep ${marker}\necho never 1`);
    await using server = await startServer(
      dir.path,
      execConfig(`      exec: [{name: forever, command: ./forever.sh, timeout: 60s}]`),
      { permissions: scriptPermissions(dir.path) },
    );
    const clients = Array.from({ length: 3 }, () => new AbortController());
    const scrapes = clients.map((c) =>
      fetch(server.url("/metrics"), { signal: c.signal }).then((r) => r.text()).catch(() => "gone")
    );
    await eventually(
      "the script and its child run",
      async () => (await liveProcesses(`sleep ${marker}`)).length === 2,
    );
    for (const c of clients) c.abort();
    assertEquals(await Promise.all(scrapes), ["gone", "gone", "gone"]);
    await eventually(
      "the script and its child are gone",
      async () => (await liveProcesses(`sleep ${marker}`)).length === 0,
    );
    await eventually(
      "the canceled scrapes are logged",
      () =>
        server.logs.some((l) => l.msg === "exporter scrape failed" && l["cause"] === "canceled"),
    );
  },
});

Deno.test({
  name: `a script past its timeout is stopped with its children and marked down${needsPs}`,
  ignore: !hasPs,
  async fn() {
    await using dir = await tempDir();
    const marker = "86402";
    await writeScript(
      dir.path,
      "forever.sh",
      `sleep ${marker} &\nsleep ${marker}`,
    );
    await writeScript(dir.path, "ok.sh", `echo ok_metric 1`);
    await using server = await startServer(
      dir.path,
      execConfig(`      exec:
        - {name: forever, command: ./forever.sh, timeout: 1s}
        - {name: ok, command: ./ok.sh}`),
      { permissions: scriptPermissions(dir.path) },
    );
    const body = await scrape(server);
    assertStringIncludes(body, 'reverse_exporter_backend_up{exporter_name="forever"} 0');
    assertStringIncludes(body, 'ok_metric{exporter_name="ok"} 1');
    const failure = server.logs.find((l) =>
      l.msg === "exporter scrape failed" && l["exporter"] === "forever"
    );
    assertEquals(failure?.["cause"], "timeout");
    await eventually(
      "no process is left",
      async () => (await liveProcesses(`sleep ${marker}`)).length === 0,
    );
  },
});

Deno.test("failures of scripts are marked down with a clear cause, and the others served", async (t) => {
  await using dir = await tempDir();
  await writeScript(dir.path, "ok.sh", "echo ok_metric 1");
  await writeScript(dir.path, "exit1.sh", 'echo "something broke" >&2\nexit 1');
  await writeScript(dir.path, "garbage.sh", 'echo "this is { not metrics"');
  await writeScript(
    dir.path,
    "huge.sh",
    "i=0\nwhile [ $i -lt 5000 ]; do echo huge_metric $i; i=$((i+1)); done",
  );
  await Deno.writeTextFile(`${dir.path}/not_executable.sh`, "#!/bin/sh\necho x 1\n", {
    mode: 0o644,
  });
  await using server = await startServer(
    dir.path,
    execConfig(`      exec:
        - {name: ok, command: ./ok.sh}
        - {name: exit1, command: ./exit1.sh}
        - {name: garbage, command: ./garbage.sh}
        - {name: huge, command: ./huge.sh, body_size_limit: 1KiB}
        - {name: missing, command: ./no_such_script.sh}
        - {name: not_executable, command: ./not_executable.sh}`),
    { permissions: scriptPermissions(dir.path) },
  );
  const body = await scrape(server);
  assertStringIncludes(body, 'ok_metric{exporter_name="ok"} 1');
  const causes: Record<string, [string, string]> = {
    exit1: ["exit_code", "exit code 1"],
    garbage: ["decode", "line 1, column"],
    huge: ["body_too_large", "larger than the limit of 1024 bytes"],
    missing: ["start", "no_such_script.sh"],
    not_executable: ["start", "not_executable.sh"],
  };
  for (const [name, [cause, reason]] of Object.entries(causes)) {
    await t.step(`${name}: ${cause}`, () => {
      assertStringIncludes(body, `reverse_exporter_backend_up{exporter_name="${name}"} 0`);
      const failures = server.logs.filter((l) =>
        l.msg === "exporter scrape failed" && l["exporter"] === name
      );
      assertEquals(failures.length, 1, JSON.stringify(failures));
      assertEquals(failures[0]!["cause"], cause);
      assertStringIncludes(String(failures[0]!["error"]), reason);
    });
  }
  await t.step(
    "a failed run's stderr goes with its failure, to the log and the landing page",
    async () => {
      const failure = server.logs.find((l) =>
        l.msg === "exporter scrape failed" && l["exporter"] === "exit1"
      );
      assertStringIncludes(
        String(failure?.["error"]),
        "ended with exit code 1; stderr: something broke",
      );
      const page = await (await fetch(server.url("/"), { headers: { Accept: "application/json" } }))
        .json();
      const exit1 = page.paths[0].exporters.find((e: { name: string }) => e.name === "exit1");
      assertStringIncludes(exit1.lastError, "stderr: something broke");
    },
  );
  await t.step("runs and their failures are counted", async () => {
    const own = await scrape(server, "/-/metrics");
    assertEquals(
      valueOf(own, 'reverse_exporter_exec_last_exit_code{path="/metrics",exporter_name="exit1"}'),
      1,
    );
    assertEquals(
      valueOf(
        own,
        'reverse_exporter_exec_run_failures_total{path="/metrics",exporter_name="missing",cause="start"}',
      ),
      1,
    );
    assertEquals(
      valueOf(own, 'reverse_exporter_exec_runs_total{path="/metrics",exporter_name="ok"}'),
      1,
    );
  });
});

Deno.test("args, env and working_dir reach the script, run without a shell", async () => {
  await using dir = await tempDir();
  await Deno.mkdir(`${dir.path}/work`);
  await writeScript(
    dir.path,
    "env.sh",
    'echo "script_env{foo=\\"$FOO\\",pwd=\\"$(pwd)\\",arg1=\\"$1\\",arg2=\\"$2\\"} 1"',
  );
  await using server = await startServer(
    dir.path,
    execConfig(`      exec:
        - name: env
          command: ./env.sh
          args: ["two words", "$HOME;*"]
          env: {FOO: bar}
          working_dir: work`),
    { permissions: scriptPermissions(dir.path) },
  );
  const body = await scrape(server);
  assertStringIncludes(
    body,
    `script_env{foo="bar",pwd="${dir.path}/work",arg1="two words",arg2="$HOME;*",exporter_name="env"} 1`,
  );
});

/** The flags of a configuration with exec exporters when `run` lists the commands. */
function listedRunPermissions(dir: string, commands: readonly string[]): string[] {
  return [
    "--no-prompt",
    "--allow-net=127.0.0.1,[::1]",
    `--allow-read=${dir}`,
    `--allow-run=${commands.join(",")}`,
  ];
}

Deno.test("with --allow-run limited to the commands, scripts run and an info line says what is lost", async () => {
  await using dir = await tempDir();
  const script = await writeScript(dir.path, "ok.sh", "echo ok_metric 1");
  await using server = await startServer(
    dir.path,
    execConfig(`      exec: [{name: ok, command: ./ok.sh}]`),
    { permissions: listedRunPermissions(dir.path, [script]) },
  );
  assertStringIncludes(await scrape(server), 'ok_metric{exporter_name="ok"} 1');
  const note = server.logs.find((l) => l.msg.includes("--allow-run is limited"));
  assert(note !== undefined, JSON.stringify(server.logs));
  assertEquals(note.level, "info");
  assertStringIncludes(note.msg, "may outlive it");
  // A script that leaves nothing behind is never warned about.
  assertEquals(server.logs.filter((l) => l.level === "warning"), []);
});

Deno.test({
  name:
    `a script that leaves a process behind under a listed --allow-run is warned about once${needsPs}`,
  ignore: !hasPs,
  async fn() {
    await using dir = await tempDir();
    const marker = "86411";
    const script = await writeScript(
      dir.path,
      "leaves.sh",
      `sleep ${marker} &\necho left_metric 1`,
    );
    try {
      await using server = await startServer(
        dir.path,
        execConfig(`      exec: [{name: leaves, command: ./leaves.sh}]`),
        { permissions: listedRunPermissions(dir.path, [script]) },
      );
      for (let i = 0; i < 2; i++) {
        assertStringIncludes(await scrape(server), 'left_metric{exporter_name="leaves"} 1');
      }
      const warnings = server.logs.filter((l) => l.level === "warning");
      assertEquals(warnings.length, 1, JSON.stringify(server.logs));
      assertStringIncludes(warnings[0]!.msg, "exporter command left processes running");
      assertEquals(warnings[0]!.exporter, "leaves");
      assertEquals((await liveProcesses(`sleep ${marker}`)).length, 2, "they really outlived it");
    } finally {
      // The test's own descendants, by process id.
      for (const line of await liveProcesses(`sleep ${marker}`)) {
        Deno.kill(Number(line.trim().split(/\s+/)[0]), "SIGKILL");
      }
    }
  },
});

Deno.test({
  name: `a script stuck past the shutdown grace is stopped, and the server exits 0${needsPs}`,
  ignore: !hasPs,
  async fn() {
    await using dir = await tempDir();
    const marker = "86409";
    await writeScript(dir.path, "stuck.sh", `sleep ${marker}`);
    const server = await startServer(
      dir.path,
      execConfig(`      exec: [{name: stuck, command: ./stuck.sh, timeout: 0}]`),
      { permissions: scriptPermissions(dir.path) },
    );
    const inFlight = fetch(server.url("/metrics")).then((r) => r.text()).catch(() =>
      "connection closed"
    );
    await eventually(
      "the script runs",
      async () => (await liveProcesses(`sleep ${marker}`)).length === 1,
    );
    assertEquals(await server.stop("SIGTERM"), 0);
    assert(
      server.logs.some((l) => l.msg.includes("after the grace period")),
      JSON.stringify(server.logs),
    );
    await inFlight;
    await eventually(
      "the script is gone",
      async () => (await liveProcesses(`sleep ${marker}`)).length === 0,
    );
  },
});

Deno.test("a scrape that leaves a shared run holds nothing once the run ends; the other gets all", async () => {
  await using dir = await tempDir();
  // 100 kB after 1 s: held of web.max_bytes_in_flight by each scrape that gets it.
  await writeScript(
    dir.path,
    "slow.sh",
    `sleep 1\necho "slow_value 7"; printf '# '; head -c 100000 /dev/zero | tr '\\0' x; echo`,
  );
  await using server = await startServer(
    dir.path,
    execConfig(`      exec: [{name: slow, command: ./slow.sh, timeout: 30s}]`),
    { permissions: scriptPermissions(dir.path) },
  );
  // Two scrapes of their own (one selects the exporter) that share the one run.
  const leaving = new AbortController();
  const first = fetch(server.url("/metrics?exporter=slow"), { signal: leaving.signal })
    .then((r) => r.text()).catch(() => "gone");
  const runs = 'reverse_exporter_exec_runs_total{path="/metrics",exporter_name="slow"}';
  await eventually("the run started", async () => {
    const own = await (await fetch(server.url("/-/metrics"))).text();
    return (valueOf(own, runs) ?? 0) >= 1;
  });
  const second = fetch(server.url("/metrics")).then((r) => r.text());
  await new Promise((resolve) => setTimeout(resolve, 200));
  leaving.abort();
  assertEquals(await first, "gone");
  const text = await second;
  assertEquals(valueOf(text, 'slow_value{exporter_name="slow"}'), 7);
  const own = await (await fetch(server.url("/-/metrics"))).text();
  assertEquals(valueOf(own, runs), 1, "one run, shared");
  await eventually("nothing is held once both scrapes are over", async () => {
    const own = await (await fetch(server.url("/-/metrics"))).text();
    return valueOf(own, "reverse_exporter_bytes_in_flight") === 0;
  });
});
