/**
 * `include: [conf.d/*.yml]` (issue 16, item 5): drop-in files of `reverse_exporters` entries,
 * merged in file-name order; errors naming the included file and key; `--check-config` and
 * `--print-permissions` covering them; the bounds of the globs.
 */
import { assert, assertEquals, assertStringIncludes } from "./_assert.ts";
import {
  eventually,
  runProgram,
  scrape,
  ServerProcess,
  startServer,
  tempDir,
  valueOf,
} from "./_server.ts";
import { MAX_ENTRIES_WALKED, MAX_INCLUDED_FILES } from "../src/config/_include.ts";

const MAIN = `
web: {listen: ["tcp://127.0.0.1:0"]}
exporter_defaults:
  file: {labels: {team: ops}}
include: [conf.d/*.yml]
reverse_exporters:
  - path: /metrics
    exporters:
      file: [{name: main, path: main.prom}]
`;

/** A drop-in file of one path, `/<name>`, whose file exporter reads `<name>.prom` beside it. */
function dropIn(name: string): string {
  return `reverse_exporters:
  - path: /${name}
    exporters:
      file: [{name: ${name}, path: ${name}.prom}]
`;
}

/** Writes `files` (relative name: content) under `dir`, making folders as needed. */
async function writeFiles(dir: string, files: Record<string, string>): Promise<void> {
  for (const [name, content] of Object.entries(files)) {
    const path = `${dir}/${name}`;
    await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    await Deno.writeTextFile(path, content);
  }
}

/** `--check-config` of `dir/reverse_exporter.yml`. */
function checkConfig(dir: string) {
  return runProgram(["--config-file", `${dir}/reverse_exporter.yml`, "--check-config"], {
    cwd: dir,
  });
}

Deno.test("drop-in files add their paths in file-name order, with the main file's defaults and their own folder", async () => {
  await using dir = await tempDir();
  await writeFiles(dir.path, {
    "main.prom": "main_value 1\n",
    "conf.d/b.yml": dropIn("b"),
    "conf.d/b.prom": "b_value 2\n",
    "conf.d/a.yml": dropIn("a"),
    "conf.d/a.prom": "a_value 3\n",
    "conf.d/notes.txt": "not included",
  });
  await Deno.writeTextFile(`${dir.path}/reverse_exporter.yml`, MAIN);
  const check = await checkConfig(dir.path);
  assertEquals(check.code, 0, check.stderr);
  assertEquals(check.stdout.trim().split("\n"), [
    `include conf.d/*.yml: ${dir.path}/conf.d/a.yml, ${dir.path}/conf.d/b.yml`,
    "/metrics: 1 exporter(s): main (file)",
    "/a: 1 exporter(s): a (file)",
    "/b: 1 exporter(s): b (file)",
  ]);
  await using server = await startServer(dir.path, MAIN);
  assertEquals(valueOf(await scrape(server, "/a"), 'a_value{team="ops",exporter_name="a"}'), 3);
  assertEquals(valueOf(await scrape(server, "/b"), 'b_value{team="ops",exporter_name="b"}'), 2);
  assertEquals(
    valueOf(await scrape(server, "/metrics"), 'main_value{team="ops",exporter_name="main"}'),
    1,
  );
  const page = await (await fetch(server.url("/"), { headers: { Accept: "application/json" } }))
    .json();
  assertEquals(page.paths.map((p: { path: string }) => p.path), ["/metrics", "/a", "/b"]);
});

Deno.test("a glob that matches nothing is no error; --check-config says so", async () => {
  await using dir = await tempDir();
  await writeFiles(dir.path, { "main.prom": "main_value 1\n" });
  const config = MAIN.replace("include: [conf.d/*.yml]", "include: [conf.d/*.yml, extra.yml]");
  await Deno.writeTextFile(`${dir.path}/reverse_exporter.yml`, config);
  const check = await checkConfig(dir.path);
  assertEquals(check.code, 0, check.stderr);
  assertEquals(check.stdout.trim().split("\n"), [
    "include conf.d/*.yml: no file",
    "include extra.yml: no file",
    "/metrics: 1 exporter(s): main (file)",
  ]);
  await using server = await startServer(dir.path, config);
  assertStringIncludes(await scrape(server), "main_value");
});

