/** The `web` section: listeners, context path, limits, and the `auth` of the program's routes. */
import type { ListenAddress, ListenTls, WebConfig } from "./types.ts";
import { type Fields, typeName } from "./fields.ts";
import { parseAuth } from "./_auth.ts";

/** The default of `web.max_connections`: well below the usual open-files limit (1024). */
export const DEFAULT_MAX_CONNECTIONS = 256;

/** The default of `web.max_bytes_in_flight`. */
export const DEFAULT_MAX_BYTES_IN_FLIGHT = 512 * 1024 * 1024;

const WEB_KEYS = [
  "listen",
  "read_header_timeout",
  "context_path",
  "auth",
  "engine_workers",
  "max_connections",
  "max_bytes_in_flight",
] as const;

/** The most engine workers: more than cores only adds memory. */
const MAX_ENGINE_WORKERS = 64;
const DEFAULT_LISTEN = ["tcp://[::]:9998"];

/** The `web` section. */
export function parseWeb(fields: Fields, value: unknown): WebConfig {
  const m = fields.mapping(value, { at: "web", known: WEB_KEYS }) ?? {};
  const listenValue = m["listen"] ?? DEFAULT_LISTEN;
  const listen: ListenAddress[] = [];
  const parsed: [number, ListenAddress][] = [];
  fields.list(listenValue, "web.listen").forEach((entry, i) => {
    const address = parseListen(fields, entry, `web.listen[${i}]`);
    if (address === undefined) return;
    // The first earlier entry it clashes with, if any.
    for (const [j, earlier] of parsed) {
      const clash = listenClash(earlier, address);
      if (clash === undefined) continue;
      fields.problem(
        `web.listen[${i}]`,
        `${JSON.stringify(address.url)} ${clash} web.listen[${j}] ${JSON.stringify(earlier.url)}`,
      );
      break;
    }
    parsed.push([i, address]);
    listen.push(address);
  });
  if (Array.isArray(listenValue) && listenValue.length === 0) {
    fields.problem("web.listen", "must list at least one address");
  }
  // The Go program joined the context path and each route as file paths: "/reverse/" and "/"
  // mean "/reverse" and "".
  const contextPath = (fields.string(m, { key: "context_path", at: "web" }) ?? "").replace(
    /\/$/,
    "",
  );
  if (contextPath !== "" && (!contextPath.startsWith("/") || contextPath.endsWith("/"))) {
    fields.problem("web.context_path", 'must be empty or start with "/", e.g. /reverse');
  } else if (contextPath !== "" && !isCleanPath(contextPath)) {
    fields.problem(
      "web.context_path",
      "must be segments of letters, digits, '-', '_', '.' and '~' (not '.' or '..')",
    );
  }
  // 0 does not turn the limit off (a client could hold a connection for ever): it means
  // Node's own default, 60 s.
  const readHeaderTimeoutMs =
    fields.duration(m, { key: "read_header_timeout", at: "web", fallback: 1000 }) || 60_000;
  return {
    listen,
    readHeaderTimeoutMs,
    contextPath,
    auth: parseAuth(fields, m["auth"], {
      at: "web.auth",
      clientCertificates: asksClientCertificates(listen),
    }),
    engineWorkers: engineWorkers(fields, m["engine_workers"]),
    maxConnections: fields.count(m, {
      key: "max_connections",
      at: "web",
      fallback: DEFAULT_MAX_CONNECTIONS,
    }),
    maxBytesInFlight: fields.byteSize(m, {
      key: "max_bytes_in_flight",
      at: "web",
      fallback: DEFAULT_MAX_BYTES_IN_FLIGHT,
    }),
  };
}

/** Whether some listener asks for client certificates (`tlsclientca=`). */
export function asksClientCertificates(listen: readonly ListenAddress[]): boolean {
  return listen.some((l) => "tls" in l && l.tls.clientCaFile !== undefined);
}

/**
 * `web.engine_workers` by default: one per core but the one the main thread uses, at least one,
 * up to 4. Each worker holds a heap of its own once used (about 30 MB after large bodies): on 2
 * cores, one worker served the 100k-series payload as fast as two, at 50 MB less peak RSS
 * (BENCHMARKS.md, "Measurements behind the code").
 */
export const DEFAULT_ENGINE_WORKERS: number = Math.min(
  4,
  Math.max(1, (navigator.hardwareConcurrency || 1) - 1),
);

/** `web.engine_workers`: a whole number from 0 to 64. */
function engineWorkers(fields: Fields, value: unknown): number {
  if (value === undefined || value === null) return DEFAULT_ENGINE_WORKERS;
  if (
    typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > MAX_ENGINE_WORKERS
  ) {
    fields.problem(
      "web.engine_workers",
      `expected a whole number from 0 to ${MAX_ENGINE_WORKERS}, got ${typeName(value)}`,
    );
    return 0;
  }
  return value;
}

