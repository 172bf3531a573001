/**
 * What reading costs, through the real server: a body trickled in small writes, a gzip body
 * in 4 KiB writes and a script writing a byte at a time cost memory in proportion to the
 * bytes, not to the number of pieces they came in (issue 14, item 1).
 */
import { gzipSync } from "node:zlib";
import { memoryOf } from "../bench/processes.ts";
import { assert, assertEquals } from "./_assert.ts";
import { trickleExporter } from "./_hostile_exporter.ts";
import { installed, scriptPermissions, startServer, tempDir, valueOf } from "./_server.ts";

const MB = 1e6;

/** An exposition of about `size` bytes: comment lines of varied text, and one sample. */
function exposition(size: number, sample: string): Uint8Array {
  const lines: string[] = [`${sample} 1`];
  let length = 0;
  let i = 0;
  while (length < size) {
    const line = `# filler ${i} ${(i * 2654435761 % 4294967296).toString(36)} ${"x".repeat(40)}`;
    lines.push(line);
    length += line.length + 1;
    i++;
  }
  return new TextEncoder().encode(lines.join("\n") + "\n");
}

function httpConfig(address: string): string {
  return `
web: {listen: ["tcp://127.0.0.1:0"]}
reverse_exporters:
  - path: /metrics
    exporters:
      http: [{name: hostile, address: "${address}", timeout: 120s}]
  - path: /small
    exporters:
      http: []
`;
}

/** Scrapes `/metrics` once after a warm-up, and returns the peak RSS growth it caused. */
async function growthOfOneScrape(
  server: { pid: number; url: (path: string) => string },
): Promise<{ growth: number; body: string }> {
  await (await fetch(server.url("/small"))).text();
  const before = await memoryOf(server.pid);
  const response = await fetch(server.url("/metrics"), { signal: AbortSignal.timeout(120_000) });
  const body = await response.text();
  assertEquals(response.status, 200);
  const after = await memoryOf(server.pid);
  return { growth: (after.peakRssMB - before.rssMB) * MB, body };
}

Deno.test("a 2 MiB body in 64-byte writes: peak RSS growth under 3x its size + 100 MB", async () => {
  await using dir = await tempDir();
  const body = exposition(2 * MB, "trickled");
  await using exporter = trickleExporter(
    `HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`,
    body,
    { pieceSize: 64, pauseUs: 30 },
  );
  await using server = await startServer(dir.path, httpConfig(exporter.url));
  const { growth, body: scraped } = await growthOfOneScrape(server);
  assertEquals(valueOf(scraped, 'trickled{exporter_name="hostile"}'), 1, scraped.slice(0, 2000));
  const bound = 3 * body.length + 100 * MB;
  assert(growth < bound, `peak RSS grew by ${growth} bytes, bound ${bound}`);
});

Deno.test("a 60 MB gzip body in 4 KiB writes: peak RSS growth under 3x its size + 100 MB", async () => {
  await using dir = await tempDir();
  const plain = exposition(60_000_000, "gzipped");
  const gzipped = gzipSync(plain, { level: 1 });
  await using exporter = trickleExporter(
    `HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Encoding: gzip\r\nContent-Length: ${gzipped.length}\r\nConnection: close\r\n\r\n`,
    gzipped,
    { pieceSize: 4096, pauseUs: 30 },
  );
  await using server = await startServer(dir.path, httpConfig(exporter.url));
  const { growth, body: scraped } = await growthOfOneScrape(server);
  assertEquals(
    valueOf(scraped, 'gzipped{exporter_name="hostile"}'),
    1,
    JSON.stringify(server.logs.filter((l) => l.level !== "INFO")),
  );
  const bound = 3 * plain.length + 100 * MB;
  assert(growth < bound, `peak RSS grew by ${growth} bytes, bound ${bound}`);
});

const hasPython = await installed("/usr/bin/python3");

Deno.test({
  name:
    "a script writing a byte at a time to stdout and stderr: peak RSS growth under 3x + 100 MB" +
    (hasPython ? "" : " (skipped: /usr/bin/python3 not installed)"),
  ignore: !hasPython,
  fn: dripScript,
});

async function dripScript(): Promise<void> {
  await using dir = await tempDir();
  const stdoutBytes = 8192;
  const stderrBytes = 5120;
  await Deno.writeTextFile(
    `${dir.path}/drip.py`,
    `#!/usr/bin/python3
import os, time
out = b"dripped 1\\n# " + b"x" * (${stdoutBytes} - 14) + b"\\n"
err = b"e" * ${stderrBytes}
for i in range(max(len(out), len(err))):
    if i < len(out): os.write(1, out[i:i+1])
    if i < len(err): os.write(2, err[i:i+1])
    time.sleep(0.00005)
`,
    { mode: 0o755 },
  );
  await using server = await startServer(
    dir.path,
    `
web: {listen: ["tcp://127.0.0.1:0"]}
reverse_exporters:
  - path: /metrics
    exporters:
      exec: [{name: drip, command: ./drip.py, timeout: 60s}]
  - path: /small
    exporters:
      http: []
`,
    { permissions: scriptPermissions(dir.path) },
  );
  const { growth, body } = await growthOfOneScrape(server);
  assertEquals(valueOf(body, 'dripped{exporter_name="drip"}'), 1, body.slice(0, 2000));
  const bound = 3 * (stdoutBytes + stderrBytes) + 100 * MB;
  assert(growth < bound, `peak RSS grew by ${growth} bytes, bound ${bound}`);
  // stderr is cut at its cap, and kept.
  const stderr = server.logs.find((l) => l.msg === "exporter command wrote to stderr");
  assertEquals(stderr?.["stderr"], "e".repeat(4096));
}
