/** What every kind of backend provides: a scrape that returns an exporter's body. */
import type { Logger } from "../log.ts";
import type { OwnMetrics } from "../metrics/own_metrics.ts";
import type { Payload, ScrapeEngine } from "../scrape/engine.ts";
import type { BudgetHold, ByteBudget } from "./byte_budget.ts";

export type { Payload };

/** Why a scrape failed, as counted in `reverse_exporter_exporter_scrape_failures_total`. */
export type FailureCause =
  | "timeout"
  | "canceled"
  | "connect"
  | "http_status"
  | "read"
  | "start"
  | "exit_code"
  | "body_too_large"
  | "memory_limit"
  | "invalid_body"
  | "decode"
  | "stale";

/** A failed scrape of one backend, with a cause and a human-readable reason. */
export class ScrapeFailure extends Error {
  /** The failure's category, for metrics. */
  readonly category: FailureCause;

  constructor(category: FailureCause, message: string) {
    super(message);
    this.name = "ScrapeFailure";
    this.category = category;
  }
}

/** What a scrape of a configured path passes to each of its backends. */
export interface ScrapeContext {
  /** Aborts when the exporter's deadline passes or the client goes away. */
  readonly signal: AbortSignal;
  /** The query parameters of the request to the configured path. */
  readonly query: URLSearchParams;
  /** The scrape's share of `web.max_bytes_in_flight`, given back once it has answered. */
  readonly hold: BudgetHold;
}

/** A source of metrics: one configured exporter. */
export interface Exporter {
  /** Scrapes once: the body, not yet decoded; rejects with {@linkcode ScrapeFailure}. */
  scrape(context: ScrapeContext): Promise<Payload>;
  /** Releases what the backend holds (connections, timers, processes). */
  close(): void;
  /** The last run, for backends that run on their own schedule (exec_cached). */
  lastRun?(): RunStatus | undefined;
}

/** One run of a backend that runs on its own schedule (exec_cached). */
export interface RunStatus {
  /** Epoch milliseconds when it started. */
  readonly at: number;
  readonly durationSeconds: number;
  /** Why it failed; undefined when it succeeded. */
  readonly error: string | undefined;
}

/** What a backend may use of the rest of the program. */
export interface ExporterContext {
  /** The configured path the exporter belongs to, for logs and metrics. */
  readonly path: string;
  readonly logger: Logger;
  readonly metrics: OwnMetrics;
  /** `web.max_bytes_in_flight`, for what a backend reads on its own schedule (script runs). */
  readonly budget: ByteBudget;
  /** Where bodies are decoded (exec_cached checks each run's output there). */
  readonly engine: ScrapeEngine;
}

/** The failure an aborted scrape gets: `timeout` for its deadline, `canceled` otherwise. */
export function abortFailure(signal: AbortSignal, what: string): ScrapeFailure {
  const reason: unknown = signal.reason;
  if (reason instanceof DOMException && reason.name === "TimeoutError") {
    return new ScrapeFailure("timeout", `${what}: deadline exceeded`);
  }
  return new ScrapeFailure("canceled", `${what}: canceled (the client went away)`);
}

/** The failure of a body over its limit (`body_too_large`). */
export function tooLarge(
  options: { readonly limit: number; readonly what: string },
): ScrapeFailure {
  return new ScrapeFailure(
    "body_too_large",
    `${options.what} is larger than the limit of ${options.limit} bytes`,
  );
}
