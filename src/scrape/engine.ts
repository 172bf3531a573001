/**
 * The engine's side of a scrape: decoding exporters' bodies, and building answers from them,
 * behind one interface, run in this thread (`InlineEngine`) or in a pool of workers
 * (worker_pool.ts), so that the thread that accepts connections never waits on it.
 * @module
 */
import { brotliDecompressSync, gunzipSync, inflateSync } from "node:zlib";
import {
  DecodeError,
  decodeExposition,
  type Exposition,
  expositionOf,
  type LabelSet,
  type MergeSource,
  type MetricFamily,
  sampleCountOf,
  targetLabelsOf,
} from "../exposition/mod.ts";
import { type Answer, type AnswerFormat, buildAnswer } from "./answer.ts";

/** How an http exporter's body may be compressed. */
export type ContentEncoding = "gzip" | "deflate" | "br";

/** An exporter's body, as read: bytes, and the Content-Type it came with (http). */
export interface Payload {
  /** The body as it came (possibly compressed). */
  readonly body: Uint8Array;
  /** Its Content-Type (http exporters); undefined: sniffed from the content. */
  readonly contentType?: string | undefined;
  /** How the body is compressed (http); it is decompressed before it is decoded. */
  readonly contentEncoding?: ContentEncoding | undefined;
  /** The most bytes the body may have once decompressed (`body_size_limit`). */
  readonly limit?: number | undefined;
  /** What the body is, for error messages: `body of GET http://...`, `output of ./x.sh`. */
  readonly what: string;
}

/** The outcome of decoding a payload: its sample count, or why it is not an exposition. */
export type DecodeOutcome =
  | { readonly ok: true; readonly samples: number }
  | {
    readonly ok: false;
    readonly cause: "decode" | "invalid_body" | "body_too_large";
    readonly message: string;
  };

/** One source of an answer: a decoded payload (by slot), or families as objects. */
export interface AnswerSource {
  /** The exporter it comes from, for conflict reports; "" for the program's own series. */
  readonly exporterName: string;
  /** The slot a payload was decoded into, in this session. */
  readonly slot?: number;
  /** Families given as objects (the program's own series). */
  readonly families?: readonly MetricFamily[];
  /** Labels added to every sample. */
  readonly target?: LabelSet;
  /** The program's own series, which may use its reserved names. */
  readonly own?: boolean;
}

/** The decoded payloads of one scrape, and the answers built from them. */
export interface EngineSession {
  /** Decodes `payload` into `slot` (the payload's bytes are handed over: do not use them after). */
  decode(slot: number, payload: Payload): Promise<DecodeOutcome>;
  /** Merges and encodes `sources`. */
  answer(sources: readonly AnswerSource[], how: AnswerFormat): Promise<Answer>;
  /** Forgets the decoded payloads. */
  close(): void;
}

/** Where scrapes' bodies are decoded and answers built. */
export interface ScrapeEngine {
  /** A session for one scrape. */
  open(): EngineSession;
  /** Stops the engine (its workers). */
  close(): void;
}

/**
 * A payload's body, decompressed within its limit, or why it cannot be: `gunzipSync` and its kin stop at
 * `maxOutputLength`, so a small body that would expand without end costs at most the limit.
 */
export function decompressed(payload: Payload): Uint8Array | DecodeOutcome {
  const { body, contentEncoding, what } = payload;
  if (contentEncoding === undefined) return body;
  const limit = payload.limit ?? 2 ** 31 - 1;
  const options = { maxOutputLength: limit };
  try {
    const out = contentEncoding === "gzip"
      ? gunzipSync(body, options)
      : contentEncoding === "deflate"
      ? inflateSync(body, options)
      : brotliDecompressSync(body, options);
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch (error) {
    if (error instanceof RangeError) {
      return {
        ok: false,
        cause: "body_too_large",
        message: `${what} is larger than the limit of ${limit} bytes once decompressed`,
      };
    }
    const reason = error instanceof Error ? error.message : String(error);
    return {
      ok: false,
      cause: "invalid_body",
      message: `${what} is not valid ${contentEncoding}: ${reason}`,
    };
  }
}

/** Decodes a payload; a decoding failure is an outcome, not an exception. */
export function decodePayload(
  payload: Payload,
): { exposition?: Exposition; outcome: DecodeOutcome } {
  const body = decompressed(payload);
  if (!(body instanceof Uint8Array)) return { outcome: body };
  try {
    const exposition = decodeExposition(body, { contentType: payload.contentType });
    return { exposition, outcome: { ok: true, samples: sampleCountOf(exposition) } };
  } catch (error) {
    if (!(error instanceof DecodeError)) throw error;
    return {
      outcome: error.invalidUtf8
        ? {
          ok: false,
          cause: "invalid_body",
          message: `${payload.what} is not valid UTF-8: ${error.message}`,
        }
        : {
          ok: false,
          cause: "decode",
          message: `${payload.what} is not a valid exposition: ${error.message}`,
        },
    };
  }
}

/** The decoded payloads of one session, and answers built from them, in this thread. */
export class InlineSession implements EngineSession {
  readonly #decoded = new Map<number, Exposition>();

  decode(slot: number, payload: Payload): Promise<DecodeOutcome> {
    return Promise.resolve(this.decodeNow(slot, payload));
  }

  /** Decodes at once (see `decode`). */
  decodeNow(slot: number, payload: Payload): DecodeOutcome {
    const { exposition, outcome } = decodePayload(payload);
    if (exposition !== undefined) this.#decoded.set(slot, exposition);
    return outcome;
  }

  answer(sources: readonly AnswerSource[], how: AnswerFormat): Promise<Answer> {
    return Promise.resolve(this.answerNow(sources, how));
  }

  /** Builds an answer at once (see `answer`). */
  answerNow(sources: readonly AnswerSource[], how: AnswerFormat): Answer {
    const merge: MergeSource[] = [];
    for (const source of sources) {
      const exposition = source.slot !== undefined
        ? this.#decoded.get(source.slot)
        : expositionOf(source.families ?? []);
      if (exposition === undefined) continue;
      merge.push({
        exporterName: source.exporterName,
        exposition,
        ...(source.target === undefined ? {} : { target: targetLabelsOf(source.target) }),
        ...(source.own === true ? { own: true } : {}),
      });
    }
    return buildAnswer(merge, how);
  }

  close(): void {
    // Each exposition's store holds its exporter's body and arrays of its samples: freed now,
    // not when collected, so that a scrape's memory is given back when it ends (the answers
    // are built by then, in buffers of their own).
    for (const exposition of this.#decoded.values()) exposition.store.release();
    this.#decoded.clear();
  }
}

/** An engine that works in this thread. */
export class InlineEngine implements ScrapeEngine {
  open(): EngineSession {
    return new InlineSession();
  }

  close(): void {}
}
