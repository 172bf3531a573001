/** Validation of a parsed YAML document into a {@linkcode Config}. Pure: no I/O. */
import { parseByteSize, parseDuration } from "../duration.ts";
import type { Label } from "../exposition/model.ts";
import { SCRAPE_PROTOCOLS, type ScrapeProtocol } from "../exposition/formats.ts";
import { closest } from "./suggest.ts";
import type {
  AuthConfig,
  BasicAuthCredential,
  ClientTls,
  Config,
  ExporterConfig,
  ExporterKind,
  ListenAddress,
  ListenTls,
  PathConfig,
  WebConfig,
} from "./types.ts";

/** A bcrypt hash that bcryptjs verifies: `$2a$`, `$2b$` or `$2y$`, cost (captured), salt, digest. */
export const BCRYPT_HASH = /^\$2[aby]\$(\d\d)\$[./A-Za-z0-9]{53}$/;

/** The label every sample gets, naming its exporter. */
export const EXPORTER_NAME_LABEL = "exporter_name";

/** Default `timeout` of http and exec exporters. */
export const DEFAULT_TIMEOUT_MS = 10_000;

/** Default limit on the size of one exporter's output. */
export const DEFAULT_BODY_SIZE_LIMIT = 128 * 1024 * 1024;

/** The default of `web.max_connections`: well below the usual open-files limit (1024). */
export const DEFAULT_MAX_CONNECTIONS = 256;

/** The default of `web.max_bytes_in_flight`. */
export const DEFAULT_MAX_BYTES_IN_FLIGHT = 512 * 1024 * 1024;

/** A configuration that failed validation: every problem found, each naming its key path. */
export class ConfigError extends Error {
  /** One line per problem: `file: key.path: what is wrong`. */
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(problems.join("\n"));
    this.name = "ConfigError";
    this.problems = problems;
  }
}

/** Where a document came from: its file name for messages, and the directory for relative paths. */
export interface ConfigSource {
  /** Absolute path of the file; undefined for the embedded default. */
  readonly file: string | undefined;
  /** Directory that relative paths resolve against. */
  readonly baseDir: string;
}

type Mapping = Record<string, unknown>;

class Context {
  readonly problems: string[] = [];
  readonly #label: string;
  readonly baseDir: string;

  constructor(source: ConfigSource) {
    this.#label = source.file ?? "embedded default configuration";
    this.baseDir = source.baseDir;
  }

  problem(path: string, message: string): void {
    this.problems.push(`${this.#label}: ${path || "(top level)"}: ${message}`);
  }

  resolve(path: string): string {
    return resolvePath(this.baseDir, path);
  }
}

/** Resolves `path` against `baseDir` unless it is absolute, removing "." and ".." segments. */
export function resolvePath(baseDir: string, path: string): string {
  const joined = path.startsWith("/") ? path : `${baseDir}/${path}`;
  const out: string[] = [];
  for (const segment of joined.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") out.pop();
    else out.push(segment);
  }
  return "/" + out.join("/");
}

function key(path: string, name: string): string {
  return path === "" ? name : `${path}.${name}`;
}

function typeName(value: unknown): string {
  if (value === null || value === undefined) return "nothing";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  return `${typeof value} ${JSON.stringify(value)}`;
}

function isMapping(value: unknown): value is Mapping {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The mapping at `path`, with its unknown keys reported; undefined when it is not a mapping. */
function mapping(
  ctx: Context,
  value: unknown,
  path: string,
  known: readonly string[],
): Mapping | undefined {
  if (value === undefined || value === null) return {};
  if (!isMapping(value)) {
    ctx.problem(path, `expected a mapping, got ${typeName(value)}`);
    return undefined;
  }
  for (const k of Object.keys(value)) {
    if (known.includes(k)) continue;
    const suggestion = closest(k, known);
    ctx.problem(
      key(path, k),
      `unknown key${suggestion === undefined ? "" : ` (did you mean "${suggestion}"?)`}; ` +
        `known keys here: ${known.join(", ")}`,
    );
  }
  return value;
}

function list(ctx: Context, value: unknown, path: string): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    ctx.problem(path, `expected a list, got ${typeName(value)}`);
    return [];
  }
  return value;
}

function optionalString(ctx: Context, m: Mapping, name: string, path: string): string | undefined {
  const value = m[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") {
    ctx.problem(key(path, name), `expected a string, got ${typeName(value)}`);
    return undefined;
  }
  return value;
}

