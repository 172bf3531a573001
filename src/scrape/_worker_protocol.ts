/** The messages between the engine pool and its workers. @module */
import type { AnswerFormat } from "./answer.ts";
import type { AnswerSource, Payload } from "./engine.ts";

/** Decode a payload into a slot of a session. */
export interface DecodeJob {
  readonly op: "decode";
  readonly session: number;
  readonly slot: number;
  readonly payload: Payload;
}

/** Build an answer from a session's slots. */
export interface AnswerJob {
  readonly op: "answer";
  readonly session: number;
  readonly sources: readonly AnswerSource[];
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
  onmessage: ((event: MessageEvent<WorkerRequest>) => void) | null;
  postMessage(message: WorkerReply, options: { transfer: Transferable[] }): void;
}
