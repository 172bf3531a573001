/**
 * The http exporter's reading of bodies, with a Content-Length or without (chunked, gzip):
 * the size limit, invalid UTF-8 and the deadline on each.
 */
import { type Exporter, ScrapeFailure } from "../src/exporters/exporter.ts";
import { ByteBudget } from "../src/exporters/byte_budget.ts";
import { createHttpExporter, type HttpExporterConfig } from "../src/exporters/http.ts";
import { decodePayload, decompressed } from "../src/scrape/engine.ts";
import { assert, assertEquals, assertRejects, assertStringIncludes } from "./_assert.ts";
import { fixture } from "./_server.ts";

const NODE = fixture("node_exporter_1.5.prom");
const NODE_BYTES: Uint8Array<ArrayBuffer> = new TextEncoder().encode(NODE);

/** An http exporter of `port` on 127.0.0.1, within `limit` bytes. */
function exporterConfig(port: number, options: { limit?: number; timeoutMs?: number }) {
  const config: HttpExporterConfig = {
    kind: "http",
    name: "e",
    targetLabels: [],
    noRewrite: false,
    bodySizeLimit: options.limit ?? 128 * 1024 * 1024,
    cacheForMs: 0,
    settings: {
      address: new URL(`http://127.0.0.1:${port}/metrics`),
      timeoutMs: options.timeoutMs ?? 10_000,
      forwardUrlParams: false,
      unixSocket: undefined,
      tls: undefined,
      basicAuth: undefined,
      headers: {},
      scrapeProtocols: ["PrometheusText0.0.4"],
    },
  };
  return config;
}

/** A loopback server answering with `handler`, and an http exporter scraping it. */
async function exporterFor(
  handler: (request: Request) => Response | Promise<Response>,
  options: { limit?: number; timeoutMs?: number } = {},
): Promise<AsyncDisposable & { exporter: Exporter; url: string }> {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, handler);
  const exporter = await createHttpExporter(exporterConfig(server.addr.port, options));
  return {
    exporter,
    url: `http://127.0.0.1:${server.addr.port}`,
    async [Symbol.asyncDispose]() {
      exporter.close();
      await server.shutdown();
    },
  };
}

