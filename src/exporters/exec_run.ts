/** One run of an `exec` or `exec_cached` exporter's command: run, check, decode, count. */
import type { ExecCachedExporterConfig, ExecExporterConfig } from "../config/types.ts";
import { type ExporterContext, type Payload, ScrapeFailure } from "./exporter.ts";
import { canSignalGroups, runCommand, withStderr } from "./command.ts";
import type { Logger } from "../log.ts";

/** The configuration of a command exporter of either kind. */
export type CommandExporterConfig = ExecExporterConfig | ExecCachedExporterConfig;

/** The Deno permissions a command exporter needs: running its command. */
export function commandPermissions(config: CommandExporterConfig): Deno.PermissionDescriptor[] {
  return [{ name: "run", command: config.command }];
}

let toldAboutGroups = false;
/** The exporters (path and name) whose left-behind processes were warned about. */
const warnedLeftBehind = new Set<string>();

/**
 * Says, once per process and at info level, that commands' children may outlive them
 * without unscoped `run`; a command that really leaves processes behind is warned about.
 */
export function noteWithoutGroupSignals(logger: Logger): void {
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
    { path: context.path, exporter: config.name, command: config.command },
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
  const labels = [context.path, config.name];
  const started = performance.now();
  metrics.execRuns.inc(labels);
  // The output is held of the budget of bytes in flight until the run is decoded.
  const hold = context.budget.hold();
  try {
    const result = await runCommand(
      {
        command: config.command,
        args: config.args,
        env: config.env,
        workingDir: config.workingDir,
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
        new ScrapeFailure("exit_code", `${config.command} ended with ${how}`),
        result.stderr,
      );
    }
    const payload: Payload = { body: result.stdout, what: `output of ${config.command}` };
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
