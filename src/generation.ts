/**
 * The configuration being served: one generation of path scrapers and application,
 * replaced whole on reload while the listeners stay. The running exporters are the pool's
 * (see exporters/pool.ts): a generation takes over the unchanged ones that survive reloads.
 * @module
 */
import type { ByteBudget } from "./exporters/byte_budget.ts";
import type { Exporter } from "./exporters/mod.ts";
import { type ExporterLease, ExporterPool } from "./exporters/pool.ts";
import type { Config } from "./config/types.ts";
import type { Logger } from "./log.ts";
import type { OwnMetrics } from "./metrics/own_metrics.ts";
import { PathScraper } from "./path_scraper.ts";
import type { ScrapeEngine } from "./scrape/engine.ts";
import { type App, type AppOptions, createApp } from "./server/app.ts";
import type { FetchHandler } from "./server/types.ts";

/** What every generation shares with the rest of the program. */
export interface GenerationDependencies {
  /** Where every generation logs. */
  readonly logger: Logger;
  /** The program's own metrics. */
  readonly metrics: OwnMetrics;
  /** Where bodies are decoded and answers built, for every generation. */
  readonly engine: ScrapeEngine;
  /** `web.max_bytes_in_flight`: one budget for the life of the process. */
  readonly budget: ByteBudget;
  /** Whether every listener is up (for `/-/ready`). */
  readonly isReady: () => boolean;
  /** Reloads the configuration; absent unless `--web.enable-lifecycle`. */
  readonly reload: AppOptions["reload"];
}

interface Generation {
  readonly config: Config;
  /** Its hold on the running exporters its scrapers scrape. */
  readonly lease: ExporterLease;
  readonly scrapers: readonly PathScraper[];
  readonly app: App;
  /** Requests being answered by this generation. */
  inFlight: number;
  /** Replaced: close it once its requests in flight are done. */
  retired: boolean;
  closed: boolean;
  /** Runs when the generation is closed. */
  onClose?: () => void;
}

/**
 * Builds the scrapers and application of `config`, taking from `pool` the running exporters
 * that `previous` leaves it; lets go of what it took if it fails.
 */
async function build(
  config: Config,
  dependencies: GenerationDependencies & { pool: ExporterPool; previous?: Generation },
): Promise<Generation> {
  const { logger, metrics, engine, budget } = dependencies;
  const lease = dependencies.pool.lease();
  const scrapers: PathScraper[] = [];
  try {
    for (const path of config.reverseExporters) {
      const context = { path: path.path, logger, metrics, engine, budget };
      const running: Exporter[] = [];
      for (const exporter of path.exporters) {
        running.push(await lease.take(exporter, { context, from: dependencies.previous?.lease }));
      }
      scrapers.push(new PathScraper(path, running, { logger, metrics, engine, budget }));
    }
  } catch (error) {
    lease.release();
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
  return { config, lease, scrapers, app, inFlight: 0, retired: false, closed: false };
}

/** The generation being served, and the hand-over to the next one. */
export class ServedConfiguration {
  #current: Generation;
  /** Replaced generations still answering requests. */
  readonly #retired = new Set<Generation>();
  readonly #dependencies: GenerationDependencies;
  /** The running exporters of every generation. */
  readonly #pool: ExporterPool;

  private constructor(
    first: Generation,
    dependencies: GenerationDependencies & { pool: ExporterPool },
  ) {
    this.#current = first;
    this.#dependencies = dependencies;
    this.#pool = dependencies.pool;
  }

  /** Builds the first generation. */
  static async start(
    config: Config,
    dependencies: GenerationDependencies,
  ): Promise<ServedConfiguration> {
    const pool = new ExporterPool();
    const first = await build(config, { ...dependencies, pool });
    return new ServedConfiguration(first, { ...dependencies, pool });
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
    const next = await build(config, { ...this.#dependencies, pool: this.#pool, previous: old });
    this.#current = next;
    this.#dependencies.budget.limit = config.web.maxBytesInFlight;
    // Once its last request is done: a scrape in flight would record its series again.
    old.onClose = () => forgetRemoved(old.config, config, this.#dependencies.metrics);
    old.retired = true;
    if (old.inFlight === 0) closeGeneration(old);
    else this.#retired.add(old);
  }

  /** Closes every generation, retired ones included, and so every exporter (at shutdown). */
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
  for (const scraper of generation.scrapers) scraper.close();
  generation.lease.release();
  generation.onClose?.();
}