function scrape(exporter: Exporter, timeoutMs = 10_000) {
  return exporter.scrape({
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

/** The body a scrape read, decompressed as the engine decompresses it. */
async function bodyOf(exporter: Exporter): Promise<Uint8Array> {
  const body = decompressed(await scrape(exporter));
  if (!(body instanceof Uint8Array)) throw new Error(`${body.ok ? "" : body.message}`);
  return body;
}

Deno.test("http exporter: a body with a Content-Length is decoded as a streamed one is", async () => {
  await using sized = await exporterFor(() => new Response(NODE_BYTES));
  await using streamed = await exporterFor(() => new Response(chunked(NODE_BYTES)));
  await using gzipped = await exporterFor(async () =>
    new Response(await gzip(NODE_BYTES), { headers: { "Content-Encoding": "gzip" } })
  );
  for (const { exporter } of [sized, streamed, gzipped]) {
    assertEquals(await bodyOf(exporter), NODE_BYTES);
  }
});

Deno.test("http exporter: a sized body over 1 MiB is read whole", async () => {
  const lines = Array.from({ length: 50_000 }, (_, i) => `big_series{i="${i}"} ${i}`);
  const big = `# TYPE big_series gauge\n${lines.join("\n")}\n`;
  const bytes = new TextEncoder().encode(big);
  assert(bytes.length > 1024 * 1024, `${bytes.length} bytes`);
  await using sized = await exporterFor(() => new Response(bytes));
  assertEquals(await bodyOf(sized.exporter), bytes);
});

Deno.test("http exporter: the size limit, whether the size is known or not", async () => {
  const limit = NODE_BYTES.length - 1;
  await using sized = await exporterFor(() => new Response(NODE_BYTES), { limit });
  await using streamed = await exporterFor(() => new Response(chunked(NODE_BYTES)), { limit });
  // Small once compressed: the limit counts the decompressed bytes.
  await using gzipped = await exporterFor(
    async () => new Response(await gzip(NODE_BYTES), { headers: { "Content-Encoding": "gzip" } }),
    { limit },
  );
  for (const { exporter } of [sized, streamed]) {
    await assertFailure(scrape(exporter), "body_too_large");
  }
  // The gzipped body is kept as it came, and refused where it is decompressed: by the engine.
  const outcome = decompressed(await scrape(gzipped.exporter));
  assertEquals(outcome instanceof Uint8Array ? "decompressed" : outcome, {
    ok: false,
    cause: "body_too_large",
    message:
      `body of GET ${gzipped.url}/metrics is larger than the limit of ${limit} bytes once decompressed`,
  });
  // Exactly at the limit is within it.
  await using exact = await exporterFor(() => new Response(NODE_BYTES), {
    limit: NODE_BYTES.length,
  });
  assertEquals(await bodyOf(exact.exporter), NODE_BYTES);
});

Deno.test("http exporter: a Content-Length beside a Transfer-Encoding is refused, never read unlimited", async () => {
  // A hostile exporter's small Content-Length beside chunks must not make it read unlimited.
  // The HTTP parser refuses such an answer outright (RFC 9112 lets a client treat it as an
  // error; it is how requests are smuggled). Deno.serve never sends both headers, so the
  // answers are written by hand: to the first scrape, chunks without end (up to 64 MiB, or
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
  const limited = await createHttpExporter(exporterConfig(port, { limit: 100_000 }));
  const unlimited = await createHttpExporter(exporterConfig(port, {}));
  try {
    // Refused at once, long before the deadline: not read to the end, nor timed out.
    const started = performance.now();
    await assertFailure(scrape(limited, 5_000), "connect");
    assert(performance.now() - started < 4_000, "read until the deadline");
    // However long, such an answer is refused.
    const error = await assertRejects(() => scrape(unlimited), ScrapeFailure);
    assertStringIncludes(error.message, "Transfer-Encoding");
  } finally {
    limited.close();
    unlimited.close();
    listener.close();
    await served.catch(() => {});
  }
});

const CRLF = new TextEncoder().encode("\r\n");
const LAST_CHUNK = new TextEncoder().encode("0\r\n\r\n");

Deno.test("http exporter: invalid UTF-8, read whole on both paths, is an invalid body once decoded", async () => {
  const invalid = new Uint8Array([
    ...new TextEncoder().encode('a 1\nb{l="'),
    0xff,
    ...new TextEncoder().encode('"} 2\n'),
  ]);
  await using sized = await exporterFor(() => new Response(invalid));
  await using streamed = await exporterFor(() => new Response(chunked(invalid, 3)));
  for (const { exporter } of [sized, streamed]) {
    const payload = await scrape(exporter);
    assertEquals(payload.body, invalid);
    const { outcome } = decodePayload(payload);
    assertEquals(outcome.ok ? undefined : outcome.cause, "invalid_body");
  }
});

Deno.test("http exporter: the deadline stops a body that stalls, sized or not", async () => {
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
  await using sized = await exporterFor(stalling(true));
  await using streamed = await exporterFor(stalling(false));
  for (const { exporter } of [sized, streamed]) {
    const started = performance.now();
    await assertFailure(scrape(exporter, 300), "timeout");
    assert(performance.now() - started < 5_000, "the deadline did not stop the read");
  }
});

Deno.test("http exporter: a connection closed before the body ends fails the scrape at once, sized or not", async () => {
  // Half the node_exporter payload, then the connection closes: with a Content-Length of the
  // whole, and chunked without the last chunk. Neither is taken as the body, nor waits for the
  // deadline.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const half = NODE_BYTES.subarray(0, NODE_BYTES.length >> 1);
  const served = (async () => {
    let sized = true;
    for await (const conn of listener) {
      await conn.read(new Uint8Array(4096));
      const head = sized
        ? `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${NODE_BYTES.length}\r\n\r\n`
        : "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n" +
          `${half.length.toString(16)}\r\n`;
      sized = !sized;
      try {
        await conn.write(new TextEncoder().encode(head));
        await conn.write(half);
      } catch {
        // the client hung up
      }
      conn.close();
    }
  })();
  const port = (listener.addr as Deno.NetAddr).port;
  const exporter = await createHttpExporter(exporterConfig(port, {}));
  try {
    for (const what of ["sized", "chunked"]) {
      const started = performance.now();
      const error = await assertRejects(() => scrape(exporter, 5_000), ScrapeFailure, undefined);
      assertEquals(error.category, "connect", `${what}: ${error.message}`);
      assertStringIncludes(error.message, "reading the body");
      assert(performance.now() - started < 4_000, `${what}: waited for the deadline`);
    }
  } finally {
    exporter.close();
    listener.close();
    await served.catch(() => {});
  }
});
