/**
 * The scraper of one configured path: its exporters' status, the shared scrapes of its
 * requests (see shared_scrape.ts), what its answers are built from, and the metrics and logs
 * of each exporter's scrape and of each answer.
 * @module
 */
import { type Exporter, kindOf, type RunStatus } from "./exporters/mod.ts";
import type { ByteBudget } from "./exporters/byte_budget.ts";
import type { ExporterConfig, PathConfig } from "./config/types.ts";
import type { LabelSet, ValueFamily } from "./exposition/mod.ts";
import type { Logger } from "./log.ts";
import type { OwnMetrics } from "./metrics/own_metrics.ts";
import type { Answer } from "./scrape/answer.ts";
import type { AnswerSource, ScrapeEngine } from "./scrape/engine.ts";
import { ResultCache } from "./result_cache.ts";
import {
  type Outcome,
  type ScrapedExporter,
  type ScrapedPath,
  type ScrapeRequest,
  type ServedAnswer,
  SharedScrape,
} from "./shared_scrape.ts";

/** The last scrape of one exporter, for the landing page and logs. */
export interface ExporterStatus {
  /** The exporter's name. */
  readonly name: string;
  /** Its kind's name. */
  readonly kind: string;
  /** Where it scrapes (its kind says), without credentials. */
  readonly target: string;
  /** Epoch milliseconds when the last scrape started; undefined before the first. */
  readonly lastScrapeAt: number | undefined;
  /** How long its last scrape took. */
  readonly lastDurationSeconds: number | undefined;
  /** Samples in its last scrape; 0 when it failed. */
  readonly lastSamples: number | undefined;
  /** Why the last scrape failed (or, for exec_cached, its last run); undefined if it did not. */
  readonly lastError: string | undefined;
  /** Whether the last scrape succeeded; undefined before the first. */
  readonly up: boolean | undefined;
  /** The last run of an exec_cached exporter, which runs on its own schedule. */
  readonly lastRun: RunStatus | undefined;
  /** Its `cache_for` in seconds; 0: off. */
  readonly cacheForSeconds: number;
  /** Epoch milliseconds when a scrape was last answered its cached result; undefined: never. */
  readonly lastCacheHitAt: number | undefined;
}

/** What a path scraper needs from the rest of the program. */
export interface PathScraperDependencies {
  /** Where the scraper logs. */
  readonly logger: Logger;
  /** The program's own metrics, which it updates. */
  readonly metrics: OwnMetrics;
  /** Where bodies are decoded and answers built. */
  readonly engine: ScrapeEngine;
  /** `web.max_bytes_in_flight`. */
  readonly budget: ByteBudget;
}

/** The query parameter that chooses exporters of a path (`?exporter=NAME`, repeatable). */
export const EXPORTER_PARAM = "exporter";

/**
 * The exporters of a path that a request asks for, and the query passed on to them: the
 * request's, without {@linkcode EXPORTER_PARAM}.
 */
export interface Selection {
  /** The slots of the exporters chosen, in configuration order; undefined: all of them. */
  readonly slots: readonly number[] | undefined;
  /** The query passed on to exporters that forward it. */
  readonly query: URLSearchParams;
}

/** One exporter of the path: its configuration, and how its scrapes went. */
interface ExporterState {
  readonly config: ExporterConfig;
  readonly running: Exporter;
  /** What its shared scrapes need of it. */
  readonly scraped: ScrapedExporter;
  /** Whether its scrapes depend on the request's query. */
  readonly forwardsQuery: boolean;
  status: ExporterStatus;
  /** The cause of the failure last logged; undefined while the exporter is up. */
  loggedCause: string | undefined;
}

/** Scrapes the exporters of one configured path and merges their metrics. */
export class PathScraper {
  /** The path's configuration. */
  readonly config: PathConfig;
  readonly #exporters: ExporterState[];
  readonly #logger: Logger;
  readonly #metrics: OwnMetrics;
  readonly #engine: ScrapeEngine;
  readonly #budget: ByteBudget;
  /** What its shared scrapes of every exporter work with. */
  readonly #scraped: ScrapedPath;
  /** Merge conflicts already logged: each is logged once. */
  readonly #loggedConflicts = new Set<string>();
  /** Scrapes in progress, by the exporters chosen and the forwarded query. */
  readonly #inFlight = new Map<string, SharedScrape>();

