/**
 * Listeners served by Deno's `node:http` (`tcp://`, `unix://`) and `node:https` (`tcps://`,
 * `unixs://`). Unlike `Deno.serve`, they cut off a client whose request headers take
 * longer than `read_header_timeout` (answering 408), and `node:https` can ask for and
 * verify client certificates (`tlsclientca=`).
 *
 * With a client CA, only a client presenting a certificate that _client_certificate.ts accepts
 * is served, and its SANs are handed to the application with each request; without one, no
 * client certificate is asked for. The TLS handshake, too, must end within
 * `read_header_timeout`. The certificate, key and client CA renew themselves (see
 * renewal.ts): new connections get the new ones, open connections keep theirs.
 *
 * Permissions: `net` to the TCP address, or `read`, `write` and `net` (`unix:<path>`) of
 * the socket; `read` of the TLS files and their folders.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { Socket } from "node:net";
import type { TLSSocket } from "node:tls";
import type { ListenAddress, ListenTls } from "../config/types.ts";
import type { FetchHandler, Listener, ListenOptions } from "./types.ts";
import { nodeRequestListener } from "./_node_adapter.ts";
import {
  claimSocketPath,
  removeSocket,
  restrictSocket,
  type SocketIdentity,
} from "./_socket_file.ts";
import { readTlsMaterial, sameTlsMaterial, type TlsMaterial } from "./_tls_material.ts";
import { type Renewal, renewing } from "../renewal.ts";
import { errorMessage } from "../error_message.ts";

/**
 * How often a TCP listener is told to accept again. Out of file descriptors once, Deno's
 * `node:http` (2.9) stops accepting for good: its accept loop (libs/core/uv_compat/tcp.rs,
 * `poll_tcp_handle`) ends on the error without an event, and nothing polls the listening
 * socket again. Listening again on the same handle (`uv_listen` on a socket already listening
 * only re-arms it) has it polled, and the connections waiting are accepted once descriptors
 * are free. It costs one call a second.
 */
const REARM_INTERVAL_MS = 1_000;
/** The backlog Node gives a listening socket; kept when re-arming. */
const BACKLOG = 511;
/** How long a connection still open after its last response may take to close at shutdown. */
const CLOSE_GRACE_MS = 1_000;
/** The time a client has to send a whole request, body included. */
const REQUEST_TIMEOUT_MS = 30_000;
/**
 * How long a connection may stay idle between requests: longer than the 5 minutes
 * Prometheus keeps its idle scrape connections, so that Prometheus, not this server, closes
 * them (Node's default of 5 s made every scrape open a new connection, and on a TLS listener
 * do a new handshake, costing more CPU than serving a small exposition: figures in
 * BENCHMARKS.md, "Measurements behind the code").
 */
const KEEP_ALIVE_TIMEOUT_MS = 6 * 60_000;

/** A node server, and what a TLS one adds. */
interface NodeServer {
  readonly server: Server;
  /** The SANs of the client certificate verified on a request's connection. */
  readonly clientSans?: (request: IncomingMessage) => readonly string[] | undefined;
  /** Follows the TLS files. */
  readonly renewal?: Renewal;
}

