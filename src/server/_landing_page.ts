/** The landing page at `/`: what is served and how each exporter did, as HTML or JSON. */
import type { ExporterStatus, PathScraper } from "../path_scraper.ts";
import { formatDuration } from "../duration.ts";
import { VERSION } from "../version.ts";

/** How many exporters of a path were up and down at their last scrape. */
export interface ExporterCounts {
  /** Exporters up at their last scrape. */
  readonly up: number;
  /** Exporters down at their last scrape. */
  readonly down: number;
  /** Not scraped since the start (or the last reload). */
  readonly notScraped: number;
}

/** One configured path as the landing page shows it. */
export interface PathSummary {
  /** The path as configured, without the context path. */
  readonly path: string;
  /** Where it is served: with the context path. */
  readonly url: string;
  /** How many of its exporters are up and down. */
  readonly counts: ExporterCounts;
  /** Its exporters, in configuration order. */
  readonly exporters: readonly ExporterStatus[];
}

/** What the landing page shows, and what its JSON form is. */
export interface LandingPage {
  /** reverse_exporter's version. */
  readonly version: string;
  /** Deno's version. */
  readonly denoVersion: string;
  /** The configuration file; undefined for the embedded default. */
  readonly configFile: string | undefined;
  /** Epoch milliseconds when the page was made: the ages it shows are counted to it. */
  readonly generatedAt: number;
  /** The configured paths, in configuration order. */
  readonly paths: readonly PathSummary[];
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
    generatedAt: Date.now(),
    paths: scrapers.map((scraper) => {
      const exporters = scraper.status();
      return {
        path: scraper.config.path,
        url: options.contextPath + scraper.config.path,
        counts: countsOf(exporters),
        exporters,
      };
    }),
  };
}

function countsOf(exporters: readonly ExporterStatus[]): ExporterCounts {
  const up = exporters.filter((e) => e.up === true).length;
  const down = exporters.filter((e) => e.up === false).length;
  return { up, down, notScraped: exporters.length - up - down };
}

