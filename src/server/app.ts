/** The HTTP application: routes each configured path to its scrape, plus the `/-/` routes. */
import { gzipSync } from "node:zlib";
import { Hono } from "hono";
import type { Context } from "hono";
import {
  encodeExposition,
  encodeMerged,
  mergeFamilies,
  TEXT_CONTENT_TYPE,
} from "../exposition/mod.ts";
import type { ByteBudget } from "../backends/mod.ts";
import type { OwnMetrics } from "../metrics/own_metrics.ts";
import type { PathScraper } from "../path_scraper.ts";
import { accepts, acceptsEncodings } from "../std/negotiation.ts";
import type { AuthConfig } from "../config/types.ts";
import type { Logger } from "../log.ts";
import { createBasicAuth } from "./basic_auth.ts";
import { landingPage, renderLandingPage } from "./landing_page.ts";

/** The header in which Prometheus sends its scrape timeout. */
export const SCRAPE_TIMEOUT_HEADER = "X-Prometheus-Scrape-Timeout-Seconds";

/** What the application serves. */
export interface AppOptions {
  /** Prefix of every route: "" or "/something". */
  readonly contextPath: string;
  /** The scraper of each configured path. */
  readonly scrapers: readonly PathScraper[];
  readonly metrics: OwnMetrics;
  /** `web.max_bytes_in_flight`: a scrape arriving while it is exhausted is answered 503. */
  readonly budget: ByteBudget;
  /** Where a request that fails unexpectedly is logged. */
  readonly logger: Logger;
  /** Whether every listener is up; `/-/ready` answers 503 until then. */
  readonly isReady: () => boolean;
  /** Reloads the configuration (`POST /-/reload`); undefined unless `--web.enable-lifecycle`. */
  readonly reload: (() => Promise<ReloadResult>) | undefined;
  /** The configuration file served, for the landing page; undefined for the embedded default. */
  readonly configFile: string | undefined;
  /** `web.auth`: guards the landing page, `/-/metrics` and `/-/reload`. */
  readonly webAuth: AuthConfig | undefined;
}

/** The outcome of a reload: an error message when the configuration was refused. */
export type ReloadResult = { readonly ok: true } | { readonly ok: false; readonly error: string };

/** Builds the Hono application. */
export function createApp(options: AppOptions): Hono {
  const { contextPath, metrics } = options;
  const app = new Hono({ strict: true });
  app.onError((error, c) => {
    options.logger.error("request failed", { path: c.req.path, error: String(error) });
    return c.text("Internal Server Error\n", 500);
  });
  // Counting first, so that it sees every answer of a path: 401s and 500s included.
  for (const scraper of options.scrapers) {
    app.use(contextPath + scraper.config.path, async (c, next) => {
      await next();
      metrics.pathRequests.inc([scraper.config.path, String(c.res.status)]);
    });
  }
  // Guards next: Hono runs middleware in the order it is registered. /-/healthy and
  // /-/ready stay open, for load balancers and orchestrators.
  if (options.webAuth !== undefined) {
    const guard = createBasicAuth(options.webAuth);
    const guarded = [`${contextPath}/`, `${contextPath}/-/metrics`, `${contextPath}/-/reload`];
    if (contextPath !== "") guarded.push(contextPath);
    for (const route of guarded) app.use(route, guard);
  }
  for (const scraper of options.scrapers) {
    if (scraper.config.auth !== undefined) {
      app.use(contextPath + scraper.config.path, createBasicAuth(scraper.config.auth));
    }
  }
  for (const scraper of options.scrapers) {
    const route = contextPath + scraper.config.path;
    app.on(["GET", "HEAD"], route, (c) => servePath(c, scraper, options));
    app.all(route, methodNotAllowed);
  }
  const landing = (c: Context) => {
    const page = landingPage(options.scrapers, { contextPath, configFile: options.configFile });
    if (accepts(c.req.raw, ["text/html", "application/json"]) === "application/json") {
      return c.json(page);
    }
    return c.html(renderLandingPage(page, { contextPath }));
  };
  app.on(["GET", "HEAD"], `${contextPath}/`, landing);
  if (contextPath !== "") app.on(["GET", "HEAD"], contextPath, landing);
  app.on(["GET", "HEAD"], `${contextPath}/-/healthy`, (c) => c.text("Healthy.\n"));
  app.on(["GET", "HEAD"], `${contextPath}/-/ready`, (c) => {
    return options.isReady() ? c.text("Ready.\n") : c.text("Not ready.\n", 503);
  });
  app.on(["GET", "HEAD"], `${contextPath}/-/metrics`, (c) => {
    const { families } = mergeFamilies([{
      exporterName: "",
      families: metrics.collect(),
      mayCollide: false,
    }]);
    return exposition(c, encodeExposition(families));
  });
  app.post(`${contextPath}/-/reload`, async (c) => {
    if (options.reload === undefined) {
      return c.text("Lifecycle API is not enabled (start with --web.enable-lifecycle).\n", 403);
    }
    const result = await options.reload();
    return result.ok
      ? c.text("Configuration reloaded.\n")
      : c.text(`Configuration refused, the running one stays: ${result.error}\n`, 500);
  });
  for (const route of ["/-/healthy", "/-/ready", "/-/metrics"]) {
    app.all(contextPath + route, methodNotAllowed);
  }
  app.all(`${contextPath}/-/reload`, (c) => {
    c.header("Allow", "POST");
    return c.text("Method Not Allowed\n", 405);
  });
  return app;
}