function requiredString(ctx: Context, m: Mapping, name: string, path: string): string | undefined {
  const value = optionalString(ctx, m, name, path);
  if (value === undefined && (m[name] === undefined || m[name] === null)) {
    ctx.problem(key(path, name), "required");
  } else if (value === "") {
    ctx.problem(key(path, name), "must not be empty");
    return undefined;
  }
  return value;
}

function boolean(ctx: Context, m: Mapping, name: string, path: string, fallback: boolean): boolean {
  const value = m[name];
  if (value === undefined || value === null) return fallback;
  if (typeof value !== "boolean") {
    ctx.problem(key(path, name), `expected true or false, got ${typeName(value)}`);
    return fallback;
  }
  return value;
}

function duration(
  ctx: Context,
  m: Mapping,
  name: string,
  path: string,
  fallback: number,
): number {
  const value = m[name];
  if (value === undefined || value === null) return fallback;
  const ms = value === 0 ? 0 : typeof value === "string" ? parseDuration(value) : undefined;
  if (ms === undefined) {
    ctx.problem(
      key(path, name),
      `invalid duration ${JSON.stringify(value)}: use Prometheus syntax such as 500ms, 10s, 1m30s`,
    );
    return fallback;
  }
  if (ms > MAX_DURATION_MS) {
    ctx.problem(key(path, name), `${value} is longer than the longest duration supported, 24d`);
    return fallback;
  }
  return ms;
}

/** The longest timer JavaScript runs as asked (2^31 - 1 ms, about 24.8 days). */
const MAX_DURATION_MS = 2 ** 31 - 1;

function byteSize(ctx: Context, m: Mapping, name: string, path: string, fallback: number): number {
  const value = m[name];
  if (value === undefined || value === null) return fallback;
  const bytes = typeof value === "number" && Number.isSafeInteger(value) && value > 0
    ? value
    : typeof value === "string"
    ? parseByteSize(value)
    : undefined;
  if (bytes === undefined || bytes <= 0) {
    ctx.problem(
      key(path, name),
      `invalid size ${JSON.stringify(value)}: use bytes or a unit such as 512KiB, 64MiB, 1GiB`,
    );
    return fallback;
  }
  return bytes;
}

/** A whole number of at least 1. */
function count(ctx: Context, m: Mapping, name: string, path: string, fallback: number): number {
  const value = m[name];
  if (value === undefined || value === null) return fallback;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) {
    ctx.problem(
      key(path, name),
      `expected a whole number of at least 1, got ${JSON.stringify(value)}`,
    );
    return fallback;
  }
  return value;
}

function stringMap(
  ctx: Context,
  m: Mapping,
  name: string,
  path: string,
): Record<string, string> {
  const value = m[name];
  const out: Record<string, string> = {};
  if (value === undefined || value === null) return out;
  if (!isMapping(value)) {
    ctx.problem(key(path, name), `expected a mapping, got ${typeName(value)}`);
    return out;
  }
  for (const [k, v] of Object.entries(value)) {
    if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") {
      out[k] = String(v);
    } else {
      ctx.problem(key(key(path, name), k), `expected a string, got ${typeName(v)}`);
    }
  }
  return out;
}

function stringList(ctx: Context, m: Mapping, name: string, path: string): string[] {
  const out: string[] = [];
  list(ctx, m[name], key(path, name)).forEach((v, i) => {
    if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") {
      out.push(String(v));
    } else {
      ctx.problem(`${key(path, name)}[${i}]`, `expected a string, got ${typeName(v)}`);
    }
  });
  return out;
}

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

// ---------------------------------------------------------------- web

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

