/**
 * The one reader of every exporter's output (http bodies, metric files, scripts' stdout and
 * stderr): it keeps what a stream sends in one buffer of its own, within a limit.
 *
 * A piece that arrives may be a view of a few bytes over a 64 KiB buffer of the runtime (a
 * body trickled a byte per packet, gzip decoded in 4 KiB pieces, a script writing a byte at a
 * time): keeping the pieces, as a list of chunks does, kept 64 KiB for every piece. Here each
 * piece is copied into the buffer and dropped. The runtime's streams (fetch bodies, files,
 * pipes) are byte streams: they are read into one scratch buffer of the reader's, reused for
 * every read, so that no piece is even allocated. The buffer grows by doubling, up to the
 * limit: a read costs at most twice the bytes read, whatever the pieces.
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
  const { limit } = options;
  // One byte more than the limit shows that a stream is over it.
  const pieces = new Pieces(stream, Math.min(SCRATCH_SIZE, limit + 1));
  const cancel = () => pieces.cancel();
  options.stop?.addEventListener("abort", cancel, { once: true });
  let buffer = new ArrayBuffer(0);
  let bytes = new Uint8Array(buffer);
  let size = 0;
  let full = false;
  try {
    if (options.stop?.aborted) cancel();
    for (let piece = await pieces.next(); piece !== undefined; piece = await pieces.next()) {
      if (full) continue; // truncated: the rest is read and dropped
      if (size + piece.byteLength > limit) {
        if (options.overflow !== "truncate") throw tooLarge(options);
        piece = piece.subarray(0, limit - size);
        full = true;
      }
      if (size + piece.byteLength > bytes.byteLength) {
        const needed = size + piece.byteLength;
        const capacity = Math.min(
          limit,
          Math.max(needed, size === 0 ? options.sizeHint ?? FIRST_CAPACITY : 2 * bytes.byteLength),
        );
        reserve(capacity - bytes.byteLength, options);
        buffer = buffer.transfer(capacity);
        bytes = new Uint8Array(buffer);
      }
      bytes.set(piece, size);
      size += piece.byteLength;
    }
  } catch (error) {
    cancel();
    options.hold?.give(buffer.byteLength);
    buffer.transfer(0);
    throw error;
  } finally {
    options.stop?.removeEventListener("abort", cancel);
    pieces.release();
  }
  options.hold?.give(buffer.byteLength - size);
  return new Uint8Array(size === buffer.byteLength ? buffer : buffer.transfer(size));
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
