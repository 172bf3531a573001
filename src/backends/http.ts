/**
 * The `http` backend: scrapes a Prometheus exporter over HTTP(S).
 *
 * Permissions: `net` to the address's host and port; `read` of its TLS files; for a
 * `unix_socket`, `net` to `unix:<path>` and `read` and `write` of it; for an https address,
 * those of the system's CA certificates (see system_cas.ts).
 */
import type { HttpExporterConfig } from "../config/types.ts";
import { acceptHeader } from "../exposition/formats.ts";
import { USER_AGENT } from "../version.ts";
import { systemCaCertificates, systemCaPermissions } from "./system_cas.ts";
import {
  abortFailure,
  type Backend,
  type Payload,
  type ScrapeContext,
  ScrapeFailure,
  tooLarge,
} from "./backend.ts";
import { type BoundedReadOptions, readBounded, reserve } from "./bounded_read.ts";

/** The Deno permissions an `http` exporter needs. */
export function httpPermissions(config: HttpExporterConfig): Deno.PermissionDescriptor[] {
  const { address, tls, unixSocket } = config;
  const port = address.port || (address.protocol === "https:" ? "443" : "80");
  // Deno checks the address's host even when the connection goes through a Unix socket.
  const out: Deno.PermissionDescriptor[] = [{ name: "net", host: `${address.hostname}:${port}` }];
  if (unixSocket !== undefined) {
    out.push(
      { name: "net", host: `unix:${unixSocket}` },
      { name: "read", path: unixSocket },
      { name: "write", path: unixSocket },
    );
  }
  for (const path of [tls?.caFile, tls?.certFile, tls?.keyFile]) {
    if (path !== undefined) out.push({ name: "read", path });
  }
  if (address.protocol === "https:") out.push(...systemCaPermissions());
  return out;
}

/** Creates the backend of an `http` exporter; reads its TLS files. */
export async function createHttpBackend(config: HttpExporterConfig): Promise<Backend> {
  const options: Deno.CreateHttpClientOptions = {};
  if (config.unixSocket !== undefined) {
    options.proxy = { transport: "unix", path: config.unixSocket };
  }
  const tls = config.tls;
  // Trusted besides Deno's own CAs: the system's, as in Go, and the exporter's ca_file.
  const caCerts = config.address.protocol === "https:" ? [...await systemCaCertificates()] : [];
  if (tls?.caFile !== undefined) caCerts.push(await Deno.readTextFile(tls.caFile));
  if (caCerts.length > 0) options.caCerts = caCerts;
  const withOptions = () =>
    Object.keys(options).length > 0 ? Deno.createHttpClient(options) : undefined;
  // Another origin a redirect leads to is not sent the client certificate: it gets a client
  // without one.
  const foreign = withOptions();
  let own = foreign;
  if (tls?.certFile !== undefined && tls.keyFile !== undefined) {
    const cert = await Deno.readTextFile(tls.certFile);
    const key = await Deno.readTextFile(tls.keyFile);
    own = Deno.createHttpClient({ ...options, cert, key } as Deno.CreateHttpClientOptions);
  }
  return new HttpBackend(config, { own, foreign });
}

/** The HTTP clients of an exporter: for its own origin, and for others (no certificate). */
interface Clients {
  readonly own: Deno.HttpClient | undefined;
  readonly foreign: Deno.HttpClient | undefined;
}

/** The most redirects followed, as Go's HTTP client (and so Prometheus) follows. */
export const MAX_REDIRECTS = 10;

/** Statuses that redirect (with a Location). */
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

class HttpBackend implements Backend {
  readonly #config: HttpExporterConfig;
  readonly #clients: Clients;
  /** What every request sends, whatever its origin. */
  readonly #headers: Headers;
  /** What requests to the exporter's own origin send: its `headers` and basic auth too. */
  readonly #ownHeaders: Headers;

