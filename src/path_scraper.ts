/**
 * A scrape of one configured path: every exporter concurrently, then merge and encode.
 *
 * Requests for the same path (and the same forwarded query) that arrive while a scrape of it
 * is in progress share it: each exporter is scraped, and its body decoded, once for all of
 * them, and each answer is built once per format asked. Each request keeps its own budget: it
 * waits for each exporter until its own deadline for that exporter, and an exporter that has
 * not answered by then is down in that request's answer only. A shared exporter scrape goes
 * on while any request still waits for it, until the latest of their deadlines, and is
 * stopped when the last one has gone.
 * @module
 */
import {
  type Backend,
  type BudgetHold,
  type ByteBudget,
  createBackend,
  type RunStatus,
  ScrapeFailure,
} from "./backends/mod.ts";
import type { ExporterConfig, PathConfig } from "./config/types.ts";
import type { LabelSet, ValueFamily } from "./exposition/mod.ts";
import type { Logger } from "./log.ts";
import type { OwnMetrics } from "./metrics/own_metrics.ts";
import type { Answer, AnswerFormat } from "./scrape/answer.ts";
import type { AnswerSource, EngineSession, ScrapeEngine } from "./scrape/engine.ts";

/** The most of a Prometheus scrape budget kept back for merging and sending the response. */
export const MAX_SCRAPE_MARGIN_MS = 500;

/** The last scrape of one exporter, for the landing page and logs. */
export interface ExporterStatus {
  readonly name: string;
  readonly kind: ExporterConfig["kind"];
  /** Epoch milliseconds when the last scrape started; undefined before the first. */
  readonly lastScrapeAt: number | undefined;
  readonly lastDurationSeconds: number | undefined;
  readonly lastSamples: number | undefined;
  /** Why the last scrape failed (or, for exec_cached, its last run); undefined if it did not. */
  readonly lastError: string | undefined;
  /** Whether the last scrape succeeded; undefined before the first. */
  readonly up: boolean | undefined;
  /** The last run of an exec_cached exporter, which runs on its own schedule. */
  readonly lastRun: RunStatus | undefined;
}

/** What a request to a configured path passes on to its scrape. */
export interface PathScrapeOptions {
  /** Aborts when the client goes away. */
  readonly signal: AbortSignal;
  /** The Prometheus scrape timeout (`X-Prometheus-Scrape-Timeout-Seconds`), in ms. */
  readonly budgetMs: number | undefined;
  /** The query parameters of the request. */
  readonly query: URLSearchParams;
  /** The format, escaping and compression of the answer. */
  readonly how: AnswerFormat;
}

/** What a path scraper needs from the rest of the program. */
export interface PathScraperDependencies {
  readonly logger: Logger;
  readonly metrics: OwnMetrics;
  /** Where bodies are decoded and answers built. */
  readonly engine: ScrapeEngine;
  /** `web.max_bytes_in_flight`. */
  readonly budget: ByteBudget;
  /**
   * A running backend to use for an exporter instead of a new one (an unchanged
   * exec_cached exporter across a reload). It stays its lender's until {@linkcode PathScraper.adopt}.
   */
  readonly borrow?: (exporter: ExporterConfig) => Backend | undefined;
}

interface Exporter {
  readonly config: ExporterConfig;
  readonly backend: Backend;
  status: ExporterStatus;
  /** Whether this scraper closes the backend (false while borrowed, or once lent away). */
  owned: boolean;
  /** The cause of the failure last logged; undefined while the exporter is up. */
  loggedCause: string | undefined;
}

/** Creates the scraper of one path and the backends of its exporters. */
export async function createPathScraper(
  config: PathConfig,
  dependencies: PathScraperDependencies,
): Promise<PathScraper> {
  const backends: Backend[] = [];
  const borrowed = new Set<Backend>();
  try {
    const context = {
      path: config.path,
      logger: dependencies.logger,
      metrics: dependencies.metrics,
      engine: dependencies.engine,
      budget: dependencies.budget,
    };
    for (const exporter of config.exporters) {
      const lent = dependencies.borrow?.(exporter);
      if (lent !== undefined) borrowed.add(lent);
      backends.push(lent ?? await createBackend(exporter, context));
    }
  } catch (error) {
    for (const b of backends) if (!borrowed.has(b)) b.close();
    throw error;
  }
  return new PathScraper(config, backends, { ...dependencies, borrowed });
}

