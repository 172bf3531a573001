/**
 * Unit tests of loadConfigFile with real files in a temporary directory.
 *
 * Reading the temporary directory needs read permission on it (e.g.
 * `--allow-read=.,/tmp --allow-write=/tmp`); with read permission on "." only, the tests
 * that need temporary files are ignored rather than failing on a permission error.
 */
import { assert, assertEquals, assertRejects, assertStringIncludes } from "../_assert.ts";
import { loadConfigFile } from "../../src/config/load.ts";
import { KINDS } from "../../src/exporters/mod.ts";
import type { ExporterConfig } from "../../src/config/types.ts";
import type { FileSettings } from "../../src/exporters/file.ts";
import type { ExecSettings } from "../../src/exporters/exec.ts";
import { ConfigError } from "../../src/config/validate.ts";

/** Whether this run may create and read temporary directories. */
async function canUseTempDir(): Promise<boolean> {
  try {
    const dir = await Deno.makeTempDir();
    try {
      return (await Deno.permissions.query({ name: "read", path: dir })).state === "granted";
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  } catch {
    return false;
  }
}

const NO_TEMP_DIR = !(await canUseTempDir());

/** Runs `fn` with a fresh temporary directory, removed at the end. */
async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "re_config_test_" }));
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("a missing configuration file gives a ConfigError naming the file", async () => {
  const error = await assertRejects(
    () => loadConfigFile("tests/config/no-such-config-file.yml", { kinds: KINDS }),
    ConfigError,
  );
  const file = `${Deno.cwd()}/tests/config/no-such-config-file.yml`;
  assertEquals(error.problems.length, 1, error.problems.join("\n"));
  assertStringIncludes(error.problems[0] ?? "", `${file}: cannot read the configuration file: `);
});

Deno.test({
  name: "a missing configuration file in a temporary directory names the file",
  ignore: NO_TEMP_DIR,
  fn: () =>
    withTempDir(async (dir) => {
      const error = await assertRejects(
        () => loadConfigFile(`${dir}/absent.yml`, { kinds: KINDS }),
        ConfigError,
      );
      assertStringIncludes(
        error.problems[0] ?? "",
        `${dir}/absent.yml: cannot read the configuration file: `,
      );
    }),
});

Deno.test({
  name: "invalid YAML gives a ConfigError naming the file and the YAML error's line",
  ignore: NO_TEMP_DIR,
  fn: () =>
    withTempDir(async (dir) => {
      const file = `${dir}/config.yml`;
      await Deno.writeTextFile(
        file,
        "web:\n  listen: [tcp://0.0.0.0:9998\nreverse_exporters: : :\n",
      );
      const error = await assertRejects(() => loadConfigFile(file, { kinds: KINDS }), ConfigError);
      assertEquals(error.problems.length, 1, error.problems.join("\n"));
      const problem = error.problems[0] ?? "";
      assertStringIncludes(problem, `${file}: invalid YAML: `);
      assertStringIncludes(problem, "line 3");
    }),
});

Deno.test({
  name: "validation problems of a file name the file and the key path",
  ignore: NO_TEMP_DIR,
  fn: () =>
    withTempDir(async (dir) => {
      const file = `${dir}/config.yml`;
      await Deno.writeTextFile(file, "reverse_exporters:\n  - path: metrics\n");
      const error = await assertRejects(() => loadConfigFile(file, { kinds: KINDS }), ConfigError);
      assertStringIncludes(
        error.problems[0] ?? "",
        `${file}: reverse_exporters[0].path: must start with "/"`,
      );
    }),
});

Deno.test({
  name: "a tcps listener whose tlscert file does not exist names web.listen[0] and the file",
  ignore: NO_TEMP_DIR,
  fn: () =>
    withTempDir(async (dir) => {
      const file = `${dir}/config.yml`;
      await Deno.writeTextFile(`${dir}/server.key`, "not really a key\n");
      await Deno.writeTextFile(
        file,
        "web:\n  listen:\n    - tcps://0.0.0.0:9443?tlscert=missing.crt&tlskey=server.key\n",
      );
      const error = await assertRejects(() => loadConfigFile(file, { kinds: KINDS }), ConfigError);
      assertEquals(error.problems.length, 1, error.problems.join("\n"));
      assertStringIncludes(
        error.problems[0] ?? "",
        `${file}: web.listen[0]: TLS file ${dir}/missing.crt`,
      );
    }),
});

