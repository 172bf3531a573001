/**
 * Concurrent requests for one path share its scrape, each with its own deadline; the thread
 * that answers requests never waits on decoding (issue 14, items 2 and 3).
 */
import { memoryOf } from "../bench/processes.ts";
import { assert, assertEquals, assertStringIncludes } from "./_assert.ts";
import { scrape, serveExporter, startServer, tempDir, valueOf } from "./_server.ts";

/** A text exposition of `series` gauges, about 75 bytes a series. */
function gauges(series: number): Uint8Array<ArrayBuffer> {
  const lines = ["# HELP big_gauge A large family.", "# TYPE big_gauge gauge"];
  for (let i = 0; i < series; i++) {
    lines.push(`big_gauge{instance="host-${i % 97}:9100",job="node",series="${i}"} ${i * 1.5}`);
  }
  return new TextEncoder().encode(lines.join("\n") + "\n");
}

/**
 * A path whose one exporter, `big`, answers `body` after `delayMs`: slow enough that requests
 * made meanwhile share its scrape.
 */
async function slowPath(
  dir: string,
  body: Uint8Array<ArrayBuffer>,
  delayMs: number,
): Promise<
  AsyncDisposable & {
    exporter: Awaited<ReturnType<typeof serveExporter>>;
    server: Awaited<ReturnType<typeof startServer>>;
  }
> {
  const exporter = await serveExporter(async () => {
    await new Promise((r) => setTimeout(r, delayMs));
    return new Response(body, { headers: { "Content-Type": "text/plain; version=0.0.4" } });
  });
  const server = await startServer(
    dir,
    `
web:
  listen: ["tcp://127.0.0.1:0"]
reverse_exporters:
  - path: /metrics
    exporters:
      http: [{name: big, address: "${exporter.url}/metrics"}]
`,
  );
  return {
    exporter,
    server,
    async [Symbol.asyncDispose]() {
      await server[Symbol.asyncDispose]();
      await exporter[Symbol.asyncDispose]();
    },
  };
}

/** Reads a response's body without keeping it: its size, and whether `marker` is in it. */
async function drain(
  response: Response,
  marker: string,
): Promise<{ bytes: number; found: boolean }> {
  const needle = new TextEncoder().encode(marker);
  let bytes = 0;
  let found = false;
  let tail = new Uint8Array(0);
  for await (const chunk of response.body!) {
    bytes += chunk.length;
    if (found) continue;
    const window = new Uint8Array(tail.length + chunk.length);
    window.set(tail);
    window.set(chunk, tail.length);
    found = indexOf(window, needle) !== -1;
    tail = window.slice(Math.max(0, window.length - needle.length));
  }
  return { bytes, found };
}