/** The deadline of one exporter: its timeout, cut down to the scrape budget less a margin. */
export function exporterDeadlineMs(timeoutMs: number, budgetMs: number | undefined): number {
  if (budgetMs === undefined) return timeoutMs;
  const margin = Math.min(MAX_SCRAPE_MARGIN_MS, budgetMs * 0.1);
  return Math.max(1, Math.min(timeoutMs, budgetMs - margin));
}

/** Scrapes the exporters of one configured path and merges their metrics. */
export class PathScraper {
  /** The path's configuration. */
  readonly config: PathConfig;
  readonly #exporters: Exporter[];
  readonly #logger: Logger;
  readonly #metrics: OwnMetrics;
  readonly #engine: ScrapeEngine;
  readonly #budget: ByteBudget;
  /** Merge conflicts already logged: each is logged once. */
  readonly #loggedConflicts = new Set<string>();
  /** Scrapes in progress, by forwarded query. */
  readonly #inFlight = new Map<string, SharedScrape>();
  /** Whether an exporter forwards the query: then scrapes are shared only for the same query. */
  readonly #forwardsQuery: boolean;

  constructor(
    config: PathConfig,
    backends: readonly Backend[],
    dependencies: PathScraperDependencies & { borrowed?: ReadonlySet<Backend> },
  ) {
    this.config = config;
    this.#logger = dependencies.logger;
    this.#metrics = dependencies.metrics;
    this.#engine = dependencies.engine;
    this.#budget = dependencies.budget;
    this.#forwardsQuery = config.exporters.some((e) => e.kind === "http" && e.forwardUrlParams);
    this.#exporters = config.exporters.map((exporterConfig, i) => ({
      config: exporterConfig,
      backend: backends[i]!,
      status: {
        name: exporterConfig.name,
        kind: exporterConfig.kind,
        lastScrapeAt: undefined,
        lastDurationSeconds: undefined,
        lastSamples: undefined,
        lastError: undefined,
        up: undefined,
        lastRun: undefined,
      },
      owned: !dependencies.borrowed?.has(backends[i]!),
      loggedCause: undefined,
    }));
  }

  /** The last scrape of each exporter, in configuration order. */
  status(): ExporterStatus[] {
    return this.#exporters.map((e) => ({ ...e.status, lastRun: e.backend.lastRun?.() }));
  }

  /** Scrapes every exporter (or joins a scrape in progress) and builds the answer. */
  async scrape(options: PathScrapeOptions): Promise<Answer> {
    const key = this.#forwardsQuery ? options.query.toString() : "";
    let shared = this.#inFlight.get(key);
    if (shared === undefined || !shared.joinable) {
      shared = new SharedScrape(this, {
        query: options.query,
        engine: this.#engine,
        hold: this.#budget.hold(),
      });
      const started = shared;
      this.#inFlight.set(key, started);
      started.done.then(() => {
        if (this.#inFlight.get(key) === started) this.#inFlight.delete(key);
      });
    }
    const answer = await shared.serve(options);
    for (const c of answer.conflicts) this.#countConflict(c);
    for (const [what, count] of Object.entries(answer.dropped)) {
      if (count > 0) this.#metrics.conversionDropped.inc([this.config.path, what], count);
    }
    return answer;
  }

  /** Releases the backends. */
  close(): void {
    for (const e of this.#exporters) if (e.owned) e.backend.close();
  }

  /** The running backend of an exec_cached exporter configured exactly as `exporter`, if any. */
  lend(exporter: ExporterConfig): Backend | undefined {
    if (exporter.kind !== "exec_cached") return undefined;
    const same = JSON.stringify(exporter);
    return this.#exporters.find((e) => e.owned && JSON.stringify(e.config) === same)?.backend;
  }

  /** Gives up `backend`, now another scraper's, so that closing this one leaves it running. */
  disown(backend: Backend): void {
    for (const e of this.#exporters) if (e.backend === backend) e.owned = false;
  }

  /** Takes over the backends it borrowed; returns them, for their lender to disown. */
  adopt(): Backend[] {
    const adopted = this.#exporters.filter((e) => !e.owned).map((e) => e.backend);
    for (const e of this.#exporters) e.owned = true;
    return adopted;
  }

  /** The exporters, in configuration order (for the shared scrapes). */
  get exporters(): readonly Exporter[] {
    return this.#exporters;
  }

  /** The own series of the path's answers: the program's metrics, where configured. */
  ownFamilies(): AnswerSource | undefined {
    if (!this.config.ownMetrics) return undefined;
    return { exporterName: "", families: this.#metrics.collect(), own: true };
  }

  /** Records the end of one exporter's scrape: metrics, log, status. */
  recordScrape(exporter: Exporter, outcome: Outcome): void {
    const { config } = exporter;
    const labels = [this.config.path, config.name];
    this.#metrics.exporterScrapes.inc([...labels, config.kind]);
    this.#metrics.exporterDuration.observe(labels, outcome.durationSeconds);
    const fields = { path: this.config.path, exporter: config.name, kind: config.kind };
    const failure = outcome.failure;
    if (failure === undefined) {
      this.#metrics.exporterSamples.set(labels, outcome.samples);
      if (exporter.loggedCause !== undefined) this.#logger.info("exporter recovered", fields);
      exporter.loggedCause = undefined;
    } else {
      this.#metrics.exporterFailures.inc([...labels, failure.category]);
      // Logged when the exporter goes down; repeats are counted, and logged at debug level.
      const level = exporter.loggedCause === undefined ? "warning" : "debug";
      this.#logger.log(level, "exporter scrape failed", {
        ...fields,
        cause: failure.category,
        error: failure.message,
      });
      exporter.loggedCause = failure.category;
    }
    exporter.status = {
      ...exporter.status,
      lastScrapeAt: outcome.startedAt,
      lastDurationSeconds: outcome.durationSeconds,
      lastSamples: failure === undefined ? outcome.samples : 0,
      lastError: failure?.message ?? exporter.backend.lastRun?.()?.error,
      up: failure === undefined,
    };
  }

  #countConflict(c: Answer["conflicts"][number]): void {
    const reason = c.kind === "type"
      ? "type_conflict"
      : c.kind === "duplicate"
      ? "duplicate_series"
      : "reserved_name";
    this.#metrics.mergeConflicts.inc([this.config.path, c.kind]);
    if (c.droppedSamples > 0) {
      this.#metrics.droppedSamples.inc([this.config.path, reason], c.droppedSamples);
    }
    const key = `${c.kind}\u0000${c.family}\u0000${c.exporterName}`;
    if (this.#loggedConflicts.has(key)) return;
    this.#loggedConflicts.add(key);
    // A reserved name renamed loses nothing: said once, at info level.
    const level = c.kind === "reserved" ? "info" : "warning";
    this.#logger.log(level, "merge conflict", {
      path: this.config.path,
      family: c.family,
      exporter: c.exporterName,
      conflict: c.kind,
      detail: c.detail,
    });
  }
}