Deno.test("problems in included files name the file and the key; every one is reported", async () => {
  await using dir = await tempDir();
  const main = `${dir.path}/reverse_exporter.yml`;
  await Deno.writeTextFile(main, MAIN);
  await writeFiles(dir.path, {
    "conf.d/1-web.yml": `web: {listen: ["tcp://127.0.0.1:1"]}\n${dropIn("one")}`,
    "conf.d/2-typo.yml": dropIn("two").replace("path: two.prom", "paht: two.prom"),
    "conf.d/3-dup.yml": dropIn("metrics"),
    "conf.d/4-dup.yml": dropIn("one"),
    "conf.d/5-yaml.yml": "reverse_exporters: [\n",
    "conf.d/6-list.yml": "- path: /six\n",
  });
  const { code, stderr } = await checkConfig(dir.path);
  assertEquals(code, 1);
  const at = (name: string) => `${dir.path}/conf.d/${name}`;
  // The YAML error's excerpt of the file is on lines of its own.
  assertEquals(stderr.trim().split("\n").filter((l) => l.startsWith("/")), [
    `${at("1-web.yml")}: web: not allowed in an included file: it holds reverse_exporters ` +
    "entries only (web, exporter_defaults and include belong in the main configuration file)",
    `${at("2-typo.yml")}: reverse_exporters[0].exporters.file[0].paht: unknown key ` +
    '(did you mean "path"?); known keys here: name, labels, no_rewrite, body_size_limit, ' +
    "cache_for, path",
    `${at("2-typo.yml")}: reverse_exporters[0].exporters.file[0].path: required`,
    `${at("3-dup.yml")}: reverse_exporters[0].path: duplicate path /metrics: each path may be ` +
    `configured once; it is configured at ${main}: reverse_exporters[0] too`,
    `${at("4-dup.yml")}: reverse_exporters[0].path: duplicate path /one: each path may be ` +
    `configured once; it is configured at ${at("1-web.yml")}: reverse_exporters[0] too`,
    `${at("5-yaml.yml")}: (top level): invalid YAML: Cannot read flow collection: unexpected ` +
    "end of the stream within a flow collection at line 2, column 1:",
    `${at("6-list.yml")}: (top level): expected a mapping, got a list`,
  ]);
});

Deno.test("the include key itself: a list of non-empty strings; unreadable folders are named", async () => {
  await using dir = await tempDir();
  await Deno.writeTextFile(
    `${dir.path}/reverse_exporter.yml`,
    `include: ["", {a: 1}, secret/*.yml]\n`,
  );
  await Deno.mkdir(`${dir.path}/secret`);
  const { code, stderr } = await runProgram(
    ["--config-file", `${dir.path}/reverse_exporter.yml`, "--check-config"],
    {
      cwd: dir.path,
      permissions: ["--no-prompt", `--allow-read=${dir.path}/reverse_exporter.yml`],
    },
  );
  assertEquals(code, 1);
  const file = `${dir.path}/reverse_exporter.yml`;
  assertEquals(stderr.trim().split("\n"), [
    `${file}: include[0]: must not be empty`,
    `${file}: include[1]: expected a string (a glob), got a mapping`,
    `${file}: include[2]: cannot read ${dir.path}/secret: not permitted; ` +
    `add --allow-read=${dir.path}/secret`,
  ]);
});

Deno.test("--print-permissions grants the folders the globs walk: exactly enough to start, and to reload with a new drop-in", async () => {
  await using dir = await tempDir();
  await writeFiles(dir.path, {
    "main.prom": "main_value 1\n",
    "conf.d/a.yml": dropIn("a"),
    "conf.d/a.prom": "a_value 3\n",
  });
  const file = `${dir.path}/reverse_exporter.yml`;
  await Deno.writeTextFile(file, MAIN.replace("[conf.d/*.yml]", "[conf.d/*.yml, extra.yml]"));
  const printed = await runProgram(["--config-file", file, "--print-permissions"], {
    cwd: dir.path,
    permissions: ["--no-prompt", "--allow-read"],
  });
  assertEquals(printed.code, 0, printed.stderr);
  const flags = printed.stdout.trim().split(" ");
  assertEquals(flags, [
    "--allow-net=127.0.0.1:0",
    `--allow-read=${file},${dir.path}/conf.d,${dir.path}/extra.yml,${dir.path}/main.prom,` +
    `${dir.path}/conf.d/a.prom`,
  ]);
  await using server = await ServerProcess.start(["--config-file", file], {
    cwd: dir.path,
    permissions: ["--no-prompt", ...flags],
  });
  assertStringIncludes(await scrape(server, "/a"), "a_value");
  // A new drop-in, and the file the glob-less entry names, appear: a reload serves them.
  await writeFiles(dir.path, {
    "conf.d/b.yml": dropIn("b"),
    "conf.d/b.prom": "b_value 2\n",
    "extra.yml": dropIn("extra").replace("path: extra.prom", "path: conf.d/extra.prom"),
    "conf.d/extra.prom": "extra_value 4\n",
  });
  Deno.kill(server.pid, "SIGHUP");
  await eventually(
    "the configuration is reloaded",
    () => server.logs.some((l) => l.msg === "configuration reloaded"),
  );
  assertStringIncludes(await scrape(server, "/b"), 'b_value{team="ops",exporter_name="b"} 2');
  assertStringIncludes(
    await scrape(server, "/extra"),
    'extra_value{team="ops",exporter_name="extra"} 4',
  );
});

