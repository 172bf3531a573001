/**
 * A worker of the engine pool (worker_pool.ts): decodes bodies and builds answers for the
 * sessions its pool gives it, with no permission at all.
 * @module
 */
import { InlineSession } from "./engine.ts";
import type { WorkerReply, WorkerRequest, WorkerScope } from "./_worker_protocol.ts";

const scope = self as unknown as WorkerScope;

const sessions = new Map<number, InlineSession>();

function sessionOf(id: number): InlineSession {
  let session = sessions.get(id);
  if (session === undefined) {
    session = new InlineSession();
    sessions.set(id, session);
  }
  return session;
}

scope.onmessage = (event: MessageEvent<WorkerRequest>) => {
  const request = event.data;
  if (request.op === "close") {
    sessions.get(request.session)?.close();
    sessions.delete(request.session);
    return;
  }
  let reply: WorkerReply;
  const transfer: ArrayBuffer[] = [];
  try {
    if (request.op === "decode") {
      const outcome = sessionOf(request.session).decodeNow(request.slot, request.payload);
      reply = { id: request.id, ok: true, result: outcome };
    } else {
      const answer = sessionOf(request.session).answerNow(request.sources, request.how);
      reply = { id: request.id, ok: true, result: answer };
      transfer.push(answer.body.buffer);
    }
  } catch (error) {
    reply = {
      id: request.id,
      ok: false,
      error: error instanceof Error ? error.stack ?? error.message : String(error),
    };
  }
  scope.postMessage(reply, { transfer });
};
