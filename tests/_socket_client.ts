/**
 * A client of a Unix socket listener, run as its own process: the tests' permissions
 * (`deno task test`) do not include `--allow-net=unix:<path>`, which connecting needs.
 *
 * Usage: `deno run --allow-net=unix:<socket>,localhost --allow-read --allow-write=<socket>
 * _socket_client.ts <request as JSON>`; prints a {@linkcode SocketResponse} as JSON.
 * `http:` URLs go through `Deno.createHttpClient` (which cannot speak TLS over a Unix
 * socket); `https:` ones through `node:https`, which can, with a client certificate.
 */
import { request as httpsRequest } from "node:https";

/** What to ask. */
export interface SocketRequest {
  readonly socket: string;
  /** `http://localhost/path` or `https://localhost/path`. */
  readonly url: string;
  /** PEM files, for https. */
  readonly caFile?: string;
  readonly certFile?: string;
  readonly keyFile?: string;
}

/** What came back: a status and body, or the error. */
export type SocketResponse = { status: number; body: string } | { error: string };

async function viaFetch(request: SocketRequest): Promise<SocketResponse> {
  using client = Deno.createHttpClient({ proxy: { transport: "unix", path: request.socket } });
  const response = await fetch(request.url, { client, signal: AbortSignal.timeout(10_000) });
  return { status: response.status, body: await response.text() };
}

function viaNodeHttps(request: SocketRequest): Promise<SocketResponse> {
  const read = (path: string | undefined) =>
    path === undefined ? undefined : Deno.readTextFileSync(path);
  const url = new URL(request.url);
  return new Promise((resolve) => {
    const outgoing = httpsRequest({
      socketPath: request.socket,
      path: url.pathname + url.search,
      servername: url.hostname,
      headers: { host: url.host },
      ca: read(request.caFile),
      cert: read(request.certFile),
      key: read(request.keyFile),
      timeout: 10_000,
    }, (incoming) => {
      const chunks: Uint8Array<ArrayBuffer>[] = [];
      incoming.on("data", (chunk: Uint8Array) => chunks.push(new Uint8Array(chunk)));
      incoming.on("end", async () => {
        const body = await new Blob(chunks).text();
        resolve({ status: incoming.statusCode ?? 0, body });
      });
    });
    outgoing.on("timeout", () => outgoing.destroy(new Error("timed out")));
    outgoing.on("error", (error) => resolve({ error: error.message }));
    outgoing.end();
  });
}

if (import.meta.main) {
  const request: SocketRequest = JSON.parse(Deno.args[0] ?? "{}");
  let response: SocketResponse;
  try {
    response = request.url.startsWith("https:")
      ? await viaNodeHttps(request)
      : await viaFetch(request);
  } catch (error) {
    response = {
      error: error instanceof Error ? `${error.message} ${String(error.cause)}` : String(error),
    };
  }
  await Deno.stdout.write(new TextEncoder().encode(JSON.stringify(response)));
}
