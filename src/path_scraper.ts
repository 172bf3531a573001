/** A scrape of one configured path: every exporter concurrently, then relabel and merge. */
import {
  type Backend,
  type BudgetHold,
  type ByteBudget,
  createBackend,
  type RunStatus,
  ScrapeFailure,
} from "./backends/mod.ts";
import type { ExporterConfig, PathConfig } from "./config/types.ts";
import {
  type MergedFamily,
  type MergeSource,
  mergeSources,
  type MetricFamily,
  sampleCount,
} from "./exposition/mod.ts";
import type { Logger } from "./log.ts";
import type { OwnMetrics } from "./metrics/own_metrics.ts";

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
  /** The request's share of `web.max_bytes_in_flight`: what its exporters read is taken from it. */
  readonly hold: BudgetHold;
}

/** What a path scraper needs from the rest of the program. */
export interface PathScraperDependencies {
  readonly logger: Logger;
  readonly metrics: OwnMetrics;
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

interface ExporterResult {
  readonly exporter: Exporter;
  readonly families: MetricFamily[];
  readonly up: boolean;
  readonly durationSeconds: number;
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
  /** Merge conflicts already logged: each is logged once. */
  readonly #loggedConflicts = new Set<string>();

  constructor(
    config: PathConfig,
    backends: readonly Backend[],
    dependencies: PathScraperDependencies & { borrowed?: ReadonlySet<Backend> },
  ) {
    this.config = config;
    this.#logger = dependencies.logger;
    this.#metrics = dependencies.metrics;
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

  /**
   * Scrapes every exporter concurrently and returns the merged families, each exporter's
   * samples still without its target labels: `encodeMerged` writes them.
   */
  async scrape(options: PathScrapeOptions): Promise<MergedFamily[]> {
    const results = await Promise.all(this.#exporters.map((e) => this.#scrapeOne(e, options)));
    const sources: MergeSource[] = [];
    if (this.config.ownMetrics) {
      sources.push({ exporterName: "", families: this.#metrics.collect(), mayCollide: false });
    }
    if (this.config.backendMetrics && results.length > 0) {
      sources.push({ exporterName: "", families: backendFamilies(results), mayCollide: false });
    }
    for (const r of results) {
      sources.push({
        exporterName: r.exporter.config.name,
        families: r.families,
        mayCollide: r.exporter.config.noRewrite,
        targetLabels: r.exporter.config.targetLabels,
      });
    }
    const { families, conflicts } = mergeSources(sources);
    for (const c of conflicts) {
      const reason = c.kind === "type" ? "type_conflict" : "duplicate_series";
      this.#metrics.mergeConflicts.inc([this.config.path, c.kind]);
      if (c.droppedSamples > 0) {
        this.#metrics.droppedSamples.inc([this.config.path, reason], c.droppedSamples);
      }
      const key = `${c.kind}\u0000${c.family}\u0000${c.exporterName}`;
      if (this.#loggedConflicts.has(key)) continue;
      this.#loggedConflicts.add(key);
      this.#logger.warning("merge conflict", {
        path: this.config.path,
        family: c.family,
        exporter: c.exporterName,
        conflict: c.kind,
        detail: c.detail,
      });
    }
    return families;
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

  async #scrapeOne(exporter: Exporter, options: PathScrapeOptions): Promise<ExporterResult> {
    const { config } = exporter;
    const labels = [this.config.path, config.name];
    const startedAt = Date.now();
    const started = performance.now();
    const deadlineMs = exporterDeadlineMs(
      config.kind === "file" ? Infinity : config.timeoutMs,
      options.budgetMs,
    );
    // A timer cleared when the scrape ends, not AbortSignal.timeout: that one, and the signals
    // made from it, live until the deadline passes, so at hundreds of scrapes a second they
    // piled up in memory for the whole timeout.
    const deadline = new AbortController();
    const timer = Number.isFinite(deadlineMs)
      ? setTimeout(
        () => deadline.abort(new DOMException("deadline exceeded", "TimeoutError")),
        deadlineMs,
      )
      : undefined;
    const signal = timer === undefined
      ? options.signal
      : AbortSignal.any([options.signal, deadline.signal]);
    this.#metrics.exporterScrapes.inc([...labels, config.kind]);
    let families: MetricFamily[] = [];
    let error: ScrapeFailure | undefined;
    try {
      families = await exporter.backend.scrape({
        signal,
        query: options.query,
        hold: options.hold,
      });
    } catch (e) {
      error = e instanceof ScrapeFailure ? e : new ScrapeFailure("connect", String(e));
    } finally {
      clearTimeout(timer);
    }
    const durationSeconds = (performance.now() - started) / 1000;
    let samples = 0;
    for (const f of families) samples += sampleCount(f);
    this.#metrics.exporterDuration.observe(labels, durationSeconds);
    const fields = { path: this.config.path, exporter: config.name, kind: config.kind };
    if (error === undefined) {
      this.#metrics.exporterSamples.set(labels, samples);
      if (exporter.loggedCause !== undefined) this.#logger.info("exporter recovered", fields);
      exporter.loggedCause = undefined;
    } else {
      this.#metrics.exporterFailures.inc([...labels, error.category]);
      // Logged when the exporter goes down; repeats are counted, and logged at debug level.
      const level = exporter.loggedCause === undefined ? "warning" : "debug";
      this.#logger.log(level, "exporter scrape failed", {
        ...fields,
        cause: error.category,
        error: error.message,
      });
      exporter.loggedCause = error.category;
    }
    exporter.status = {
      ...exporter.status,
      lastScrapeAt: startedAt,
      lastDurationSeconds: durationSeconds,
      lastSamples: error === undefined ? samples : 0,
      lastError: error?.message ?? exporter.backend.lastRun?.()?.error,
      up: error === undefined,
    };
    return { exporter, families, up: error === undefined, durationSeconds };
  }
}

/** `reverse_exporter_backend_up` and `..._scrape_duration_seconds`, one series per exporter. */
function backendFamilies(results: readonly ExporterResult[]): MetricFamily[] {
  const series = (r: ExporterResult) => [{ name: "exporter_name", value: r.exporter.config.name }];
  return [
    {
      name: "reverse_exporter_backend_up",
      type: "gauge",
      help: "Whether the last scrape of the exporter succeeded (1) or failed (0).",
      samples: results.map((r) => ({
        name: "reverse_exporter_backend_up",
        labels: series(r),
        value: r.up ? 1 : 0,
      })),
    },
    {
      name: "reverse_exporter_backend_scrape_duration_seconds",
      type: "gauge",
      help: "Duration of the exporter's scrape for this response, in seconds.",
      samples: results.map((r) => ({
        name: "reverse_exporter_backend_scrape_duration_seconds",
        labels: series(r),
        value: r.durationSeconds,
      })),
    },
  ];
}
