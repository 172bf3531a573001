/** The command line of the real program: flags, exit codes, the embedded default. */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "./_assert.ts";
import { serveCachedPackages } from "./_npm_registry.ts";
import { freePort } from "./_prometheus.ts";
import { REPO, runProgram, ServerProcess, tempDir } from "./_server.ts";
import { EMBEDDED_CONFIG } from "../src/config/load.ts";
import { ByteBudget } from "../src/exporters/byte_budget.ts";
import { InlineEngine } from "../src/scrape/engine.ts";
import { ServedConfiguration } from "../src/generation.ts";
import { Logger } from "../src/log.ts";
import { OwnMetrics } from "../src/metrics/own_metrics.ts";

const denoJson = JSON.parse(Deno.readTextFileSync(new URL("../deno.json", import.meta.url)));

Deno.test("--version prints the version from deno.json and exits 0", async () => {
  const { code, stdout } = await runProgram(["--version"]);
  assertEquals(code, 0);
  assertStringIncludes(stdout, `reverse_exporter ${denoJson.version} (deno ${Deno.version.deno})`);
});

Deno.test("--help and -h print every flag and exit 0", async () => {
  const short = await runProgram(["-h"]);
  assertEquals(short.code, 0);
  const { code, stdout } = await runProgram(["--help"]);
  assertEquals(code, 0);
  assertEquals(short.stdout, stdout);
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

Deno.test("the same listen address twice: --check-config reports it, and the start refuses it", async () => {
  await using dir = await tempDir();
  const file = `${dir.path}/config.yml`;
  await Deno.writeTextFile(
    file,
    `web: {listen: ["tcp://[::]:9998", "tcp://:9998", "tcp://0.0.0.0:9998"]}\n`,
  );
  const check = await runProgram(["--config-file", file, "--check-config"], { cwd: dir.path });
  assertEquals(check.code, 1);
  assertEquals(check.stderr.trim().split("\n"), [
    `${file}: web.listen[1]: "tcp://:9998" listens on the same address as web.listen[0] "tcp://[::]:9998"`,
    `${file}: web.listen[2]: "tcp://0.0.0.0:9998" takes port 9998 on an address already taken ` +
    `(:: takes it on every address, 0.0.0.0 on every IPv4 address) by web.listen[0] "tcp://[::]:9998"`,
  ]);
  const start = await runProgram(["--config-file", file, "--log-format", "json"], {
    cwd: dir.path,
  });
  assertEquals(start.code, 1);
  const problems = start.stderr.trim().split("\n").map((l) => JSON.parse(l));
  assertEquals(problems.length, 2, start.stderr);
  assertEquals(problems[0].msg, "invalid configuration");
  assertStringIncludes(problems[0].problem, 'web.listen[1]: "tcp://:9998" listens on the same');
  assertStringIncludes(problems[0].problem, 'web.listen[0] "tcp://[::]:9998"');
});

Deno.test("tcp://:9998 listens on every address, as in Go: [::]:9998", async () => {
  await using dir = await tempDir();
  const file = `${dir.path}/config.yml`;
  await Deno.writeTextFile(file, `web: {listen: ["tcp://:9998"]}\n`);
  const printed = await runProgram(["--config-file", file, "--print-permissions"], {
    cwd: dir.path,
  });
  assertEquals(printed.code, 0, printed.stderr);
  assertEquals(printed.stdout.trim(), `--allow-net=[::]:9998 --allow-read=${file}`);
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

Deno.test("the embedded default listens on [::]:9998 (seen without binding it)", async () => {
  await using dir = await tempDir();
  const printed = await runProgram(["--print-permissions"], { cwd: dir.path });
  assertEquals(printed.stdout.trim(), "--allow-net=[::]:9998 --allow-read=reverse_exporter.yml");
  // Without the grant to listen there, the start names the listener and stops before binding.
  const refused = await runProgram([], { cwd: dir.path });
  assertEquals(refused.code, 1);
  assertStringIncludes(refused.stderr, "net [::]:9998 (for listener tcp://[::]:9998)");
});

Deno.test("the embedded default serves the program's own metrics on /metrics", async () => {
  const served = await ServedConfiguration.start(EMBEDDED_CONFIG, {
    logger: new Logger({ level: "error", format: "json" }),
    metrics: new OwnMetrics(),
    budget: new ByteBudget(EMBEDDED_CONFIG.web.maxBytesInFlight),
    engine: new InlineEngine(),
    isReady: () => true,
    reload: undefined,
  });
  try {
    const response = await served.handler(new Request("http://localhost/metrics"), {
      remoteAddr: { transport: "tcp", hostname: "127.0.0.1", port: 1 },
      completed: Promise.resolve(),
    });
    const text = await response.text();
    assertStringIncludes(text, "# TYPE reverse_exporter_build_info gauge");
    assertStringIncludes(text, "process_resident_memory_bytes ");
  } finally {
    served.closeAll();
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

/**
 * `deno task start` with exactly its flags, on the example files copied into `dir` with the
 * port changed to a free one: the quick start may be running on 9998.
 */
async function startTaskArgs(dir: string): Promise<string[]> {
  const task: string = denoJson.tasks.start;
  const [deno, ...args] = task.split(/\s+/);
  assertEquals(deno, "deno");
  const port = String(freePort());
  for (const file of ["example.config.yml", "example.metrics.prom", "example_metrics.sh"]) {
    const text = await Deno.readTextFile(`${REPO}${file}`);
    await Deno.writeTextFile(`${dir}/${file}`, text.replaceAll("9998", port), { mode: 0o755 });
  }
  return args.map((a) => a === "main.ts" ? `${REPO}main.ts` : a.replaceAll("9998", port))
    .toSpliced(1, 0, `--config=${REPO}deno.json`);
}

Deno.test("deno task start serves example.config.yml with exactly its flags, not -A", async () => {
  const task: string = denoJson.tasks.start;
  assert(!/\s-A\b|--allow-all/.test(task), task);
  await using dir = await tempDir();
  const server = await ServerProcess.spawn(await startTaskArgs(dir.path), { cwd: dir.path });
  try {
    assertEquals(server.bound.length, 1, JSON.stringify(server.logs));
    assertMatch(server.bound[0]!, /^127\.0\.0\.1:\d+$/);
    const text = await (await fetch(server.url("/metrics"))).text();
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
  // A first run is clean: every line is the program's, none a warning.
  for (const line of server.logs) {
    assertMatch(line.msg, CONSOLE_LOG_LINE);
    assert(!/ (WARNING|ERROR) /.test(line.msg), line.msg);
  }
});

/** A line of the program's console log. */
const CONSOLE_LOG_LINE = /^\d{4}-\d\d-\d\dT[\d:.]+Z (DEBUG|INFO|WARNING|ERROR) +\S/;

Deno.test("on an empty Deno cache, stderr holds the program's log lines only", async (t) => {
  await using dir = await tempDir();
  await using registry = await serveCachedPackages(dir.path);
  const downloads = () => registry.requests.filter((r) => r.endsWith(".tgz")).length;
  await t.step("--check-config", async () => {
    const { code, stdout, stderr } = await runProgram(["--check-config"], {
      cwd: dir.path,
      env: await registry.freshCache(),
      denoFlags: registry.denoFlags,
    });
    assertEquals(code, 0, stderr);
    assertEquals(stdout.trim(), "/metrics: 0 exporter(s): the program's own metrics");
    assert(downloads() >= 3, `Deno filled its cache: ${registry.requests.join(" ")}`);
    for (const line of stderr.trimEnd().split("\n")) assertMatch(line, CONSOLE_LOG_LINE);
  });
  await t.step("deno task start", async () => {
    const before = downloads();
    const args = await startTaskArgs(dir.path);
    const server = await ServerProcess.spawn(args.toSpliced(1, 0, ...registry.denoFlags), {
      cwd: dir.path,
      env: await registry.freshCache(),
    });
    try {
      assertEquals(server.bound.length, 1, JSON.stringify(server.logs));
    } finally {
      assertEquals(await server.stop(), 0);
    }
    assert(downloads() > before, `Deno filled its cache: ${registry.requests.join(" ")}`);
    for (const line of server.logs) assertMatch(line.msg, CONSOLE_LOG_LINE);
  });
});
