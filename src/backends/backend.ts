/** What every kind of backend provides: a scrape that returns decoded metric families. */
import { DecodeError, decodeExposition, type MetricFamily } from "../exposition/mod.ts";
import type { Logger } from "../log.ts";
import type { OwnMetrics } from "../metrics/own_metrics.ts";
import type { BudgetHold, ByteBudget } from "./byte_budget.ts";

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
export interface Backend {
  /** Scrapes once; rejects with {@linkcode ScrapeFailure}. */
  scrape(context: ScrapeContext): Promise<MetricFamily[]>;
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
export interface BackendContext {
  /** The configured path the exporter belongs to, for logs and metrics. */
  readonly path: string;
  readonly logger: Logger;
  readonly metrics: OwnMetrics;
  /** `web.max_bytes_in_flight`, for what a backend reads on its own schedule (script runs). */
  readonly budget: ByteBudget;
}

/**
 * Decodes an exporter's output as text 0.0.4 or OpenMetrics (by `contentType` when given,
 * else by content), turning a decoding error into a {@linkcode ScrapeFailure}.
 */
export function decodePayload(
  text: string,
  what: string,
  options: { contentType?: string | undefined } = {},
): MetricFamily[] {
  try {
    return decodeExposition(
      text,
      options.contentType === undefined ? {} : { contentType: options.contentType },
    );
  } catch (error) {
    if (error instanceof DecodeError) {
      throw new ScrapeFailure("decode", `${what} is not a valid exposition: ${error.message}`);
    }
    throw error;
  }
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

/**
 * Decodes `bytes`, which must be the caller's alone, as {@linkcode decodeUtf8} does, and
 * frees their memory at once.
 */
export function textOf(bytes: Uint8Array, what: string): string {
  try {
    return decodeUtf8(bytes, what);
  } finally {
    freeBytes(bytes);
  }
}

/**
 * Frees the memory of `bytes`, which nothing else may use, now rather than at a later garbage
 * collection: detaches its buffer. Buffers of bodies and joined chunks live outside the
 * JavaScript heap, where the collector counts them late: under load, several scrapes' worth of
 * them piled up before it freed them.
 */
function freeBytes(bytes: Uint8Array): void {
  const buffer = bytes.buffer;
  // A buffer that cannot be detached (shared, or WebAssembly memory) is left to the collector.
  if (!(buffer instanceof ArrayBuffer) || buffer.detached) return;
  try {
    buffer.transfer(0);
  } catch {
    // not detachable
  }
}

/** A strict decoder; decoding without `stream` leaves it as new, so it is shared. */
const UTF8 = new TextDecoder("utf-8", { fatal: true });

/** Decodes strict UTF-8; invalid bytes are a failure (`invalid_body`) naming `what`. */
export function decodeUtf8(bytes: Uint8Array, what: string): string {
  try {
    return UTF8.decode(bytes);
  } catch {
    throw new ScrapeFailure("invalid_body", `${what} is not valid UTF-8`);
  }
}
