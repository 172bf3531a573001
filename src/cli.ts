/** The command line: flags, usage text and their validation. */
import { LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel } from "./log.ts";
import { parseArgs } from "./std/parse_args.ts";

/** What the command line asks the program to do. */
export type Command =
  | { readonly action: "help" }
  | { readonly action: "version" }
  | {
    readonly action: "run" | "check-config" | "print-permissions";
    /** The `--config-file` given, undefined when the flag was not given. */
    readonly configFile: string | undefined;
    readonly logLevel: LogLevel;
    readonly logFormat: LogFormat;
    /** `--web.enable-lifecycle`: allow `POST /-/reload`. */
    readonly enableLifecycle: boolean;
  };

/** A command line that cannot be understood (exit code 2). */
export class UsageError extends Error {
  /** A usage error with its message. */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** The `--help` text. */
export const USAGE = `Usage: reverse_exporter [flags]

Serves the exporters of a host (HTTP exporters, metric files, scripts) as one scrape target.

Flags:
  --config-file PATH      configuration file (default: reverse_exporter.yml; when that
                          file does not exist, an embedded default serving the program's
                          own metrics on tcp://[::]:9998/metrics)
  --log-level LEVEL       debug, info, warning or error (default: info)
  --log-format FORMAT     console or json (default: console)
  --check-config          validate the configuration, print a summary per path, exit
  --print-permissions     print the Deno permission flags the configuration needs, exit
  --web.enable-lifecycle  allow POST /-/reload to reload the configuration (SIGHUP always does)
  --version               print the version and exit
  -h, --help              print this help and exit

Exit codes: 0 normal, 1 configuration or start-up error, 2 usage error.
`;

/** Parses the program's arguments; throws {@linkcode UsageError}. */
export function parseCommandLine(args: readonly string[]): Command {
  const parsed = parseArgs(args, {
    string: ["config-file", "log-level", "log-format"],
    boolean: ["check-config", "print-permissions", "web.enable-lifecycle", "version", "help"],
    alias: { h: "help" },
  });
  if (parsed.unknown.length > 0) {
    throw new UsageError(`unknown argument ${parsed.unknown[0]}`);
  }
  if (parsed.booleans.has("help")) return { action: "help" };
  if (parsed.booleans.has("version")) return { action: "version" };
  const logLevel = parsed.strings.get("log-level") ?? "info";
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(", ")}, got "${logLevel}"`);
  }
  const logFormat = parsed.strings.get("log-format") ?? "console";
  if (!(LOG_FORMATS as readonly string[]).includes(logFormat)) {
    throw new UsageError(
      `--log-format must be one of ${LOG_FORMATS.join(", ")}, got "${logFormat}"`,
    );
  }
  const configFile = parsed.strings.get("config-file");
  if (configFile === "") throw new UsageError("--config-file needs a path");
  return {
    action: parsed.booleans.has("print-permissions")
      ? "print-permissions"
      : parsed.booleans.has("check-config")
      ? "check-config"
      : "run",
    configFile,
    logLevel: logLevel as LogLevel,
    logFormat: logFormat as LogFormat,
    enableLifecycle: parsed.booleans.has("web.enable-lifecycle"),
  };
}