Deno.test({
  name: "a unixs listener whose tlsclientca file does not exist is rejected too",
  ignore: NO_TEMP_DIR,
  fn: () =>
    withTempDir(async (dir) => {
      const file = `${dir}/config.yml`;
      await Deno.writeTextFile(`${dir}/server.crt`, "cert\n");
      await Deno.writeTextFile(`${dir}/server.key`, "key\n");
      await Deno.writeTextFile(
        file,
        "web:\n  listen:\n    - tcp://127.0.0.1:0\n" +
          "    - unixs://re.sock?tlscert=server.crt&tlskey=server.key&tlsclientca=ca.crt\n",
      );
      const error = await assertRejects(() => loadConfigFile(file, { kinds: KINDS }), ConfigError);
      assertEquals(error.problems.length, 1, error.problems.join("\n"));
      assertStringIncludes(
        error.problems[0] ?? "",
        `${file}: web.listen[1]: TLS file ${dir}/ca.crt`,
      );
    }),
});

Deno.test({
  name: "relative paths resolve against the configuration file's directory",
  ignore: NO_TEMP_DIR,
  fn: () =>
    withTempDir(async (dir) => {
      await Deno.mkdir(`${dir}/tls`);
      await Deno.writeTextFile(`${dir}/tls/server.crt`, "cert\n");
      await Deno.writeTextFile(`${dir}/tls/server.key`, "key\n");
      const file = `${dir}/config.yml`;
      await Deno.writeTextFile(
        file,
        `
web:
  listen:
    - tcps://127.0.0.1:0?tlscert=tls/server.crt&tlskey=./tls/server.key
reverse_exporters:
  - path: /metrics
    exporters:
      file:
        - {name: cron, path: data/cron.prom}
        - {name: abs, path: /var/lib/metrics/cron.prom}
      exec:
        - {name: script, command: ./scripted_metrics.sh, working_dir: work}
        - {name: bare, command: python3}
`,
      );
      const config = await loadConfigFile(file, { kinds: KINDS });
      assertEquals(config.file, file);
      const listen = config.web.listen[0];
      assert(listen?.scheme === "tcps");
      assertEquals(listen.tls.certFile, `${dir}/tls/server.crt`);
      assertEquals(listen.tls.keyFile, `${dir}/tls/server.key`);
      const exporters = config.reverseExporters[0]?.exporters ?? [];
      const [cron, abs, script, bare] = exporters;
      assert(cron?.kind === "file" && abs?.kind === "file");
      const files = [cron, abs] as ExporterConfig<FileSettings>[];
      assertEquals(files[0]!.settings.file, `${dir}/data/cron.prom`);
      assertEquals(files[1]!.settings.file, "/var/lib/metrics/cron.prom");
      assert(script?.kind === "exec" && bare?.kind === "exec");
      const [scriptSettings, bareSettings] = [script, bare].map((e) => e.settings as ExecSettings);
      assertEquals(scriptSettings!.command, `${dir}/scripted_metrics.sh`);
      assertEquals(scriptSettings!.workingDir, `${dir}/work`);
      assertEquals(bareSettings!.command, "python3");
    }),
});

Deno.test({
  name: "an empty configuration file is valid with no paths",
  ignore: NO_TEMP_DIR,
  fn: () =>
    withTempDir(async (dir) => {
      const file = `${dir}/empty.yml`;
      await Deno.writeTextFile(file, "");
      const config = await loadConfigFile(file, { kinds: KINDS });
      assertEquals(config.file, file);
      assertEquals(config.reverseExporters, []);
      assertEquals(config.web.listen, [
        { scheme: "tcp", url: "tcp://[::]:9998", hostname: "::", port: 9998 },
      ]);
    }),
});