  constructor(config: HttpExporterConfig, clients: Clients) {
    this.#config = config;
    this.#clients = clients;
    this.#headers = new Headers({
      "Accept": acceptHeader(config.scrapeProtocols),
      "Accept-Encoding": "gzip",
      "User-Agent": USER_AGENT,
    });
    this.#ownHeaders = new Headers(config.headers);
    for (const [name, value] of this.#headers) this.#ownHeaders.set(name, value);
    if (config.basicAuth !== undefined) {
      const { username, password } = config.basicAuth;
      const bytes = new TextEncoder().encode(`${username}:${password}`);
      this.#ownHeaders.set("Authorization", `Basic ${btoa(String.fromCharCode(...bytes))}`);
    }
  }

  async scrape(context: ScrapeContext): Promise<Payload> {
    const url = this.#url(context.query);
    const response = await this.#get(url, context.signal);
    if (response.status !== 200) {
      await response.body?.cancel();
      throw new ScrapeFailure(
        "http_status",
        `GET ${url}: status ${response.status} ${response.statusText}`.trimEnd(),
      );
    }
    let body: Uint8Array;
    try {
      body = await readBody(response, {
        limit: this.#config.bodySizeLimit,
        what: `body of GET ${url}`,
        hold: context.hold,
      });
    } catch (error) {
      await response.body?.cancel().catch(() => {});
      throw failure(error, context.signal, `reading the body of GET ${url}`);
    }
    return {
      body,
      contentType: response.headers.get("Content-Type") ?? undefined,
      what: `body of GET ${url}`,
    };
  }

  close(): void {
    this.#clients.own?.close();
    this.#clients.foreign?.close();
  }

  /**
   * GETs `url`, following up to {@linkcode MAX_REDIRECTS} redirects. Each hop to another
   * origin (scheme, host or port) than the exporter's address is sent neither its `headers`,
   * nor its basic auth, nor its client certificate.
   */
  async #get(url: string, signal: AbortSignal): Promise<Response> {
    const origin = this.#config.address.origin;
    let target = new URL(url);
    for (let redirects = 0;; redirects++) {
      const own = target.origin === origin;
      const client = own ? this.#clients.own : this.#clients.foreign;
      let response: Response;
      try {
        response = await fetch(target, {
          headers: own ? this.#ownHeaders : this.#headers,
          signal,
          redirect: "manual",
          ...(client === undefined ? {} : { client }),
        });
      } catch (error) {
        throw failure(error, signal, `GET ${target.href}`);
      }
      const location = response.headers.get("Location");
      if (!REDIRECTS.has(response.status) || location === null) return response;
      await response.body?.cancel();
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

  /** The address, with the scrape's query parameters added after its own when forwarding. */
  #url(query: URLSearchParams): string {
    const address = this.#config.address;
    if (!this.#config.forwardUrlParams || query.size === 0) return address.href;
    const url = new URL(address);
    for (const [k, v] of query) url.searchParams.append(k, v);
    return url.href;
  }
}

/**
 * The body, within `limit` bytes: a small body of known size in one read, any other
 * through {@linkcode readBounded}. A body whose size is known ({@linkcode knownLength}) to be
 * over the limit fails at once, unread (thrown, not rejected).
 *
 * A large body is not read with `response.bytes()`, though it reads a sized body in one
 * operation into one buffer: it drains the socket into the process as fast as data comes,
 * where the stream leaves what is not yet asked for in the kernel's buffers. With 4 exporters
 * of 7.7 MB each on one path and 4 scrapes at a time, peak RSS was 749-871 MB with it and
 * 606-682 MB without.
 */
function readBody(response: Response, options: BoundedReadOptions): Promise<Uint8Array> {
  if (response.body === null) return Promise.resolve(new Uint8Array(0));
  const length = knownLength(response.headers);
  if (length !== undefined && length > options.limit) throw tooLarge(options);
  if (length !== undefined && length <= ONE_READ_LIMIT) {
    reserve(length, options);
    return response.bytes().then((bytes) => {
      // Never more than the header said, as HTTP frames it; checked all the same.
      if (bytes.length > options.limit) throw tooLarge(options);
      return bytes;
    });
  }
  return readBounded(response.body, { ...options, sizeHint: length });
}

/**
 * Bodies of a known size up to this are read in one operation (`response.bytes()`), which
 * costs about 50 us less a scrape than a stream of chunks; larger ones are streamed (see
 * {@linkcode readBody}).
 */
const ONE_READ_LIMIT = 1024 * 1024;

/**
 * The size of the body, when the headers give it and fetch does not decode it: a
 * Content-Length of digits, no Transfer-Encoding, and no Content-Encoding other than identity.
 * With a Transfer-Encoding, the body is framed by it and Content-Length says nothing (fetch
 * still shows the header); a gzipped body's length says nothing of its size once decompressed.
 */
function knownLength(headers: Headers): number | undefined {
  if (headers.has("Transfer-Encoding")) return undefined;
  const encoding = headers.get("Content-Encoding");
  if (encoding !== null && encoding.trim().toLowerCase() !== "identity") return undefined;
  const length = headers.get("Content-Length");
  if (length === null || !/^\d+$/.test(length.trim())) return undefined;
  return Number(length.trim());
}

/** An error's message, followed by its cause's (fetch hides the reason in the cause). */
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
  return new ScrapeFailure("connect", `${what}: ${describeWithCause(error)}`);
}
