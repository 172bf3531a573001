/**
 * The scrape of an `http` exporter: a GET of its address, redirects followed, the body read
 * within `body_size_limit` as it came (still compressed).
 * @module
 */
import type { HttpExporterConfig } from "./http.ts";
import { acceptHeader } from "../exposition/formats.ts";
import { USER_AGENT } from "../version.ts";
import {
  abortFailure,
  type Exporter,
  type Payload,
  type ScrapeContext,
  ScrapeFailure,
  tooLarge,
} from "./exporter.ts";
import { readBoundedNode } from "./_bounded_read.ts";
import type { ContentEncoding } from "../scrape/engine.ts";
import type { Agent as HttpAgent, IncomingMessage } from "node:http";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";

/** The connection pools of an exporter: for its address's origin, and for others (no certificate). */
export interface Agents {
  /** For the exporter's address's origin, with its client certificate if it has one. */
  readonly origin: HttpAgent;
  /** For the origins a redirect leads to, by scheme: no client certificate. */
  readonly elsewhere: Readonly<Record<"http:" | "https:", HttpAgent>>;
}

/** The most redirects followed, as Go's HTTP client (and so Prometheus) follows. */
export const MAX_REDIRECTS = 10;

/** Statuses that redirect (with a Location). */
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** The encodings a body may come in, and what is not encoded. */
const ENCODINGS: Readonly<Record<string, ContentEncoding | "identity">> = {
  "gzip": "gzip",
  "x-gzip": "gzip",
  "deflate": "deflate",
  "br": "br",
  "identity": "identity",
  "": "identity",
};

/**
 * Scrapes with `node:http` and `node:https` rather than `fetch`: fetch decompresses a gzip body
 * in the thread that accepts and answers requests, where a large body holds up other paths'
 * answers (figures: BENCHMARKS.md, "Measurements behind the code"). Here the body is kept as it
 * came, and the engine's workers decompress it (within `body_size_limit`).
 */
export class HttpExporter implements Exporter {
  readonly #config: HttpExporterConfig;
  /** What new scrapes connect through. */
  #agents: Agents;
  /** How many scrapes in flight connect through each set of agents. */
  readonly #users = new Map<Agents, number>();
  /** What every request sends, whatever its origin. */
  readonly #headers: Record<string, string>;
  /** What requests to its address's origin send: its `headers` and basic auth too. */
  readonly #originHeaders: Record<string, string>;

