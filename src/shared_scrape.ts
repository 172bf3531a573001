/**
 * One scrape of a configured path, shared by the requests for it that arrive while it is in
 * progress: each exporter is scraped, and its body decoded, once for all of them, and each
 * answer is built once per format asked. Each request keeps its own budget: it waits for each
 * exporter until its own deadline for that exporter, and an exporter that has not answered by
 * then is down in that request's answer only. An exporter's scrape goes on while any request
 * still waits for it, until the latest of their deadlines, and is stopped when the last one
 * has gone.
 * @module
 */
import { type Exporter, ScrapeFailure } from "./exporters/mod.ts";
import type { BudgetHold } from "./exporters/byte_budget.ts";
import type { CachedResult, HeldCopy, ResultCache } from "./result_cache.ts";
import type { Answer, AnswerFormat } from "./scrape/answer.ts";
import type { AnswerSource, EngineSession, Payload, ScrapeEngine } from "./scrape/engine.ts";
import { errorMessage } from "./error_message.ts";

/** An answer for one request, and what the request calls once it has sent it (or given up). */
export interface ServedAnswer {
  readonly answer: Answer;
  /**
   * The request is done with the answer: once the scrape is over and every request given the
   * answer has called this, its body is freed (a body waiting to be collected can take tens of
   * MB). Calling it more than once does nothing.
   */
  readonly sent: () => void;
}

/** The most of a Prometheus scrape budget kept back for merging and sending the response. */
export const MAX_SCRAPE_MARGIN_MS = 500;

/** What a request to a configured path passes on to its scrape. */
export interface ScrapeRequest {
  /** Aborts when the client goes away. */
  readonly signal: AbortSignal;
  /** The Prometheus scrape timeout (`X-Prometheus-Scrape-Timeout-Seconds`), in ms. */
  readonly budgetMs: number | undefined;
  /** The format, escaping and compression of the answer. */
  readonly how: AnswerFormat;
}

/** One exporter of the path, as its scrape needs it. */
export interface ScrapedExporter {
  /** Its name, for messages. */
  readonly name: string;
  /** Its own deadline (Infinity: only the scrape budget's). */
  readonly timeoutMs: number;
  /** What scrapes it. */
  readonly running: Exporter;
  /** Its last successful result, when it has `cache_for`. */
  readonly cache: ResultCache | undefined;
}

/** What a shared scrape needs of its path. */
export interface ScrapedPath {
  /** In configuration order; an exporter's index is its slot in the engine's session. */
  readonly exporters: readonly ScrapedExporter[];
  /** Records how the scrape of the exporter in `slot` ended (metrics, logs, status). */
  record(slot: number, outcome: Outcome): void;
  /** What an answer is built from, for these outcomes of the exporters. */
  sources(outcomes: readonly Outcome[]): AnswerSource[];
}

/** How one exporter's scrape ended. */
export interface Outcome {
  /** Epoch milliseconds when it started. */
  readonly startedAt: number;
  /** How long it took, decoding included. */
  readonly durationSeconds: number;
  /** Its samples; 0 when it failed. */
  readonly samples: number;
  /** Why it failed; undefined when it succeeded. */
  readonly failure: ScrapeFailure | undefined;
  /** The exporter's last result answered, not a scrape of its own (`cache_for`). */
  readonly cached?: true;
}

/** The deadline of one exporter: its timeout, cut down to the scrape budget less a margin. */
export function exporterDeadlineMs(timeoutMs: number, budgetMs: number | undefined): number {
  if (budgetMs === undefined) return timeoutMs;
  const margin = Math.min(MAX_SCRAPE_MARGIN_MS, budgetMs * 0.1);
  return Math.max(1, Math.min(timeoutMs, budgetMs - margin));
}

