/**
 * `unix://` listeners, served by `Deno.serve`: the socket replaces a stale one, is
 * restricted to owner and group, and is removed on shutdown.
 *
 * Permissions: `read`, `write` and `net` (`unix:<path>`) of the socket.
 */
import type { ListenAddress } from "../config/types.ts";
import type { FetchHandler, Listener } from "./listen.ts";
import { claimSocketPath, removeSocket, restrictSocket } from "./socket_file.ts";

/** Starts a plain HTTP listener on a Unix socket; resolves once the socket is bound. */
export async function listenUnix(
  address: Extract<ListenAddress, { scheme: "unix" }>,
  handler: FetchHandler,
): Promise<Listener> {
  await claimSocketPath(address.path);
  const server = await new Promise<Deno.HttpServer<Deno.UnixAddr>>((resolve, reject) => {
    try {
      const started: Deno.HttpServer<Deno.UnixAddr> = Deno.serve(
        { path: address.path, onListen: () => queueMicrotask(() => resolve(started)) },
        handler,
      );
    } catch (error) {
      reject(error);
    }
  });
  let socket;
  try {
    socket = await restrictSocket(address.path);
  } catch (error) {
    await server.shutdown();
    throw error;
  }
  return {
    address,
    bound: address.path,
    shutdown: async () => {
      await server.shutdown();
      await removeSocket(socket);
    },
  };
}
