/** Clients that trickle their request headers cannot stop normal scrapes. */
import { assertEquals, assertStringIncludes } from "./_assert.ts";
import { scrape, startServer, tempDir } from "./_server.ts";

Deno.test("50 clients trickling their headers do not stop scrapes from being served", async () => {
  await using dir = await tempDir();
  await Deno.writeTextFile(`${dir.path}/a.prom`, "a_metric 1\n");
  await using server = await startServer(
    dir.path,
    `
web: {listen: ["tcp://127.0.0.1:0"], read_header_timeout: 1s}
reverse_exporters:
  - path: /metrics
    exporters: {file: [{name: a, path: a.prom}]}
`,
  );
  const [hostname, port] = [
    server.bound[0]!.split(":")[0]!,
    Number(server.bound[0]!.split(":")[1]),
  ];
  const slow = await Promise.all(
    Array.from({ length: 50 }, () => Deno.connect({ hostname, port })),
  );
  const stop = AbortSignal.timeout(3_000);
  const trickle = slow.map(async (conn) => {
    const header = new TextEncoder().encode("GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: ");
    for (let i = 0; i < header.length && !stop.aborted; i++) {
      try {
        await conn.write(header.subarray(i, i + 1));
      } catch {
        return; // closed by the server
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  });
  try {
    for (let i = 0; i < 10; i++) {
      assertStringIncludes(await scrape(server), 'a_metric{exporter_name="a"} 1');
    }
  } finally {
    await Promise.all(trickle);
    for (const conn of slow) conn.close();
  }
  assertEquals(server.logs.filter((l) => l.level === "error"), []);
});
