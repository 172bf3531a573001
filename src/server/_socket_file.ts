/**
 * The file of a Unix socket listener: a stale socket left by a previous run is replaced,
 * anything else at the path is refused, the new socket is made accessible to its owner
 * and group only, and it is removed on shutdown.
 *
 * Permissions: `read`, `write` and `net` (`unix:<path>`) of the socket path.
 */
import { errorMessage } from "../error_message.ts";

/** The mode of a listening socket: read and write (connect) for owner and group. */
export const SOCKET_MODE = 0o660;

/** Makes `path` free for a new socket: removes a stale socket, refuses anything else. */
export async function claimSocketPath(path: string): Promise<void> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.lstat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return;
    throw new Error(`socket path ${path}: ${errorMessage(error)}`);
  }
  if (!info.isSocket) {
    throw new Error(
      `socket path ${path} exists and is not a socket: refusing to replace it; ` +
        "remove it or choose another path",
    );
  }
  if (await answers(path)) {
    throw new Error(`socket path ${path} is in use: another process listens on it`);
  }
  await Deno.remove(path);
}

/** Restricts a new socket to {@linkcode SOCKET_MODE}; returns its identity for {@linkcode removeSocket}. */
export async function restrictSocket(path: string): Promise<SocketIdentity> {
  await Deno.chmod(path, SOCKET_MODE);
  const info = await Deno.lstat(path);
  return { path, ino: info.ino };
}

/** Which file a listener created, so that shutdown never removes a successor's socket. */
export interface SocketIdentity {
  /** The socket's path. */
  readonly path: string;
  /** Its inode when it was made, to tell it from a file put in its place; null when unknown. */
  readonly ino: number | null;
}

/** Removes the socket file if it is still the one created; a missing file is fine. */
export async function removeSocket(socket: SocketIdentity): Promise<void> {
  try {
    const info = await Deno.lstat(socket.path);
    if (info.isSocket && info.ino === socket.ino) await Deno.remove(socket.path);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}

/** Whether a server accepts connections on the socket at `path`. */
async function answers(path: string): Promise<boolean> {
  try {
    const conn = await Deno.connect({ transport: "unix", path });
    conn.close();
    return true;
  } catch {
    return false;
  }
}
