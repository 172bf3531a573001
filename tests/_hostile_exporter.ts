/** Hostile exporters for the tests: bodies sent in small pieces, slowly. */

/**
 * A hostile exporter on a raw socket: answers every request with `head` and `body`, the
 * body in writes of `pieceSize` bytes, each sent at once (no Nagle) and followed by a pause
 * of `pauseUs` microseconds, so that the server reads them one by one rather than together.
 * The pause is spent spinning (a timer takes a millisecond at least): it blocks this process.
 */
export function trickleExporter(
  head: string,
  body: Uint8Array,
  options: { pieceSize: number; pauseUs: number },
): AsyncDisposable & { url: string } {
  const { pieceSize, pauseUs } = options;
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const serving = (async () => {
    for await (const conn of listener) {
      void (async () => {
        try {
          conn.setNoDelay(true);
          // The request head, then the answer.
          await conn.read(new Uint8Array(4096));
          await conn.write(new TextEncoder().encode(head));
          for (let at = 0; at < body.length; at += pieceSize) {
            const piece = body.subarray(at, Math.min(at + pieceSize, body.length));
            for (let sent = 0; sent < piece.length;) sent += await conn.write(piece.subarray(sent));
            const until = performance.now() + pauseUs / 1000;
            while (performance.now() < until) {
              // spinning
            }
          }
        } catch {
          // the server went away
        } finally {
          try {
            conn.close();
          } catch {
            // closed
          }
        }
      })();
    }
  })();
  const port = (listener.addr as Deno.NetAddr).port;
  return {
    url: `http://127.0.0.1:${port}/metrics`,
    async [Symbol.asyncDispose]() {
      listener.close();
      await serving.catch(() => {});
    },
  };
}
