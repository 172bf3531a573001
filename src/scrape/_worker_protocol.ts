/** The messages between the engine pool and its workers. @module */
import type { AnswerFormat } from "./answer.ts";
import type { AnswerSource, Payload } from "./engine.ts";

/** Decode a payload into a slot of a session. */
export interface DecodeJob {
  /** What is asked. */
  readonly op: "decode";
  /** The session the body belongs to. */
  readonly session: number;
  /** Its slot in the session. */
  readonly slot: number;
  /** The body to decode. */
  readonly payload: Payload;
}

/** Build an answer from a session's slots. */
export interface AnswerJob {
  /** What is asked. */
  readonly op: "answer";
  /** The session whose decoded bodies it uses. */
  readonly session: number;
  /** What the answer is built from. */
  readonly sources: readonly AnswerSource[];
  /** The format, escaping and compression of the answer. */
  readonly how: AnswerFormat;
}

/** A job, numbered for its reply. */
export type NumberedJob = (DecodeJob | AnswerJob) & { readonly id: number };

/** A request to a worker: a job, or forgetting a session (no reply). */
export type WorkerRequest = NumberedJob | { readonly op: "close"; readonly session: number };

/** A worker's reply to a job. */
export type WorkerReply =
  | { readonly id: number; readonly ok: true; readonly result: unknown }
  | { readonly id: number; readonly ok: false; readonly error: string };

/** The global scope of a worker, as the engine worker uses it. */
export interface WorkerScope {
  /** Called with each request. */
  onmessage: ((event: MessageEvent<WorkerRequest>) => void) | null;
  /** Sends a reply, handing over the buffers in `transfer`. */
  postMessage(message: WorkerReply, options: { transfer: Transferable[] }): void;
}
