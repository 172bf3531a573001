/**
 * What the `exec` and `exec_cached` kinds share: the keys of a command, and one run of it
 * (run, check, count).
 * @module
 */
import type { ExporterConfig } from "../config/types.ts";
import type { Fields, Mapping } from "../config/fields.ts";
import {
  type Exporter,
  type ExporterContext,
  type ExporterKind,
  type Payload,
  ScrapeFailure,
} from "./exporter.ts";
import { canSignalGroups, runCommand, withStderr } from "./command.ts";
import type { Logger } from "../log.ts";

/** The keys of a command, as `exec` and `exec_cached` exporters have them. */
export interface CommandSettings {
  /** Absolute when it was written with a "/", else looked up in PATH. */
  readonly command: string;
  /** Its arguments, passed as they are (no shell). */
  readonly args: readonly string[];
  /** Infinity when `timeout: 0` (no timeout of its own). */
  readonly timeoutMs: number;
  /** Variables added to its environment. */
  readonly env: Readonly<Record<string, string>>;
  /** Where it runs (absolute); undefined: the program's working directory. */
  readonly workingDir: string | undefined;
}

/** The configuration of a command exporter of either kind. */
export type CommandExporterConfig = ExporterConfig<CommandSettings>;

/** The keys of a command. */
export const COMMAND_KEYS = ["command", "args", "timeout", "env", "working_dir"] as const;

/** Reads the keys of a command but `timeout`, whose default depends on the kind. */
export function parseCommand(
  fields: Fields,
  m: Mapping,
  at: string,
): Omit<CommandSettings, "timeoutMs"> {
  const command = fields.requiredString(m, { key: "command", at });
  const workingDir = fields.string(m, { key: "working_dir", at });
  const args = fields.stringList(m, { key: "args", at });
  const env = fields.stringMap(m, { key: "env", at });
  return {
    command: command === undefined || !command.includes("/")
      ? command ?? ""
      : fields.resolve(command),
    args,
    env,
    workingDir: workingDir === undefined ? undefined : fields.resolve(workingDir),
  };
}

/**
 * A kind of command exporter: its own name, keys, parsing and reload behaviour, with what
 * `exec` and `exec_cached` share (permissions, target, timeout, making it).
 */
export function commandKind<Settings extends CommandSettings>(
  own: Pick<ExporterKind<Settings>, "name" | "keys" | "standIns" | "parse" | "survivesReload"> & {
    /** Makes the running exporter. */
    make(config: ExporterConfig<Settings>, context: ExporterContext): Exporter;
  },
): ExporterKind<Settings> {
  return {
    name: own.name,
    keys: own.keys,
    standIns: own.standIns,
    parse: own.parse,
    permissions: commandPermissions,
    target: commandLine,
    timeoutMs: ({ settings }) => settings.timeoutMs,
    forwardsQuery: () => false,
    survivesReload: own.survivesReload,
    create(config, context) {
      noteWithoutGroupSignals(context.logger);
      return Promise.resolve(own.make(config, context));
    },
  };
}

/** The Deno permissions a command exporter needs: running its command. */
function commandPermissions(
  { settings }: CommandExporterConfig,
): Deno.PermissionDescriptor[] {
  return [{ name: "run", command: settings.command }];
}

/** The command line of a command exporter. */
function commandLine({ settings }: CommandExporterConfig): string {
  return [settings.command, ...settings.args].join(" ");
}

let toldAboutGroups = false;
/** The exporters (path and name) whose left-behind processes were warned about. */
const warnedLeftBehind = new Set<string>();

/**
 * Says, once per process and at info level, that commands' children may outlive them
 * without unscoped `run`; a command that really leaves processes behind is warned about.
 */
function noteWithoutGroupSignals(logger: Logger): void {
  if (toldAboutGroups || canSignalGroups()) return;
  toldAboutGroups = true;
  logger.info(
    "--allow-run is limited to a list of commands: a stopped command's own process is " +
      "signalled, but processes it started may outlive it (signalling a process group " +
      "needs --allow-run without a list)",
  );
}

/** Warns, once per exporter, that its command left processes running that cannot be stopped. */
function warnLeftBehind(config: CommandExporterConfig, context: ExporterContext): void {
  const key = `${context.path}\u0000${config.name}`;
  if (warnedLeftBehind.has(key)) return;
  warnedLeftBehind.add(key);
  context.logger.warning(
    "exporter command left processes running: they held its output open after it exited, " +
      "and --allow-run limited to a list of commands cannot stop them (signalling a process " +
      "group needs --allow-run without a list)",
    { path: context.path, exporter: config.name, command: config.settings.command },
  );
}

/**
 * Runs the exporter's command once and returns its output (an exposition still to decode,
 * `check`ed when given); rejects with a {@linkcode ScrapeFailure}. Counts the run in the
 * program's own metrics and logs its stderr.
 */
export async function runExporter(
  config: CommandExporterConfig,
  signal: AbortSignal,
  context: ExporterContext & { check?: (payload: Payload) => Promise<void> },
): Promise<Payload> {
  const { metrics, logger } = context;
  const { command, args, env, workingDir } = config.settings;
  const labels = [context.path, config.name];
  const started = performance.now();
  metrics.execRuns.inc(labels);
  // The output is held of the budget of bytes in flight while the command runs and, for
  // `exec_cached`, while `check` decodes it; the copies the scrapes get are their own.
  const hold = context.budget.hold();
  try {
    const result = await runCommand(
      {
        command,
        args,
        env,
        workingDir,
        outputLimit: config.bodySizeLimit,
        onLeftBehind: () => warnLeftBehind(config, context),
      },
      signal,
      { hold },
    );
    metrics.execLastExitCode.set(labels, result.code);
    // A failed run's stderr goes with its failure; a successful one's is logged here.
    if (result.stderr !== "" && result.code === 0) {
      logger.info("exporter command wrote to stderr", {
        path: context.path,
        exporter: config.name,
        stderr: result.stderr,
      });
    }
    if (result.code !== 0) {
      const how = result.signal === null ? `exit code ${result.code}` : `signal ${result.signal}`;
      throw withStderr(
        new ScrapeFailure("exit_code", `${command} ended with ${how}`),
        result.stderr,
      );
    }
    const payload: Payload = { body: result.stdout, what: `output of ${command}` };
    await context.check?.(payload);
    metrics.execLastSuccess.set(labels, Date.now() / 1000);
    return payload;
  } catch (error) {
    const failure = error instanceof ScrapeFailure
      ? error
      : new ScrapeFailure("start", String(error));
    metrics.execRunFailures.inc([...labels, failure.category]);
    throw failure;
  } finally {
    hold.release();
    metrics.execRunDuration.observe(labels, (performance.now() - started) / 1000);
  }
}
