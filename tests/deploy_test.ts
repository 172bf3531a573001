/** Packaging: compile, the start task's flags, the Containerfile and the systemd unit. */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "./_assert.ts";
import { installed, REPO, runProgram, tempDir } from "./_server.ts";
import { V8_FLAGS } from "../src/v8_flags.ts";
import { CA_VARIABLES } from "../src/exporters/_system_cas.ts";

const denoJson = JSON.parse(Deno.readTextFileSync(`${REPO}deno.json`));
const tasks: Record<string, string> = denoJson.tasks;
const ciDenoVersion = /DENO_VERSION=(\S+)/.exec(Deno.readTextFileSync(`${REPO}.ci/run`))?.[1];

/** The arguments of a `deno ...` task, without the leading `deno`. */
function taskArgs(task: string): string[] {
  const [deno, ...args] = task.split(/\s+/);
  assertEquals(deno, "deno");
  return args;
}

/**
 * Runs `deno compile` with `args`. It passes when the binary is built, or when the only
 * failure is fetching the `denort` runtime (these machines cannot reach its servers): any
 * other compile error, such as a dynamic import or a missing file, fails.
 */
async function compiles(args: string[], env: Record<string, string> = {}) {
  const output = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: REPO,
    env,
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(180_000),
  }).output();
  return { code: output.code, stderr: new TextDecoder().decode(output.stderr) };
}

function assertBuiltOrOnlyRuntimeMissing(result: { code: number; stderr: string }, binary: string) {
  if (result.code === 0) {
    assert(Deno.statSync(binary).isFile, `${binary} was not written`);
    return;
  }
  // Everything up to the runtime worked: the module graph was built and type-free of errors.
  assertStringIncludes(result.stderr, "Setting up base binary");
  assertMatch(result.stderr, /denort-[\w-]+\.zip/);
  assertMatch(result.stderr, /error sending request|dns error|Could not find denort/);
}

Deno.test("deno task compile builds dist/reverse_exporter, or fails only at the runtime download", async () => {
  await using dir = await tempDir();
  const args = taskArgs(tasks.compile!).map((a) =>
    a === "dist/reverse_exporter" ? `${dir.path}/re` : a
  );
  assert(args.includes(`${dir.path}/re`), "the task writes dist/reverse_exporter");
  const result = await compiles(args);
  assertBuiltOrOnlyRuntimeMissing(result, `${dir.path}/re`);
  if (result.code === 0) {
    const version = await new Deno.Command(`${dir.path}/re`, {
      args: ["--version"],
      stdout: "piped",
    }).output();
    assertStringIncludes(
      new TextDecoder().decode(version.stdout),
      `reverse_exporter ${denoJson.version}`,
    );
  }
});

Deno.test("deno task compile:locked compiles with exactly the configuration's flags", async () => {
  await using dir = await tempDir();
  const output = await new Deno.Command(Deno.execPath(), {
    args: [
      ...taskArgs(tasks["compile:locked"]!),
      "--config-file",
      "example.config.yml",
      "--output",
      `${dir.path}/locked`,
    ],
    cwd: REPO,
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(180_000),
  }).output();
  const stderr = new TextDecoder().decode(output.stderr);
  const printed = await runProgram(["--config-file", "example.config.yml", "--print-permissions"]);
  const command = stderr.split("\n").find((l) => l.startsWith("deno compile "))!;
  assertStringIncludes(command, `deno compile --v8-flags=${V8_FLAGS} --no-prompt`);
  assertStringIncludes(command, `--no-prompt ${printed.stdout.trim()} --output ${dir.path}/locked`);
  assertStringIncludes(command, `main.ts --config-file ${REPO}example.config.yml`);
  assertBuiltOrOnlyRuntimeMissing({ code: output.code, stderr }, `${dir.path}/locked`);
});

Deno.test("DENORT_BIN is honoured by the compile task", async () => {
  await using dir = await tempDir();
  const args = taskArgs(tasks.compile!).map((a) =>
    a === "dist/reverse_exporter" ? `${dir.path}/re` : a
  );
  const result = await compiles(args, { DENORT_BIN: `${dir.path}/no-such-denort` });
  assertEquals(result.code, 1);
  assertStringIncludes(result.stderr, `Could not find denort at '${dir.path}/no-such-denort'`);
});

Deno.test("the binary and deno task start run with the program's V8 flags", () => {
  for (const task of ["compile", "start"]) {
    assertEquals(taskArgs(tasks[task]!).slice(1, 2), [`--v8-flags=${V8_FLAGS}`], task);
  }
});

