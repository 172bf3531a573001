/**
 * Compiles `dist/reverse_exporter-locked`: a binary that can do exactly what one
 * configuration needs, and reads that configuration.
 *
 *   deno task compile:locked --config-file /etc/reverse_exporter.yml [--output PATH]
 *
 * Permissions: `read` (the configuration, the source), `run` (deno compile).
 */
import { loadConfigFile } from "../src/config/load.ts";
import { KINDS } from "../src/exporters/mod.ts";
import { ConfigError } from "../src/config/validate.ts";
import { permissionArgs } from "../src/permissions.ts";
import { neededPermissions } from "../src/run.ts";
import { parseArgs } from "../src/std/parse_args.ts";
import { V8_FLAGS } from "../src/v8_flags.ts";

const encoder = new TextEncoder();
const args = parseArgs(Deno.args, { string: ["config-file", "output"], boolean: [] });
const configFile = args.strings.get("config-file");
if (configFile === undefined || args.unknown.length > 0) {
  Deno.stderr.writeSync(
    encoder.encode("usage: deno task compile:locked --config-file PATH [--output PATH]\n"),
  );
  Deno.exit(2);
}
let config;
try {
  config = await loadConfigFile(configFile, { kinds: KINDS });
} catch (error) {
  const problems = error instanceof ConfigError ? error.problems : [String(error)];
  Deno.stderr.writeSync(encoder.encode(problems.join("\n") + "\n"));
  Deno.exit(1);
}
const main = decodeURIComponent(new URL("../main.ts", import.meta.url).pathname);
const compileArgs = [
  "compile",
  `--v8-flags=${V8_FLAGS}`,
  "--no-prompt",
  ...permissionArgs(neededPermissions(config)),
  "--output",
  args.strings.get("output") ?? "dist/reverse_exporter-locked",
  main,
  "--config-file",
  config.file!,
];
Deno.stderr.writeSync(encoder.encode(`deno ${compileArgs.join(" ")}\n`));
const child = new Deno.Command(Deno.execPath(), {
  args: compileArgs,
  stdout: "inherit",
  stderr: "inherit",
})
  .spawn();
const { code } = await child.status;
Deno.exit(code);
