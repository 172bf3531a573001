/** The program's life: load the configuration, scrape and serve, stop on a signal. */
import { errorMessage } from "./error_message.ts";
import type { Command } from "./cli.ts";
import { DEFAULT_CONFIG_FILE, EMBEDDED_CONFIG, loadConfigFile } from "./config/load.ts";
import type { Config } from "./config/types.ts";
import { ConfigError } from "./config/validate.ts";
import { formatDuration } from "./duration.ts";
import { Logger } from "./log.ts";
import { OwnMetrics } from "./metrics/own_metrics.ts";
import { STOP_GRACE_MS, stopAllCommands } from "./exporters/command.ts";
import { ByteBudget } from "./exporters/byte_budget.ts";
import { KINDS } from "./exporters/mod.ts";
import { ServedConfiguration } from "./generation.ts";
import { createEngine } from "./scrape/mod.ts";
import type { ReloadResult } from "./server/app.ts";
import { listen } from "./server/listen.ts";
import type { Listener } from "./server/types.ts";
import { logRenewal } from "./renewal.ts";
import {
  configPermissions,
  describeMissing,
  missingPermissions,
  type NeededPermission,
} from "./permissions.ts";
import { VERSION } from "./version.ts";

/** How long a shutdown waits for scrapes in flight before exiting anyway. */
export const SHUTDOWN_GRACE_MS = 10_000;

/** A command that loads a configuration: to run it, check it or print its permissions. */
export type RunCommand = Extract<Command, { action: "run" | "check-config" | "print-permissions" }>;

/** Loads the configuration a command names: the file, or the embedded default. */
export async function loadConfig(command: RunCommand, logger: Logger): Promise<Config> {
  if (command.configFile !== undefined) {
    return await loadConfigFile(command.configFile, { kinds: KINDS });
  }
  if (Deno.permissions.querySync({ name: "read", path: DEFAULT_CONFIG_FILE }).state !== "granted") {
    throw new ConfigError([
      `${DEFAULT_CONFIG_FILE}: cannot look for the default configuration file: not permitted; ` +
      `add --allow-read=${DEFAULT_CONFIG_FILE}, or name a file with --config-file`,
    ]);
  }
  try {
    await Deno.lstat(DEFAULT_CONFIG_FILE);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    logger.info("no configuration file: using the embedded default configuration", {
      file: DEFAULT_CONFIG_FILE,
    });
    return EMBEDDED_CONFIG;
  }
  return await loadConfigFile(DEFAULT_CONFIG_FILE, { kinds: KINDS });
}

/** The permissions a configuration needs. */
export function neededPermissions(config: Config): NeededPermission[] {
  return configPermissions(config, { defaultConfigFile: DEFAULT_CONFIG_FILE });
}

/** One line per `include` glob and per configured path, for `--check-config`. */
export function summarize(config: Config): string[] {
  const includes = config.includes.map((i) =>
    `include ${i.pattern}: ${i.files.length === 0 ? "no file" : i.files.join(", ")}`
  );
  const lines = config.reverseExporters.map((p) => {
    const exporters = p.exporters.map((e) => `${e.name} (${e.kind})`).join(", ");
    const own = p.ownMetrics ? "the program's own metrics" : "";
    return `${config.web.contextPath}${p.path}: ${p.exporters.length} exporter(s)` +
      (exporters || own ? `: ${[own, exporters].filter((s) => s).join(", ")}` : "");
  });
  return [...includes, ...(lines.length > 0 ? lines : ["no paths configured"])];
}

/** Loads a configuration and checks that this process was granted what it needs. */
async function loadServable(command: RunCommand, logger: Logger): Promise<Config> {
  const config = await loadConfig(command, logger);
  const missing = missingPermissions(neededPermissions(config));
  if (missing.length > 0) throw new Error(describeMissing(missing));
  return config;
}

