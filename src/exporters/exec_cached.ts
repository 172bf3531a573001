/**
 * The `exec_cached` kind: runs a command at start and then every `exec_interval`, start to
 * start, never two at once; scrapes get the last good result. A running one is kept across
 * a reload that leaves its configuration unchanged, so that its schedule and last result go on.
 *
 * Permissions: `run` of the command.
 * @module
 */
import type { ExporterConfig } from "../config/types.ts";
import { type Fields, keyAt, type Mapping } from "../config/fields.ts";
import { formatDuration } from "../duration.ts";
import {
  abortFailure,
  type Exporter,
  type ExporterContext,
  type ExporterKind,
  type Payload,
  readTimeout,
  type RunStatus,
  type ScrapeContext,
  ScrapeFailure,
} from "./exporter.ts";
import { reserve } from "./_bounded_read.ts";
import {
  COMMAND_KEYS,
  commandKind,
  type CommandSettings,
  parseCommand,
  runExporter,
} from "./_exec_run.ts";

/** The keys of an `exec_cached` exporter. */
export interface ExecCachedSettings extends CommandSettings {
  /** Start to start, between two runs (`exec_interval`). */
  readonly execIntervalMs: number;
  /** How old the last good result may be and still be served (`max_age`; default 3 intervals). */
  readonly maxAgeMs: number;
}

/** The configuration of an `exec_cached` exporter. */
type ExecCachedExporterConfig = ExporterConfig<ExecCachedSettings>;

/** The `exec_cached` kind. */
export const execCachedKind: ExporterKind<ExecCachedSettings> = commandKind({
  name: "exec_cached",
  keys: [...COMMAND_KEYS, "exec_interval", "max_age"],
  standIns: { command: "defaults", exec_interval: "1s" },
  parse: parseExecCached,
  survivesReload: true,
  make: (config, context) => new ExecCachedExporter(config, context),
});

/** The keys of a command, `exec_interval` (required), and `timeout` and `max_age` that follow it. */
function parseExecCached(fields: Fields, m: Mapping, at: string): ExecCachedSettings {
  const command = parseCommand(fields, m, at);
  const execIntervalMs = fields.duration(m, { key: "exec_interval", at, fallback: -1 });
  if (m["exec_interval"] === undefined || m["exec_interval"] === null) {
    fields.problem(keyAt(at, "exec_interval"), "required");
  } else if (execIntervalMs === 0) {
    fields.problem(keyAt(at, "exec_interval"), "must be more than 0");
  }
  return {
    ...command,
    execIntervalMs,
    timeoutMs: readTimeout(fields, m, { at, fallback: execIntervalMs }),
    maxAgeMs: fields.duration(m, { key: "max_age", at, fallback: 3 * execIntervalMs }),
  };
}

interface CachedResult {
  /** The output of the run, checked to be an exposition. */
  readonly payload: Payload;
  /** Epoch milliseconds when the run that produced it started. */
  readonly at: number;
}

/** Starts its first run when made. */
class ExecCachedExporter implements Exporter {
  readonly #config: ExecCachedExporterConfig;
  readonly #context: ExporterContext;
  readonly #closed = new AbortController();
  #last: CachedResult | undefined;
  #lastFailure: ScrapeFailure | undefined;
  #lastRun: RunStatus | undefined;
  /** Whether the current run of failures was logged at warning (the first one is). */
  #failing = false;
  /** Resolves when the first run has ended, whatever its outcome. */
  readonly #firstRun: Promise<void>;