/** Starts a listener on `address`; resolves once the socket is bound. */
export async function listenNode(
  address: ListenAddress,
  handler: FetchHandler,
  options: ListenOptions,
): Promise<Listener> {
  const { server, clientSans, renewal } = await createServer(address, options);
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  const connections = new ConnectionSet(options);
  // First, so that a connection refused is closed before the server sets it up.
  server.prependListener("connection", (socket: Socket) => connections.add(socket));
  server.on(
    "request",
    nodeRequestListener(handler, {
      remoteAddr: address.scheme === "unix" || address.scheme === "unixs"
        ? () => ({ transport: "unix", path: address.path })
        : (request) => ({
          transport: "tcp",
          hostname: request.socket.remoteAddress ?? "",
          port: request.socket.remotePort ?? 0,
        }),
      ...(clientSans === undefined ? {} : { clientSans }),
      closing: () => connections.closing,
      onRequest: (event) => connections.request(event),
    }),
  );

  let socket: SocketIdentity | undefined;
  try {
    if (address.scheme === "unix" || address.scheme === "unixs") {
      await claimSocketPath(address.path);
      await bind(server, { path: address.path });
      try {
        socket = await restrictSocket(address.path);
      } catch (error) {
        await closeServer(server, connections);
        throw error;
      }
    } else {
      await bind(server, { host: address.hostname, port: address.port });
    }
  } catch (error) {
    renewal?.close();
    throw error;
  }
  // After start-up, errors of the listening socket are not fatal.
  server.on("error", () => {});
  const rearm = socket === undefined
    ? setInterval(() => listeningHandle(server)?.listen(BACKLOG), REARM_INTERVAL_MS)
    : undefined;
  if (rearm !== undefined) Deno.unrefTimer(rearm);
  return {
    address,
    bound: socket !== undefined ? socket.path : boundAddress(server),
    shutdown: async () => {
      clearInterval(rearm);
      renewal?.close();
      await closeServer(server, connections);
      if (socket !== undefined) await removeSocket(socket);
    },
  };
}

/** The node server of `address`, with the header timeout; TLS material read and checked. */
async function createServer(address: ListenAddress, options: ListenOptions): Promise<NodeServer> {
  const limitMs = options.readHeaderTimeoutMs;
  const timeouts = {
    headersTimeout: limitMs,
    // Bounds the rest of a request (a body trickled after quick headers); never a response.
    requestTimeout: Math.max(limitMs, REQUEST_TIMEOUT_MS),
    // How often node looks for expired header reads: a slow client is cut within 25 %.
    connectionsCheckingInterval: Math.min(Math.max(limitMs / 4, 10), 1_000),
  };
  if (address.scheme === "tcp" || address.scheme === "unix") {
    return { server: createHttpServer(timeouts) };
  }
  let material = await readTlsMaterial(address.tls);
  const verifyClients = material.clientCa !== undefined;
  // Loaded only for a listener that checks client certificates: its ASN.1 library is some
  // 15 MB of memory that other deployments do not need.
  const checker = verifyClients ? await import("./_client_certificate.ts") : undefined;
  // Client certificates are asked for but not refused in the handshake: Deno's TLS refuses
  // some that Go accepts (no clientAuth but anyExtendedKeyUsage) and names no reason. Each
  // one is checked as Go checks it once the handshake is done, before any request is read.
  const server = createHttpsServer({
    ...timeouts,
    handshakeTimeout: limitMs,
    ...secureContextOf(material),
    requestCert: verifyClients,
    rejectUnauthorized: false,
  });
  // Deno (2.9) gives the client's address on the TCP socket under the TLS one only.
  const clientOf = (socket: TLSSocket) =>
    address.scheme === "unixs" ? address.path : socket.remoteAddress ??
      (socket as TLSSocket & { _parent?: Socket })._parent?.remoteAddress ?? "unknown";
  server.on("tlsClientError", (error: Error, socket: TLSSocket) => {
    const code = (error as Error & { code?: unknown }).code;
    options.onTlsFailure?.({
      client: clientOf(socket),
      reason: error.message,
      refused: typeof code === "string" && code.startsWith("ERR_SSL"),
    });
  });
  /** The SANs of the client certificate verified on each connection. */
  const verified = new WeakMap<object, readonly string[]>();
  if (checker !== undefined) {
    server.prependListener("secureConnection", (socket: TLSSocket) => {
      let refusal: string | undefined;
      try {
        const chain = checker.peerChain(socket);
        refusal = checker.clientCertificateRefusal(chain, material.clientCaCertificates);
        if (refusal === undefined) verified.set(socket, checker.subjectAltNames(chain[0]!));
      } catch (error) {
        refusal = `it cannot be checked: ${errorMessage(error)}`;
      }
      if (refusal === undefined) return;
      socket.destroy();
      options.onTlsFailure?.({
        client: clientOf(socket),
        reason: `client certificate refused: ${refusal}`,
        refused: true,
      });
    });
  }
  const renewal = renewing(tlsFiles(address.tls), material, {
    read: () => readTlsMaterial(address.tls),
    same: sameTlsMaterial,
    renewed: (renewed) => {
      // Used by the connections that come next; those open keep theirs.
      server.setSecureContext(secureContextOf(renewed));
      material = renewed;
    },
    report: (report) => options.onTlsRenewal?.(report),
  });
  return { server, clientSans: (request) => verified.get(request.socket), renewal };
}

