/** The landing page at /: HTML for people, JSON for programs, never credentials. */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "./_assert.ts";
import { scrape, serveExporter, startServer, tempDir } from "./_server.ts";

/** `path` with a line break allowed after its `/` and `_`, and `.` before a letter, as on the page. */
function breakable(path: string): string {
  return path.replace(/([/_])(?=[^/_])|(\.)(?=[A-Za-z])/g, "$1$2<wbr>");
}

Deno.test("the landing page lists each path and exporter with its last scrape, without credentials", async () => {
  await using dir = await tempDir();
  await using exporter = await serveExporter(() => new Response("a_metric 1\nb_metric 2\n"));
  await Deno.writeTextFile(`${dir.path}/cron.prom`, "cron_metric 1\n");
  const port = new URL(exporter.url).port;
  await using server = await startServer(
    dir.path,
    `
web: {listen: ["tcp://127.0.0.1:0"], context_path: /re}
reverse_exporters:
  - path: /metrics
    exporters:
      http:
        - {name: node, address: "http://scraper:s3cret-pass@127.0.0.1:${port}/metrics?x=<b>", headers: {X-Token: t0ken}}
        - {name: "down<&>", address: "http://127.0.0.1:1/metrics"}
      file: [{name: cron, path: cron.prom}]
  - path: /other
    exporters: {}
`,
  );
  const before =
    await (await fetch(server.url("/re/"), { headers: { Accept: "application/json" } })).json();
  assertEquals(before.paths[0].exporters[0].lastScrapeAt, undefined);
  await scrape(server, "/re/metrics");

  const html = await fetch(server.url("/re/"));
  assertEquals(html.headers.get("content-type"), "text/html; charset=UTF-8");
  const page = await html.text();
  assertStringIncludes(page, '<a href="/re/metrics">/re/metrics</a>');
  assertStringIncludes(page, '<a href="/re/other">/re/other</a>');
  const text = (html: string) => html.replaceAll("<wbr>", "");
  assertStringIncludes(
    text(page),
    `<td class="target">http://127.0.0.1:${port}/metrics?x=%3Cb%3E</td>`,
  );
  assertStringIncludes(page, `<td class="target">${breakable(dir.path)}/<wbr>cron.<wbr>prom</td>`);
  assertStringIncludes(
    text(page),
    '<tr class="down"><td class="name"><span class="dot"></span>down&lt;&amp;&gt;' +
      '<span class="kind">http</span></td>',
  );
  assertStringIncludes(
    text(page),
    '<td class="error"><span class="clamp" title="GET http://127.0.0.1:1/metrics: ',
  );
  // Ages beside times, and the count of exporters up and down per path.
  assertMatch(
    page,
    /<time datetime="[\d-]+T[\d:.]+Z" title="[^"]+">\d\d:\d\d:\d\d UTC<\/time> <span class="age">\d+ s ago<\/span>/,
  );
  assertStringIncludes(
    page,
    '<span class="n-up">2 up</span> &middot; <span class="n-down">1 down</span>',
  );
  for (const secret of ["s3cret-pass", "hunter2", "t0ken", "scraper"]) {
    assert(!page.includes(secret), secret);
  }

  const json = await (await fetch(server.url("/re"), { headers: { Accept: "application/json" } }))
    .json();
  assertEquals(json.configFile, `${dir.path}/reverse_exporter.yml`);
  assertEquals(json.paths.map((p: { url: string }) => p.url), ["/re/metrics", "/re/other"]);
  assertEquals(json.paths[0].counts, { up: 2, down: 1, notScraped: 0 });
  assertEquals(json.paths[1].counts, { up: 0, down: 0, notScraped: 0 });
  assert(typeof json.generatedAt === "number");
  const [node, down, cron] = json.paths[0].exporters;
  assertEquals([node.name, node.kind, node.lastSamples, node.lastError, node.up], [
    "node",
    "http",
    2,
    undefined,
    true,
  ]);
  assert(typeof node.lastScrapeAt === "number" && typeof node.lastDurationSeconds === "number");
  assertEquals([down.name, down.lastSamples, down.up], ["down<&>", 0, false]);
  assertStringIncludes(down.lastError, "127.0.0.1:1");
  assertEquals([cron.kind, cron.target, cron.lastSamples], ["file", `${dir.path}/cron.prom`, 1]);
  assert(
    !JSON.stringify(json).includes("s3cret-pass") && !JSON.stringify(json).includes("hunter2"),
  );
});
