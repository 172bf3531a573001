/**
 * Listeners: each serves the same fetch handler on one `web.listen` address.
 *
 * All are served by Deno's `node:http` and `node:https` (see node_listener.ts): unlike
 * `Deno.serve`, they enforce a header read timeout and can verify client certificates.
 *
 * Permissions: `net` to each TCP address it listens on; `read`, `write` and `net`
 * (`unix:<path>`) of each Unix socket; `read` of TLS files.
 */
import type { ListenAddress } from "../config/types.ts";
import { listenNode } from "./node_listener.ts";

/** A request handler, as `app.fetch`. */
export type FetchHandler = (
  request: Request,
  info: Deno.ServeHandlerInfo<Deno.Addr>,
) => Response | Promise<Response>;

/** Options of {@linkcode listen}. */
export interface ListenOptions {
  /** How long a client may take to send its request headers (and to finish a TLS handshake). */
  readonly readHeaderTimeoutMs: number;
  /** The most connections open at once (`web.max_connections`); more are closed at once. */
  readonly maxConnections: number;
  /** Called when a connection is refused for `maxConnections`. */
  readonly onRefused?: () => void;
  /** Called with the number of open connections whenever it changes. */
  readonly onConnections?: (open: number) => void;
  /** Called when a TLS handshake fails. */
  readonly onTlsFailure?: (failure: TlsFailure) => void;
}

/** A TLS handshake that failed. */
export interface TlsFailure {
  /** The client's address (the socket path for `unixs://`). */
  readonly client: string;
  readonly reason: string;
  /**
   * Whether the server refused the client (no certificate or one not accepted, a TLS
   * protocol error such as plain HTTP), rather than the client going away or timing out.
   */
  readonly refused: boolean;
}

/** One listening socket. */
export interface Listener {
  readonly address: ListenAddress;
  /** Where it actually listens (the port chosen by the system when the configured one is 0). */
  readonly bound: string;
  /** Stops accepting connections and waits for requests in flight to finish. */
  shutdown(): Promise<void>;
}

/** A listener that cannot start; the message names the listen URL and what is wrong. */
export class ListenerError extends Error {
  constructor(address: ListenAddress, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`web.listen "${address.url}": ${reason}`, { cause });
    this.name = "ListenerError";
  }
}

/** The Deno permissions a listen address needs: its socket, and its TLS files. */
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
    for (const path of [certFile, keyFile, clientCaFile]) {
      if (path !== undefined) out.push({ name: "read", path });
    }
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
