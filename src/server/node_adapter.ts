/**
 * Serves a fetch handler (`(Request, info) => Response`) from a `node:http(s)` server: the
 * node request becomes a `Request` (method, URL, headers, streamed body, and a signal that
 * aborts when the client goes away first), and the `Response` is written back as it is
 * (status, headers, streamed body, never re-encoded). An error answer (4xx, 5xx) closes its
 * connection. A request whose path has `.` or `..` segments is answered 404 here, before the
 * handler sees it: a `Request`'s URL has them resolved, so that `/x/../metrics` would reach
 * `/metrics` (and its credentials check) under another name.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { FetchHandler } from "./listen.ts";

/** Options of {@linkcode nodeRequestListener}. */
export interface NodeAdapterOptions {
  /** The scheme of the URLs of the requests: "https" for a TLS listener. */
  readonly scheme: "http" | "https";
  /** The client's address, for `info.remoteAddr`. */
  readonly remoteAddr: (request: IncomingMessage) => Deno.Addr;
  /** Whether the listener is shutting down: responses then close their connection. */
  readonly closing: () => boolean;
  /** Called when a request starts being handled, and when its response is done or abandoned. */
  readonly onRequest?: (event: "start" | "end") => void;
}

/** A node `request` listener that answers with `handler`. */
export function nodeRequestListener(
  handler: FetchHandler,
  options: NodeAdapterOptions,
): (request: IncomingMessage, response: ServerResponse) => void {
  return (incoming, outgoing) => {
    options.onRequest?.("start");
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      options.onRequest?.("end");
    };
    outgoing.once("close", end);
    serve(handler, { incoming, outgoing, options }).catch(() => {
      // The response could not be written: the client went away.
      if (!outgoing.destroyed) outgoing.destroy();
    }).finally(end);
  };
}

interface Exchange {
  readonly incoming: IncomingMessage;
  readonly outgoing: ServerResponse;
  readonly options: NodeAdapterOptions;
}

async function serve(handler: FetchHandler, exchange: Exchange): Promise<void> {
  const { incoming, outgoing, options } = exchange;
  const aborter = new AbortController();
  const completed = Promise.withResolvers<void>();
  // Observed by whoever awaits info.completed; never an unhandled rejection.
  completed.promise.catch(() => {});
  outgoing.once("finish", () => completed.resolve());
  outgoing.once("close", () => {
    if (outgoing.writableFinished) return;
    aborter.abort(new DOMException("the client went away", "AbortError"));
    completed.reject(new Deno.errors.Interrupted("the response was not sent completely"));
  });

  const body = incoming.method === "GET" || incoming.method === "HEAD"
    ? undefined
    : bodyOf(incoming);
  const request = toRequest(incoming, { scheme: options.scheme, signal: aborter.signal, body });
  let response: Response;
  if (request === BAD_REQUEST) {
    response = new Response("Bad Request\n", { status: 400 });
  } else if (request === NOT_FOUND) {
    response = new Response("Not Found\n", { status: 404 });
  } else {
    try {
      response = await handler(request, {
        remoteAddr: options.remoteAddr(incoming),
        completed: completed.promise,
      });
    } catch {
      response = new Response("Internal Server Error\n", { status: 500 });
    }
  }
  try {
    await writeResponse(response, exchange);
  } finally {
    body?.discard();
  }
}

/** A request that cannot be one (a bad target or header). */
const BAD_REQUEST = 400;
/** A request whose path is not canonical: it has `.` or `..` segments. */
const NOT_FOUND = 404;

/** The `Request` of a node request, or why there is none. */
function toRequest(
  incoming: IncomingMessage,
  options: { scheme: string; signal: AbortSignal; body: RequestBody | undefined },
): Request | typeof BAD_REQUEST | typeof NOT_FOUND {
  // Name/value pairs: quicker for `Request` to take than a `Headers` built one by one.
  const raw = incoming.rawHeaders;
  const headers: [string, string][] = [];
  let hosts = 0;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    headers.push([raw[i]!, raw[i + 1]!]);
    if (raw[i]!.length === 4 && raw[i]!.toLowerCase() === "host") hosts++;
  }
  // RFC 9112: a request with more than one Host is answered 400.
  if (hosts > 1) return BAD_REQUEST;
  // Origin-form ("/path?query"), or absolute-form ("http://host/path?query", as sent to
  // a proxy; its authority replaces Host). Nothing else.
  const absolute = ABSOLUTE_FORM.exec(incoming.url ?? "");
  const target = absolute === null ? incoming.url ?? "" : `/${absolute[2]}`;
  if (!target.startsWith("/")) return BAD_REQUEST;
  if (hasDotSegment(target)) return NOT_FOUND;
  // An invalid Host leaves "localhost"; whatever it holds, it cannot reach the path.
  const origin = new URL(`${options.scheme}://localhost`);
  const host = absolute === null ? incoming.headers.host : absolute[1];
  if (host !== undefined) origin.host = host;
  try {
    return new Request(origin.origin + target, {
      method: incoming.method ?? "GET",
      headers,
      signal: options.signal,
      ...(options.body === undefined ? {} : { body: options.body.stream, duplex: "half" }),
    });
  } catch {
    return BAD_REQUEST;
  }
}