function parseListen(fields: Fields, value: unknown, at: string): ListenAddress | undefined {
  if (typeof value !== "string") {
    fields.problem(at, `expected a listen URL string, got ${typeName(value)}`);
    return undefined;
  }
  let url: URL;
  try {
    // No host is every address, as in Go: tcp://:9998 is tcp://[::]:9998.
    url = new URL(value.replace(/^(tcps?):\/\/:/, "$1://[::]:"));
  } catch {
    fields.problem(at, `invalid listen URL ${JSON.stringify(value)}`);
    return undefined;
  }
  const scheme = url.protocol.slice(0, -1);
  if (scheme !== "tcp" && scheme !== "tcps" && scheme !== "unix" && scheme !== "unixs") {
    fields.problem(
      at,
      `unknown scheme "${scheme}" in ${
        JSON.stringify(value)
      }: use tcp://, tcps://, unix:// or unixs://`,
    );
    return undefined;
  }
  const known = scheme === "tcps" || scheme === "unixs" ? ["tlscert", "tlskey", "tlsclientca"] : [];
  for (const param of url.searchParams.keys()) {
    if (!known.includes(param)) {
      fields.problem(at, `unknown parameter "${param}" in ${JSON.stringify(value)}`);
    }
  }
  let tls: ListenTls | undefined;
  if (scheme === "tcps" || scheme === "unixs") {
    const certFile = url.searchParams.get("tlscert");
    const keyFile = url.searchParams.get("tlskey");
    const clientCa = url.searchParams.get("tlsclientca");
    if (!certFile || !keyFile) {
      fields.problem(at, `${scheme}:// needs both tlscert= and tlskey= parameters`);
      return undefined;
    }
    tls = {
      certFile: fields.resolve(certFile),
      keyFile: fields.resolve(keyFile),
      clientCaFile: clientCa ? fields.resolve(clientCa) : undefined,
    };
  }
  if (scheme === "unix" || scheme === "unixs") {
    const socketPath = decodeURIComponent(url.host + url.pathname);
    if (socketPath === "" || socketPath === "/") {
      fields.problem(at, `no socket path in ${JSON.stringify(value)}`);
      return undefined;
    }
    const resolved = fields.resolve(socketPath);
    return tls === undefined
      ? { scheme: "unix", url: value, path: resolved }
      : { scheme: "unixs", url: value, path: resolved, tls };
  }
  if (url.pathname !== "" && url.pathname !== "/") {
    fields.problem(at, `${JSON.stringify(value)}: a ${scheme}:// listen URL has no path`);
    return undefined;
  }
  if (url.port === "" || url.hostname === "") {
    fields.problem(at, `${JSON.stringify(value)} needs a host and a port, e.g. tcp://0.0.0.0:9998`);
    return undefined;
  }
  const hostname = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
  const port = Number(url.port);
  return tls === undefined
    ? { scheme: "tcp", url: value, hostname, port }
    : { scheme: "tcps", url: value, hostname, port, tls };
}

/** The IPv4 and IPv6 wildcard addresses. */
const ANY_IPV4 = "0.0.0.0";
const ANY_ADDRESS = "::";

/**
 * How `later` clashes with `earlier` (both cannot listen at once), or undefined: the same
 * socket file; the same host and port; or the same port where one is a wildcard covering the
 * other (`::` covers IPv4 too, as sockets are dual-stack). Port 0 never clashes.
 */
function listenClash(earlier: ListenAddress, later: ListenAddress): string | undefined {
  if (earlier.scheme === "unix" || earlier.scheme === "unixs") {
    const same = (later.scheme === "unix" || later.scheme === "unixs") &&
      later.path === earlier.path;
    return same ? "is the same socket as" : undefined;
  }
  if (later.scheme === "unix" || later.scheme === "unixs") return undefined;
  if (earlier.port === 0 || earlier.port !== later.port) return undefined;
  if (earlier.hostname === later.hostname) return "listens on the same address as";
  const ipv4 = (host: string) => /^\d+\.\d+\.\d+\.\d+$/.test(host);
  const covers = (wide: string, other: string) =>
    wide === ANY_ADDRESS || (wide === ANY_IPV4 && ipv4(other));
  if (covers(earlier.hostname, later.hostname) || covers(later.hostname, earlier.hostname)) {
    return `takes port ${later.port} on an address already taken (:: takes it on every ` +
      "address, 0.0.0.0 on every IPv4 address) by";
  }
  return undefined;
}

/** Segments of letters, digits, `-`, `_`, `.` and `~` only: never a route pattern (`:`, `*`, `{`). */
export function isCleanPath(path: string): boolean {
  if (!/^(\/[A-Za-z0-9._~-]+)+$/.test(path)) return false;
  return path.slice(1).split("/").every((s) => s !== "." && s !== "..");
}
