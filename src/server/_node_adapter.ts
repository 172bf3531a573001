/**
 * Serves a fetch handler (`(Request, info) => Response`) from a `node:http(s)` server through
 * Hono's own adapter (`getRequestListener` of `@hono/node-server`: the node request becomes a
 * `Request` whose signal aborts when the client goes away first, and the `Response` is written
 * back as it is), with what the program guarantees besides:
 *
 * - a request whose path has `.` or `..` segments is answered 404 before the handler sees it:
 *   a `Request`'s URL has them resolved, so that `/x/../metrics` would reach `/metrics` (and
 *   its credentials check) under another name;
 * - a request with two Host headers, or whose target is neither origin-form (`/path`) nor
 *   absolute-form (`http://host/path`, whose authority then replaces Host), is answered 400;
 *   a Host that is no valid host leaves `localhost`;
 * - `info.remoteAddr`, `info.clientSans` (those of the client certificate verified on the
 *   connection), and `info.completed`, which rejects when the response was not sent whole;
 * - an error answer (4xx, 5xx), and any answer while the listener shuts down, closes its
 *   connection.
 * @module
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { getRequestListener, type HttpBindings } from "@hono/node-server";
import type { FetchHandler } from "./types.ts";

/** Options of {@linkcode nodeRequestListener}. */
export interface NodeAdapterOptions {
  /** The client's address, for `info.remoteAddr`. */
  readonly remoteAddr: (request: IncomingMessage) => Deno.Addr;
  /** The SANs of the client certificate verified on the request's connection, if any. */
  readonly clientSans?: (request: IncomingMessage) => readonly string[] | undefined;
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
  const listener = getRequestListener(
    async (request, env) => {
      const { incoming, outgoing } = env as HttpBindings;
      let response: Response;
      try {
        response = await handler(request, {
          remoteAddr: options.remoteAddr(incoming),
          completed: completion(outgoing),
          clientSans: options.clientSans?.(incoming),
        });
      } catch {
        response = new Response("Internal Server Error\n", { status: 500 });
      }
      // Only a client that was served keeps its connection: an idle one may stay open for
      // minutes (see _node_listener.ts), and a client refused or lost should not hold one that long.
      return options.closing() || response.status >= 400 ? closingConnection(response) : response;
    },
    {
      // The runtime's own Request and Response, as the handler expects.
      overrideGlobalObjects: false,
      errorHandler: () =>
        new Response("Bad Request\n", { status: 400, headers: { connection: "close" } }),
    },
  );
  return (incoming, outgoing) => {
    options.onRequest?.("start");
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      options.onRequest?.("end");
    };
    outgoing.once("close", end);
    const refusal = normalizeTarget(incoming);
    if (refusal !== undefined) {
      const body = refusal === NOT_FOUND ? "Not Found\n" : "Bad Request\n";
      outgoing.writeHead(refusal, {
        "content-type": "text/plain;charset=UTF-8",
        "content-length": body.length,
        connection: "close",
      });
      outgoing.end(body);
      return;
    }
    listener(incoming, outgoing).catch(() => {
      // The response could not be written: the client went away.
      if (!outgoing.destroyed) outgoing.destroy();
    }).finally(end);
  };
}

/** Resolves when the response has been sent whole; rejects when its connection closed first. */
function completion(outgoing: ServerResponse): Promise<void> {
  const { promise, resolve, reject } = Promise.withResolvers<void>();
  // Observed by whoever awaits info.completed; never an unhandled rejection.
  promise.catch(() => {});
  outgoing.once("finish", () => resolve());
  outgoing.once("close", () => {
    if (outgoing.writableFinished) return;
    reject(new Deno.errors.Interrupted("the response was not sent completely"));
  });
  return promise;
}

/** `response`, with `Connection: close`. */
function closingConnection(response: Response): Response {
  try {
    response.headers.set("connection", "close");
    return response;
  } catch {
    // Immutable headers (a fetched response): a copy.
    const headers = new Headers(response.headers);
    headers.set("connection", "close");
    return new Response(response.body, {
      status: response.status,
      statusText: response.statusText,
      headers,
    });
  }
}

/** A request that cannot be one (a bad target or header). */
const BAD_REQUEST = 400;
/** A request whose path is not canonical: it has `.` or `..` segments. */
const NOT_FOUND = 404;

/**
 * Makes the target of `incoming` origin-form and its Host the host it names, or says why the
 * request is refused.
 */
function normalizeTarget(
  incoming: IncomingMessage,
): typeof BAD_REQUEST | typeof NOT_FOUND | undefined {
  const raw = incoming.rawHeaders;
  let hosts = 0;
  for (let i = 0; i < raw.length; i += 2) {
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
  // An invalid Host leaves "localhost"; whatever it holds, it cannot reach the path. The URL
  // is of the connection's scheme, so that only that scheme's default port is dropped.
  const encrypted = (incoming.socket as { encrypted?: boolean } | null)?.encrypted === true;
  const origin = new URL(encrypted ? "https://localhost" : "http://localhost");
  const host = absolute === null ? incoming.headers.host : absolute[1];
  if (host !== undefined) origin.host = host;
  incoming.url = target;
  incoming.headers.host = origin.host;
  return undefined;
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