/** Renders the landing page as a small, self-contained HTML document. */
export function renderLandingPage(page: LandingPage, options: { contextPath: string }): string {
  const now = page.generatedAt;
  const all = countsOf(page.paths.flatMap((p) => p.exporters));
  const total = all.up + all.down + all.notScraped;
  const sections = page.paths.map((p) =>
    `<section><div class="path"><h2><a href="${escape(p.url)}">${escape(p.url)}</a></h2>` +
    `<p class="counts">${renderCounts(p.counts)}</p></div>` +
    (p.exporters.length === 0 ? "<p>No exporters.</p>" : renderTable(p.exporters, now)) +
    `</section>`
  ).join("\n");
  const own = `${options.contextPath}/-/metrics`;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>reverse_exporter</title>
<style>${STYLE}</style></head>
<body><header><h1>reverse_exporter</h1>
<p>version ${escape(page.version)} &middot; Deno ${escape(page.denoVersion)} &middot; ${
    breakable(page.configFile ?? "embedded default configuration")
  }</p>
<p>${page.paths.length} path(s) &middot; ${total} exporter(s): ${renderCounts(all)} &middot; ` +
    `as of ${renderTime(now, now, { age: false })}</p></header>
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

/**
 * Every table has the same columns, of the same widths (`table-layout: fixed`), so that the
 * tables of all paths line up. Targets and errors wrap at spaces and at the punctuation of
 * URLs and paths (`<wbr>`), never inside a word unless a word alone is wider than its column;
 * an error shows its first 3 lines, and whole in its tooltip. Below 48rem, each row is a card.
 */
const STYLE = `
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1f2328;background:#f6f8fa}
header{background:#24292f;color:#fff;padding:.8rem 2rem}
header h1{margin:0;font-size:1.4rem}header p{margin:.3rem 0 0;color:#c9d1d9;font-size:.9rem}
main{padding:.5rem 2rem;max-width:90rem}
section{background:#fff;border:1px solid #d0d7de;border-radius:6px;padding:.5rem 1rem 1rem;margin:1rem 0}
.path{display:flex;flex-wrap:wrap;align-items:baseline;gap:.2rem 1rem}
h2{font-size:1.1rem;margin:.5rem 0}a{color:#0969da}
.counts{margin:0;font-size:.9rem;color:#57606a}.n-up{color:#1a7f37}.n-down{color:#cf222e;font-weight:600}
header .n-up,header .n-down{color:inherit}header p{overflow-wrap:anywhere}
table{border-collapse:collapse;width:100%;table-layout:fixed;font-size:.85rem}
col.name{width:17%}col.target{width:27%}col.time{width:14%}col.num{width:6.5%}col.error{width:29%}
th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #eaeef2;vertical-align:top}
th{color:#57606a;font-weight:600;position:sticky;top:0;background:#fff}
td{overflow-wrap:break-word}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
td.name{font-weight:600}.kind{display:block;font-weight:400;color:#57606a;font-size:.8rem;margin-left:1.1rem}
td.target{font-family:ui-monospace,monospace;font-size:.8rem}
td.error{color:#cf222e}
.clamp{display:-webkit-box;-webkit-line-clamp:3;-webkit-box-orient:vertical;overflow:hidden}
.age,.run{color:#57606a}.run{display:block;font-size:.8rem}
time,.age{font-variant-numeric:tabular-nums;white-space:nowrap}
.dot{display:inline-block;width:.6rem;height:.6rem;border-radius:50%;margin-right:.5rem;background:#8c959f}
tr.up .dot{background:#1a7f37}tr.down .dot{background:#cf222e}tr.down{background:#fff8f8}
footer{padding:0 2rem 2rem;color:#57606a;font-size:.85rem}
@media (max-width:48rem){
main,header{padding-left:.8rem;padding-right:.8rem}
table,tbody,tr,td{display:block;width:auto}colgroup,thead{display:none}
tr{border-bottom:1px solid #d0d7de;padding:.4rem 0}td{border:0;padding:.1rem .3rem}
td.num{text-align:left}td[data-label]::before{content:attr(data-label) ": ";color:#57606a}
}
`;

function renderCounts(counts: ExporterCounts): string {
  const parts = [`<span class="n-up">${counts.up} up</span>`];
  parts.push(
    counts.down > 0 ? `<span class="n-down">${counts.down} down</span>` : `${counts.down} down`,
  );
  if (counts.notScraped > 0) parts.push(`${counts.notScraped} not scraped yet`);
  return parts.join(" &middot; ");
}

function renderTable(exporters: readonly ExporterStatus[], now: number): string {
  const rows = exporters.map((e) => {
    const state = e.up === undefined ? "never" : e.up ? "up" : "down";
    const run = e.lastRun === undefined
      ? ""
      : `<span class="run">last run ${renderTime(e.lastRun.at, now)}, ${
        formatSeconds(e.lastRun.durationSeconds)
      }${e.lastRun.error ? ", failed" : ""}</span>`;
    const cacheHit = e.lastCacheHitAt === undefined
      ? ""
      : `<span class="run">last answered from cache ${renderTime(e.lastCacheHitAt, now)}</span>`;
    return `<tr class="${state}"><td class="name"><span class="dot"></span>${breakable(e.name)}` +
      `<span class="kind">${e.kind}${
        e.cacheForSeconds > 0 ? `, cache_for ${formatDuration(e.cacheForSeconds * 1000)}` : ""
      }</span></td>` +
      `<td class="target">${breakable(e.target)}</td>` +
      `<td class="time" data-label="last scrape">${
        e.lastScrapeAt === undefined ? "not yet" : renderTime(e.lastScrapeAt, now)
      }${run}${cacheHit}</td>` +
      `<td class="num" data-label="duration">${
        e.lastDurationSeconds === undefined ? "" : formatSeconds(e.lastDurationSeconds)
      }</td>` +
      `<td class="num" data-label="samples">${e.lastSamples ?? ""}</td>` +
      `<td class="error">${
        e.lastError === undefined
          ? ""
          : `<span class="clamp" title="${escape(e.lastError)}">${breakable(e.lastError)}</span>`
      }</td></tr>`;
  }).join("\n");
  return `<table><colgroup><col class="name"><col class="target"><col class="time">` +
    `<col class="num"><col class="num"><col class="error"></colgroup>` +
    `<thead><tr><th>exporter</th><th>target</th><th>last scrape</th>` +
    `<th class="num">duration</th><th class="num">samples</th><th>last error</th></tr></thead>` +
    `<tbody>\n${rows}\n</tbody></table>`;
}

/**
 * A moment as the time of day in UTC (with the date when it is not the day of `now`), with
 * how long before `now` it was; the full date and time in its `title`.
 */
function renderTime(at: number, now: number, options: { age?: boolean } = {}): string {
  const iso = new Date(at).toISOString();
  const sameDay = iso.slice(0, 10) === new Date(now).toISOString().slice(0, 10);
  const shown = `${sameDay ? "" : iso.slice(0, 10) + " "}${iso.slice(11, 19)} UTC`;
  const age = options.age === false ? "" : ` <span class="age">${formatAge(now - at)}</span>`;
  return `<time datetime="${iso}" title="${iso}">${shown}</time>${age}`;
}

/** How long ago, in the largest unit that fits: `12 s ago`, `3 min ago`, `2 h ago`, `5 d ago`. */
export function formatAge(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h ago`;
  return `${Math.floor(seconds / 86_400)} d ago`;
}

function formatSeconds(seconds: number): string {
  return seconds < 1 ? `${(seconds * 1000).toFixed(1)} ms` : `${seconds.toFixed(2)} s`;
}

/**
 * Escaped text with a line break allowed after the punctuation of URLs, paths and names
 * (`/ ? & = , : ; _`, and `.` before a letter: not inside an address or a version number;
 * browsers already allow one after `-`).
 */
function breakable(text: string): string {
  return text.split(/(?<=[/?&=,:;_])(?=[^/?&=,:;_\s])|(?<=\.)(?=[A-Za-z])/).map(escape)
    .join("<wbr>");
}

function escape(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;").replaceAll("'", "&#39;");
}