/** Runs the program until SIGINT or SIGTERM; returns the exit code. */
export async function run(command: RunCommand): Promise<number> {
  const logger = new Logger({ level: command.logLevel, format: command.logFormat });
  const metrics = new OwnMetrics();
  let config: Config;
  try {
    config = await loadServable(command, logger);
  } catch (error) {
    reportConfigError(logger, error, "cannot start");
    return 1;
  }
  metrics.configLoaded(true);
  const budget = new ByteBudget(config.web.maxBytesInFlight, {
    onChange: (held) => metrics.bytesInFlight.set([], held),
  });
  metrics.bytesInFlight.set([], 0);

  let ready = false;
  let served: ServedConfiguration | undefined;
  const listeners: Listener[] = [];
  const engine = createEngine(config.web.engineWorkers);
  const stopAll = async () => {
    await Promise.all(listeners.map((l) => l.shutdown()));
    served?.closeAll();
    engine.close();
  };
  // Reloads run one at a time, in the order asked.
  let reloading: Promise<ReloadResult> = Promise.resolve({ ok: true });
  const reload = (trigger: string) => {
    reloading = reloading.then(() =>
      reloadConfiguration(command, served!, { logger, metrics, trigger })
    );
    return reloading;
  };
  try {
    served = await ServedConfiguration.start(config, {
      logger,
      metrics,
      engine,
      budget,
      isReady: () => ready,
      reload: command.enableLifecycle ? () => reload("POST /-/reload") : undefined,
    });
    for (const address of config.web.listen) {
      const listener = await listen(address, served.handler, {
        readHeaderTimeoutMs: config.web.readHeaderTimeoutMs,
        maxConnections: config.web.maxConnections,
        onRefused: () => metrics.connectionsRefused.inc([address.url]),
        onConnections: (open) => metrics.connections.set([address.url], open),
        // Refusals at info; connections closed or timed out mid-handshake (health checks,
        // port scans) at debug, so that anyone able to connect cannot fill the log.
        onTlsFailure: ({ client, reason, refused }) =>
          logger[refused ? "info" : "debug"]("TLS handshake failed", {
            listener: address.url,
            client,
            error: reason,
          }),
        onTlsRenewal: (report) => logRenewal(logger, report, { listener: address.url }),
      });
      listeners.push(listener);
      metrics.connections.set([address.url], 0);
      metrics.connectionsRefused.inc([address.url], 0);
      logger.info("listening", { address: address.url, bound: listener.bound });
    }
  } catch (error) {
    logger.error("start-up failed", { error: errorMessage(error) });
    await stopAll();
    await stopAllCommands();
    return 1;
  }
  ready = true;
  // Signals are handled before "started" is said: one sent as soon as it is read stops the
  // program gracefully (before, SIGINT could still end it with the default 130).
  const onHangup = () => void reload("SIGHUP");
  Deno.addSignalListener("SIGHUP", onHangup);
  const stopSignal = waitForStopSignal();
  logger.info("reverse_exporter started", {
    version: VERSION,
    config: config.file ?? "embedded default",
    paths: config.reverseExporters.map((p) => config.web.contextPath + p.path).join(","),
  });
  const signal = await stopSignal;
  Deno.removeSignalListener("SIGHUP", onHangup);
  logger.info("stopping", { signal, grace: formatDuration(SHUTDOWN_GRACE_MS) });
  const drained = stopAll();
  if (!await within(drained, SHUTDOWN_GRACE_MS)) {
    // Stuck scrapes fail fast once their exporters are closed: scripts get SIGTERM, then
    // SIGKILL; listeners can then finish and remove their socket files.
    logger.warning("scrapes still in flight after the grace period: stopping their exporters");
    served?.closeAll();
    if (!await within(drained, STOP_GRACE_MS + 500)) {
      logger.warning("exiting with requests unanswered");
    }
  }
  // No script outlives the program: those still running (an exec_cached run, a script that
  // ignores SIGTERM) are stopped, and waited for.
  await stopAllCommands();
  logger.info("stopped");
  return 0;
}

/**
 * Loads the configuration again and, if it can be served, serves it: scrapes in flight
 * finish on the old one. A refused configuration leaves the running one serving.
 */
async function reloadConfiguration(
  command: RunCommand,
  served: ServedConfiguration,
  context: { logger: Logger; metrics: OwnMetrics; trigger: string },
): Promise<ReloadResult> {
  const { logger, metrics, trigger } = context;
  try {
    const config = await loadServable(command, logger);
    const before = served.config.web.listen.map((l) => l.url).join(" ");
    const after = config.web.listen.map((l) => l.url).join(" ");
    if (before !== after) {
      logger.warning("web.listen changed: listeners change only on restart; the rest is reloaded", {
        listening: before,
        configured: after,
      });
    }
    if (served.config.web.maxConnections !== config.web.maxConnections) {
      logger.warning("web.max_connections changes only on restart; the rest is reloaded", {
        running: served.config.web.maxConnections,
        configured: config.web.maxConnections,
      });
    }
    await served.replace(config);
    metrics.configLoaded(true);
    logger.info("configuration reloaded", { trigger, config: config.file ?? "embedded default" });
    return { ok: true };
  } catch (error) {
    metrics.configLoaded(false);
    reportConfigError(logger, error, "configuration reload refused, the running one stays");
    const problems = error instanceof ConfigError ? error.problems.join("; ") : errorMessage(error);
    return { ok: false, error: problems };
  }
}

/** Whether `promise` settles within `ms`. */
async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<false>((resolve) => timer = setTimeout(() => resolve(false), ms));
  const settled = await Promise.race([promise.then(() => true, () => true), late]);
  clearTimeout(timer);
  return settled;
}

function reportConfigError(logger: Logger, error: unknown, what: string): void {
  if (error instanceof ConfigError) {
    for (const problem of error.problems) {
      logger.error("invalid configuration", { problem, what });
    }
  } else {
    logger.error(what, { error: errorMessage(error) });
  }
}

function waitForStopSignal(): Promise<Deno.Signal> {
  return new Promise((resolve) => {
    const signals: Deno.Signal[] = ["SIGINT", "SIGTERM"];
    const handlers = signals.map((signal) => {
      const handler = () => {
        signals.forEach((s, i) => Deno.removeSignalListener(s, handlers[i]!));
        resolve(signal);
      };
      Deno.addSignalListener(signal, handler);
      return handler;
    });
  });
}
