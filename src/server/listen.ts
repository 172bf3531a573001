/**
 * Listeners: each serves the same fetch handler on one `web.listen` address.
 *
 * All are served by Deno's `node:http` and `node:https` (see _node_listener.ts): unlike
 * `Deno.serve`, they enforce a header read timeout and can verify client certificates.
 *
 * Permissions: `net` to each TCP address it listens on; `read`, `write` and `net`
 * (`unix:<path>`) of each Unix socket; `read` of TLS files and of their folders, watched for
 * renewals.
 */
import type { ListenAddress } from "../config/types.ts";
import { listenNode } from "./_node_listener.ts";
import { watchedFolders } from "../renewal.ts";
import type { FetchHandler, Listener, ListenOptions } from "./types.ts";

/** A listener that cannot start; the message names the listen URL and what is wrong. */
export class ListenerError extends Error {
  /** The failure of `address` for `cause`. */
  constructor(address: ListenAddress, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`web.listen "${address.url}": ${reason}`, { cause });
    this.name = "ListenerError";
  }
}

/** The Deno permissions a listen address needs: its socket, its TLS files and their folders. */
export function listenPermissions(address: ListenAddress): Deno.PermissionDescriptor[] {
  const out: Deno.PermissionDescriptor[] = [];
  if (address.scheme === "tcp" || address.scheme === "tcps") {
    const host = address.hostname.includes(":") ? `[${address.hostname}]` : address.hostname;
    out.push({ name: "net", host: `${host}:${address.port}` });
  } else {
    out.push(
      { name: "net", host: `unix:${address.path}` },
      { name: "read", path: address.path },
      { name: "write", path: address.path },
    );
  }
  if (address.scheme === "tcps" || address.scheme === "unixs") {
    const { certFile, keyFile, clientCaFile } = address.tls;
    const files = [certFile, keyFile, clientCaFile].filter((f) => f !== undefined);
    for (const path of [...files, ...watchedFolders(files)]) out.push({ name: "read", path });
  }
  return out;
}

/** Starts listening on `address`; resolves once the socket is bound. */
export async function listen(
  address: ListenAddress,
  handler: FetchHandler,
  options: ListenOptions,
): Promise<Listener> {
  try {
    return await listenNode(address, handler, options);
  } catch (error) {
    throw new ListenerError(address, error);
  }
}