function indexOf(haystack: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

Deno.test("200 concurrent scrapes of a 7 MB exporter share its scrape: all answered, a handful of fetches, bounded memory", async () => {
  await using dir = await tempDir();
  const body = gauges(103_000);
  assert(body.length > 7_000_000, `${body.length} bytes`);
  // Slow enough that the 200 requests arrive while it is being scraped.
  await using path = await slowPath(dir.path, body, 1000);
  const { exporter, server } = path;
  const last = 'big_gauge{instance="host-82:9100",job="node",series="102999",exporter_name="big"}';
  const results = await Promise.all(
    Array.from({ length: 200 }, async () => {
      const response = await fetch(server.url("/metrics"), {
        headers: { "Accept-Encoding": "gzip" },
        signal: AbortSignal.timeout(60_000),
      });
      assertEquals(response.status, 200);
      return await drain(response, last);
    }),
  );
  assertEquals(
    results.filter((r) => r.found).length,
    200,
    "answers without the exporter's samples",
  );
  assert(exporter.requests.length <= 5, `${exporter.requests.length} fetches of the exporter`);
  const { peakRssMB } = await memoryOf(server.pid);
  assert(peakRssMB < 700, `peak RSS ${Math.round(peakRssMB)} MB`);
});

Deno.test("a request that joins a scrape in progress keeps its own deadline", async () => {
  await using dir = await tempDir();
  await using exporter = await serveExporter(async () => {
    await new Promise((r) => setTimeout(r, 2000));
    return new Response("slow_gauge 1\n");
  });
  await using server = await startServer(
    dir.path,
    `
web:
  listen: ["tcp://127.0.0.1:0"]
reverse_exporters:
  - path: /metrics
    exporters:
      http: [{name: slow, address: "${exporter.url}/metrics"}]
`,
  );
  const patient = scrape(server, "/metrics");
  await new Promise((r) => setTimeout(r, 200));
  // Joins the scrape in progress, with a budget that ends long before the exporter answers.
  const started = performance.now();
  const hurried = await scrape(server, "/metrics", {
    headers: { "X-Prometheus-Scrape-Timeout-Seconds": "0.5" },
  });
  const hurriedMs = performance.now() - started;
  assertEquals(valueOf(hurried, 'reverse_exporter_backend_up{exporter_name="slow"}'), 0);
  assert(hurriedMs < 1500, `the hurried request took ${Math.round(hurriedMs)} ms`);
  // The scrape went on for the patient request, which gets the exporter's samples.
  const patientText = await patient;
  assertEquals(valueOf(patientText, 'reverse_exporter_backend_up{exporter_name="slow"}'), 1);
  assertStringIncludes(patientText, 'slow_gauge{exporter_name="slow"} 1');
  assertEquals(exporter.requests.length, 1);
});

Deno.test("while a 100 MiB gzip body is decoded, requests to another path are answered at once", async () => {
  await using dir = await tempDir();
  await Deno.writeTextFile(`${dir.path}/small.prom`, "small_gauge 1\n");
  const text = gauges(1_500_000);
  assert(text.length > 100 * 1024 * 1024, `${text.length} bytes`);
  const gzipped = await new Response(
    new Blob([text]).stream().pipeThrough(new CompressionStream("gzip")),
  ).bytes();
  let bigServed = false;
  await using exporter = await serveExporter(() => {
    bigServed = true;
    return new Response(gzipped, {
      headers: { "Content-Encoding": "gzip", "Content-Type": "text/plain; version=0.0.4" },
    });
  });
  await using server = await startServer(
    dir.path,
    `
web:
  listen: ["tcp://127.0.0.1:0"]
reverse_exporters:
  - path: /big
    exporters:
      http: [{name: big, address: "${exporter.url}/metrics", timeout: 60s}]
  - path: /small
    exporters:
      file: [{name: small, path: small.prom}]
`,
  );
  const big = fetch(server.url("/big"), { signal: AbortSignal.timeout(120_000) }).then(
    async (r) => {
      assertEquals(r.status, 200);
      return (await drain(
        r,
        'big_gauge{instance="host-0:9100",job="node",series="0",exporter_name="big"}',
      )).found;
    },
  );
  while (!bigServed) await new Promise((r) => setTimeout(r, 5));
  const latencies: number[] = [];
  for (let i = 0; i < 12; i++) {
    const started = performance.now();
    const response = await fetch(server.url("/small"), { signal: AbortSignal.timeout(10_000) });
    assertStringIncludes(await response.text(), 'small_gauge{exporter_name="small"} 1');
    latencies.push(performance.now() - started);
    await new Promise((r) => setTimeout(r, 150));
  }
  assert(await big, "the big answer lacks the exporter's samples");
  const slowest = Math.max(...latencies);
  assert(slowest < 500, `latencies ${latencies.map(Math.round).join(", ")} ms`);
});

Deno.test("an answer shared with a client that goes away reaches a slow reader whole, and the next scrape's too", async () => {
  await using dir = await tempDir();
  const body = gauges(30_000);
  await using path = await slowPath(dir.path, body, 500);
  const { exporter, server } = path;
  const last = 'big_gauge{instance="host-26:9100",job="node",series="29999",exporter_name="big"}';
  // Three requests share one scrape and one answer: one leaves as soon as its answer starts,
  // one reads it slowly, one at once.
  const leaving = fetch(server.url("/metrics")).then((r) => r.body!.cancel());
  const slow = fetch(server.url("/metrics")).then(async (response) => {
    let bytes = 0;
    const reader = response.body!.getReader();
    const chunks: Uint8Array[] = [];
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.length;
      chunks.push(value);
      await new Promise((r) => setTimeout(r, 5));
    }
    const text = new TextDecoder().decode(
      chunks.reduce((all, c) => {
        const out = new Uint8Array(all.length + c.length);
        out.set(all);
        out.set(c, all.length);
        return out;
      }, new Uint8Array(0)),
    );
    return { bytes, text };
  });
  const quick = fetch(server.url("/metrics")).then((r) => r.text());
  await leaving;
  const [slowAnswer, quickText] = await Promise.all([slow, quick]);
  assertEquals(exporter.requests.length, 1);
  assertStringIncludes(slowAnswer.text, last);
  assertEquals(slowAnswer.text, quickText);
  // A scrape after that one is over gets an answer of its own, whole.
  const again = await fetch(server.url("/metrics")).then((r) => r.text());
  assertStringIncludes(again, last);
  // The same lines (its scrape's duration is another value, of another length).
  assertEquals(again.split("\n").length, quickText.split("\n").length);
});
