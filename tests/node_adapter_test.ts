/** The node-to-fetch adapter, on a real `node:http` server on loopback, in this process. */
import { createServer, type Server } from "node:http";
import type { FetchHandler } from "../src/server/types.ts";
import { nodeRequestListener } from "../src/server/_node_adapter.ts";
import { assert, assertEquals, assertStringIncludes } from "./_assert.ts";

/** Serves `handler` through the adapter; `Symbol.asyncDispose` closes every connection. */
async function serveAdapted(
  handler: FetchHandler,
): Promise<AsyncDisposable & { port: number; server: Server }> {
  const server = createServer(
    nodeRequestListener(handler, {
      remoteAddr: (request) => ({
        transport: "tcp",
        hostname: request.socket.remoteAddress ?? "",
        port: request.socket.remotePort ?? 0,
      }),
      closing: () => false,
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("not listening");
  return {
    port: address.port,
    server,
    [Symbol.asyncDispose]: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Sends `head` (and `body`) over a plain socket; returns the raw response head and body. */
async function rawExchange(
  port: number,
  head: string,
  body?: Uint8Array,
): Promise<{ head: string; body: Uint8Array }> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  await conn.write(new TextEncoder().encode(head));
  if (body !== undefined) await conn.write(body);
  const bytes = new Uint8Array(await new Response(conn.readable).arrayBuffer());
  let split = -1;
  for (let i = 0; i + 3 < bytes.length; i++) {
    if (bytes[i] === 13 && bytes[i + 1] === 10 && bytes[i + 2] === 13 && bytes[i + 3] === 10) {
      split = i;
      break;
    }
  }
  assert(split >= 0, "no response head");
  return {
    head: new TextDecoder().decode(bytes.slice(0, split)),
    body: bytes.slice(split + 4),
  };
}

Deno.test("method, URL, headers and a streamed request body reach the handler", async () => {
  const seen: string[] = [];
  await using served = await serveAdapted(async (request, info) => {
    const url = new URL(request.url);
    seen.push(
      request.method,
      url.protocol,
      url.pathname + url.search,
      request.headers.get("x-test") ?? "",
      info.remoteAddr.transport === "tcp" ? info.remoteAddr.hostname : "?",
    );
    const body = request.body === null ? "" : await new Response(request.body).text();
    return new Response(`got ${body.length} bytes: ${body.slice(0, 12)}`);
  });
  const chunks = ["first chunk ", "second chunk ", "x".repeat(200_000)];
  const stream = new ReadableStream<Uint8Array>({
    async start(controller) {
      for (const chunk of chunks) {
        controller.enqueue(new TextEncoder().encode(chunk));
        await new Promise((r) => setTimeout(r, 20));
      }
      controller.close();
    },
  });
  const response = await fetch(`http://127.0.0.1:${served.port}/a/b?c=1&d=%2F`, {
    method: "POST",
    headers: { "X-Test": "yes" },
    body: stream,
  });
  const total = chunks.join("").length;
  assertEquals(await response.text(), `got ${total} bytes: first chunk `);
  assertEquals(seen, ["POST", "http:", "/a/b?c=1&d=%2F", "yes", "127.0.0.1"]);
});

Deno.test("status, headers and a gzip body are sent as given, not re-encoded", async () => {
  const text = "metric_a 1\n".repeat(1000);
  const gzipped = new Uint8Array(
    await new Response(new Blob([text]).stream().pipeThrough(new CompressionStream("gzip")))
      .arrayBuffer(),
  );
  await using served = await serveAdapted(() => {
    const headers = new Headers({ "Content-Encoding": "gzip", "Content-Type": "text/plain" });
    headers.append("Set-Cookie", "a=1");
    headers.append("Set-Cookie", "b=2");
    return new Response(gzipped, { status: 203, headers });
  });
  const { head, body } = await rawExchange(
    served.port,
    "GET /metrics HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\nConnection: close\r\n\r\n",
  );
  assertStringIncludes(head, "HTTP/1.1 203 ");
  const lower = head.toLowerCase();
  assertStringIncludes(lower, "content-encoding: gzip");
  assertStringIncludes(lower, "set-cookie: a=1\r\nset-cookie: b=2");
  // One chunk: sent with its length, byte for byte.
  assertStringIncludes(lower, `content-length: ${gzipped.length}`);
  assertEquals(body, gzipped);
});

Deno.test("a streamed response body arrives chunk by chunk; HEAD gets headers only", async () => {
  let release = () => {};
  const held = new Promise<void>((resolve) => release = resolve);
  await using served = await serveAdapted((request) => {
    const body = new ReadableStream<Uint8Array>({
      async start(controller) {
        controller.enqueue(new TextEncoder().encode("part one\n"));
        await held;
        controller.enqueue(new TextEncoder().encode("part two\n"));
        controller.close();
      },
    });
    return new Response(request.method === "HEAD" ? "not sent" : body);
  });
  const response = await fetch(`http://127.0.0.1:${served.port}/stream`);
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  // The first part comes before the second exists.
  assertEquals((await reader.read()).value, "part one\n");
  release();
  let rest = "";
  for (let i = 0; i < 10; i++) {
    const { done, value } = await reader.read();
    if (done) break;
    rest += value;
  }
  assertEquals(rest, "part two\n");

  const head = await fetch(`http://127.0.0.1:${served.port}/stream`, { method: "HEAD" });
  assertEquals(head.status, 200);
  assertEquals(await head.text(), "");
});

Deno.test("a client that goes away aborts the request's signal and rejects completed", async () => {
  const events: string[] = [];
  const { promise: settled, resolve: onSettled } = Promise.withResolvers<void>();
  const { promise: started, resolve: onStart } = Promise.withResolvers<void>();
  await using served = await serveAdapted((request, info) => {
    info.completed.then(
      () => events.push("completed"),
      (error) => events.push(`completed rejected: ${(error as Error).name}`),
    ).finally(onSettled);
    onStart();
    return new Promise<Response>((resolve) => {
      request.signal.addEventListener("abort", () => {
        events.push("aborted");
        resolve(new Response("too late"));
      });
    });
  });
  const controller = new AbortController();
  const request = fetch(`http://127.0.0.1:${served.port}/hang`, { signal: controller.signal });
  await started;
  controller.abort();
  await request.catch(() => {});
  await settled;
  assertEquals(events, ["aborted", "completed rejected: Interrupted"]);
});

Deno.test("a normal response resolves completed and does not abort the signal", async () => {
  const events: string[] = [];
  const { promise: settled, resolve: onSettled } = Promise.withResolvers<void>();
  await using served = await serveAdapted((request, info) => {
    request.signal.addEventListener("abort", () => events.push("aborted"));
    info.completed.then(() => events.push("completed"), () => events.push("rejected"))
      .finally(onSettled);
    return new Response("fine");
  });
  assertEquals(await (await fetch(`http://127.0.0.1:${served.port}/`)).text(), "fine");
  await settled;
  assertEquals(events, ["completed"]);
});

Deno.test("request targets: paths are kept as sent, absolute-form too, dot segments get 404, other forms 400, a throw 500", async () => {
  const paths: string[] = [];
  const hosts: string[] = [];
  await using served = await serveAdapted((request) => {
    const url = new URL(request.url);
    if (url.pathname === "/throw") throw new Error("boom");
    paths.push(url.pathname);
    hosts.push(url.host);
    return new Response("ok");
  });
  const get = async (target: string, host = "x") =>
    (await rawExchange(
      served.port,
      `GET ${target} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
    )).head.split("\r\n")[0];
  assertEquals(await get("//metrics"), "HTTP/1.1 200 OK");
  assertEquals(await get("/metrics%2F"), "HTTP/1.1 200 OK");
  for (
    const dotted of [
      "/a/../metrics",
      "/./metrics",
      "/%2e%2E/metrics",
      "/a/.%2e/metrics",
      "/a/%2e./metrics?x=1",
      "/a\\..\\metrics",
      "/metrics/.",
      "http://other.example/../metrics",
    ]
  ) {
    assertEquals(await get(dotted), "HTTP/1.1 404 Not Found", dotted);
  }
  // Dots that are no segment of their own, or in the query, are kept.
  assertEquals(await get("/a.b/..c/%2e%2ex?p=/../"), "HTTP/1.1 200 OK");
  assertEquals(await get("/metrics", "evil.example/other"), "HTTP/1.1 200 OK");
  // Absolute-form, as a client speaking to a proxy sends (Deno's fetch over a Unix socket):
  // its authority replaces Host, its path is kept as sent.
  assertEquals(await get("http://other.example//metrics?a=1"), "HTTP/1.1 200 OK");
  assertEquals(await get("HTTP://other.example"), "HTTP/1.1 200 OK");
  assertEquals(paths, [
    "//metrics",
    "/metrics%2F",
    "/a.b/..c/%2e%2ex",
    "/metrics",
    "//metrics",
    "/",
  ]);
  assertEquals(hosts, ["x", "x", "x", "evil.example", "other.example", "other.example"]);
  assertStringIncludes(await get("*") ?? "", " 400 ");
  assertStringIncludes(await get("/metrics", "x\r\nHost: y") ?? "", " 400 "); // two Hosts
  assertStringIncludes(await get("other.example:80") ?? "", " 400 ");
  assertStringIncludes(await get("ftp://other.example/metrics") ?? "", " 400 ");
  assertStringIncludes(await get("/throw") ?? "", " 500 ");
});

Deno.test("a request body the handler does not read is discarded: the connection serves on", async () => {
  await using served = await serveAdapted((request) =>
    new Response(`${request.method} ${new URL(request.url).pathname}\n`)
  );
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: served.port });
  const size = 300_000;
  const encoder = new TextEncoder();
  await conn.write(
    encoder.encode(`POST /first HTTP/1.1\r\nHost: x\r\nContent-Length: ${size}\r\n\r\n`),
  );
  await conn.write(new Uint8Array(size).fill(97));
  await conn.write(encoder.encode("GET /second HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  const text = await new Response(conn.readable).text();
  assertEquals(text.match(/HTTP\/1\.1 200 OK/g)?.length, 2, text);
  assertStringIncludes(text, "POST /first\n");
  assertStringIncludes(text, "GET /second\n");
});
