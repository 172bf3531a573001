/**
 * A static HTTP server for the benchmarks when nginx is not installed, and for exporters that
 * take time to answer: serves the files of a directory from memory, after `?delay_ms=N`.
 *
 * Usage: deno run --allow-net=127.0.0.1:PORT --allow-read=DIR bench/static_server.ts PORT DIR
 * @module
 */
import { TEXT_CONTENT_TYPE } from "../src/exposition/mod.ts";

/** The longest delay a request may ask for. */
const MAX_DELAY_MS = 10_000;

/** Serves the files of `dir` (read once, at start) on 127.0.0.1:`port`. */
export function serveStatic(port: number, dir: string): Deno.HttpServer {
  const files = new Map<string, Uint8Array<ArrayBuffer>>();
  for (const entry of Deno.readDirSync(dir)) {
    if (entry.isFile) files.set(`/${entry.name}`, Deno.readFileSync(`${dir}/${entry.name}`));
  }
  return Deno.serve({ hostname: "127.0.0.1", port, onListen() {} }, async (request) => {
    const url = new URL(request.url);
    const body = files.get(url.pathname);
    if (body === undefined) return new Response("not found\n", { status: 404 });
    const delay = Math.min(Number(url.searchParams.get("delay_ms") ?? 0) || 0, MAX_DELAY_MS);
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    return new Response(body, { headers: { "Content-Type": TEXT_CONTENT_TYPE } });
  });
}

if (import.meta.main) {
  const [port, dir] = Deno.args;
  if (port === undefined || dir === undefined) throw new Error("usage: static_server.ts PORT DIR");
  serveStatic(Number(port), dir);
}
