/**
 * The http backend's reading of bodies, with a Content-Length or without (chunked, gzip):
 * the size limit, invalid UTF-8 and the deadline on each.
 */
import { type Backend, ScrapeFailure } from "../src/backends/backend.ts";
import { ByteBudget } from "../src/backends/byte_budget.ts";
import { createHttpBackend } from "../src/backends/http.ts";
import type { HttpExporterConfig } from "../src/config/types.ts";
import { decodePayload } from "../src/scrape/engine.ts";
import { assert, assertEquals, assertRejects } from "./_assert.ts";
import { fixture } from "./_server.ts";

const NODE = fixture("node_exporter_1.5.prom");
const NODE_BYTES: Uint8Array<ArrayBuffer> = new TextEncoder().encode(NODE);

/** An http backend of `port` on 127.0.0.1, within `limit` bytes. */
function backendConfig(port: number, options: { limit?: number; timeoutMs?: number }) {
  const config: HttpExporterConfig = {
    kind: "http",
    name: "e",
    targetLabels: [],
    noRewrite: false,
    address: new URL(`http://127.0.0.1:${port}/metrics`),
    timeoutMs: options.timeoutMs ?? 10_000,
    forwardUrlParams: false,
    unixSocket: undefined,
    tls: undefined,
    basicAuth: undefined,
    headers: {},
    bodySizeLimit: options.limit ?? 128 * 1024 * 1024,
    scrapeProtocols: ["PrometheusText0.0.4"],
  };
  return config;
}

/** A loopback server answering with `handler`, and an http backend scraping it. */
async function backendFor(
  handler: (request: Request) => Response | Promise<Response>,
  options: { limit?: number; timeoutMs?: number } = {},
): Promise<AsyncDisposable & { backend: Backend }> {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, handler);
  const backend = await createHttpBackend(backendConfig(server.addr.port, options));
  return {
    backend,
    async [Symbol.asyncDispose]() {
      backend.close();
      await server.shutdown();
    },
  };
}

function scrape(backend: Backend, timeoutMs = 10_000) {
  return backend.scrape({
    signal: AbortSignal.timeout(timeoutMs),
    query: new URLSearchParams(),
    hold: new ByteBudget(Infinity).hold(),
  });
}

/** A body sent in pieces, without Content-Length (chunked). */
function chunked(bytes: Uint8Array, piece = 1000): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(offset, offset + piece));
      offset += piece;
    },
  });
}

function gzip(bytes: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
  return new Response(new Blob([bytes]).stream().pipeThrough(new CompressionStream("gzip")))
    .bytes();
}

async function assertFailure(promise: Promise<unknown>, category: string): Promise<void> {
  const error = await assertRejects(() => promise, ScrapeFailure);
  assertEquals(error.category, category, error.message);
}

/** The body a scrape read. */
async function bodyOf(backend: Backend): Promise<Uint8Array> {
  return (await scrape(backend)).body;
}

Deno.test("http backend: a body with a Content-Length is decoded as a streamed one is", async () => {
  await using sized = await backendFor(() => new Response(NODE_BYTES));
  await using streamed = await backendFor(() => new Response(chunked(NODE_BYTES)));
  await using gzipped = await backendFor(async () =>
    new Response(await gzip(NODE_BYTES), { headers: { "Content-Encoding": "gzip" } })
  );
  for (const { backend } of [sized, streamed, gzipped]) {
    assertEquals(await bodyOf(backend), NODE_BYTES);
  }
});

Deno.test("http backend: a sized body over 1 MiB is read whole", async () => {
  const lines = Array.from({ length: 50_000 }, (_, i) => `big_series{i="${i}"} ${i}`);
  const big = `# TYPE big_series gauge\n${lines.join("\n")}\n`;
  const bytes = new TextEncoder().encode(big);
  assert(bytes.length > 1024 * 1024, `${bytes.length} bytes`);
  await using sized = await backendFor(() => new Response(bytes));
  assertEquals(await bodyOf(sized.backend), bytes);
});