  /** An exporter of `config` that connects through `agents`. */
  constructor(config: HttpExporterConfig, agents: Agents) {
    this.#config = config;
    this.#agents = agents;
    this.#headers = {
      "accept": acceptHeader(config.settings.scrapeProtocols),
      "accept-encoding": "gzip",
      "user-agent": USER_AGENT,
    };
    const { headers, basicAuth } = config.settings;
    const originHeaders = new Headers(headers);
    for (const [name, value] of Object.entries(this.#headers)) originHeaders.set(name, value);
    if (basicAuth !== undefined) {
      const { username, password } = basicAuth;
      const bytes = new TextEncoder().encode(`${username}:${password}`);
      originHeaders.set("authorization", `Basic ${btoa(String.fromCharCode(...bytes))}`);
    }
    this.#originHeaders = Object.fromEntries(originHeaders);
  }

  /**
   * Connects through `agents` from now on (its TLS files renewed); the agents before are closed
   * once the scrapes that use them are done.
   */
  useAgents(agents: Agents): void {
    const before = this.#agents;
    this.#agents = agents;
    if (!this.#users.has(before)) destroyAgents(before);
  }

  async scrape(context: ScrapeContext): Promise<Payload> {
    const agents = this.#agents;
    this.#users.set(agents, (this.#users.get(agents) ?? 0) + 1);
    try {
      return await this.#scrape(context, agents);
    } finally {
      const left = this.#users.get(agents)! - 1;
      if (left > 0) this.#users.set(agents, left);
      else {
        this.#users.delete(agents);
        if (agents !== this.#agents) destroyAgents(agents);
      }
    }
  }

  async #scrape(context: ScrapeContext, agents: Agents): Promise<Payload> {
    const url = this.#url(context.query);
    const what = `body of GET ${url}`;
    const response = await this.#get(url, { agents, signal: context.signal });
    if (response.statusCode !== 200) {
      response.destroy();
      throw new ScrapeFailure(
        "http_status",
        `GET ${url}: status ${response.statusCode} ${response.statusMessage ?? ""}`.trimEnd(),
      );
    }
    const encodingHeader = header(response, "content-encoding")?.trim().toLowerCase() ?? "";
    const encoding = Object.hasOwn(ENCODINGS, encodingHeader)
      ? ENCODINGS[encodingHeader]
      : undefined;
    if (encoding === undefined) {
      response.destroy();
      throw new ScrapeFailure(
        "invalid_body",
        `${what}: unsupported Content-Encoding ${encodingHeader}`,
      );
    }
    const limit = this.#config.bodySizeLimit;
    const length = header(response, "content-length");
    const size = length !== undefined && /^\d+$/.test(length.trim()) &&
        header(response, "transfer-encoding") === undefined
      ? Number(length.trim())
      : undefined;
    let body: Uint8Array;
    try {
      if (size !== undefined && size > limit) throw tooLarge({ limit, what });
      body = await readBoundedNode(response, {
        limit,
        what,
        hold: context.hold,
        sizeHint: size,
      });
    } catch (error) {
      response.destroy();
      throw failure(error, context.signal, `reading the body of GET ${url}`);
    }
    return {
      body,
      contentType: header(response, "content-type"),
      ...(encoding === "identity" ? {} : { contentEncoding: encoding }),
      limit,
      what,
    };
  }

  close(): void {
    for (const agents of new Set([this.#agents, ...this.#users.keys()])) destroyAgents(agents);
  }

  /**
   * GETs `url`, following up to {@linkcode MAX_REDIRECTS} redirects. Each hop to another
   * origin (scheme, host or port) than the exporter's address is sent neither its `headers`,
   * nor its basic auth, nor its client certificate; only the address's origin is reached
   * through its `unix_socket`.
   */
  async #get(
    url: string,
    { agents, signal }: { agents: Agents; signal: AbortSignal },
  ): Promise<IncomingMessage> {
    const { address, unixSocket } = this.#config.settings;
    let target = new URL(url);
    for (let redirects = 0;; redirects++) {
      const sameOrigin = target.origin === address.origin;
      if (target.protocol !== "http:" && target.protocol !== "https:") {
        throw new ScrapeFailure(
          "http_status",
          `GET ${url}: redirected to ${target.href}, not http(s)`,
        );
      }
      let response: IncomingMessage;
      try {
        response = await get(target, {
          agent: sameOrigin ? agents.origin : agents.elsewhere[target.protocol],
          headers: sameOrigin ? this.#originHeaders : this.#headers,
          signal,
          ...(sameOrigin && unixSocket !== undefined ? { socketPath: unixSocket } : {}),
        });
      } catch (error) {
        throw failure(error, signal, `GET ${target.href}`);
      }
      const location = header(response, "location");
      if (!REDIRECTS.has(response.statusCode ?? 0) || location === undefined) return response;
      response.destroy();
      if (redirects === MAX_REDIRECTS) {
        throw new ScrapeFailure(
          "http_status",
          `GET ${url}: stopped after ${MAX_REDIRECTS} redirects`,
        );
      }
      try {
        target = new URL(location, target);
      } catch {
        throw new ScrapeFailure(
          "http_status",
          `GET ${target.href}: invalid redirect to ${location}`,
        );
      }
    }
  }

  /** The address, with the scrape's query parameters added after its query when forwarding. */
  #url(query: URLSearchParams): string {
    const { address, forwardUrlParams } = this.#config.settings;
    if (!forwardUrlParams || query.size === 0) return address.href;
    const url = new URL(address);
    for (const [k, v] of query) url.searchParams.append(k, v);
    return url.href;
  }
}

function destroyAgents(agents: Agents): void {
  agents.origin.destroy();
  agents.elsewhere["http:"].destroy();
  agents.elsewhere["https:"].destroy();
}

/** The response to a GET of `url` (its headers; the body still to read). */
function get(
  url: URL,
  options: {
    agent: HttpAgent;
    headers: Record<string, string>;
    signal: AbortSignal;
    socketPath?: string;
  },
): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const request = (url.protocol === "https:" ? httpsRequest : httpRequest)(url, {
      method: "GET",
      agent: options.agent,
      headers: options.headers,
      signal: options.signal,
      ...(options.socketPath === undefined ? {} : { socketPath: options.socketPath }),
    }, resolve);
    request.once("error", reject);
    request.end();
  });
}

/** A response header's value (the first, if repeated). */
function header(response: IncomingMessage, name: string): string | undefined {
  const value = response.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** An error's message, followed by its cause's, if it has one. */
function describeWithCause(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause: unknown = error.cause;
  return cause instanceof Error && !error.message.includes(cause.message)
    ? `${error.message}: ${cause.message}`
    : error.message;
}

function failure(error: unknown, signal: AbortSignal, what: string): ScrapeFailure {
  if (error instanceof ScrapeFailure) return error;
  if (signal.aborted) return abortFailure(signal, what);
  // Deno refuses a host the program was not granted with EPERM (at the name lookup, too).
  const code = (error as { code?: unknown } | undefined)?.code;
  if (error instanceof Deno.errors.NotCapable || code === "EPERM") {
    return new ScrapeFailure(
      "connect",
      `${what}: no net access granted to this host (--allow-net): ${describeWithCause(error)}`,
    );
  }
  return new ScrapeFailure("connect", `${what}: ${describeWithCause(error)}`);
}
