/**
 * The configuration being served: one generation of path scrapers and application,
 * replaced whole on reload while the listeners stay.
 */
import type { Hono } from "hono";
import type { ByteBudget } from "./exporters/byte_budget.ts";
import type { Config, ExporterConfig } from "./config/types.ts";
import type { Logger } from "./log.ts";
import type { OwnMetrics } from "./metrics/own_metrics.ts";
import { createPathScraper, type PathScraper } from "./path_scraper.ts";
import type { ScrapeEngine } from "./scrape/engine.ts";
import { type AppOptions, createApp } from "./server/app.ts";
import type { FetchHandler } from "./server/listen.ts";

/** What every generation shares with the rest of the program. */
export interface GenerationDependencies {
  readonly logger: Logger;
  readonly metrics: OwnMetrics;
  /** Where bodies are decoded and answers built, for every generation. */
  readonly engine: ScrapeEngine;
  /** `web.max_bytes_in_flight`: one budget for the life of the process. */
  readonly budget: ByteBudget;
  readonly isReady: () => boolean;
  /** Reloads the configuration; absent unless `--web.enable-lifecycle`. */
  readonly reload: AppOptions["reload"];
}

interface Generation {
  readonly config: Config;
  readonly scrapers: readonly PathScraper[];
  readonly app: Hono;
  /** Requests being answered by this generation. */
  inFlight: number;
  /** Replaced: close it once its requests in flight are done. */
  retired: boolean;
  closed: boolean;
  /** Runs when the generation is closed. */
  onClose?: () => void;
}

/**
 * Builds the scrapers and application of `config`, borrowing the running exec_cached
 * backends of `previous` that did not change; closes what it made if it fails.
 */
async function build(
  config: Config,
  dependencies: GenerationDependencies,
  previous?: Generation,
): Promise<Generation> {
  const { logger, metrics, engine, budget } = dependencies;
  const scrapers: PathScraper[] = [];
  try {
    for (const path of config.reverseExporters) {
      const lender = previous?.scrapers.find((s) => s.config.path === path.path);
      const borrow = (exporter: ExporterConfig) => lender?.lend(exporter);
      scrapers.push(
        await createPathScraper(path, { logger, metrics, engine, budget, borrow }),
      );
    }
  } catch (error) {
    for (const s of scrapers) s.close();
    throw error;
  }
  const app = createApp({
    contextPath: config.web.contextPath,
    scrapers,
    metrics,
    budget,
    isReady: dependencies.isReady,
    reload: dependencies.reload,
    configFile: config.file,
    webAuth: config.web.auth,
    logger,
  });
  return { config, scrapers, app, inFlight: 0, retired: false, closed: false };
}

/** The generation being served, and the hand-over to the next one. */
export class ServedConfiguration {
  #current: Generation;
  /** Replaced generations still answering requests. */
  readonly #retired = new Set<Generation>();
  readonly #dependencies: GenerationDependencies;

  private constructor(first: Generation, dependencies: GenerationDependencies) {
    this.#current = first;
    this.#dependencies = dependencies;
  }

  /** Builds the first generation. */
  static async start(
    config: Config,
    dependencies: GenerationDependencies,
  ): Promise<ServedConfiguration> {
    return new ServedConfiguration(await build(config, dependencies), dependencies);
  }

  /** The configuration being served. */
  get config(): Config {
    return this.#current.config;
  }

  /** The handler every listener serves: the current generation's application. */
  readonly handler: FetchHandler = async (request, info) => {
    const generation = this.#current;
    generation.inFlight++;
    try {
      return await generation.app.fetch(request, info);
    } finally {
      generation.inFlight--;
      if (generation.retired && generation.inFlight === 0) {
        this.#retired.delete(generation);
        closeGeneration(generation);
      }
    }
  };

  /** Serves `config` from now on; the old generation finishes its requests first. */
  async replace(config: Config): Promise<void> {
    const old = this.#current;
    const next = await build(config, this.#dependencies, old);
    // The new generation now owns what it borrowed: the old one must not close it.
    for (const scraper of next.scrapers) {
      for (const backend of scraper.adopt()) for (const s of old.scrapers) s.disown(backend);
    }
    this.#current = next;
    this.#dependencies.budget.limit = config.web.maxBytesInFlight;
    // Once its last request is done: a scrape in flight would record its series again.
    old.onClose = () => forgetRemoved(old.config, config, this.#dependencies.metrics);
    old.retired = true;
    if (old.inFlight === 0) closeGeneration(old);
    else this.#retired.add(old);
  }

  /** Closes every generation's scrapers, retired ones included (at shutdown). */
  closeAll(): void {
    for (const generation of this.#retired) closeGeneration(generation);
    this.#retired.clear();
    closeGeneration(this.#current);
  }
}

/** Drops the own-metrics series of the paths and exporters `next` no longer has. */
function forgetRemoved(previous: Config, next: Config, metrics: OwnMetrics): void {
  for (const path of previous.reverseExporters) {
    const kept = next.reverseExporters.find((p) => p.path === path.path);
    if (kept === undefined) {
      metrics.forget(path.path);
      continue;
    }
    for (const exporter of path.exporters) {
      if (!kept.exporters.some((e) => e.name === exporter.name)) {
        metrics.forget(path.path, exporter.name);
      }
    }
  }
}

function closeGeneration(generation: Generation): void {
  if (generation.closed) return;
  generation.closed = true;
  for (const s of generation.scrapers) s.close();
  generation.onClose?.();
}
