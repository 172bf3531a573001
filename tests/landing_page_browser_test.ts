/**
 * The landing page in a real headless Chromium, with 50 exporters of every kind, up and down:
 * facts of its layout that a person reading it relies on. With `-- --write-screenshots` it
 * also writes docs/landing_page.png (the end of the page) and docs/landing_page_narrow.png
 * (its top, on a phone), shown in the README:
 *
 *   deno test --allow-all tests/landing_page_browser_test.ts -- --write-screenshots
 */
import { assert, assertEquals, assertGreater, assertMatch } from "./_assert.ts";
import { openBrowser } from "./_chromium.ts";
import {
  installed,
  REPO,
  scrape,
  serveExporter,
  startServer,
  tempDir,
  writeScript,
} from "./_server.ts";

const hasChromium = await installed("chromium");
const SKIP = hasChromium ? "" : " (skipped: chromium not installed; Debian package chromium)";
const WRITE_SCREENSHOTS = Deno.args.includes("--write-screenshots");

/** 50 exporters on two paths, as a host with many sources has them: long targets, errors. */
async function fiftyExporters(dir: string, exporterUrl: string): Promise<string> {
  await writeScript(dir, "disk_usage.sh", 'echo "disk_used_bytes{mount=\\"/\\"} 1e9"');
  await writeScript(dir, "broken_raid_check.sh", 'echo "mdadm: cannot open /dev/md0" >&2; exit 2');
  await Deno.mkdir(`${dir}/textfile_collector`);
  for (const name of ["backup", "certificates"]) {
    await Deno.writeTextFile(`${dir}/textfile_collector/${name}.prom`, `${name}_ok 1\n`);
  }
  const http: string[] = [];
  for (let i = 1; i <= 40; i++) {
    const n = String(i).padStart(2, "0");
    const address = i % 9 === 0
      ? `http://127.0.0.1:1/metrics?instance=node-${n}.rack-b.datacenter-eu-west.example.internal`
      : `${exporterUrl}/metrics?instance=node-${n}.rack-a.datacenter-eu-west.example.internal:9100`;
    http.push(`        - {name: node_exporter_${n}, address: "${address}"}`);
  }
  const probes: string[] = [];
  for (const module of ["http_2xx", "tcp_connect", "icmp_reachability", "dns_udp_resolution"]) {
    probes.push(
      `        - {name: blackbox_${module}, address: "${exporterUrl}/probe?module=${module}` +
        `&target=https://service-${module}.internal.example.org:8443/health/ready"}`,
    );
  }
  return `
web: {listen: ["tcp://127.0.0.1:0"]}
reverse_exporters:
  - path: /metrics
    exporters:
      http:
${http.join("\n")}
      file:
        - {name: backup, path: textfile_collector/backup.prom}
        - {name: certificates, path: textfile_collector/certificates.prom}
        - {name: smart_disk_health_from_cron, path: textfile_collector/smart_disk_health.prom}
      exec:
        - {name: disk_usage, command: ./disk_usage.sh, args: [--mount, /, --mount, /var/lib/reverse_exporter]}
      exec_cached:
        - {name: disk_usage_cached, command: ./disk_usage.sh, exec_interval: 1m}
        - {name: raid_check, command: ./broken_raid_check.sh, args: [--device, /dev/md0], exec_interval: 1m}
  - path: /probe
    exporters:
      http:
${probes.join("\n")}
`;
}

/** Layout facts of the page as Chromium laid it out, measured in the page. */
interface Layout {
  /** How much wider than the window the page is (0: no horizontal scrolling). */
  readonly overflow: number;
  /** Per table, the left edge and width of each column's header, in CSS pixels. */
  readonly columns: number[][][];
  /** Words (runs of letters and digits) of targets, errors and names laid on two lines. */
  readonly brokenWords: string[];
  /** Per row, its text and height. */
  readonly rows: { text: string; height: number; state: string }[];
  /** Per path, its counts line and its rows' states. */
  readonly sections: { counts: string; states: string[] }[];
  readonly lineHeight: number;
}

