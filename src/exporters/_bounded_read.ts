/**
 * The one reader of every exporter's output (http bodies, metric files, scripts' stdout and
 * stderr): it keeps what a stream sends in one buffer of its own, within a limit.
 *
 * A piece that arrives may be a view of a few bytes over a 64 KiB buffer of the runtime (a
 * body trickled a byte per packet, gzip decoded in 4 KiB pieces, a script writing a byte at a
 * time): keeping the pieces, as a list of chunks does, kept 64 KiB for every piece. Here each
 * piece is copied into the buffer and dropped. The runtime's streams (files, pipes) are byte
 * streams: they are read into one scratch buffer of the reader's, reused for every read, so
 * that no piece is even allocated; `node:http` bodies are Node streams, whose pieces are copied
 * as they come. The buffer grows by doubling, up to the limit: a read costs at most twice the
 * bytes read, whatever the pieces.
 */
import { ScrapeFailure, tooLarge } from "./exporter.ts";
import type { BudgetHold } from "./byte_budget.ts";

/** The size of the buffer when the stream's size is not known beforehand. */
const FIRST_CAPACITY = 16 * 1024;

/** The most a read of a byte stream asks for at once: what the runtime's streams read. */
const SCRATCH_SIZE = 64 * 1024;

/** Options of {@linkcode readBounded}. */
export interface BoundedReadOptions {
  /** The most bytes kept. */
  readonly limit: number;
  /** What is read, for messages: `body of GET http://...`, a file's path. */
  readonly what: string;
  /**
   * The share of `web.max_bytes_in_flight` the bytes kept are taken from: a read that would
   * take more than the budget has left fails (`memory_limit`).
   */
  readonly hold?: BudgetHold | undefined;
  /** The size expected (a Content-Length, a file's size): the buffer is made that size at once. */
  readonly sizeHint?: number | undefined;
  /**
   * What more than `limit` bytes does: `fail` (the default) cancels the stream and fails with
   * `body_too_large`; `truncate` keeps the first `limit` bytes and reads the rest to its end.
   */
  readonly overflow?: "fail" | "truncate";
  /** Stops reading: the stream is canceled, and the bytes kept so far are the result. */
  readonly stop?: AbortSignal | undefined;
}

/**
 * Reads `stream` to its end; resolves to exactly the bytes read, in a buffer nothing else
 * holds. Rejects with a {@linkcode ScrapeFailure} of cause `body_too_large` or
 * `memory_limit`, or with the stream's own error; the stream is then canceled.
 */
export async function readBounded(
  stream: ReadableStream<Uint8Array>,
  options: BoundedReadOptions,
): Promise<Uint8Array> {
  // One byte more than the limit shows that a stream is over it.
  const pieces = new Pieces(stream, Math.min(SCRATCH_SIZE, options.limit + 1));
  const cancel = () => pieces.cancel();
  options.stop?.addEventListener("abort", cancel, { once: true });
  const kept = new Kept(options);
  try {
    if (options.stop?.aborted) cancel();
    for (let piece = await pieces.next(); piece !== undefined; piece = await pieces.next()) {
      kept.add(piece);
    }
  } catch (error) {
    cancel();
    kept.drop();
    throw error;
  } finally {
    options.stop?.removeEventListener("abort", cancel);
    pieces.release();
  }
  return kept.bytes();
}

/** What {@linkcode readBoundedNode} reads: a `node:http` response, or another Node stream. */
export interface NodeReadable {
  on(event: "data", listener: (piece: Uint8Array) => void): unknown;
  once(event: "end" | "close", listener: () => void): unknown;
  once(event: "error", listener: (error: Error) => void): unknown;
  destroy(): unknown;
}

/**
 * {@linkcode readBounded} for a Node stream (a `node:http` response), its pieces taken as they
 * come: cheaper than reading it as a web stream through `Readable.toWeb` (README, "What was
 * chosen, and why").
 * `stop` is not used: the stream is destroyed by its owner (the request's signal). The stream
 * is destroyed when the read fails; one that closes before its end fails.
 */
export function readBoundedNode(
  stream: NodeReadable,
  options: Omit<BoundedReadOptions, "stop">,
): Promise<Uint8Array> {
  const kept = new Kept(options);
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      kept.drop();
      stream.destroy();
      reject(error);
    };
    stream.on("data", (piece) => {
      if (settled) return;
      try {
        kept.add(piece);
      } catch (error) {
        fail(error);
      }
    });
    stream.once("end", () => {
      if (settled) return;
      settled = true;
      resolve(kept.bytes());
    });
    stream.once("error", fail);
    stream.once("close", () => fail(new Error("the connection closed before the body ended")));
  });
}