function parseWeb(ctx: Context, value: unknown): WebConfig {
  const m = mapping(ctx, value, "web", WEB_KEYS) ?? {};
  const listenValue = m["listen"] ?? DEFAULT_LISTEN;
  const listen: ListenAddress[] = [];
  const parsed: [number, ListenAddress][] = [];
  list(ctx, listenValue, "web.listen").forEach((entry, i) => {
    const address = parseListen(ctx, entry, `web.listen[${i}]`);
    if (address === undefined) return;
    // The first earlier entry it clashes with, if any.
    for (const [j, earlier] of parsed) {
      const clash = listenClash(earlier, address);
      if (clash === undefined) continue;
      ctx.problem(
        `web.listen[${i}]`,
        `${JSON.stringify(address.url)} ${clash} web.listen[${j}] ${JSON.stringify(earlier.url)}`,
      );
      break;
    }
    parsed.push([i, address]);
    listen.push(address);
  });
  if (Array.isArray(listenValue) && listenValue.length === 0) {
    ctx.problem("web.listen", "must list at least one address");
  }
  // The Go program joined the context path and each route as file paths: "/reverse/" and "/"
  // mean "/reverse" and "".
  const contextPath = (optionalString(ctx, m, "context_path", "web") ?? "").replace(/\/$/, "");
  if (contextPath !== "" && (!contextPath.startsWith("/") || contextPath.endsWith("/"))) {
    ctx.problem("web.context_path", 'must be empty or start with "/", e.g. /reverse');
  } else if (contextPath !== "" && !isCleanPath(contextPath)) {
    ctx.problem(
      "web.context_path",
      "must be segments of letters, digits, '-', '_', '.' and '~' (not '.' or '..')",
    );
  }
  // 0 does not turn the limit off (a client could hold a connection for ever): it means
  // Node's own default, 60 s.
  const readHeaderTimeoutMs = duration(ctx, m, "read_header_timeout", "web", 1000) || 60_000;
  return {
    listen,
    readHeaderTimeoutMs,
    contextPath,
    auth: parseAuth(ctx, m["auth"], "web.auth"),
    engineWorkers: engineWorkers(ctx, m["engine_workers"]),
    maxConnections: count(ctx, m, "max_connections", "web", DEFAULT_MAX_CONNECTIONS),
    maxBytesInFlight: byteSize(
      ctx,
      m,
      "max_bytes_in_flight",
      "web",
      DEFAULT_MAX_BYTES_IN_FLIGHT,
    ),
  };
}

/** `web.engine_workers` by default: one per core, up to 4. */
export const DEFAULT_ENGINE_WORKERS = Math.min(4, Math.max(1, navigator.hardwareConcurrency || 1));

/** `web.engine_workers`: a whole number from 0 to 64. */
function engineWorkers(ctx: Context, value: unknown): number {
  if (value === undefined || value === null) return DEFAULT_ENGINE_WORKERS;
  if (
    typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > MAX_ENGINE_WORKERS
  ) {
    ctx.problem(
      "web.engine_workers",
      `expected a whole number from 0 to ${MAX_ENGINE_WORKERS}, got ${typeName(value)}`,
    );
    return 0;
  }
  return value;
}