/** How one exporter's scrape ended. */
interface Outcome {
  /** Epoch milliseconds when it started. */
  readonly startedAt: number;
  readonly durationSeconds: number;
  /** Its samples; 0 when it failed. */
  readonly samples: number;
  readonly failure: ScrapeFailure | undefined;
}

/** One scrape of a path, shared by the requests that arrive while it is in progress. */
class SharedScrape {
  readonly #scraper: PathScraper;
  readonly #session: EngineSession;
  /** Its share of `web.max_bytes_in_flight`: what its exporters read, until it is done. */
  readonly #hold: BudgetHold;
  readonly #fetches: ExporterFetch[];
  readonly #answers = new Map<string, Promise<Answer>>();
  #requests = 0;
  #settled = 0;
  readonly #done = Promise.withResolvers<void>();

  constructor(
    scraper: PathScraper,
    options: { query: URLSearchParams; engine: ScrapeEngine; hold: BudgetHold },
  ) {
    this.#scraper = scraper;
    this.#session = options.engine.open();
    this.#hold = options.hold;
    this.#fetches = scraper.exporters.map((exporter, slot) =>
      new ExporterFetch(exporter, {
        slot,
        query: options.query,
        session: this.#session,
        hold: options.hold,
      })
    );
    for (const fetch of this.#fetches) {
      fetch.outcome.then((outcome) => {
        scraper.recordScrape(fetch.exporter, outcome);
        this.#settled++;
        this.#maybeDone();
      });
    }
  }

  /** Resolves once every exporter's scrape has ended and every request has been answered. */
  get done(): Promise<void> {
    return this.#done.promise;
  }

  /** Whether a new request may join: exporters' scrapes in progress, none given up. */
  get joinable(): boolean {
    return this.#settled < this.#fetches.length && !this.#fetches.some((f) => f.stopped);
  }

  async serve(options: PathScrapeOptions): Promise<Answer> {
    this.#requests++;
    try {
      const arrived = performance.now();
      const outcomes = await Promise.all(
        this.#fetches.map((fetch) =>
          fetch.wait({ signal: options.signal, budgetMs: options.budgetMs, arrived })
        ),
      );
      options.signal.throwIfAborted();
      return await this.#answer(outcomes, options.how);
    } finally {
      this.#requests--;
      this.#maybeDone();
    }
  }

  /** The answer for these outcomes, built once for every request that sees the same ones. */
  #answer(outcomes: readonly Outcome[], how: AnswerFormat): Promise<Answer> {
    const key = `${how.format.kind}/${"version" in how.format ? how.format.version : ""}/` +
      `${how.escaping}/${how.gzip}/` +
      outcomes.map((o) => `${o.failure === undefined ? 1 : 0}:${o.durationSeconds}`).join(",");
    let answer = this.#answers.get(key);
    if (answer === undefined) {
      answer = this.#session.answer(this.#sources(outcomes), how);
      this.#answers.set(key, answer);
    }
    return answer;
  }

  #sources(outcomes: readonly Outcome[]): AnswerSource[] {
    const scraper = this.#scraper;
    const sources: AnswerSource[] = [];
    const own = scraper.ownFamilies();
    if (own !== undefined) sources.push(own);
    const exporters = scraper.exporters;
    if (scraper.config.backendMetrics && exporters.length > 0) {
      sources.push({ exporterName: "", families: backendFamilies(exporters, outcomes), own: true });
    }
    exporters.forEach((exporter, slot) => {
      if (outcomes[slot]!.failure !== undefined) return;
      sources.push({
        exporterName: exporter.config.name,
        slot,
        target: exporter.config.targetLabels,
      });
    });
    return sources;
  }

  #maybeDone(): void {
    if (this.#requests > 0 || this.#settled < this.#fetches.length) return;
    this.#session.close();
    this.#hold.release();
    this.#answers.clear();
    this.#done.resolve();
  }
}