/**
 * The bytes a read keeps: one buffer that grows by doubling up to the limit, its growth taken
 * from the read's share of `web.max_bytes_in_flight`.
 */
class Kept {
  readonly #options: Omit<BoundedReadOptions, "stop">;
  #bytes = new Uint8Array(0);
  #size = 0;
  /** Whether the limit was reached, with `overflow: "truncate"`: the rest is dropped. */
  #full = false;

  constructor(options: Omit<BoundedReadOptions, "stop">) {
    this.#options = options;
  }

  /** Copies `piece` in; throws `body_too_large` or `memory_limit`. */
  add(piece: Uint8Array): void {
    if (this.#full) return;
    const options = this.#options;
    const { limit } = options;
    const size = this.#size;
    if (size + piece.byteLength > limit) {
      if (options.overflow !== "truncate") throw tooLarge(options);
      piece = piece.subarray(0, limit - size);
      this.#full = true;
    }
    if (size + piece.byteLength > this.#bytes.byteLength) {
      const needed = size + piece.byteLength;
      const capacity = Math.min(
        limit,
        Math.max(
          needed,
          size === 0 ? options.sizeHint ?? FIRST_CAPACITY : 2 * this.#bytes.byteLength,
        ),
      );
      reserve(capacity - this.#bytes.byteLength, options);
      this.#bytes = new Uint8Array(this.#bytes.buffer.transfer(capacity));
    }
    this.#bytes.set(piece, size);
    this.#size = size + piece.byteLength;
  }

  /** Frees what was kept and gives its share back (a failed read). */
  drop(): void {
    this.#options.hold?.give(this.#bytes.byteLength);
    this.#bytes.buffer.transfer(0);
  }

  /** Exactly the bytes kept; the share of the budget not used is given back. */
  bytes(): Uint8Array {
    const buffer = this.#bytes.buffer;
    const size = this.#size;
    this.#options.hold?.give(buffer.byteLength - size);
    return new Uint8Array(size === buffer.byteLength ? buffer : buffer.transfer(size));
  }
}

/**
 * The pieces of a stream, each valid until the next is asked for: a byte stream's read into
 * one scratch buffer, reused; any other stream's chunks as they come.
 */
class Pieces {
  readonly #byob: ReadableStreamBYOBReader | undefined;
  readonly #reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  #scratch: ArrayBuffer;

  constructor(stream: ReadableStream<Uint8Array>, scratchSize: number) {
    try {
      this.#byob = stream.getReader({ mode: "byob" });
    } catch {
      // not a byte stream
      this.#reader = stream.getReader();
    }
    this.#scratch = new ArrayBuffer(this.#byob === undefined ? 0 : scratchSize);
  }

  /** The next piece; undefined at the end. */
  async next(): Promise<Uint8Array | undefined> {
    if (this.#byob === undefined) {
      const { done, value } = await this.#reader!.read();
      return done ? undefined : value;
    }
    const { done, value } = await this.#byob.read(new Uint8Array(this.#scratch));
    if (value !== undefined) this.#scratch = value.buffer as ArrayBuffer;
    return done ? undefined : value;
  }

  /** Cancels the stream: the piece awaited is the end. */
  cancel(): void {
    void (this.#byob ?? this.#reader)!.cancel().catch(() => {});
  }

  release(): void {
    (this.#byob ?? this.#reader)!.releaseLock();
  }
}

/**
 * Takes `bytes` from the read's share of `web.max_bytes_in_flight`, for a read made another
 * way (a small body of known size, read in one operation); throws `memory_limit` when the
 * budget cannot hold them.
 */
export function reserve(
  bytes: number,
  options: Pick<BoundedReadOptions, "hold" | "what">,
): void {
  if (options.hold !== undefined && !options.hold.take(bytes)) throw memoryLimit(options);
}

/** The failure of a read that the budget of bytes in flight cannot hold (`memory_limit`). */
function memoryLimit(options: Pick<BoundedReadOptions, "hold" | "what">): ScrapeFailure {
  return new ScrapeFailure(
    "memory_limit",
    `${options.what}: reading it would take the bytes held by scrapes in flight past ` +
      `web.max_bytes_in_flight (${options.hold?.limit} bytes)`,
  );
}