  constructor(config: ExecCachedExporterConfig, context: ExporterContext) {
    this.#config = config;
    this.#context = context;
    const first = this.#runOnce();
    this.#firstRun = first.then(() => {});
    first.then((started) => this.#schedule(started));
  }

  async scrape(context: ScrapeContext): Promise<Payload> {
    if (this.#last === undefined && this.#lastFailure === undefined) {
      await waitFor(this.#firstRun, context.signal, this.#config.settings.command);
    }
    const last = this.#last;
    if (last === undefined) {
      throw this.#lastFailure ??
        new ScrapeFailure("start", `${this.#config.settings.command} has not run yet`);
    }
    const age = Date.now() - last.at;
    if (age > this.#config.settings.maxAgeMs) {
      const why = this.#lastFailure === undefined ? "" : `; last run: ${this.#lastFailure.message}`;
      throw new ScrapeFailure(
        "stale",
        `last good result of ${this.#config.settings.command} is ${formatDuration(age)} old, ` +
          `more than max_age ${formatDuration(this.#config.settings.maxAgeMs)}${why}`,
      );
    }
    // The engine takes the bytes it is given: each scrape gets a copy, held of its share of
    // web.max_bytes_in_flight.
    reserve(last.payload.body.length, { hold: context.hold, what: last.payload.what });
    return { ...last.payload, body: last.payload.body.slice() };
  }

  close(): void {
    this.#closed.abort();
  }

  lastRun(): RunStatus | undefined {
    return this.#lastRun;
  }

  /** Schedules the next run at the next interval boundary after now, counted from `lastStart`. */
  #schedule(lastStart: number): void {
    if (this.#closed.signal.aborted) return;
    const interval = this.#config.settings.execIntervalMs;
    const now = Date.now();
    const missed = Math.max(0, Math.floor((now - lastStart) / interval));
    const next = lastStart + (missed + 1) * interval;
    const timer = setTimeout(async () => {
      this.#closed.signal.removeEventListener("abort", cancel);
      await this.#runOnce();
      this.#schedule(next);
    }, next - now);
    const cancel = () => clearTimeout(timer);
    this.#closed.signal.addEventListener("abort", cancel, { once: true });
  }

  /** What scrapes get after a failed run: the last good result while it is within max_age. */
  #serving(): string {
    if (this.#last === undefined) return "nothing";
    if (Date.now() - this.#last.at > this.#config.settings.maxAgeMs) {
      return "nothing: the last good result is older than max_age";
    }
    return "the previous result";
  }

  /** Runs the command once, keeping a good result; resolves to the run's start time. */
  async #runOnce(): Promise<number> {
    const started = Date.now();
    const signals = [this.#closed.signal];
    if (Number.isFinite(this.#config.settings.timeoutMs)) {
      signals.push(AbortSignal.timeout(this.#config.settings.timeoutMs));
    }
    const fields = { path: this.#context.path, exporter: this.#config.name };
    try {
      const payload = await runExporter(this.#config, AbortSignal.any(signals), {
        ...this.#context,
        check: (output) => checkExposition(this.#context, output),
      });
      this.#last = { payload, at: started };
      this.#lastFailure = undefined;
      if (this.#failing) this.#context.logger.info("exporter command recovered", fields);
      this.#failing = false;
    } catch (error) {
      if (this.#closed.signal.aborted) return started;
      this.#lastFailure = error instanceof ScrapeFailure
        ? error
        : new ScrapeFailure("start", String(error));
      // The first failure is a warning; the ones until the command recovers are counted, and
      // logged at debug level.
      this.#context.logger.log(this.#failing ? "debug" : "warning", "exporter command run failed", {
        ...fields,
        cause: this.#lastFailure.category,
        error: this.#lastFailure.message,
        serving: this.#serving(),
      });
      this.#failing = true;
    }
    this.#lastRun = {
      at: started,
      durationSeconds: (Date.now() - started) / 1000,
      error: this.#lastFailure?.message,
    };
    return started;
  }
}

/** Waits for `promise`, or rejects when the scrape's signal aborts first. */
function waitFor(promise: Promise<void>, signal: AbortSignal, command: string): Promise<void> {
  if (signal.aborted) return Promise.reject(abortFailure(signal, `waiting for ${command}`));
  return new Promise((resolve, reject) => {
    const leave = () => reject(abortFailure(signal, `waiting for the first run of ${command}`));
    signal.addEventListener("abort", leave, { once: true });
    promise.then(() => {
      signal.removeEventListener("abort", leave);
      resolve();
    });
  });
}

/** Fails (cause `decode` or `invalid_body`) unless the output is a valid exposition. */
async function checkExposition(context: ExporterContext, payload: Payload): Promise<void> {
  const session = context.engine.open();
  try {
    const outcome = await session.decode(0, { ...payload, body: payload.body.slice() });
    if (!outcome.ok) throw new ScrapeFailure(outcome.cause, outcome.message);
  } finally {
    session.close();
  }
}