/** What an exporter's scrape within a shared scrape works with. */
interface FetchContext {
  /** Where its body is decoded in the session. */
  readonly slot: number;
  readonly query: URLSearchParams;
  readonly session: EngineSession;
  readonly hold: BudgetHold;
}

/** One exporter's scrape within a shared scrape, and the requests waiting for it. */
class ExporterFetch {
  readonly exporter: Exporter;
  /** Resolves when the scrape (and the decoding of its body) has ended; never rejects. */
  readonly outcome: Promise<Outcome>;
  readonly #stop = new AbortController();
  #waiting = 0;
  /** When the scrape must end at the latest (`performance.now()` time), and its timer. */
  #deadline = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #ended = false;

  constructor(
    exporter: Exporter,
    context: FetchContext,
  ) {
    this.exporter = exporter;
    this.outcome = this.#run(context).finally(() => {
      this.#ended = true;
      clearTimeout(this.#timer);
    });
  }

  async #run(context: FetchContext): Promise<Outcome> {
    const startedAt = Date.now();
    const started = performance.now();
    // Let the first request set the deadline before the scrape starts.
    await Promise.resolve();
    const durationSeconds = () => (performance.now() - started) / 1000;
    try {
      this.#stop.signal.throwIfAborted();
      const payload = await this.exporter.backend.scrape({
        signal: this.#stop.signal,
        query: context.query,
        hold: context.hold,
      });
      const decoded = await context.session.decode(context.slot, payload);
      if (!decoded.ok) {
        return {
          startedAt,
          durationSeconds: durationSeconds(),
          samples: 0,
          failure: new ScrapeFailure(decoded.cause, decoded.message),
        };
      }
      return {
        startedAt,
        durationSeconds: durationSeconds(),
        samples: decoded.samples,
        failure: undefined,
      };
    } catch (error) {
      const failure = error instanceof ScrapeFailure
        ? error
        : new ScrapeFailure("connect", error instanceof Error ? error.message : String(error));
      return { startedAt, durationSeconds: durationSeconds(), samples: 0, failure };
    }
  }

  /**
   * Waits for the scrape on behalf of one request, until that request's deadline for this
   * exporter; past it, or when the client goes away, the request has it down (`timeout`,
   * `canceled`) while the scrape goes on for the others.
   */
  wait(
    request: { signal: AbortSignal; budgetMs: number | undefined; arrived: number },
  ): Promise<Outcome> {
    const { config } = this.exporter;
    const deadlineMs = exporterDeadlineMs(
      config.kind === "file" ? Infinity : config.timeoutMs,
      request.budgetMs,
    );
    const deadline = request.arrived + deadlineMs;
    this.#extend(deadline);
    this.#waiting++;
    return new Promise((resolve) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      let waiting = true;
      const leave = (reason: "timeout" | "canceled") => {
        if (!waiting) return;
        waiting = false;
        clearTimeout(timer);
        request.signal.removeEventListener("abort", onAbort);
        this.#leave(reason);
        const durationSeconds = (performance.now() - request.arrived) / 1000;
        const failure = reason === "timeout"
          ? new ScrapeFailure(
            "timeout",
            `exporter ${config.name}: no answer within the deadline of this scrape`,
          )
          : new ScrapeFailure(
            "canceled",
            `exporter ${config.name}: canceled (the client went away)`,
          );
        resolve({ startedAt: Date.now(), durationSeconds, samples: 0, failure });
      };
      const onAbort = () => leave("canceled");
      if (Number.isFinite(deadline)) {
        timer = setTimeout(() => leave("timeout"), Math.max(0, deadline - performance.now()));
      }
      request.signal.addEventListener("abort", onAbort, { once: true });
      this.outcome.then((outcome) => {
        if (!waiting) return;
        waiting = false;
        clearTimeout(timer);
        request.signal.removeEventListener("abort", onAbort);
        this.#waiting--;
        resolve(outcome);
      });
    });
  }

  /** Whether the scrape was stopped before it ended (its deadline, or nobody waiting). */
  get stopped(): boolean {
    return this.#stop.signal.aborted;
  }

  /** Moves the scrape's own deadline to `deadline` if that is later. */
  #extend(deadline: number): void {
    if (this.#ended || deadline <= this.#deadline) return;
    this.#deadline = deadline;
    clearTimeout(this.#timer);
    if (!Number.isFinite(deadline)) return;
    this.#timer = setTimeout(
      () => this.#stop.abort(new DOMException("deadline exceeded", "TimeoutError")),
      Math.max(0, deadline - performance.now()),
    );
  }

  /** A request stopped waiting: when it was the last, the scrape is stopped. */
  #leave(reason: "timeout" | "canceled"): void {
    this.#waiting--;
    if (this.#waiting > 0 || this.#ended) return;
    this.#stop.abort(
      reason === "timeout"
        ? new DOMException("deadline exceeded", "TimeoutError")
        : new DOMException("the client went away", "AbortError"),
    );
  }
}

/** `reverse_exporter_backend_up` and `..._scrape_duration_seconds`, one series per exporter. */
function backendFamilies(
  exporters: readonly Exporter[],
  outcomes: readonly Outcome[],
): ValueFamily[] {
  const series = (e: Exporter): LabelSet => [{ name: "exporter_name", value: e.config.name }];
  return [
    {
      name: "reverse_exporter_backend_up",
      type: "gauge",
      help: "Whether the last scrape of the exporter succeeded (1) or failed (0).",
      metrics: exporters.map((e, k) => ({
        labels: series(e),
        value: outcomes[k]!.failure === undefined ? 1 : 0,
      })),
    },
    {
      name: "reverse_exporter_backend_scrape_duration_seconds",
      type: "gauge",
      help: "Duration of the exporter's scrape for this response, in seconds.",
      metrics: exporters.map((e, k) => ({
        labels: series(e),
        value: outcomes[k]!.durationSeconds,
      })),
    },
  ];
}
