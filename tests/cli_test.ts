/** The command line of the real program: flags, exit codes, the embedded default. */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "./_assert.ts";
import { REPO, runProgram, ServerProcess, tempDir } from "./_server.ts";

const denoJson = JSON.parse(Deno.readTextFileSync(new URL("../deno.json", import.meta.url)));

Deno.test("--version prints the version from deno.json and exits 0", async () => {
  const { code, stdout } = await runProgram(["--version"]);
  assertEquals(code, 0);
  assertStringIncludes(stdout, `reverse_exporter ${denoJson.version} (deno ${Deno.version.deno})`);
});

Deno.test("--help prints every flag and exits 0", async () => {
  const { code, stdout } = await runProgram(["--help"]);
  assertEquals(code, 0);
  for (
    const flag of [
      "--config-file",
      "--log-level",
      "--log-format",
      "--check-config",
      "--version",
      "--help",
    ]
  ) {
    assertStringIncludes(stdout, flag);
  }
});

Deno.test("usage errors exit 2 with the usage", async () => {
  for (
    const args of [
      ["--no-such-flag"],
      ["stray-argument"],
      ["--log-level", "loud"],
      ["--log-format", "xml"],
      ["--config-file"],
    ]
  ) {
    const { code, stderr } = await runProgram(args);
    assertEquals(code, 2, args.join(" "));
    assertStringIncludes(stderr, "Usage: reverse_exporter");
  }
});

Deno.test("--check-config prints one line per path and exits 0", async () => {
  await using dir = await tempDir();
  const file = `${dir.path}/config.yml`;
  await Deno.writeTextFile(
    file,
    `
reverse_exporters:
  - path: /metrics
    exporters:
      http:
        - {name: node, address: "http://127.0.0.1:9100/metrics"}
        - {name: prometheus, address: "http://127.0.0.1:9090/metrics"}
  - path: /probe
    exporters:
      http: [{name: blackbox, address: "http://127.0.0.1:9115/probe"}]
`,
  );
  const { code, stdout } = await runProgram(["--config-file", file, "--check-config"], {
    cwd: dir.path,
  });
  assertEquals(code, 0);
  assertEquals(stdout.trim().split("\n"), [
    "/metrics: 2 exporter(s): node (http), prometheus (http)",
    "/probe: 1 exporter(s): blackbox (http)",
  ]);
});

Deno.test("--check-config prints every problem and exits 1", async () => {
  await using dir = await tempDir();
  const file = `${dir.path}/config.yml`;
  await Deno.writeTextFile(
    file,
    `
web: {listen: ["http://0.0.0.0:9998"]}
reverse_exporters:
  - path: metrics
    exporters:
      http: [{name: a, address: "http://127.0.0.1:9100/metrics", timeout: 10}]
`,
  );
  const { code, stdout, stderr } = await runProgram(["--config-file", file, "--check-config"], {
    cwd: dir.path,
  });
  assertEquals(code, 1);
  assertEquals(stdout, "");
  const lines = stderr.trim().split("\n");
  assertEquals(lines.length, 3, stderr);
  assertStringIncludes(stderr, `${file}: web.listen[0]: unknown scheme "http"`);
  assertStringIncludes(stderr, `${file}: reverse_exporters[0].path: must start with "/"`);
  assertStringIncludes(
    stderr,
    `${file}: reverse_exporters[0].exporters.http[0].timeout: invalid duration 10`,
  );
});

Deno.test("a configuration file named explicitly that is missing is an error", async () => {
  await using dir = await tempDir();
  const { code, stderr } = await runProgram(["--config-file", "missing.yml", "--check-config"], {
    cwd: dir.path,
  });
  assertEquals(code, 1);
  assertStringIncludes(stderr, `${dir.path}/missing.yml: cannot read the configuration file`);
});

Deno.test("without a configuration file, the embedded default is used and said so", async () => {
  await using dir = await tempDir();
  const { code, stdout, stderr } = await runProgram(["--check-config"], { cwd: dir.path });
  assertEquals(code, 0);
  assertEquals(stdout.trim(), "/metrics: 0 exporter(s): the program's own metrics");
  assertStringIncludes(stderr, "embedded default configuration");
});

Deno.test("the embedded default serves the program's own metrics on [::]:9998/metrics", async () => {
  await using dir = await tempDir();
  const server = await ServerProcess.start([], {
    cwd: dir.path,
    permissions: ["--no-prompt", "--allow-net=[::]:9998", `--allow-read=${dir.path}`],
  });
  try {
    assertEquals(server.bound, ["[::]:9998"], JSON.stringify(server.logs));
    const text = await (await fetch("http://127.0.0.1:9998/metrics")).text();
    assertStringIncludes(text, "# TYPE reverse_exporter_build_info gauge");
    assertStringIncludes(text, "process_resident_memory_bytes ");
  } finally {
    assertEquals(await server.stop(), 0);
  }
});

Deno.test("console and json log formats, and --log-level", async () => {
  await using dir = await tempDir();
  const json = await runProgram(["--check-config", "--log-format", "json"], { cwd: dir.path });
  const event = JSON.parse(json.stderr.trim().split("\n")[0]!);
  assertEquals(event.level, "info");
  assertEquals(event.file, "reverse_exporter.yml");
  assertMatch(event.ts, /^\d{4}-\d\d-\d\dT/);
  const console = await runProgram(["--check-config"], { cwd: dir.path });
  assertMatch(
    console.stderr,
    /^\d{4}-\d\d-\d\dT\S+ INFO +no configuration file: .* file=reverse_exporter\.yml\n/,
  );
  const quiet = await runProgram(["--check-config", "--log-level", "warning"], { cwd: dir.path });
  assertEquals(quiet.stderr, "");
  assert(quiet.code === 0);
});

Deno.test("deno task start serves example.config.yml with exactly its flags, not -A", async () => {
  const task: string = denoJson.tasks.start;
  assert(!/\s-A\b|--allow-all/.test(task), task);
  const [deno, ...args] = task.split(/\s+/);
  assertEquals(deno, "deno");
  const server = await ServerProcess.spawn(args, REPO);
  try {
    assertEquals(server.bound, ["[::]:9998"], JSON.stringify(server.logs));
    const text = await (await fetch("http://127.0.0.1:9998/metrics")).text();
    for (const exporter of ["self", "cron", "script", "script_cached"]) {
      assertStringIncludes(text, `reverse_exporter_backend_up{exporter_name="${exporter}"} 1`);
    }
    assertStringIncludes(text, 'example_cron_runs_total{result="success",exporter_name="cron"} 42');
    assertStringIncludes(text, "# TYPE example_script_time_seconds gauge");
    assertStringIncludes(text, 'reverse_exporter_build_info{version="');
    assertStringIncludes(text, 'node_uuid="example-node",exporter_name="self"}');
  } finally {
    assertEquals(await server.stop(), 0);
  }
});
