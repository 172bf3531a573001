/** The HTTP application: routes each configured path to its scrape, plus the `/-/` routes. */
import { Hono } from "hono";
import type { Context, MiddlewareHandler } from "hono";
import { negotiate, type Negotiated } from "../exposition/formats.ts";
import type { ByteBudget } from "../exporters/byte_budget.ts";
import type { OwnMetrics } from "../metrics/own_metrics.ts";
import type { Answer, AnswerFormat } from "../scrape/answer.ts";
import { InlineSession } from "../scrape/engine.ts";
import type { PathScraper } from "../path_scraper.ts";
import { accepts, acceptsEncodings } from "../std/negotiation.ts";
import type { AuthConfig } from "../config/types.ts";
import type { Logger } from "../log.ts";
import { createBasicAuth } from "./basic_auth.ts";
import { sanRefusal } from "./client_sans.ts";
import type { RequestInfo } from "./types.ts";
import { landingPage, renderLandingPage } from "./_landing_page.ts";
import { targetGroups } from "./_service_discovery.ts";

/** The header in which Prometheus sends its scrape timeout. */
const SCRAPE_TIMEOUT_HEADER = "X-Prometheus-Scrape-Timeout-Seconds";

/** What the application serves. */
export interface AppOptions {
  /** Prefix of every route: "" or "/something". */
  readonly contextPath: string;
  /** The scraper of each configured path. */
  readonly scrapers: readonly PathScraper[];
  /** The program's own metrics: counted per path, served at `/-/metrics`. */
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
  /** `web.auth`: guards the landing page, `/-/metrics`, `/-/sd` and `/-/reload`. */
  readonly webAuth: AuthConfig | undefined;
}

/** The outcome of a reload: an error message when the configuration was refused. */
export type ReloadResult = { readonly ok: true } | { readonly ok: false; readonly error: string };

/** The HTTP application, as the listeners use it. */
export interface App {
  /** Answers a request. */
  fetch(request: Request, info: RequestInfo): Response | Promise<Response>;
}

/** The application's environment: what the listener knows of each request's connection. */
type AppEnv = { Bindings: RequestInfo };

