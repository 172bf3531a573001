/**
 * bcrypt comparisons off the program's thread: a Worker runs bcryptjs, one comparison at a
 * time, and at most {@linkcode BCRYPT_QUEUE_LIMIT} more wait for it; beyond that a comparison
 * is turned away at once ({@linkcode BcryptBusy}). A comparison takes bcryptjs tens of
 * milliseconds of CPU: on the thread that serves requests, a few clients sending wrong
 * passwords would hold up every other answer (figures: BENCHMARKS.md, "Measurements behind
 * the code").
 *
 * Permissions: none. The worker is made from a `data:` URL, which needs no permission (one
 * made from a file needs `--allow-read` of it) and no `--include` in `deno compile`. It keeps
 * the program's permissions: taking them away (`deno.permissions: "none"`) needs Deno's
 * unstable `worker-options`, and without that flag Deno 2.9 ends the whole process instead of
 * failing the call. Its code is the fixed string below, and it does no I/O.
 */
/**
 * Keeps bcryptjs in the program's module graph, so that `deno compile` embeds it (the worker's
 * module, a `data:` URL, is not part of the graph), without loading it in this thread: a
 * dynamic import written out is in the graph, and this one never runs.
 */
export function bcryptModule(): Promise<unknown> {
  return import("bcryptjs");
}

/** How many comparisons may wait for the worker; more are turned away. */
export const BCRYPT_QUEUE_LIMIT = 16;

/** The worker's module: answers each `{ password, hash }` with whether they match. */
const WORKER_SOURCE = `import bcrypt from "bcryptjs";
self.onmessage = ({ data }) => {
  let matched = false;
  try {
    matched = bcrypt.compareSync(data.password, data.hash);
  } catch {
    // a hash bcryptjs refuses matches nothing
  }
  self.postMessage(matched);
};
`;

/** A comparison turned away: the queue is full. */
export class BcryptBusy extends Error {
  constructor() {
    super(`more than ${BCRYPT_QUEUE_LIMIT} bcrypt comparisons are waiting`);
    this.name = "BcryptBusy";
  }
}

interface Job {
  readonly password: string;
  readonly hash: string;
  readonly done: PromiseWithResolvers<boolean>;
}

/** One worker comparing passwords with bcrypt hashes, and the comparisons waiting for it. */
export class BcryptPool {
  readonly #queueLimit: number;
  readonly #waiting: Job[] = [];
  #worker: Worker | undefined;
  #current: Job | undefined;

  /** A pool whose worker starts with the first comparison; `queueLimit` comparisons may wait. */
  constructor(options: { queueLimit?: number } = {}) {
    this.#queueLimit = options.queueLimit ?? BCRYPT_QUEUE_LIMIT;
  }

  /**
   * Whether `password` matches `hash`; rejects with {@linkcode BcryptBusy} at once when the
   * queue is full, and with an error when the worker failed.
   */
  compare(password: string, hash: string): Promise<boolean> {
    if (this.#current !== undefined && this.#waiting.length >= this.#queueLimit) {
      return Promise.reject(new BcryptBusy());
    }
    const job: Job = { password, hash, done: Promise.withResolvers() };
    this.#waiting.push(job);
    this.#next();
    return job.done.promise;
  }

  /** Starts the worker now, so that the first comparison does not wait for it to load. */
  warm(): void {
    this.#worker ??= this.#start();
  }

  /** Stops the worker; comparisons waiting fail. */
  close(): void {
    this.#worker?.terminate();
    this.#worker = undefined;
    const failed = new Error("the bcrypt worker was stopped");
    for (const job of [this.#current, ...this.#waiting.splice(0)]) job?.done.reject(failed);
    this.#current = undefined;
  }

  #next(): void {
    if (this.#current !== undefined) return;
    const job = this.#waiting.shift();
    if (job === undefined) return;
    this.#current = job;
    this.#worker ??= this.#start();
    this.#worker.postMessage({ password: job.password, hash: job.hash });
  }

  #start(): Worker {
    const worker = new Worker(`data:text/javascript;base64,${btoa(WORKER_SOURCE)}`, {
      type: "module",
      name: "bcrypt",
    });
    worker.onmessage = (event: MessageEvent<boolean>) => this.#finish(event.data === true);
    worker.onerror = (event) => {
      event.preventDefault();
      // A worker that failed is replaced for the next comparison.
      worker.terminate();
      if (this.#worker === worker) this.#worker = undefined;
      this.#finish(new Error(`the bcrypt worker failed: ${event.message}`));
    };
    return worker;
  }

  #finish(outcome: boolean | Error): void {
    const job = this.#current;
    this.#current = undefined;
    if (outcome instanceof Error) job?.done.reject(outcome);
    else job?.done.resolve(outcome);
    this.#next();
  }
}

let shared: BcryptPool | undefined;

/** The pool every credential check of the process shares. */
export function sharedBcryptPool(): BcryptPool {
  shared ??= new BcryptPool();
  return shared;
}
