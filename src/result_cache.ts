/**
 * The last successful result of an exporter with `cache_for`, which answers its scrapes for that
 * long instead of a new fetch or run. The engine takes the bytes it decodes, so the cache keeps a
 * copy of its own of the body (as it came: still compressed), held of `web.max_bytes_in_flight`
 * until it is replaced or older than `cache_for`; each scrape it answers decodes a copy of it.
 * @module
 */
import type { BudgetHold, ByteBudget } from "./exporters/byte_budget.ts";
import type { Payload } from "./scrape/engine.ts";

/** A result kept, and what its scrape was. */
export interface CachedResult {
  /** The body as the exporter gave it, and how to decode it. */
  readonly payload: Payload;
  /** Epoch milliseconds when the scrape that produced it started. */
  readonly startedAt: number;
  /** How long that scrape took, decoding included. */
  readonly durationSeconds: number;
}

/** A copy of a body taken before the engine takes the body: kept if it decodes, else dropped. */
export interface HeldCopy {
  /** The body's copy, and how to decode it. */
  readonly payload: Payload;
  /** What the copy holds of `web.max_bytes_in_flight`. */
  readonly hold: BudgetHold;
}

interface Entry extends CachedResult {
  /** `performance.now()` when its scrape started: its age is counted from there. */
  readonly at: number;
  readonly hold: BudgetHold;
  readonly timer: ReturnType<typeof setTimeout>;
}

/** The result of one exporter, kept for `cache_for`. */
export class ResultCache {
  readonly #cacheForMs: number;
  readonly #budget: ByteBudget;
  #entry: Entry | undefined;

  /** A cache keeping results for `cacheForMs`, their bodies held of `budget`. */
  constructor(cacheForMs: number, budget: ByteBudget) {
    this.#cacheForMs = cacheForMs;
    this.#budget = budget;
  }

  /**
   * The result kept, if its scrape started less than `maxAgeMs` ago (and less than
   * `cache_for`, after which it is dropped).
   */
  fresh(maxAgeMs: number): CachedResult | undefined {
    const entry = this.#entry;
    const age = performance.now() - (entry?.at ?? 0);
    if (entry === undefined || age >= Math.min(maxAgeMs, this.#cacheForMs)) return undefined;
    return entry;
  }

  /**
   * A copy of `payload`'s body, held of the budget, to {@linkcode keep} once the body has
   * decoded; undefined when the budget has no room for it (the result is then not kept).
   */
  copy(payload: Payload): HeldCopy | undefined {
    const hold = this.#budget.hold();
    if (!hold.take(payload.body.byteLength)) return undefined;
    return { payload: { ...payload, body: payload.body.slice() }, hold };
  }

  /**
   * Keeps `copy` as the result of a scrape that started at `at` (`performance.now()` time),
   * unless the result kept is from a scrape that started later; drops what it replaces.
   */
  keep(copy: HeldCopy, scrape: { at: number; startedAt: number; durationSeconds: number }): void {
    const old = this.#entry;
    if (old !== undefined && old.at > scrape.at) {
      copy.hold.release();
      return;
    }
    this.#drop();
    const timer = setTimeout(
      () => this.#drop(),
      Math.max(0, scrape.at + this.#cacheForMs - performance.now()),
    );
    this.#entry = { ...scrape, payload: copy.payload, hold: copy.hold, timer };
  }

  /** Drops the result kept, giving its bytes back. */
  close(): void {
    this.#drop();
  }

  #drop(): void {
    const entry = this.#entry;
    if (entry === undefined) return;
    this.#entry = undefined;
    clearTimeout(entry.timer);
    entry.hold.release();
  }
}
