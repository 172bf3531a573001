/**
 * A client that sends its request head one byte at a time (a slow-loris), and reports
 * when the server cut it off. Run as its own process for a Unix socket, which the tests'
 * permissions cannot connect to (see _socket_client.ts):
 * `deno run --allow-net=unix:<socket> --allow-read=<socket> --allow-write=<socket> _trickle_client.ts <socket> <everyMs> <giveUpMs>`
 * prints a {@linkcode Cut} as JSON.
 */

/** What a trickling client saw: how long until the server closed, and what it answered. */
export interface Cut {
  readonly afterMs: number;
  readonly answer: string;
  /** Bytes of the request head sent before the server closed. */
  readonly sent: number;
}

export const HEAD = new TextEncoder().encode(
  "GET /metrics HTTP/1.1\r\nHost: x\r\nUser-Agent: slow-loris\r\nX-Padding: aaaaaaaaaaaa\r\n",
);

/**
 * Sends `HEAD` one byte every `everyMs` (never its final empty line) until the server
 * closes the connection, or `giveUpMs` passes.
 */
export async function trickle(
  conn: Deno.Conn,
  options: { everyMs: number; giveUpMs: number },
): Promise<Cut> {
  const started = performance.now();
  let closed = false;
  let closedAt = 0;
  const reading = (async () => {
    const decoder = new TextDecoder();
    const buffer = new Uint8Array(4096);
    let answer = "";
    try {
      for (let n = await conn.read(buffer); n !== null; n = await conn.read(buffer)) {
        answer += decoder.decode(buffer.subarray(0, n), { stream: true });
      }
    } catch {
      // reset by the server: closed too
    }
    closed = true;
    closedAt = performance.now();
    return answer + decoder.decode();
  })();
  let sent = 0;
  while (!closed && sent < HEAD.length && performance.now() - started < options.giveUpMs) {
    try {
      await conn.write(HEAD.subarray(sent, sent + 1));
      sent++;
    } catch {
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, options.everyMs));
  }
  const answer = await Promise.race([
    reading,
    new Promise<string>((resolve) => setTimeout(() => resolve("(still open)"), 2_000)),
  ]);
  // When the server closed the connection; else how long the client waited.
  const afterMs = (closed ? closedAt : performance.now()) - started;
  conn.close();
  await reading;
  return { afterMs, answer, sent };
}

if (import.meta.main) {
  const [path, everyMs, giveUpMs] = Deno.args;
  const conn = await Deno.connect({ transport: "unix", path: path! });
  const cut = await trickle(conn, { everyMs: Number(everyMs), giveUpMs: Number(giveUpMs) });
  await Deno.stdout.write(new TextEncoder().encode(JSON.stringify(cut)));
}