/**
 * Whether the path of `target` has a segment that a URL resolves: `.` or `..`, written with
 * `%2e` too, between `/` or `\\` (which a URL of http or https takes for `/`).
 */
function hasDotSegment(target: string): boolean {
  // The usual target has neither a dot nor a backslash: one test, and done.
  if (!MAY_HAVE_DOT_SEGMENT.test(target)) return false;
  const end = target.search(/[?#]/);
  const path = end < 0 ? target : target.slice(0, end);
  return path.split(/[/\\]/).some((segment) => DOT_SEGMENT.test(segment));
}

const MAY_HAVE_DOT_SEGMENT = /[.\\]|%2e/i;
const DOT_SEGMENT = /^(?:\.|%2e){1,2}$/i;

/** An absolute-form request target: its authority, and what follows the authority's "/". */
const ABSOLUTE_FORM = /^https?:\/\/([^/?#]*)\/?(.*)$/is;

/** A request body: its stream, and how to drop what is left of it once answered. */
interface RequestBody {
  readonly stream: ReadableStream<Uint8Array>;
  /** Stops buffering and discards the rest, so that the connection can serve the next request. */
  discard(): void;
}

/** The request body as a stream that reads from the node request as it is consumed. */
function bodyOf(incoming: IncomingMessage): RequestBody {
  let done = false;
  let close = () => {};
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      close = () => controller.error(new Error("the response was sent before the body was read"));
      incoming.on("data", (chunk: Uint8Array) => {
        if (done) return;
        controller.enqueue(new Uint8Array(chunk));
        if ((controller.desiredSize ?? 0) <= 0) incoming.pause();
      });
      incoming.once("end", () => {
        if (!done) controller.close();
        done = true;
      });
      incoming.once("error", (error) => {
        if (!done) controller.error(error);
        done = true;
      });
      incoming.pause();
    },
    pull() {
      incoming.resume();
    },
    cancel() {
      done = true;
      incoming.resume();
    },
  }, { highWaterMark: 4 });
  return {
    stream,
    discard() {
      if (done) return;
      done = true;
      close();
      incoming.resume();
    },
  };
}

/** Writes `response` to the node response: status, headers, and the body as it comes. */
async function writeResponse(response: Response, exchange: Exchange): Promise<void> {
  const { incoming, outgoing, options } = exchange;
  const body = response.body;
  if (outgoing.destroyed) {
    await body?.cancel();
    return;
  }
  outgoing.statusCode = response.status;
  if (response.statusText !== "") outgoing.statusMessage = response.statusText;
  for (const [name, value] of response.headers) {
    if (name === "set-cookie") continue;
    outgoing.setHeader(name, value);
  }
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) outgoing.setHeader("set-cookie", cookies);
  // Only a client that was served keeps its connection: an idle one may stay open for minutes
  // (see node_listener.ts), and a client refused or lost should not hold one that long.
  if (options.closing() || response.status >= 400) outgoing.setHeader("connection", "close");
  if (body === null || incoming.method === "HEAD") {
    await body?.cancel();
    outgoing.end();
    return;
  }
  const reader = body.getReader();
  try {
    const first = await reader.read();
    if (first.done) {
      outgoing.end();
      return;
    }
    // A body that is complete at once (the usual exposition) is sent with its length; the
    // first part of one still being produced is sent without waiting for the next.
    const pending = reader.read();
    pending.catch(() => {}); // observed below, unless the client goes away first
    const ready = await Promise.race([pending, nextTick()]);
    if (ready?.done) {
      outgoing.end(first.value);
      return;
    }
    await write(outgoing, first.value);
    for (let next = await pending; !next.done; next = await reader.read()) {
      await write(outgoing, next.value);
    }
  } catch (error) {
    await reader.cancel(error).catch(() => {});
    throw error;
  }
  outgoing.end();
}

/** Resolves with undefined after what is already settled has run. */
function nextTick(): Promise<undefined> {
  return new Promise((resolve) => setTimeout(() => resolve(undefined), 0));
}

/** Writes `chunk`, waiting for the connection to take it when its buffer is full. */
async function write(outgoing: ServerResponse, chunk: Uint8Array): Promise<void> {
  if (outgoing.destroyed) throw new Error("the client went away");
  if (!outgoing.write(chunk)) await drained(outgoing);
}

/** Resolves when `outgoing` can take more data; rejects when its connection closes first. */
function drained(outgoing: ServerResponse): Promise<void> {
  return new Promise((resolve, reject) => {
    const onDrain = () => {
      outgoing.off("close", onClose);
      resolve();
    };
    const onClose = () => {
      outgoing.off("drain", onDrain);
      reject(new Error("the client went away"));
    };
    outgoing.once("drain", onDrain);
    outgoing.once("close", onClose);
  });
}
