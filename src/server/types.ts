/** What listeners, the node adapter and the program share: handlers, options, listeners. */
import type { ListenAddress } from "../config/types.ts";
import type { RenewalReport } from "../renewal.ts";

/** What a handler knows of a request's connection. */
export interface RequestInfo extends Deno.ServeHandlerInfo<Deno.Addr> {
  /**
   * The subject alternative names of the client certificate verified on the connection, as
   * Go writes them (see client_sans.ts); undefined when none was (no `tlsclientca=`).
   */
  readonly clientSans?: readonly string[] | undefined;
}

/** A request handler, as `app.fetch`. */
export type FetchHandler = (
  request: Request,
  info: RequestInfo,
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
  /** Called when the TLS files are read anew: renewed, refused, or not watched. */
  readonly onTlsRenewal?: (report: RenewalReport) => void;
}

/** A TLS handshake that failed. */
export interface TlsFailure {
  /** The client's address (the socket path for `unixs://`). */
  readonly client: string;
  /** What went wrong. */
  readonly reason: string;
  /**
   * Whether the server refused the client (no certificate or one not accepted, a TLS
   * protocol error such as plain HTTP), rather than the client going away or timing out.
   */
  readonly refused: boolean;
}

/** One listening socket. */
export interface Listener {
  /** The `web.listen` entry it serves. */
  readonly address: ListenAddress;
  /** Where it actually listens (the port chosen by the system when the configured one is 0). */
  readonly bound: string;
  /** Stops accepting connections and waits for requests in flight to finish. */
  shutdown(): Promise<void>;
}
