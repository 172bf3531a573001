/**
 * The engine in a pool of workers: each scrape's session is pinned to one worker, which
 * decodes its bodies (handed over, not copied) and builds its answers, so that decoding,
 * merging and encoding never hold up the thread that accepts and answers requests, and
 * scrapes use every core. Workers start on first use and run with no permission at all.
 * @module
 */
import type { Answer, AnswerFormat } from "./answer.ts";
import {
  type AnswerSource,
  type DecodeOutcome,
  type EngineSession,
  InlineSession,
  type Payload,
  type ScrapeEngine,
} from "./engine.ts";
import type { AnswerJob, DecodeJob, WorkerReply, WorkerRequest } from "./_worker_protocol.ts";
import { ENGINE_WORKER_CODE } from "./_engine_worker_code.ts";

/**
 * The worker's code, from the bundle of its modules (see scripts/bundle_workers.ts): a `blob:`
 * URL needs no permission to load, from source or in a compiled binary.
 */
let workerUrl: string | undefined;

interface Pending {
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
}

/** One worker, and what it was asked and has not answered yet. */
class PoolWorker {
  readonly #pending = new Map<number, Pending>();
  #worker: Worker | undefined;
  #nextId = 0;
  /** Sessions open on it, to choose the least busy worker. */
  sessions = 0;

  request(message: DecodeJob | AnswerJob, transfer: ArrayBuffer[] = []): Promise<unknown> {
    const worker = this.#start();
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      worker.postMessage({ ...message, id }, { transfer });
    });
  }

  post(message: Extract<WorkerRequest, { op: "close" }>): void {
    this.#worker?.postMessage(message);
  }

  terminate(): void {
    this.#worker?.terminate();
    this.#worker = undefined;
    this.#failAll(new Error("the engine was stopped"));
  }

  #start(): Worker {
    if (this.#worker !== undefined) return this.#worker;
    workerUrl ??= URL.createObjectURL(
      new Blob([ENGINE_WORKER_CODE], { type: "application/javascript" }),
    );
    const worker = new Worker(workerUrl, {
      type: "module",
      name: "reverse_exporter engine",
      deno: { permissions: "none" },
    } as WorkerOptions);
    worker.onmessage = (event: MessageEvent<WorkerReply>) => {
      const reply = event.data;
      const pending = this.#pending.get(reply.id);
      if (pending === undefined) return;
      this.#pending.delete(reply.id);
      if (reply.ok) pending.resolve(reply.result);
      else pending.reject(new Error(`engine worker: ${reply.error}`));
    };
    worker.onerror = (event) => {
      event.preventDefault();
      // The worker is gone: what it was doing fails, the next request starts another one.
      this.#worker = undefined;
      worker.terminate();
      this.#failAll(new Error(`engine worker failed: ${event.message}`));
    };
    this.#worker = worker;
    return worker;
  }

  #failAll(error: Error): void {
    for (const pending of this.#pending.values()) pending.reject(error);
    this.#pending.clear();
  }
}

/** The bytes of `body` in a buffer of their own, which can be handed to a worker. */
function transferable(body: Uint8Array): Uint8Array<ArrayBuffer> {
  const buffer = body.buffer;
  if (
    buffer instanceof ArrayBuffer && body.byteOffset === 0 && body.byteLength === buffer.byteLength
  ) {
    return body as Uint8Array<ArrayBuffer>;
  }
  return body.slice();
}

let nextSession = 0;

class WorkerSession implements EngineSession {
  readonly #worker: PoolWorker;
  readonly #id = nextSession++;
  #closed = false;

  constructor(worker: PoolWorker) {
    this.#worker = worker;
    worker.sessions++;
  }

  async decode(slot: number, payload: Payload): Promise<DecodeOutcome> {
    const body = transferable(payload.body);
    return await this.#worker.request(
      { op: "decode", session: this.#id, slot, payload: { ...payload, body } },
      [body.buffer],
    ) as DecodeOutcome;
  }

  async answer(sources: readonly AnswerSource[], how: AnswerFormat): Promise<Answer> {
    return await this.#worker.request({ op: "answer", session: this.#id, sources, how }) as Answer;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#worker.sessions--;
    this.#worker.post({ op: "close", session: this.#id });
  }
}

/**
 * The most bytes of body a scrape may have for its decoding and its answers to be done in this
 * thread (and a compressed body's most, a tenth of it): at most a few milliseconds of work.
 * Handing a body to a worker and its answer back costs more than the work itself for small
 * bodies (see BENCHMARKS.md, "Measurements behind the code"), and it is what the thread that
 * accepts connections must never wait on that the workers are for: large bodies.
 */
export const INLINE_BYTES = 256 * 1024;

/** Whether a payload is small enough to be decoded in this thread. */
function small(payload: Payload): boolean {
  const limit = payload.contentEncoding === undefined ? INLINE_BYTES : INLINE_BYTES / 10;
  return payload.body.byteLength <= limit;
}

/**
 * A scrape's session: small bodies decoded in this thread, each large one in a worker (the
 * first large body chooses it). Its answers are built in this thread while every body is
 * small; once one is large, in the worker, where the small ones are decoded again (their bytes
 * are kept for it: they are small).
 */
class HybridSession implements EngineSession {
  readonly #inline = new InlineSession();
  readonly #open: () => EngineSession;
  #worker: EngineSession | undefined;
  /** The small payloads decoded here, should the answers have to be built in the worker. */
  readonly #small = new Map<number, Payload>();
  /** Small payloads already given to the worker. */
  readonly #sent = new Set<number>();

  constructor(open: () => EngineSession) {
    this.#open = open;
  }

  decode(slot: number, payload: Payload): Promise<DecodeOutcome> {
    if (small(payload)) {
      this.#small.set(slot, payload);
      return this.#inline.decode(slot, payload);
    }
    this.#worker ??= this.#open();
    return this.#worker.decode(slot, payload);
  }

  async answer(sources: readonly AnswerSource[], how: AnswerFormat): Promise<Answer> {
    const worker = this.#worker;
    if (worker === undefined) return this.#inline.answerNow(sources, how);
    for (const source of sources) {
      const slot = source.slot;
      if (slot === undefined || this.#sent.has(slot)) continue;
      const payload = this.#small.get(slot);
      if (payload === undefined) continue;
      this.#sent.add(slot);
      await worker.decode(slot, { ...payload, body: payload.body.slice() });
    }
    return await worker.answer(sources, how);
  }

  close(): void {
    this.#inline.close();
    this.#worker?.close();
    this.#small.clear();
  }
}

/** The engine in `size` workers, for large bodies; small ones in this thread. */
export class WorkerPool implements ScrapeEngine {
  readonly #workers: PoolWorker[];
  #next = 0;

  /** A pool of `size` workers, each started when it is first used. */
  constructor(size: number) {
    this.#workers = Array.from({ length: Math.max(1, size) }, () => new PoolWorker());
  }

  open(): EngineSession {
    return new HybridSession(() => this.#openWorker());
  }

  /** A session in a worker. */
  #openWorker(): EngineSession {
    // The least busy worker, the search starting after the last one chosen, so that scrapes
    // one after another go to every worker in turn.
    const n = this.#workers.length;
    let least = this.#workers[this.#next % n]!;
    for (let k = 1; k < n; k++) {
      const w = this.#workers[(this.#next + k) % n]!;
      if (w.sessions < least.sessions) least = w;
    }
    this.#next = this.#workers.indexOf(least) + 1;
    return new WorkerSession(least);
  }

  close(): void {
    for (const w of this.#workers) w.terminate();
  }
}