Deno.test("names starting with a dot are skipped, links to folders not followed: a Kubernetes ConfigMap's files count once", async () => {
  await using dir = await tempDir();
  // A ConfigMap volume: the files in a hidden, timestamped folder, reached through ..data.
  await writeFiles(dir.path, {
    "conf.d/..2026_01_01/a.yml": dropIn("a"),
    "conf.d/..2026_01_01/a.prom": "a_value 3\n",
    "conf.d/.a.yml.swp": "not yaml: [",
  });
  await Deno.symlink("..2026_01_01", `${dir.path}/conf.d/..data`);
  await Deno.symlink("..data/a.yml", `${dir.path}/conf.d/a.yml`);
  await Deno.symlink("..data/a.prom", `${dir.path}/conf.d/a.prom`);
  await Deno.writeTextFile(`${dir.path}/main.prom`, "main_value 1\n");
  const config = MAIN.replace("[conf.d/*.yml]", '["conf.d/**/*.yml"]');
  await Deno.writeTextFile(`${dir.path}/reverse_exporter.yml`, config);
  const check = await checkConfig(dir.path);
  assertEquals(check.code, 0, check.stderr);
  assertEquals(
    check.stdout.trim().split("\n")[0],
    `include conf.d/**/*.yml: ${dir.path}/conf.d/a.yml`,
  );
  await using server = await startServer(dir.path, config);
  assertStringIncludes(await scrape(server, "/a"), 'a_value{team="ops",exporter_name="a"} 3');
});

Deno.test("the globs' bounds: files matched, entries walked, size of a file", async (t) => {
  await t.step(`more than ${MAX_INCLUDED_FILES} files`, async () => {
    await using dir = await tempDir();
    await Deno.mkdir(`${dir.path}/conf.d`);
    for (let i = 0; i <= MAX_INCLUDED_FILES; i++) {
      await Deno.writeTextFile(`${dir.path}/conf.d/${String(i).padStart(4, "0")}.yml`, "");
    }
    await Deno.writeTextFile(`${dir.path}/reverse_exporter.yml`, "include: [conf.d/*.yml]\n");
    const { code, stderr } = await checkConfig(dir.path);
    assertEquals(code, 1);
    assertStringIncludes(
      stderr,
      `include[0]: the include globs match more than ${MAX_INCLUDED_FILES} files`,
    );
  });
  await t.step(`more than ${MAX_ENTRIES_WALKED} entries walked`, async () => {
    await using dir = await tempDir();
    await Deno.mkdir(`${dir.path}/tree/deep`, { recursive: true });
    for (let i = 0; i <= MAX_ENTRIES_WALKED; i++) {
      await Deno.writeTextFile(`${dir.path}/tree/deep/${i}.txt`, "");
    }
    await Deno.writeTextFile(`${dir.path}/reverse_exporter.yml`, 'include: ["tree/**/*.yml"]\n');
    const { code, stderr } = await checkConfig(dir.path);
    assertEquals(code, 1);
    assertStringIncludes(
      stderr,
      `include[0]: the include globs look at more than ${MAX_ENTRIES_WALKED} entries`,
    );
  });
  await t.step("a file over 4 MiB", async () => {
    await using dir = await tempDir();
    await writeFiles(dir.path, { "big.yml": `# ${"x".repeat(4 * 1024 * 1024)}\n` });
    await Deno.writeTextFile(`${dir.path}/reverse_exporter.yml`, "include: [big.yml]\n");
    const { code, stderr } = await checkConfig(dir.path);
    assertEquals(code, 1);
    assertEquals(
      stderr.trim(),
      `${dir.path}/big.yml: (top level): larger than ${4 * 1024 * 1024} bytes: not a configuration`,
    );
  });
  await t.step("the configuration file itself is never included", async () => {
    await using dir = await tempDir();
    await Deno.writeTextFile(`${dir.path}/reverse_exporter.yml`, "include: ['*.yml']\n");
    await writeFiles(dir.path, { "other.yml": dropIn("other") });
    const { code, stdout, stderr } = await checkConfig(dir.path);
    assertEquals(code, 0, stderr);
    assert(stdout.startsWith(`include *.yml: ${dir.path}/other.yml\n`), stdout);
  });
});
