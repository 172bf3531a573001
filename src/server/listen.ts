/**
 * Listeners: each serves the same fetch handler on one `web.listen` address.
 *
 * Permissions: `net` to each TCP address it listens on; `read` and `write` of each Unix
 * socket; `read` of TLS files.
 */
import type { ListenAddress } from "../config/types.ts";

/** A request handler, as `app.fetch`. */
export type FetchHandler = (
  request: Request,
  info: Deno.ServeHandlerInfo<Deno.Addr>,
) => Response | Promise<Response>;

/** One listening socket. */
export interface Listener {
  readonly address: ListenAddress;
  /** Where it actually listens (the port chosen by the system when the configured one is 0). */
  readonly bound: string;
  /** Stops accepting connections and waits for requests in flight to finish. */
  shutdown(): Promise<void>;
}

/** A listen address of a scheme that this version cannot serve yet. */
export class UnsupportedListenerError extends Error {
  constructor(address: ListenAddress) {
    super(
      `web.listen "${address.url}": ${address.scheme}:// listeners are not yet supported by this version`,
    );
    this.name = "UnsupportedListenerError";
  }
}

/** The Deno permissions a listen address needs: its socket, and its TLS files. */
export function listenPermissions(address: ListenAddress): Deno.PermissionDescriptor[] {
  const out: Deno.PermissionDescriptor[] = [];
  if (address.scheme === "tcp" || address.scheme === "tcps") {
    const host = address.hostname.includes(":") ? `[${address.hostname}]` : address.hostname;
    out.push({ name: "net", host: `${host}:${address.port}` });
  } else {
    out.push({ name: "read", path: address.path }, { name: "write", path: address.path });
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
export function listen(address: ListenAddress, handler: FetchHandler): Promise<Listener> {
  if (address.scheme !== "tcp") return Promise.reject(new UnsupportedListenerError(address));
  return new Promise((resolve, reject) => {
    try {
      const server = Deno.serve({
        hostname: address.hostname,
        port: address.port,
        onListen: (addr) => {
          const host = addr.hostname.includes(":") ? `[${addr.hostname}]` : addr.hostname;
          resolve({ address, bound: `${host}:${addr.port}`, shutdown: () => server.shutdown() });
        },
      }, handler);
    } catch (error) {
      reject(error);
    }
  });
}