function methodNotAllowed(c: Context): Response {
  c.header("Allow", "GET, HEAD");
  return c.text("Method Not Allowed\n", 405);
}

/**
 * Scrapes the path and answers with its exposition; what its exporters read is held of the
 * budget of bytes in flight until the answer is made.
 */
async function servePath(
  c: Context,
  scraper: PathScraper,
  options: { budget: ByteBudget; logger: Logger },
): Promise<Response> {
  const { budget, logger } = options;
  if (budget.exhausted()) {
    return c.text(
      `Service Unavailable: scrapes in flight hold web.max_bytes_in_flight ` +
        `(${budget.limit} bytes) already; try again later\n`,
      503,
    );
  }
  const request = c.req.raw;
  const started = performance.now();
  const hold = budget.hold();
  let body: Uint8Array<ArrayBuffer>;
  try {
    const families = await scraper.scrape({
      signal: request.signal,
      budgetMs: scrapeBudgetMs(request.headers.get(SCRAPE_TIMEOUT_HEADER)),
      query: new URL(request.url).searchParams,
      hold,
    });
    body = encodeMerged(families);
  } finally {
    hold.release();
  }
  if (logger.enabled("debug")) {
    logger.debug("path scraped", {
      path: scraper.config.path,
      exporters: scraper.config.exporters.length,
      duration_seconds: Number(((performance.now() - started) / 1000).toFixed(6)),
      samples: sampleLines(body),
      bytes: body.byteLength,
    });
  }
  return exposition(c, body);
}

/** The samples of an encoded text exposition: its lines that are not comments. */
function sampleLines(body: Uint8Array): number {
  let samples = 0;
  let lineStart = true;
  for (const byte of body) {
    if (lineStart && byte !== 0x23 /* # */) samples++;
    lineStart = byte === 0x0a;
  }
  return samples;
}

/** The scrape budget from Prometheus's timeout header, in ms; undefined when absent or invalid. */
export function scrapeBudgetMs(header: string | null): number | undefined {
  if (header === null) return undefined;
  const seconds = Number(header.trim());
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : undefined;
}

/** Serves an encoded text 0.0.4 exposition, gzipped when the request accepts it. */
function exposition(c: Context, body: Uint8Array<ArrayBuffer>): Response {
  const headers = new Headers({ "Content-Type": TEXT_CONTENT_TYPE, "Vary": "Accept-Encoding" });
  const request = c.req.raw;
  if (
    request.headers.has("Accept-Encoding") &&
    acceptsEncodings(request, ["gzip", "identity"]) === "gzip"
  ) {
    headers.set("Content-Encoding", "gzip");
    // A HEAD answer's body is never sent: the same headers, nothing compressed.
    if (request.method === "HEAD") return new Response(null, { headers });
    const gzipped = gzipSync(body, { level: GZIP_LEVEL });
    // The text is dead once compressed: its memory is freed now, not at a later collection
    // (100k-series payload, gzip, 4 at a time: peak RSS 231-240 MB against 251-252 MB).
    body.buffer.transfer(0);
    return new Response(oneChunk(gzipped), { headers });
  }
  return new Response(oneChunk(body), { headers });
}

/**
 * The gzip level of responses: 1, the fastest. Prometheus asks every scrape for gzip, so this
 * is in the path of every scrape. On the node_exporter payload (57 KB) level 1 took 74 us and
 * gave 13.2 KB; the default level (6) took 450 us, and `CompressionStream` 561 us, for 9.6 KB:
 * half the CPU of the rest of the scrape, to save 3.6 KB on a local network.
 */
const GZIP_LEVEL = 1;

/**
 * A stream of the bytes themselves, in one chunk. A `Response` made from the bytes would
 * copy them (a 7.5 MB exposition: 3 to 7 ms and its size again in memory); a Blob copies
 * them outside the JavaScript heap, where the copies outlived the responses under load.
 */
function oneChunk(body: Uint8Array): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      controller.enqueue(body);
      controller.close();
    },
  });
}