/** Builds the application (a Hono one). */
export function createApp(options: AppOptions): App {
  const { contextPath, metrics } = options;
  const root = new Hono<AppEnv>({ strict: true });
  root.onError((error, c) => {
    options.logger.error("request failed", { path: c.req.path, error: String(error) });
    return c.text("Internal Server Error\n", 500);
  });
  // Every route is under the context path: "/" is the landing page at `${contextPath}/`.
  const app = root.basePath(`${contextPath}/`);
  // Counting first, so that it sees every answer of a path: 401s and 500s included.
  for (const scraper of options.scrapers) {
    app.use(scraper.config.path, async (c, next) => {
      await next();
      metrics.pathRequests.inc([scraper.config.path, String(c.res.status)]);
    });
  }
  // Guards next: Hono runs middleware in the order it is registered. /-/healthy and
  // /-/ready stay open, for load balancers and orchestrators.
  if (options.webAuth !== undefined) {
    const guard = guarding(options.webAuth);
    for (const route of ["/", "/-/metrics", "/-/sd", "/-/reload"]) app.use(route, guard);
    // The landing page answers at the context path without its final "/" too.
    if (contextPath !== "") root.use(contextPath, guard);
  }
  for (const scraper of options.scrapers) {
    if (scraper.config.auth !== undefined) {
      app.use(scraper.config.path, guarding(scraper.config.auth));
    }
  }
  for (const scraper of options.scrapers) {
    const route = scraper.config.path;
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
  app.on(["GET", "HEAD"], "/", landing);
  if (contextPath !== "") root.on(["GET", "HEAD"], contextPath, landing);
  app.on(["GET", "HEAD"], "/-/healthy", (c) => c.text("Healthy.\n"));
  app.on(["GET", "HEAD"], "/-/ready", (c) => {
    return options.isReady() ? c.text("Ready.\n") : c.text("Not ready.\n", 503);
  });
  app.on(["GET", "HEAD"], "/-/metrics", (c) => {
    const format = answerFormat(c.req.raw);
    const answer = new InlineSession().answerNow(
      [{ exporterName: "", families: metrics.collect(), own: true }],
      format.how,
    );
    return exposition(c, { ...format, answer });
  });
  app.on(["GET", "HEAD"], "/-/sd", (c) => {
    const perExporter = c.req.query("per_exporter");
    if (perExporter !== undefined && perExporter !== "true" && perExporter !== "false") {
      return c.text("Bad Request: per_exporter must be true or false\n", 400);
    }
    const groups = targetGroups(options.scrapers.map((s) => s.config), {
      contextPath,
      url: new URL(c.req.url),
      perExporter: perExporter === "true",
    });
    return c.json(groups);
  });
  app.post("/-/reload", async (c) => {
    if (options.reload === undefined) {
      return c.text("Lifecycle API is not enabled (start with --web.enable-lifecycle).\n", 403);
    }
    const result = await options.reload();
    return result.ok
      ? c.text("Configuration reloaded.\n")
      : c.text(`Configuration refused, the running one stays: ${result.error}\n`, 500);
  });
  for (const route of ["/-/healthy", "/-/ready", "/-/metrics", "/-/sd"]) {
    app.all(route, methodNotAllowed);
  }
  app.all("/-/reload", (c) => {
    c.header("Allow", "POST");
    return c.text("Method Not Allowed\n", 405);
  });
  return root;
}

/**
 * Middleware that lets a request through only when it passes every check of `auth`: first
 * its client certificate's SANs (403), then its credentials (401).
 */
function guarding(auth: AuthConfig): MiddlewareHandler<AppEnv> {
  const allowedSans = auth.tlsClientAllowedSans === undefined
    ? undefined
    : new Set(auth.tlsClientAllowedSans);
  const basicAuth = auth.basicAuth.length > 0 ? createBasicAuth(auth) : undefined;
  return async (c, next) => {
    const refusal =
      (allowedSans === undefined ? undefined : sanRefusal(allowedSans, c.env.clientSans)) ??
        await basicAuth?.(c.req.raw);
    if (refusal !== undefined) return refusal;
    await next();
    return undefined;
  };
}

function methodNotAllowed(c: Context<AppEnv>): Response {
  c.header("Allow", "GET, HEAD");
  return c.text("Method Not Allowed\n", 405);
}

/**
 * Scrapes the path (or the exporters of it that `?exporter=` names) and answers with its
 * exposition in the format negotiated; refused (400) for a name that is not one of its
 * exporters, and (503) while the scrapes in flight hold all of `web.max_bytes_in_flight`.
 */
async function servePath(
  c: Context<AppEnv>,
  scraper: PathScraper,
  options: { budget: ByteBudget; logger: Logger },
): Promise<Response> {
  const { budget, logger } = options;
  const request = c.req.raw;
  const selection = scraper.select(new URL(request.url).searchParams);
  if (typeof selection === "string") return c.text(`Bad Request: ${selection}\n`, 400);
  if (budget.exhausted()) {
    return c.text(
      `Service Unavailable: scrapes in flight hold web.max_bytes_in_flight ` +
        `(${budget.limit} bytes) already; try again later\n`,
      503,
    );
  }
  const format = answerFormat(request);
  const started = performance.now();
  const { answer, sent } = await scraper.scrape({
    signal: request.signal,
    budgetMs: scrapeBudgetMs(request.headers.get(SCRAPE_TIMEOUT_HEADER)),
    how: format.how,
  }, selection);
  // Once the response is written (or given up), the answer's body may be freed.
  c.env.completed.then(sent, sent);
  if (logger.enabled("debug")) {
    logger.debug("path scraped", {
      path: scraper.config.path,
      exporters: selection.slots?.length ?? scraper.config.exporters.length,
      duration_seconds: Number(((performance.now() - started) / 1000).toFixed(6)),
      samples: answer.samples,
      bytes: answer.bytes,
    });
  }
  return exposition(c, { ...format, answer });
}

/**
 * How to answer a request: the format its Accept header asks for, gzip if it accepts it
 * (`gzip`: its headers say so even for HEAD, whose answer is built uncompressed).
 */
function answerFormat(
  request: Request,
): { negotiated: Negotiated; how: AnswerFormat; gzip: boolean } {
  const negotiated = negotiate(request.headers.get("Accept"));
  const gzip = request.headers.has("Accept-Encoding") &&
    acceptsEncodings(request, ["gzip", "identity"]) === "gzip";
  // A HEAD answer's body is never sent: the same headers (see `exposition`), nothing compressed.
  const how = {
    format: negotiated.format,
    escaping: negotiated.escaping,
    gzip: gzip && request.method !== "HEAD",
  };
  return { negotiated, how, gzip };
}

/** The scrape budget from Prometheus's timeout header, in ms; undefined when absent or invalid. */
function scrapeBudgetMs(header: string | null): number | undefined {
  if (header === null) return undefined;
  const seconds = Number(header.trim());
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : undefined;
}

/** Serves an answer, with the Content-Type negotiated. */
function exposition(
  c: Context,
  served: { negotiated: Negotiated; gzip: boolean; answer: Answer },
): Response {
  const { negotiated, gzip, answer } = served;
  const headers = new Headers({
    "Content-Type": negotiated.contentType,
    "Vary": "Accept, Accept-Encoding",
  });
  if (gzip) headers.set("Content-Encoding", "gzip");
  if (c.req.method === "HEAD") return new Response(null, { headers });
  return new Response(oneChunk(answer.body), { headers });
}

/**
 * A stream of the bytes themselves, in one chunk. A `Response` made from the bytes would
 * copy them, costing time and the body's size again in memory; a Blob copies them outside the
 * JavaScript heap, where the copies outlived the responses under load (figures: BENCHMARKS.md,
 * "Measurements behind the code").
 */
function oneChunk(body: Uint8Array): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      controller.enqueue(body);
      controller.close();
    },
  });
}