/** The TLS files of a listener. */
function tlsFiles(tls: ListenTls): string[] {
  return [tls.certFile, tls.keyFile, tls.clientCaFile].filter((f) => f !== undefined);
}

/** What `node:https` is given of the material. */
function secureContextOf(material: TlsMaterial): { cert: string; key: string; ca?: string } {
  const { cert, key, clientCa } = material;
  return clientCa === undefined ? { cert, key } : { cert, key, ca: clientCa };
}

/** The listening TCP handle of a node server (Deno's `TCPWrap`), while it listens. */
function listeningHandle(server: Server): { listen(backlog: number): number } | undefined {
  const handle = (server as Server & { _handle?: { listen?: unknown } | null })._handle;
  return typeof handle?.listen === "function"
    ? handle as { listen(backlog: number): number }
    : undefined;
}

function bind(
  server: Server,
  where: { path: string } | { host: string; port: number },
): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once("error", onError);
    server.listen(where, () => {
      server.off("error", onError);
      resolve();
    });
  });
}

function boundAddress(server: Server): string {
  const bound = server.address();
  if (bound === null || typeof bound === "string") return String(bound);
  return bound.address.includes(":")
    ? `[${bound.address}]:${bound.port}`
    : `${bound.address}:${bound.port}`;
}

/**
 * Stops accepting, lets requests in flight finish (their responses close their
 * connections), then closes the connections left: idle keep-alive ones, and ones that
 * never sent a complete request.
 */
async function closeServer(server: Server, connections: ConnectionSet): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  connections.closing = true;
  server.closeIdleConnections();
  await connections.idle();
  connections.endAll();
  await closed;
}

/** The open connections of a server, within `maxConnections`, and its requests in flight. */
class ConnectionSet {
  /** Set at shutdown. */
  closing = false;
  readonly #sockets = new Set<Socket>();
  readonly #options: ListenOptions;
  #inFlight = 0;
  #onIdle: (() => void) | undefined;

  constructor(options: ListenOptions) {
    this.#options = options;
  }

  add(socket: Socket): void {
    if (this.closing) {
      socket.destroy();
      return;
    }
    if (this.#sockets.size >= this.#options.maxConnections) {
      socket.destroy();
      this.#options.onRefused?.();
      return;
    }
    this.#sockets.add(socket);
    this.#options.onConnections?.(this.#sockets.size);
    socket.once("close", () => {
      this.#sockets.delete(socket);
      this.#options.onConnections?.(this.#sockets.size);
    });
  }

  request(event: "start" | "end"): void {
    this.#inFlight += event === "start" ? 1 : -1;
    if (this.#inFlight === 0) this.#onIdle?.();
  }

  /** Resolves when no request is in flight. */
  idle(): Promise<void> {
    if (this.#inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.#onIdle = resolve);
  }

  /** Ends every connection, destroying those that do not close soon. */
  endAll(): void {
    for (const socket of this.#sockets) {
      socket.end();
      const timer = setTimeout(() => socket.destroy(), CLOSE_GRACE_MS);
      socket.once("close", () => clearTimeout(timer));
    }
  }
}
