/**
 * reverse_exporter: serves several Prometheus metric sources on one host as one
 * scrape target. See README.md.
 * @module
 */
import { type Command, parseCommandLine, USAGE, UsageError } from "./src/cli.ts";
import { ConfigError } from "./src/config/validate.ts";
import { Logger } from "./src/log.ts";
import { permissionFlags } from "./src/permissions.ts";
import { loadConfig, neededPermissions, run, summarize } from "./src/run.ts";
import { VERSION } from "./src/version.ts";

const encoder = new TextEncoder();

function print(text: string): void {
  Deno.stdout.writeSync(encoder.encode(text));
}

function printError(text: string): void {
  Deno.stderr.writeSync(encoder.encode(text));
}

/** Runs the command line `args`; resolves to the exit code. */
export async function main(args: readonly string[]): Promise<number> {
  let command: Command;
  try {
    command = parseCommandLine(args);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    printError(`reverse_exporter: ${error.message}\n\n${USAGE}`);
    return 2;
  }
  switch (command.action) {
    case "help":
      print(USAGE);
      return 0;
    case "version":
      print(`reverse_exporter ${VERSION} (deno ${Deno.version.deno})\n`);
      return 0;
    case "check-config":
    case "print-permissions": {
      const logger = new Logger({ level: command.logLevel, format: command.logFormat });
      try {
        const config = await loadConfig(command, logger);
        const lines = command.action === "check-config"
          ? summarize(config)
          : [permissionFlags(neededPermissions(config)).join(" ")];
        print(lines.map((line) => line + "\n").join(""));
        return 0;
      } catch (error) {
        const problems = error instanceof ConfigError ? error.problems : [String(error)];
        printError(problems.map((p) => p + "\n").join(""));
        return 1;
      }
    }
    case "run":
      return await run(command);
  }
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