Deno.test("http backend: the size limit, whether the size is known or not", async () => {
  const limit = NODE_BYTES.length - 1;
  await using sized = await backendFor(() => new Response(NODE_BYTES), { limit });
  await using streamed = await backendFor(() => new Response(chunked(NODE_BYTES)), { limit });
  // Small once compressed: the limit counts the decompressed bytes.
  await using gzipped = await backendFor(
    async () => new Response(await gzip(NODE_BYTES), { headers: { "Content-Encoding": "gzip" } }),
    { limit },
  );
  for (const { backend } of [sized, streamed, gzipped]) {
    await assertFailure(scrape(backend), "body_too_large");
  }
  // Exactly at the limit is within it.
  await using exact = await backendFor(() => new Response(NODE_BYTES), {
    limit: NODE_BYTES.length,
  });
  assertEquals(await bodyOf(exact.backend), NODE_BYTES);
});

Deno.test("http backend: a Content-Length beside a Transfer-Encoding does not lift the limit", async () => {
  // The body is framed by its chunks, as fetch reads it: a hostile exporter's small
  // Content-Length must not make it read unlimited. Deno.serve never sends both headers, so
  // the answers are written by hand: to the first scrape, chunks without end (up to 64 MiB, or
  // until the client hangs up); to the second, the node_exporter payload.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const served = (async () => {
    let endless = true;
    for await (const conn of listener) {
      await conn.read(new Uint8Array(4096));
      const answer = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 11\r\n" +
        "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
      const parts = [new TextEncoder().encode(answer)];
      const pieces = endless ? 8192 : Math.ceil(NODE_BYTES.length / 8192);
      for (let i = 0; i < pieces; i++) {
        const piece = endless
          ? NODE_BYTES.subarray(0, 8192)
          : NODE_BYTES.subarray(i * 8192).subarray(0, 8192);
        parts.push(new TextEncoder().encode(`${piece.length.toString(16)}\r\n`), piece, CRLF);
      }
      if (!endless) parts.push(LAST_CHUNK);
      endless = false;
      try {
        for (const bytes of parts) await conn.write(bytes);
      } catch {
        // the client hung up
      }
      conn.close();
    }
  })();
  const port = (listener.addr as Deno.NetAddr).port;
  const limited = await createHttpBackend(backendConfig(port, { limit: 100_000 }));
  const unlimited = await createHttpBackend(backendConfig(port, {}));
  try {
    // Stopped at the limit, long before the deadline: not read to the end, nor timed out.
    await assertFailure(scrape(limited, 5_000), "body_too_large");
    // Within the limit, the whole chunked body is read: 11 bytes would not decode to this.
    assertEquals(await bodyOf(unlimited), NODE_BYTES);
  } finally {
    limited.close();
    unlimited.close();
    listener.close();
    await served.catch(() => {});
  }
});

const CRLF = new TextEncoder().encode("\r\n");
const LAST_CHUNK = new TextEncoder().encode("0\r\n\r\n");

Deno.test("http backend: invalid UTF-8, read whole on both paths, is an invalid body once decoded", async () => {
  const invalid = new Uint8Array([
    ...new TextEncoder().encode('a 1\nb{l="'),
    0xff,
    ...new TextEncoder().encode('"} 2\n'),
  ]);
  await using sized = await backendFor(() => new Response(invalid));
  await using streamed = await backendFor(() => new Response(chunked(invalid, 3)));
  for (const { backend } of [sized, streamed]) {
    const payload = await scrape(backend);
    assertEquals(payload.body, invalid);
    const { outcome } = decodePayload(payload);
    assertEquals(outcome.ok ? undefined : outcome.cause, "invalid_body");
  }
});

Deno.test("http backend: the deadline stops a body that stalls, sized or not", async () => {
  // Half the body, then nothing until the client goes away.
  const stalling = (sized: boolean) => (request: Request) => {
    const half = NODE_BYTES.subarray(0, NODE_BYTES.length >> 1);
    let sent = false;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent) {
          return new Promise<void>((resolve) => {
            request.signal.addEventListener("abort", () => resolve());
          });
        }
        sent = true;
        controller.enqueue(half.slice());
        return Promise.resolve();
      },
    });
    const headers: Record<string, string> = sized
      ? { "Content-Length": String(NODE_BYTES.length) }
      : {};
    return new Response(body, { headers });
  };
  await using sized = await backendFor(stalling(true));
  await using streamed = await backendFor(stalling(false));
  for (const { backend } of [sized, streamed]) {
    const started = performance.now();
    await assertFailure(scrape(backend, 300), "timeout");
    assert(performance.now() - started < 5_000, "the deadline did not stop the read");
  }
});