/** One scrape of a path, shared by the requests that arrive while it is in progress. */
export class SharedScrape {
  readonly #path: ScrapedPath;
  readonly #session: EngineSession;
  /** Its share of `web.max_bytes_in_flight`: what its exporters read, until it is done. */
  readonly #hold: BudgetHold;
  readonly #fetches: ExporterFetch[];
  readonly #answers = new Map<string, Promise<Answer>>();
  /** How many requests were given each answer and have not sent it yet. */
  readonly #senders = new Map<Answer, number>();
  #over = false;
  #requests = 0;
  #settled = 0;
  readonly #done = Promise.withResolvers<void>();

  /**
   * A scrape of `path`'s exporters, with the request's query, in `engine`, holding `hold`;
   * `budgetMs` is the scrape budget of the request that starts it, which bounds the age of a
   * cached result it takes.
   */
  constructor(
    path: ScrapedPath,
    options: {
      query: URLSearchParams;
      engine: ScrapeEngine;
      hold: BudgetHold;
      budgetMs: number | undefined;
    },
  ) {
    this.#path = path;
    this.#session = options.engine.open();
    this.#hold = options.hold;
    this.#fetches = path.exporters.map((exporter, slot) =>
      new ExporterFetch(exporter, {
        slot,
        query: options.query,
        session: this.#session,
        hold: options.hold,
        budgetMs: options.budgetMs,
      })
    );
    this.#fetches.forEach((fetch, slot) => {
      fetch.outcome.then((outcome) => {
        path.record(slot, outcome);
        this.#settled++;
        this.#maybeDone();
      });
    });
  }

  /** Resolves once every exporter's scrape has ended and every request has been answered. */
  get done(): Promise<void> {
    return this.#done.promise;
  }

  /** Whether a new request may join: exporters' scrapes in progress, none given up. */
  get joinable(): boolean {
    return this.#settled < this.#fetches.length && !this.#fetches.some((f) => f.stopped);
  }

  /** Waits for the exporters within the request's deadlines, then answers it. */
  async serve(options: ScrapeRequest): Promise<ServedAnswer> {
    this.#requests++;
    try {
      const arrived = performance.now();
      const outcomes = await Promise.all(
        this.#fetches.map((fetch) =>
          fetch.wait({ signal: options.signal, budgetMs: options.budgetMs, arrived })
        ),
      );
      options.signal.throwIfAborted();
      const answer = await this.#answer(outcomes, options.how);
      this.#senders.set(answer, (this.#senders.get(answer) ?? 0) + 1);
      let sent = false;
      return {
        answer,
        sent: () => {
          if (sent) return;
          sent = true;
          this.#sent(answer);
        },
      };
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
      answer = this.#session.answer(this.#path.sources(outcomes), how);
      this.#answers.set(key, answer);
    }
    return answer;
  }

  #sent(answer: Answer): void {
    const senders = this.#senders.get(answer)! - 1;
    this.#senders.set(answer, senders);
    if (senders === 0 && this.#over) freeAnswer(answer);
  }

  #maybeDone(): void {
    if (this.#over || this.#requests > 0 || this.#settled < this.#fetches.length) return;
    this.#over = true;
    this.#session.close();
    this.#hold.release();
    // No request can be given these answers any more: those nobody is sending are freed now,
    // the others once sent.
    for (const answer of this.#answers.values()) {
      answer.then((a) => {
        if ((this.#senders.get(a) ?? 0) === 0) freeAnswer(a);
      }, () => {});
    }
    this.#answers.clear();
    this.#done.resolve();
  }
}

/**
 * Buffers smaller than this are left to the collector: a small body may be a view of a pool
 * that other buffers share (node's `Buffer` pools those under 4 KiB), and costs little.
 */
const FREED_BUFFER_BYTES = 64 * 1024;

/** Frees a large answer's body now rather than when it is collected. */
function freeAnswer(answer: Answer): void {
  const buffer = answer.body.buffer;
  if (buffer.byteLength < FREED_BUFFER_BYTES || buffer.detached) return;
  try {
    buffer.transfer(0);
  } catch {
    // not detachable (held by the runtime): collected later
  }
}

/** What an exporter's scrape within a shared scrape works with. */
interface FetchContext {
  /** Where its body is decoded in the session. */
  readonly slot: number;
  readonly query: URLSearchParams;
  readonly session: EngineSession;
  readonly hold: BudgetHold;
  /** The scrape budget of the request that started the shared scrape. */
  readonly budgetMs: number | undefined;
}

/** One exporter's scrape within a shared scrape, and the requests waiting for it. */
class ExporterFetch {
  readonly exporter: ScrapedExporter;
  /** Resolves when the scrape (and the decoding of its body) has ended; never rejects. */
  readonly outcome: Promise<Outcome>;
  readonly #stop = new AbortController();
  #waiting = 0;
  /** When the scrape must end at the latest (`performance.now()` time), and its timer. */
  #deadline = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #ended = false;

  constructor(exporter: ScrapedExporter, context: FetchContext) {
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
    const { cache, timeoutMs } = this.exporter;
    // A result older than this scrape's deadline for the exporter is not taken: its samples
    // would be further from the time Prometheus gives them than a scrape's own could be.
    const cached = cache?.fresh(exporterDeadlineMs(timeoutMs, context.budgetMs));
    if (cached !== undefined) return await this.#answerCached(cached, context);
    let copy: HeldCopy | undefined;
    try {
      this.#stop.signal.throwIfAborted();
      const payload = await this.exporter.running.scrape({
        signal: this.#stop.signal,
        query: context.query,
        hold: context.hold,
      });
      // The engine takes the body: the cache keeps a copy of its own.
      copy = cache?.copy(payload);
      const decoded = await context.session.decode(context.slot, payload);
      if (!decoded.ok) {
        return {
          startedAt,
          durationSeconds: durationSeconds(),
          samples: 0,
          failure: new ScrapeFailure(decoded.cause, decoded.message),
        };
      }
      const outcome = {
        startedAt,
        durationSeconds: durationSeconds(),
        samples: decoded.samples,
        failure: undefined,
      };
      if (copy !== undefined) {
        cache!.keep(copy, { at: started, startedAt, durationSeconds: outcome.durationSeconds });
      }
      copy = undefined;
      return outcome;
    } catch (error) {
      const failure = error instanceof ScrapeFailure
        ? error
        : new ScrapeFailure("connect", errorMessage(error));
      return { startedAt, durationSeconds: durationSeconds(), samples: 0, failure };
    } finally {
      copy?.hold.release();
    }
  }

  /** Decodes a copy of a cached result, held of the scrape's budget as a body read is. */
  async #answerCached(cached: CachedResult, context: FetchContext): Promise<Outcome> {
    const { startedAt, durationSeconds } = cached;
    const failed = (failure: ScrapeFailure): Outcome => ({
      startedAt,
      durationSeconds,
      samples: 0,
      failure,
    });
    const size = cached.payload.body.byteLength;
    if (!context.hold.take(size)) {
      return failed(
        new ScrapeFailure(
          "memory_limit",
          `the cached result of ${this.exporter.name} (${size} bytes) is over what ` +
            `web.max_bytes_in_flight (${context.hold.limit} bytes) has left`,
        ),
      );
    }
    const payload: Payload = { ...cached.payload, body: cached.payload.body.slice() };
    try {
      const decoded = await context.session.decode(context.slot, payload);
      if (!decoded.ok) return failed(new ScrapeFailure(decoded.cause, decoded.message));
      return {
        startedAt,
        durationSeconds,
        samples: decoded.samples,
        failure: undefined,
        cached: true,
      };
    } catch (error) {
      return failed(
        new ScrapeFailure("decode", errorMessage(error)),
      );
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
    const { name, timeoutMs } = this.exporter;
    const deadlineMs = exporterDeadlineMs(timeoutMs, request.budgetMs);
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
            `exporter ${name}: no answer within the deadline of this scrape`,
          )
          : new ScrapeFailure(
            "canceled",
            `exporter ${name}: canceled (the client went away)`,
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
