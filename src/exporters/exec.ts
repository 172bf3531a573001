/**
 * The `exec` kind: runs a command when a scrape arrives. Scrapes that arrive while a run is
 * in progress share it; when every waiting scrape has gone, the run is stopped.
 *
 * Permissions: `run` of the command.
 * @module
 */
import {
  abortFailure,
  DEFAULT_TIMEOUT_MS,
  type Exporter,
  type ExporterContext,
  type ExporterKind,
  type Payload,
  readTimeout,
  type ScrapeContext,
} from "./exporter.ts";
import {
  COMMAND_KEYS,
  commandKind,
  type CommandSettings,
  parseCommand,
  runExporter,
} from "./_exec_run.ts";
import type { ExporterConfig } from "../config/types.ts";
import { reserve } from "./_bounded_read.ts";

/** The keys of an `exec` exporter. */
export type ExecSettings = CommandSettings;

/** The configuration of an `exec` exporter. */
type ExecExporterConfig = ExporterConfig<ExecSettings>;

/** The `exec` kind. */
export const execKind: ExporterKind<ExecSettings> = commandKind({
  name: "exec",
  keys: COMMAND_KEYS,
  standIns: { command: "defaults" },
  parse: (fields, m, at) => ({
    ...parseCommand(fields, m, at),
    timeoutMs: readTimeout(fields, m, { at, fallback: DEFAULT_TIMEOUT_MS }),
  }),
  survivesReload: false,
  make: (config, context) => new ExecExporter(config, context),
});

/** A run in progress and the scrapes waiting for it. */
interface SharedRun {
  readonly result: Promise<Payload>;
  readonly stop: AbortController;
  waiting: number;
}

class ExecExporter implements Exporter {
  readonly #config: ExecExporterConfig;
  readonly #context: ExporterContext;
  #run: SharedRun | undefined;

  constructor(config: ExecExporterConfig, context: ExporterContext) {
    this.#config = config;
    this.#context = context;
  }

  scrape(context: ScrapeContext): Promise<Payload> {
    if (context.signal.aborted) {
      return Promise.reject(
        abortFailure(context.signal, `running ${this.#config.settings.command}`),
      );
    }
    const run = this.#run ?? this.#start();
    return join(run, context, `running ${this.#config.settings.command}`, () => {
      // The last scrape left: stop the run, and let the next scrape start a new one.
      if (this.#run === run) this.#run = undefined;
      run.stop.abort();
    });
  }

  close(): void {
    this.#run?.stop.abort();
  }

  #start(): SharedRun {
    const stop = new AbortController();
    const signal = Number.isFinite(this.#config.settings.timeoutMs)
      ? AbortSignal.any([stop.signal, AbortSignal.timeout(this.#config.settings.timeoutMs)])
      : stop.signal;
    const result = runExporter(this.#config, signal, this.#context);
    const run: SharedRun = { result, stop, waiting: 0 };
    this.#run = run;
    const forget = () => {
      if (this.#run === run) this.#run = undefined;
    };
    result.then(forget, forget);
    return run;
  }
}

/**
 * Waits for a shared run on behalf of one scrape; `abandon` is called when the last one leaves.
 * The output the scrape gets is held of its share of `web.max_bytes_in_flight` (the run's own
 * share was given back when it ended).
 */
function join(
  run: SharedRun,
  context: ScrapeContext,
  what: string,
  abandon: () => void,
): Promise<Payload> {
  const { signal } = context;
  run.waiting++;
  return new Promise((resolve, reject) => {
    // Once this scrape has left, the run's end is no longer its business: its hold may be
    // released already, and it was counted out of `waiting`.
    let left = false;
    const leave = () => {
      left = true;
      run.waiting--;
      reject(abortFailure(signal, what));
      if (run.waiting === 0) abandon();
    };
    signal.addEventListener("abort", leave, { once: true });
    run.result.then(
      (payload) => {
        if (left) return;
        signal.removeEventListener("abort", leave);
        // Each scrape hands its body over to the engine: each but the last one served gets a
        // copy, the last the body itself.
        run.waiting--;
        try {
          reserve(payload.body.length, { hold: context.hold, what: payload.what });
        } catch (error) {
          reject(error);
          return;
        }
        resolve(run.waiting === 0 ? payload : { ...payload, body: payload.body.slice() });
      },
      (error) => {
        if (left) return;
        signal.removeEventListener("abort", leave);
        reject(error);
      },
    );
  });
}