function parseListen(ctx: Context, value: unknown, path: string): ListenAddress | undefined {
  if (typeof value !== "string") {
    ctx.problem(path, `expected a listen URL string, got ${typeName(value)}`);
    return undefined;
  }
  let url: URL;
  try {
    // No host is every address, as in Go: tcp://:9998 is tcp://[::]:9998.
    url = new URL(value.replace(/^(tcps?):\/\/:/, "$1://[::]:"));
  } catch {
    ctx.problem(path, `invalid listen URL ${JSON.stringify(value)}`);
    return undefined;
  }
  const scheme = url.protocol.slice(0, -1);
  if (scheme !== "tcp" && scheme !== "tcps" && scheme !== "unix" && scheme !== "unixs") {
    ctx.problem(
      path,
      `unknown scheme "${scheme}" in ${
        JSON.stringify(value)
      }: use tcp://, tcps://, unix:// or unixs://`,
    );
    return undefined;
  }
  const known = scheme === "tcps" || scheme === "unixs" ? ["tlscert", "tlskey", "tlsclientca"] : [];
  for (const param of url.searchParams.keys()) {
    if (!known.includes(param)) {
      ctx.problem(path, `unknown parameter "${param}" in ${JSON.stringify(value)}`);
    }
  }
  let tls: ListenTls | undefined;
  if (scheme === "tcps" || scheme === "unixs") {
    const certFile = url.searchParams.get("tlscert");
    const keyFile = url.searchParams.get("tlskey");
    const clientCa = url.searchParams.get("tlsclientca");
    if (!certFile || !keyFile) {
      ctx.problem(path, `${scheme}:// needs both tlscert= and tlskey= parameters`);
      return undefined;
    }
    tls = {
      certFile: ctx.resolve(certFile),
      keyFile: ctx.resolve(keyFile),
      clientCaFile: clientCa ? ctx.resolve(clientCa) : undefined,
    };
  }
  if (scheme === "unix" || scheme === "unixs") {
    const socketPath = decodeURIComponent(url.host + url.pathname);
    if (socketPath === "" || socketPath === "/") {
      ctx.problem(path, `no socket path in ${JSON.stringify(value)}`);
      return undefined;
    }
    const resolved = ctx.resolve(socketPath);
    return tls === undefined
      ? { scheme: "unix", url: value, path: resolved }
      : { scheme: "unixs", url: value, path: resolved, tls };
  }
  if (url.pathname !== "" && url.pathname !== "/") {
    ctx.problem(path, `${JSON.stringify(value)}: a ${scheme}:// listen URL has no path`);
    return undefined;
  }
  if (url.port === "" || url.hostname === "") {
    ctx.problem(path, `${JSON.stringify(value)} needs a host and a port, e.g. tcp://0.0.0.0:9998`);
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

// ---------------------------------------------------------------- auth

function parseAuth(ctx: Context, value: unknown, path: string): AuthConfig | undefined {
  if (value === undefined || value === null) return undefined;
  const m = mapping(ctx, value, path, ["basic_auth"]);
  if (m === undefined) return undefined;
  const basicAuth: BasicAuthCredential[] = [];
  list(ctx, m["basic_auth"], key(path, "basic_auth")).forEach((entry, i) => {
    const p = `${key(path, "basic_auth")}[${i}]`;
    const c = mapping(ctx, entry, p, ["username", "password", "password_hash"]);
    if (c === undefined) return;
    const username = requiredString(ctx, c, "username", p);
    const password = optionalString(ctx, c, "password", p);
    const passwordHash = optionalString(ctx, c, "password_hash", p);
    const given = (name: string) => c[name] !== undefined && c[name] !== null;
    if (given("password") === given("password_hash")) {
      ctx.problem(p, "needs exactly one of password and password_hash");
      return;
    }
    if (password === undefined && passwordHash === undefined) return;
    if (passwordHash !== undefined && !BCRYPT_HASH.test(passwordHash)) {
      ctx.problem(
        key(p, "password_hash"),
        "is not a bcrypt hash ($2a$, $2b$ or $2y$, e.g. $2y$10$...)",
      );
      return;
    }
    if (username === undefined) return;
    basicAuth.push(
      password !== undefined ? { username, password } : { username, passwordHash: passwordHash! },
    );
  });
  if (basicAuth.length === 0) return undefined;
  return { basicAuth };
}

// ---------------------------------------------------------------- exporters

const COMMON_KEYS = ["name", "labels", "no_rewrite", "body_size_limit"] as const;

/** The keys each kind of exporter accepts. */
export const EXPORTER_KEYS: Readonly<Record<ExporterKind, readonly string[]>> = {
  http: [
    ...COMMON_KEYS,
    "address",
    "timeout",
    "forward_url_params",
    "unix_socket",
    "tls",
    "basic_auth",
    "headers",
    "scrape_protocols",
  ],
  file: [...COMMON_KEYS, "path"],
  exec: [...COMMON_KEYS, "command", "args", "timeout", "env", "working_dir"],
  exec_cached: [
    ...COMMON_KEYS,
    "command",
    "args",
    "timeout",
    "env",
    "working_dir",
    "exec_interval",
    "max_age",
  ],
};

const KINDS = Object.keys(EXPORTER_KEYS) as ExporterKind[];

function parseTargetLabels(
  ctx: Context,
  m: Mapping,
  path: string,
  name: string,
  noRewrite: boolean,
) {
  const labels = stringMap(ctx, m, "labels", path);
  const out: Label[] = [];
  for (const [labelName, value] of Object.entries(labels)) {
    const p = key(key(path, "labels"), labelName);
    if (labelName === EXPORTER_NAME_LABEL) {
      ctx.problem(
        p,
        `"${EXPORTER_NAME_LABEL}" is set from the exporter's name and cannot be a label`,
      );
    } else if (!LABEL_NAME.test(labelName)) {
      ctx.problem(p, "invalid label name: use letters, digits and _, not starting with a digit");
    } else if (labelName.startsWith("__")) {
      ctx.problem(p, 'invalid label name: names starting with "__" are reserved');
    } else {
      out.push({ name: labelName, value });
    }
  }
  out.sort((a, b) => (a.name < b.name ? -1 : 1));
  if (!noRewrite) out.push({ name: EXPORTER_NAME_LABEL, value: name });
  return out;
}

function parseClientTls(ctx: Context, value: unknown, path: string): ClientTls | undefined {
  if (value === undefined || value === null) return undefined;
  const m = mapping(ctx, value, path, ["ca_file", "cert_file", "key_file", "insecure_skip_verify"]);
  if (m === undefined) return undefined;
  const file = (name: string) => {
    const v = optionalString(ctx, m, name, path);
    return v === undefined ? undefined : ctx.resolve(v);
  };
  const tls: ClientTls = {
    caFile: file("ca_file"),
    certFile: file("cert_file"),
    keyFile: file("key_file"),
    insecureSkipVerify: boolean(ctx, m, "insecure_skip_verify", path, false),
  };
  if (tls.insecureSkipVerify) {
    ctx.problem(
      key(path, "insecure_skip_verify"),
      "is not supported: Deno's HTTP client cannot skip verification for one exporter; " +
        "give the exporter's CA in ca_file",
    );
  }
  if ((tls.certFile === undefined) !== (tls.keyFile === undefined)) {
    ctx.problem(path, "cert_file and key_file go together");
  }
  return tls;
}

function parseExporter(
  ctx: Context,
  kind: ExporterKind,
  m: Mapping,
  path: string,
): ExporterConfig | undefined {
  const name = requiredString(ctx, m, "name", path) ?? "";
  const noRewrite = boolean(ctx, m, "no_rewrite", path, false);
  const common = {
    name,
    noRewrite,
    targetLabels: parseTargetLabels(ctx, m, path, name, noRewrite),
    bodySizeLimit: byteSize(ctx, m, "body_size_limit", path, DEFAULT_BODY_SIZE_LIMIT),
  };
  switch (kind) {
    case "http": {
      const addressText = requiredString(ctx, m, "address", path);
      let address: URL | undefined;
      if (addressText !== undefined) {
        try {
          address = new URL(addressText);
        } catch {
          ctx.problem(key(path, "address"), `invalid URL ${JSON.stringify(addressText)}`);
        }
        if (address && address.protocol !== "http:" && address.protocol !== "https:") {
          ctx.problem(
            key(path, "address"),
            `must be an http:// or https:// URL, got ${addressText}`,
          );
          address = undefined;
        }
      }
      const basicAuthMap = m["basic_auth"] === undefined || m["basic_auth"] === null
        ? undefined
        : mapping(ctx, m["basic_auth"], key(path, "basic_auth"), ["username", "password"]);
      let basicAuth: { username: string; password: string } | undefined;
      if (basicAuthMap !== undefined) {
        const p = key(path, "basic_auth");
        const username = requiredString(ctx, basicAuthMap, "username", p);
        const password = optionalString(ctx, basicAuthMap, "password", p) ?? "";
        if (username !== undefined) basicAuth = { username, password };
      }
      if (address !== undefined && (address.username !== "" || address.password !== "")) {
        // Kept out of the URL, so that no log line, error or page can show them.
        if (basicAuth !== undefined) {
          ctx.problem(key(path, "address"), "has user info and basic_auth is set too: keep one");
        } else {
          basicAuth = {
            username: decodeURIComponent(address.username),
            password: decodeURIComponent(address.password),
          };
        }
        address = new URL(address);
        address.username = "";
        address.password = "";
      }
      const unixSocket = optionalString(ctx, m, "unix_socket", path);
      const rest = {
        timeoutMs: timeout(ctx, m, path, DEFAULT_TIMEOUT_MS),
        forwardUrlParams: boolean(ctx, m, "forward_url_params", path, false),
        unixSocket: unixSocket === undefined ? undefined : ctx.resolve(unixSocket),
        tls: parseClientTls(ctx, m["tls"], key(path, "tls")),
        basicAuth,
        headers: stringMap(ctx, m, "headers", path),
        scrapeProtocols: scrapeProtocols(ctx, m, path),
      };
      if (address === undefined) return undefined;
      return { kind, ...common, address, ...rest };
    }
    case "file": {
      const file = requiredString(ctx, m, "path", path);
      if (file === undefined) return undefined;
      return { kind, ...common, path: ctx.resolve(file) };
    }
    case "exec":
    case "exec_cached": {
      const command = requiredString(ctx, m, "command", path);
      const workingDir = optionalString(ctx, m, "working_dir", path);
      const exec = {
        ...common,
        command: command === undefined || !command.includes("/")
          ? command ?? ""
          : ctx.resolve(command),
        args: stringList(ctx, m, "args", path),
        env: stringMap(ctx, m, "env", path),
        workingDir: workingDir === undefined ? undefined : ctx.resolve(workingDir),
      };
      if (kind === "exec") {
        return { kind, ...exec, timeoutMs: timeout(ctx, m, path, DEFAULT_TIMEOUT_MS) };
      }
      const execIntervalMs = duration(ctx, m, "exec_interval", path, -1);
      if (m["exec_interval"] === undefined || m["exec_interval"] === null) {
        ctx.problem(key(path, "exec_interval"), "required");
      } else if (execIntervalMs === 0) {
        ctx.problem(key(path, "exec_interval"), "must be more than 0");
      }
      return {
        kind,
        ...exec,
        execIntervalMs,
        timeoutMs: timeout(ctx, m, path, execIntervalMs),
        maxAgeMs: duration(ctx, m, "max_age", path, 3 * execIntervalMs),
      };
    }
  }
}

/** `scrape_protocols`: a list of Prometheus's protocol names, each once; all by default. */
function scrapeProtocols(ctx: Context, m: Mapping, path: string): readonly ScrapeProtocol[] {
  if (m["scrape_protocols"] === undefined || m["scrape_protocols"] === null) {
    return SCRAPE_PROTOCOLS;
  }
  const p = key(path, "scrape_protocols");
  const names = stringList(ctx, m, "scrape_protocols", path);
  const out: ScrapeProtocol[] = [];
  names.forEach((name, i) => {
    if (!(SCRAPE_PROTOCOLS as readonly string[]).includes(name)) {
      const suggestion = closest(name, SCRAPE_PROTOCOLS);
      ctx.problem(
        `${p}[${i}]`,
        `unknown protocol ${JSON.stringify(name)}${
          suggestion === undefined ? "" : ` (did you mean "${suggestion}"?)`
        }; known: ${SCRAPE_PROTOCOLS.join(", ")}`,
      );
    } else if (out.includes(name as ScrapeProtocol)) {
      ctx.problem(`${p}[${i}]`, `${name} is listed twice`);
    } else {
      out.push(name as ScrapeProtocol);
    }
  });
  if (Array.isArray(m["scrape_protocols"]) && m["scrape_protocols"].length === 0) {
    ctx.problem(p, "must list at least one protocol");
  }
  return out;
}

/** `timeout`, where 0 means no timeout of its own (Infinity). */
function timeout(ctx: Context, m: Mapping, path: string, fallback: number): number {
  const ms = duration(ctx, m, "timeout", path, fallback);
  return ms === 0 ? Infinity : ms;
}

type Defaults = Readonly<Record<ExporterKind, Mapping>>;

function parseDefaults(ctx: Context, value: unknown): Defaults {
  const m = mapping(ctx, value, "exporter_defaults", KINDS) ?? {};
  const defaults: Record<ExporterKind, Mapping> = { http: {}, file: {}, exec: {}, exec_cached: {} };
  for (const kind of KINDS) {
    const path = `exporter_defaults.${kind}`;
    const allowed = EXPORTER_KEYS[kind].filter((k) => k !== "name");
    const d = mapping(ctx, m[kind], path, allowed);
    if (d === undefined) continue;
    // Check the defaults on their own, so a bad value is reported once, at its own key.
    const before = ctx.problems.length;
    parseExporter(ctx, kind, { name: "defaults", ...requiredStandIns(kind), ...d }, path);
    if (ctx.problems.length === before) defaults[kind] = d;
  }
  return defaults;
}

/** Values for the required keys, so that defaults can be checked without them. */
function requiredStandIns(kind: ExporterKind): Mapping {
  switch (kind) {
    case "http":
      return { address: "http://127.0.0.1/" };
    case "file":
      return { path: "defaults" };
    case "exec":
      return { command: "defaults" };
    case "exec_cached":
      return { command: "defaults", exec_interval: "1s" };
  }
}

/** Merges `defaults` under `own`, key by key; nested mappings (labels, headers) merge too. */
function mergeDefaults(defaults: Mapping, own: Mapping): Mapping {
  const out: Mapping = { ...defaults };
  for (const [k, v] of Object.entries(own)) {
    if (v === null || v === undefined) continue; // an empty key keeps the default
    const d = defaults[k];
    out[k] = isMapping(d) && isMapping(v) ? mergeDefaults(d, v) : v;
  }
  return out;
}

// ---------------------------------------------------------------- paths

const PATH_KEYS = ["path", "backend_metrics", "auth", "exporters"] as const;

/** Segments of letters, digits, `-`, `_`, `.` and `~` only: never a route pattern (`:`, `*`, `{`). */
function isCleanPath(path: string): boolean {
  if (!/^(\/[A-Za-z0-9._~-]+)+$/.test(path)) return false;
  return path.slice(1).split("/").every((s) => s !== "." && s !== "..");
}

function parsePath(ctx: Context, value: unknown, path: string, defaults: Defaults) {
  const m = mapping(ctx, value, path, PATH_KEYS);
  if (m === undefined) return undefined;
  const servedPath = requiredString(ctx, m, "path", path);
  if (servedPath !== undefined) {
    if (!servedPath.startsWith("/")) {
      ctx.problem(key(path, "path"), `must start with "/", got ${JSON.stringify(servedPath)}`);
    } else if (servedPath === "/" || servedPath === "/-" || servedPath.startsWith("/-/")) {
      ctx.problem(
        key(path, "path"),
        `${servedPath} collides with the program's own routes (/ and /-/...)`,
      );
    } else if (!isCleanPath(servedPath)) {
      ctx.problem(
        key(path, "path"),
        "must be segments of letters, digits, '-', '_', '.' and '~' (not '.' or '..'), not ending with /",
      );
    }
  }
  const exportersPath = key(path, "exporters");
  const exportersMap = mapping(ctx, m["exporters"], exportersPath, KINDS) ?? {};
  const exporters: ExporterConfig[] = [];
  const names = new Set<string>();
  for (const kind of KINDS) {
    list(ctx, exportersMap[kind], key(exportersPath, kind)).forEach((entry, i) => {
      const p = `${key(exportersPath, kind)}[${i}]`;
      const own = mapping(ctx, entry, p, EXPORTER_KEYS[kind]);
      if (own === undefined) return;
      const exporter = parseExporter(ctx, kind, mergeDefaults(defaults[kind], own), p);
      if (exporter === undefined || exporter.name === "") return;
      if (names.has(exporter.name)) {
        ctx.problem(
          key(p, "name"),
          `duplicate exporter name "${exporter.name}" in path ${servedPath}: names must be unique within a path`,
        );
      }
      names.add(exporter.name);
      exporters.push(exporter);
    });
  }
  if (servedPath === undefined) return undefined;
  const config: PathConfig = {
    path: servedPath,
    backendMetrics: boolean(ctx, m, "backend_metrics", path, true),
    auth: parseAuth(ctx, m["auth"], key(path, "auth")),
    exporters,
    ownMetrics: false,
  };
  return config;
}

// ---------------------------------------------------------------- top level

const TOP_KEYS = ["web", "exporter_defaults", "reverse_exporters"] as const;

/**
 * Validates a parsed YAML document. Returns the configuration, or throws a
 * {@linkcode ConfigError} listing every problem found.
 */
export function validateConfig(document: unknown, source: ConfigSource): Config {
  const ctx = new Context(source);
  const top = mapping(ctx, document, "", TOP_KEYS) ?? {};
  const web = parseWeb(ctx, top["web"]);
  const defaults = parseDefaults(ctx, top["exporter_defaults"]);
  const reverseExporters: PathConfig[] = [];
  const seen = new Set<string>();
  list(ctx, top["reverse_exporters"], "reverse_exporters").forEach((entry, i) => {
    const p = `reverse_exporters[${i}]`;
    const parsed = parsePath(ctx, entry, p, defaults);
    if (parsed === undefined) return;
    if (seen.has(parsed.path)) {
      ctx.problem(
        key(p, "path"),
        `duplicate path ${parsed.path}: each path may be configured once`,
      );
    }
    seen.add(parsed.path);
    reverseExporters.push(parsed);
  });
  if (ctx.problems.length > 0) throw new ConfigError(ctx.problems);
  return { file: source.file, web, reverseExporters };
}
