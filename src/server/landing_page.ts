/** The landing page at `/`: what is served and how each exporter did, as HTML or JSON. */
import type { ExporterConfig } from "../config/types.ts";
import type { ExporterStatus, PathScraper } from "../path_scraper.ts";
import { VERSION } from "../version.ts";

/** One exporter as the landing page shows it; never with credentials. */
export interface ExporterSummary extends ExporterStatus {
  /** Where it scrapes: the address without user info, the file, or the command line. */
  readonly target: string;
}

/** What the landing page shows, and what its JSON form is. */
export interface LandingPage {
  readonly version: string;
  readonly denoVersion: string;
  readonly configFile: string | undefined;
  readonly paths: readonly {
    readonly path: string;
    readonly url: string;
    readonly exporters: readonly ExporterSummary[];
  }[];
}

/** Where an exporter scrapes, without credentials. */
export function exporterTarget(config: ExporterConfig): string {
  switch (config.kind) {
    case "http": {
      const url = new URL(config.address);
      url.username = "";
      url.password = "";
      return config.unixSocket === undefined ? url.href : `${url.href} via ${config.unixSocket}`;
    }
    case "file":
      return config.path;
    case "exec":
    case "exec_cached":
      return [config.command, ...config.args].join(" ");
  }
}

/** The landing page's data, from the scrapers of the configuration being served. */
export function landingPage(
  scrapers: readonly PathScraper[],
  options: { contextPath: string; configFile: string | undefined },
): LandingPage {
  return {
    version: VERSION,
    denoVersion: Deno.version.deno,
    configFile: options.configFile,
    paths: scrapers.map((scraper) => {
      const statuses = scraper.status();
      return {
        path: scraper.config.path,
        url: options.contextPath + scraper.config.path,
        exporters: scraper.config.exporters.map((config, i) => ({
          ...statuses[i]!,
          target: exporterTarget(config),
        })),
      };
    }),
  };
}

/** Renders the landing page as a small, self-contained HTML document. */
export function renderLandingPage(page: LandingPage, options: { contextPath: string }): string {
  const rows = (exporters: readonly ExporterSummary[]) =>
    exporters.map((e) => {
      const state = e.lastScrapeAt === undefined
        ? "never"
        : e.lastError === undefined
        ? "up"
        : "down";
      return `<tr class="${state}"><td><span class="dot"></span>${escape(e.name)}</td>` +
        `<td>${e.kind}</td><td class="target">${escape(e.target)}</td>` +
        `<td>${
          e.lastScrapeAt === undefined ? "never" : escape(new Date(e.lastScrapeAt).toISOString())
        }</td>` +
        `<td class="num">${
          e.lastDurationSeconds === undefined ? "" : formatSeconds(e.lastDurationSeconds)
        }</td>` +
        `<td class="num">${e.lastSamples ?? ""}</td>` +
        `<td class="error">${escape(e.lastError ?? "")}</td></tr>`;
    }).join("\n");
  const sections = page.paths.map((p) =>
    `<section><h2><a href="${escape(p.url)}">${escape(p.url)}</a></h2>` +
    (p.exporters.length === 0
      ? "<p>No exporters.</p>"
      : `<table><thead><tr><th>exporter</th><th>kind</th>` +
        `<th>target</th><th>last scrape</th><th>duration</th><th>samples</th><th>last error</th></tr></thead>` +
        `<tbody>\n${rows(p.exporters)}\n</tbody></table>`) +
    `</section>`
  ).join("\n");
  const own = `${options.contextPath}/-/metrics`;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>reverse_exporter</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1f2328;background:#f6f8fa}
header{background:#24292f;color:#fff;padding:1rem 2rem}
header h1{margin:0;font-size:1.4rem}header p{margin:.3rem 0 0;color:#c9d1d9;font-size:.9rem}
main{padding:1rem 2rem;max-width:80rem}
section{background:#fff;border:1px solid #d0d7de;border-radius:6px;padding:.5rem 1rem 1rem;margin:1rem 0}
h2{font-size:1.1rem}a{color:#0969da}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{text-align:left;padding:.4rem .6rem;border-bottom:1px solid #eaeef2;vertical-align:top}
th{color:#57606a;font-weight:600}td:first-child,td:nth-child(4){white-space:nowrap}td.num{text-align:right;font-variant-numeric:tabular-nums}
td.target{font-family:ui-monospace,monospace;font-size:.85rem;word-break:break-all}
td.error{color:#cf222e;font-size:.85rem}
.dot{display:inline-block;width:.6rem;height:.6rem;border-radius:50%;margin-right:.5rem;background:#8c959f}
tr.up .dot{background:#1a7f37}tr.down .dot{background:#cf222e}
footer{padding:0 2rem 2rem;color:#57606a;font-size:.85rem}
</style></head>
<body><header><h1>reverse_exporter</h1>
<p>version ${escape(page.version)} &middot; Deno ${escape(page.denoVersion)} &middot; ${
    escape(page.configFile ?? "embedded default configuration")
  }</p></header>
<main>
${sections || "<p>No paths configured.</p>"}
</main>
<footer><a href="${escape(own)}">own metrics</a> &middot; <a href="${
    escape(options.contextPath)
  }/-/healthy">health</a> &middot;
JSON: this page with <code>Accept: application/json</code></footer>
</body></html>
`;
}

function formatSeconds(seconds: number): string {
  return seconds < 1 ? `${(seconds * 1000).toFixed(1)} ms` : `${seconds.toFixed(2)} s`;
}

function escape(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;").replaceAll("'", "&#39;");
}