const MEASURE = `(() => {
  const brokenWords = [];
  for (const cell of document.querySelectorAll("td.target, td.error, td.name")) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const match of node.data.matchAll(/[A-Za-z0-9]+/g)) {
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
        if (lines.size > 1) brokenWords.push(match[0]);
      }
    }
  }
  const rect = (e) => e.getBoundingClientRect();
  return {
    overflow: document.documentElement.scrollWidth - window.innerWidth,
    columns: [...document.querySelectorAll("table")].map((t) =>
      [...t.querySelectorAll("th")].map((th) => [Math.round(rect(th).left), Math.round(rect(th).width)])
    ),
    brokenWords,
    rows: [...document.querySelectorAll("tbody tr")].map((tr) => ({
      text: tr.innerText, height: rect(tr).height, state: tr.className,
    })),
    sections: [...document.querySelectorAll("section")].map((s) => ({
      counts: s.querySelector(".counts")?.innerText ?? "",
      states: [...s.querySelectorAll("tbody tr")].map((tr) => tr.className),
    })),
    lineHeight: parseFloat(getComputedStyle(document.querySelector("td")).lineHeight) ||
      1.2 * parseFloat(getComputedStyle(document.querySelector("td")).fontSize),
  };
})()`;

Deno.test({
  name: `the landing page, in Chromium, reads well with 50 exporters${SKIP}`,
  ignore: !hasChromium,
  async fn(t) {
    await using dir = await tempDir();
    await using exporter = await serveExporter(() =>
      new Response("up_metric 1\nother_metric 2\n", { headers: { "Content-Type": "text/plain" } })
    );
    await using server = await startServer(dir.path, await fiftyExporters(dir.path, exporter.url), {
      permissions: [
        "--no-prompt",
        "--allow-net=127.0.0.1",
        `--allow-read=${dir.path}`,
        "--allow-run",
      ],
    });
    await scrape(server, "/metrics");
    await scrape(server, "/probe");
    await Deno.mkdir(`${dir.path}/profile`);
    await using browser = await openBrowser(`${dir.path}/profile`);

    await t.step("1280 px wide: tables line up, nothing overflows, no word is broken", async () => {
      await browser.open(server.url("/"), { width: 1280, height: 720 });
      if (WRITE_SCREENSHOTS) {
        // The end of the page: files, scripts, the second path's table under the first's.
        await browser.evaluate("window.scrollTo(0, document.body.scrollHeight)");
        await Deno.writeFile(`${REPO}docs/landing_page.png`, await browser.screenshot());
      }
      const layout = await browser.evaluate<Layout>(MEASURE);
      assertEquals(layout.rows.length, 50);
      assertEquals(layout.overflow, 0, "the page scrolls sideways");
      assertEquals(layout.columns.length, 2);
      assertEquals(layout.columns[1], layout.columns[0], "the two tables' columns differ");
      assertEquals(layout.brokenWords, []);
      // Compact enough for 50 rows: no row is taller than 4 lines of text.
      for (const row of layout.rows) {
        assert(row.height <= 4 * layout.lineHeight + 12, `${row.height} px: ${row.text}`);
      }
    });
    await t.step("ages beside times, counts per path, exec_cached's last run", async () => {
      const layout = await browser.evaluate<Layout>(MEASURE);
      for (const row of layout.rows) assertMatch(row.text, /\d\d:\d\d:\d\d UTC \d+ s ago/);
      for (const section of layout.sections) {
        const up = section.states.filter((s) => s === "up").length;
        const down = section.states.filter((s) => s === "down").length;
        assertMatch(section.counts, new RegExp(`^${up} up \u00b7 ${down} down$`));
      }
      // 4 exporters at 127.0.0.1:1, the missing file and the failing script are down.
      assertEquals(layout.sections[0]!.counts, "40 up \u00b7 6 down");
      const cached = layout.rows.filter((r) => r.text.includes("last run"));
      assertEquals(cached.length, 2, "both exec_cached exporters show their last run");
      const raid = cached.find((r) => r.text.includes("raid_check"))!;
      assertMatch(raid.text, /last run \d\d:\d\d:\d\d UTC \d+ s ago, [\d.]+ ms, failed/);
      assertMatch(raid.text, /mdadm: cannot open \/dev\/md0/);
    });
    await t.step("390 px wide (a phone): one column of cards, nothing overflows", async () => {
      await browser.open(server.url("/"), { width: 390, height: 720 });
      if (WRITE_SCREENSHOTS) {
        await Deno.writeFile(`${REPO}docs/landing_page_narrow.png`, await browser.screenshot());
      }
      const layout = await browser.evaluate<Layout>(MEASURE);
      assertEquals(layout.overflow, 0, "the page scrolls sideways");
      assertEquals(layout.brokenWords, []);
      assertGreater(layout.rows.length, 0);
    });
  },
});