  /** `running` holds the running exporter of each of `config.exporters`, in the same order. */
  constructor(
    config: PathConfig,
    running: readonly Exporter[],
    dependencies: PathScraperDependencies,
  ) {
    this.config = config;
    this.#logger = dependencies.logger;
    this.#metrics = dependencies.metrics;
    this.#engine = dependencies.engine;
    this.#budget = dependencies.budget;
    this.#exporters = config.exporters.map((exporter, i) => ({
      config: exporter,
      running: running[i]!,
      scraped: {
        name: exporter.name,
        timeoutMs: kindOf(exporter).timeoutMs(exporter),
        running: running[i]!,
        cache: exporter.cacheForMs > 0
          ? new ResultCache(exporter.cacheForMs, dependencies.budget)
          : undefined,
      },
      forwardsQuery: kindOf(exporter).forwardsQuery(exporter),
      status: {
        name: exporter.name,
        kind: exporter.kind,
        target: kindOf(exporter).target(exporter),
        lastScrapeAt: undefined,
        lastDurationSeconds: undefined,
        lastSamples: undefined,
        lastError: undefined,
        up: undefined,
        lastRun: undefined,
        cacheForSeconds: exporter.cacheForMs / 1000,
        lastCacheHitAt: undefined,
      },
      loggedCause: undefined,
    }));
    this.#scraped = this.#scrapedPath(this.#exporters);
  }

  /**
   * The exporters that `query` asks for with {@linkcode EXPORTER_PARAM} (each name once or
   * more, in any order; without the parameter, all of them), or why it cannot be served: a
   * name that is not one of the path's.
   */
  select(query: URLSearchParams): Selection | string {
    const names = query.getAll(EXPORTER_PARAM);
    if (names.length === 0) return { slots: undefined, query };
    const unknown = names.filter((n) => !this.config.exporters.some((e) => e.name === n));
    if (unknown.length > 0) {
      const known = this.config.exporters.map((e) => JSON.stringify(e.name)).join(", ");
      return `${this.config.path} has no exporter named ` +
        `${[...new Set(unknown)].map((n) => JSON.stringify(n)).join(", ")}; ` +
        `its exporters: ${known || "none"}`;
    }
    const slots: number[] = [];
    this.config.exporters.forEach((e, slot) => {
      if (names.includes(e.name)) slots.push(slot);
    });
    const forwarded = new URLSearchParams(query);
    forwarded.delete(EXPORTER_PARAM);
    return { slots, query: forwarded };
  }

  /** The last scrape of each exporter, in configuration order. */
  status(): ExporterStatus[] {
    return this.#exporters.map((e) => ({ ...e.status, lastRun: e.running.lastRun?.() }));
  }

  /**
   * Scrapes the exporters `selection` chose, passing them its query, or joins a scrape in
   * progress of the same exporters with the same forwarded query, and builds the answer.
   */
  async scrape(request: ScrapeRequest, selection: Selection): Promise<ServedAnswer> {
    const { slots, query } = selection;
    const chosen = slots === undefined ? this.#exporters : slots.map((s) => this.#exporters[s]!);
    const forwardsQuery = chosen.some((e) => e.forwardsQuery);
    const key = `${slots?.join(",") ?? "all"} ${forwardsQuery ? query.toString() : ""}`;
    let shared = this.#inFlight.get(key);
    if (shared === undefined || !shared.joinable) {
      const scraped = slots === undefined ? this.#scraped : this.#scrapedPath(chosen);
      shared = new SharedScrape(scraped, {
        query,
        engine: this.#engine,
        hold: this.#budget.hold(),
        budgetMs: request.budgetMs,
      });
      const started = shared;
      this.#inFlight.set(key, started);
      started.done.then(() => {
        if (this.#inFlight.get(key) === started) this.#inFlight.delete(key);
      });
    }
    const served = await shared.serve(request);
    const { answer } = served;
    for (const c of answer.conflicts) this.#countConflict(c);
    for (const [what, count] of Object.entries(answer.dropped)) {
      if (count > 0) this.#metrics.conversionDropped.inc([this.config.path, what], count);
    }
    return served;
  }

  /** What a shared scrape of `exporters` works with: their slots are their places in it. */
  #scrapedPath(exporters: readonly ExporterState[]): ScrapedPath {
    return {
      exporters: exporters.map((e) => e.scraped),
      record: (slot, outcome) => this.#record(exporters[slot]!, outcome),
      sources: (outcomes) => this.#sources(exporters, outcomes),
    };
  }

  /**
   * What an answer is built from: the program's own series where configured, the
   * `reverse_exporter_backend_*` series of the exporters scraped, and the bodies of those that
   * were up.
   */
  #sources(exporters: readonly ExporterState[], outcomes: readonly Outcome[]): AnswerSource[] {
    const sources: AnswerSource[] = [];
    if (this.config.ownMetrics) {
      sources.push({ exporterName: "", families: this.#metrics.collect(), own: true });
    }
    if (this.config.backendMetrics && exporters.length > 0) {
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

  /** Drops the results its exporters keep (`cache_for`), giving their bytes back. */
  close(): void {
    for (const e of this.#exporters) e.scraped.cache?.close();
  }

  /** Records the end of one exporter's scrape (or its cached result answered): metrics, log, status. */
  #record(exporter: ExporterState, outcome: Outcome): void {
    const { config } = exporter;
    const labels = [this.config.path, config.name];
    if (outcome.cached) {
      this.#metrics.exporterCacheHits.inc(labels);
      exporter.status = { ...exporter.status, lastCacheHitAt: Date.now() };
      return;
    }
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
      lastError: failure?.message ?? exporter.running.lastRun?.()?.error,
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

/** `reverse_exporter_backend_up` and `..._scrape_duration_seconds`, one series per exporter. */
function backendFamilies(
  exporters: readonly ExporterState[],
  outcomes: readonly Outcome[],
): ValueFamily[] {
  const series = (e: ExporterState): LabelSet => [{ name: "exporter_name", value: e.config.name }];
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
