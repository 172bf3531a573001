/**
 * Scrapes' engine work: decoding bodies and building answers, in this thread or in a pool of
 * workers.
 * @module
 */
import { InlineEngine, type ScrapeEngine } from "./engine.ts";
import { WorkerPool } from "./worker_pool.ts";

export * from "./answer.ts";
export * from "./engine.ts";

/** The engine of `workers` workers; 0: in this thread. */
export function createEngine(workers: number): ScrapeEngine {
  return workers === 0 ? new InlineEngine() : new WorkerPool(workers);
}