Deno.test("deno task start has no -A, no unscoped --allow-*, and exactly the printed flags", async () => {
  const args = taskArgs(tasks.start!);
  const allows = args.filter((a) => a.startsWith("--allow-") || a === "-A");
  for (const a of allows) assertMatch(a, /^--allow-(net|read|write|run)=\S+$/, `unscoped: ${a}`);
  const printed = await runProgram(["--config-file", "example.config.yml", "--print-permissions"]);
  assertEquals(printed.code, 0, printed.stderr);
  // The task writes paths relative to the repository; --print-permissions resolves them.
  const resolved = allows.map((flag) => {
    const [name, values] = flag.split("=") as [string, string];
    return `${name}=${
      values.split(",").map((v) =>
        v.startsWith("./") || v.endsWith(".yml") || v.endsWith(".prom")
          ? `${REPO}${v.replace(/^\.\//, "")}`
          : v
      ).join(",")
    }`;
  });
  assertEquals(resolved, printed.stdout.trim().split(" "));
});

Deno.test("the general binary may read the CA variables of https exporters, and no other", () => {
  const env = taskArgs(tasks.compile!).filter((a) => a.startsWith("--allow-env"));
  assertEquals(env, [`--allow-env=${CA_VARIABLES.join(",")}`]);
});

Deno.test("the Containerfile builds with the compile task onto distroless, under tini", () => {
  const containerfile = Deno.readTextFileSync(`${REPO}Containerfile`);
  const from = [...containerfile.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]);
  assertEquals(from, [
    `docker.io/denoland/deno:debian-${ciDenoVersion}`,
    "docker.io/library/debian:bookworm-slim",
    "gcr.io/distroless/cc-debian12:nonroot",
  ]);
  // The same permission set as outside the container: the task itself, not a copy of its flags.
  assertStringIncludes(containerfile, "RUN deno task compile\n");
  assert(!/deno compile/.test(containerfile), "flags would drift from deno.json's compile task");
  for (
    const line of [
      "COPY --from=build /src/dist/reverse_exporter /reverse_exporter",
      "COPY deploy/reverse_exporter.yml /config/reverse_exporter.yml",
      "EXPOSE 9998",
      "USER nonroot",
      'ENTRYPOINT ["/tini", "--", "/reverse_exporter", "--config-file", "/config/reverse_exporter.yml"]',
    ]
  ) {
    assertStringIncludes(containerfile, line + "\n");
  }
  // What the build stage copies is all the compile needs: main.ts's imports stay in src/.
  for (const copied of ["deno.json deno.lock", "main.ts", "src ./src"]) {
    assertStringIncludes(containerfile, `COPY ${copied}`);
  }
});

Deno.test("the container's default configuration is valid and served by the compiled permissions", async () => {
  const check = await runProgram([
    "--config-file",
    "deploy/reverse_exporter.yml",
    "--check-config",
  ]);
  assertEquals(check.code, 0, check.stderr);
  const printed = await runProgram([
    "--config-file",
    "deploy/reverse_exporter.yml",
    "--print-permissions",
  ]);
  const compileFlags = taskArgs(tasks.compile!).filter((a) => a.startsWith("--allow-"));
  // The general binary grants net and read without a list: it covers every net and read grant.
  assert(
    compileFlags.includes("--allow-net") && compileFlags.includes("--allow-read"),
    compileFlags.join(" "),
  );
  for (const flag of printed.stdout.trim().split(" ")) assertMatch(flag, /^--allow-(net|read)=/);
});

const hasSystemdAnalyze = await installed("systemd-analyze");

Deno.test("the systemd unit is hardened and reloads with SIGHUP", async () => {
  const unit = Deno.readTextFileSync(`${REPO}deploy/reverse_exporter.service`);
  for (
    const setting of [
      "DynamicUser=yes",
      "ProtectSystem=strict",
      "NoNewPrivileges=yes",
      "CapabilityBoundingSet=\n",
      "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX",
      "SystemCallFilter=@system-service",
      "ProtectHome=yes",
      "PrivateTmp=yes",
      "ExecReload=/bin/kill -HUP $MAINPID",
    ]
  ) {
    assertStringIncludes(unit, setting.endsWith("\n") ? setting : setting + "\n");
  }
  assert(!/^MemoryDenyWriteExecute=yes/m.test(unit), "V8's JIT needs writable executable memory");
  if (!hasSystemdAnalyze) return;
  // systemd-analyze checks the unit's syntax; it needs ExecStart to exist.
  await using dir = await tempDir();
  await Deno.writeTextFile(
    `${dir.path}/reverse_exporter.service`,
    unit.replace(/^ExecStart=\S+/m, `ExecStart=${Deno.execPath()}`),
  );
  const verify = await new Deno.Command("systemd-analyze", {
    args: ["verify", `${dir.path}/reverse_exporter.service`],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assertEquals(verify.code, 0, new TextDecoder().decode(verify.stderr));
});
