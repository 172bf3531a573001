/**
 * The `http` kind: scrapes a Prometheus exporter over HTTP(S) (see _http_scrape.ts).
 *
 * Permissions: `net` to the address's host and port; `read` of its TLS files and of their
 * folders, watched for renewals; for a `unix_socket`, `net` to `unix:<path>` and `read` and
 * `write` of it; for an https address, those of the system's CA certificates (see
 * _system_cas.ts).
 * @module
 */
import type { ExporterConfig } from "../config/types.ts";
import { type Fields, isMapping, keyAt, type Mapping, typeName } from "../config/fields.ts";
import { closest } from "../config/suggest.ts";
import { SCRAPE_PROTOCOLS, type ScrapeProtocol } from "../exposition/formats.ts";
import {
  DEFAULT_TIMEOUT_MS,
  type Exporter,
  type ExporterContext,
  type ExporterKind,
  readTimeout,
} from "./exporter.ts";
import { type Agents, HttpExporter } from "./_http_scrape.ts";
import { checkKeyPair, readCertificateFile, readKeyFile } from "../pem_files.ts";
import { logRenewal, renewing, watchedFolders } from "../renewal.ts";
import { systemCaCertificates, systemCaPermissions } from "./_system_cas.ts";
import { Agent as HttpAgent } from "node:http";
import { Agent as HttpsAgent } from "node:https";

/** TLS settings of an `http` exporter; absolute file paths. */
export interface ClientTls {
  /** A CA certificate file trusted besides the system's. */
  readonly caFile: string | undefined;
  /** The client certificate presented to the exporter's origin. */
  readonly certFile: string | undefined;
  /** The key of the client certificate. */
  readonly keyFile: string | undefined;
  /** Always false: refused by validation, kept so that the key is recognized. */
  readonly insecureSkipVerify: boolean;
}

/** The keys of an `http` exporter. */
export interface HttpSettings {
  /** Without user info: that is in `basicAuth`. */
  readonly address: URL;
  /** Infinity when `timeout: 0` (no timeout of its own). */
  readonly timeoutMs: number;
  /** `forward_url_params`: the request's query is added to the address's. */
  readonly forwardUrlParams: boolean;
  /** A Unix socket that the address's origin is reached through. */
  readonly unixSocket: string | undefined;
  /** `tls`; undefined: the system's CAs only, no client certificate. */
  readonly tls: ClientTls | undefined;
  /**
   * Sent to the address's origin only; from `basic_auth` (its password inline or from its
   * `password_file`) or the address's user info.
   */
  readonly basicAuth: { readonly username: string; readonly password: string } | undefined;
  /** Extra headers sent to the address's origin only; a value may come from a secret file. */
  readonly headers: Readonly<Record<string, string>>;
  /** The formats asked for, in order of preference (`scrape_protocols`). */
  readonly scrapeProtocols: readonly ScrapeProtocol[];
}

/** The configuration of an `http` exporter. */
export type HttpExporterConfig = ExporterConfig<HttpSettings>;

/** The `http` kind. */
export const httpKind: ExporterKind<HttpSettings> = {
  name: "http",
  keys: [
    "address",
    "timeout",
    "forward_url_params",
    "unix_socket",
    "tls",
    "basic_auth",
    "headers",
    "scrape_protocols",
  ],
  standIns: { address: "http://127.0.0.1/" },
  parse: parseHttp,
  permissions: httpPermissions,
  target({ settings }) {
    const url = new URL(settings.address);
    url.username = "";
    url.password = "";
    return settings.unixSocket === undefined ? url.href : `${url.href} via ${settings.unixSocket}`;
  },
  timeoutMs: ({ settings }) => settings.timeoutMs,
  forwardsQuery: ({ settings }) => settings.forwardUrlParams,
  survivesReload: false,
  create: createHttpExporter,
};

/** The Deno permissions an `http` exporter needs. */
function httpPermissions({ settings }: HttpExporterConfig): Deno.PermissionDescriptor[] {
  const { address, unixSocket } = settings;
  const port = address.port || (address.protocol === "https:" ? "443" : "80");
  // Deno checks the address's host even when the connection goes through a Unix socket.
  const out: Deno.PermissionDescriptor[] = [{ name: "net", host: `${address.hostname}:${port}` }];
  if (unixSocket !== undefined) {
    out.push(
      { name: "net", host: `unix:${unixSocket}` },
      { name: "read", path: unixSocket },
      { name: "write", path: unixSocket },
    );
  }
  const files = tlsFiles(settings);
  for (const path of [...files, ...watchedFolders(files)]) out.push({ name: "read", path });
  if (address.protocol === "https:") out.push(...systemCaPermissions());
  return out;
}

/**
 * Makes the running exporter of an `http` exporter; reads its TLS files, and follows them
 * (renewals are logged through `context`, when given).
 */
export async function createHttpExporter(
  config: HttpExporterConfig,
  context?: Pick<ExporterContext, "logger" | "path">,
): Promise<Exporter> {
  const { settings } = config;
  const material = await readClientTls(settings);
  const exporter = new HttpExporter(config, agentsOf(settings.address, material));
  const files = tlsFiles(settings);
  if (files.length === 0) return exporter;
  const renewal = renewing(files, material, {
    read: () => readClientTls(settings),
    same: (a, b) => JSON.stringify(a) === JSON.stringify(b),
    renewed: (renewed) => exporter.useAgents(agentsOf(settings.address, renewed)),
    report: (report) => {
      if (context === undefined) return;
      logRenewal(context.logger, report, { path: context.path, exporter: config.name });
    },
  });
  return {
    scrape: (scrapeContext) => exporter.scrape(scrapeContext),
    close: () => {
      renewal.close();
      exporter.close();
    },
  };
}

/** What an exporter's agents are made of: the CAs trusted, and its client certificate. */
interface ClientTlsMaterial {
  /** PEM texts. */
  readonly ca: readonly string[];
  readonly certificate?: { readonly cert: string; readonly key: string };
}

/** The TLS files of an exporter. */
function tlsFiles({ tls }: HttpSettings): string[] {
  return [tls?.caFile, tls?.certFile, tls?.keyFile].filter((f) => f !== undefined);
}

/** Reads and checks the CAs and client certificate of an exporter; errors name the file. */
async function readClientTls({ address, tls }: HttpSettings): Promise<ClientTlsMaterial> {
  // Trusted besides Deno's own CAs (Mozilla's, which Deno's TLS client keeps when given
  // more): the system's, as in Go, and the exporter's ca_file.
  const ca = address.protocol === "https:" ? [...await systemCaCertificates()] : [];
  if (tls?.caFile !== undefined) ca.push((await readCertificateFile(tls.caFile, "CA")).pem);
  if (tls?.certFile === undefined || tls.keyFile === undefined) return { ca };
  const cert = await readCertificateFile(tls.certFile, "certificate");
  const key = await readKeyFile(tls.keyFile);
  checkKeyPair(cert, key);
  return { ca, certificate: { cert: cert.pem, key: key.pem } };
}

/** The agents of an exporter at `address` with `material`. */
function agentsOf(address: URL, material: ClientTlsMaterial): Agents {
  const trusted = material.ca.length > 0 ? { ca: [...material.ca] } : {};
  // Another origin a redirect leads to is not shown the client certificate: it gets agents
  // without one.
  const elsewhere = {
    "http:": new HttpAgent({ keepAlive: true }),
    "https:": new HttpsAgent({ keepAlive: true, ...trusted }),
  };
  const origin = address.protocol === "https:"
    ? new HttpsAgent({ keepAlive: true, ...trusted, ...material.certificate })
    : elsewhere["http:"];
  return { origin, elsewhere };
}

function parseHttp(fields: Fields, m: Mapping, at: string): HttpSettings | undefined {
  const addressText = fields.requiredString(m, { key: "address", at });
  let address: URL | undefined;
  if (addressText !== undefined) {
    try {
      address = new URL(addressText);
    } catch {
      fields.problem(keyAt(at, "address"), `invalid URL ${JSON.stringify(addressText)}`);
    }
    if (address && address.protocol !== "http:" && address.protocol !== "https:") {
      fields.problem(
        keyAt(at, "address"),
        `must be an http:// or https:// URL, got ${addressText}`,
      );
      address = undefined;
    }
  }
  let basicAuth = parseBasicAuth(fields, m, at);
  if (address !== undefined && (address.username !== "" || address.password !== "")) {
    // Kept out of the URL, so that no log line, error or page can show them.
    if (basicAuth !== undefined) {
      fields.problem(keyAt(at, "address"), "has user info and basic_auth is set too: keep one");
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
  const unixSocket = fields.string(m, { key: "unix_socket", at });
  const rest = {
    timeoutMs: readTimeout(fields, m, { at, fallback: DEFAULT_TIMEOUT_MS }),
    forwardUrlParams: fields.boolean(m, { key: "forward_url_params", at, fallback: false }),
    unixSocket: unixSocket === undefined ? undefined : fields.resolve(unixSocket),
    tls: parseClientTls(fields, m["tls"], keyAt(at, "tls")),
    basicAuth,
    headers: parseHeaders(fields, m, at),
    scrapeProtocols: parseScrapeProtocols(fields, m, at),
  };
  if (address === undefined) return undefined;
  return { address, ...rest };
}

/**
 * `basic_auth`: a user name, and a password that may be empty, or (`password_file`) the content
 * of a secret file.
 */
function parseBasicAuth(
  fields: Fields,
  m: Mapping,
  at: string,
): { username: string; password: string } | undefined {
  if (m["basic_auth"] === undefined || m["basic_auth"] === null) return undefined;
  const p = keyAt(at, "basic_auth");
  const credentials = fields.mapping(m["basic_auth"], {
    at: p,
    known: ["username", "password", "password_file"],
  });
  if (credentials === undefined) return undefined;
  const username = fields.requiredString(credentials, { key: "username", at: p });
  const given = (key: string) => credentials[key] !== undefined && credentials[key] !== null;
  if (given("password") && given("password_file")) {
    fields.problem(p, "password and password_file are both set: keep one");
    return undefined;
  }
  const password = given("password_file")
    ? fields.secretFile(credentials, { key: "password_file", at: p })
    : fields.string(credentials, { key: "password", at: p }) ?? "";
  return username === undefined || password === undefined ? undefined : { username, password };
}

/** A header's name: an HTTP token. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** What a header's value may hold: tabs, and visible characters and spaces up to U+00FF. */
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/**
 * `headers`: each value a string, or `{file: ...}` for the content of a secret file. Names and
 * values are checked here, so that no request fails on them, and no message shows a value.
 */
function parseHeaders(fields: Fields, m: Mapping, at: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const { key: name, value, at: h } of fields.entries(m, { key: "headers", at })) {
    const text = headerValue(fields, value, h);
    if (!HEADER_NAME.test(name)) {
      fields.problem(h, "is not a valid header name");
    } else if (text !== undefined && !HEADER_VALUE.test(text)) {
      fields.problem(
        h,
        "its value has a character a header cannot carry (a line break, a control character " +
          "or one beyond U+00FF)",
      );
    } else if (text !== undefined) {
      out[name] = text;
    }
  }
  return out;
}

/** A header's value: a string (or a number or boolean, as its text), or `{file: ...}`. */
function headerValue(fields: Fields, value: unknown, at: string): string | undefined {
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
    return String(value);
  }
  if (!isMapping(value)) {
    fields.problem(at, `expected a string or {file: <secret file>}, got ${typeName(value)}`);
    return undefined;
  }
  const secret = fields.mapping(value, { at, known: ["file"] });
  if (secret === undefined) return undefined;
  if (secret["file"] === undefined || secret["file"] === null) {
    fields.problem(keyAt(at, "file"), "required");
    return undefined;
  }
  return fields.secretFile(secret, { key: "file", at });
}

function parseClientTls(fields: Fields, value: unknown, at: string): ClientTls | undefined {
  if (value === undefined || value === null) return undefined;
  const m = fields.mapping(value, {
    at,
    known: ["ca_file", "cert_file", "key_file", "insecure_skip_verify"],
  });
  if (m === undefined) return undefined;
  const file = (key: string) => {
    const v = fields.string(m, { key, at });
    return v === undefined ? undefined : fields.resolve(v);
  };
  const tls: ClientTls = {
    caFile: file("ca_file"),
    certFile: file("cert_file"),
    keyFile: file("key_file"),
    insecureSkipVerify: fields.boolean(m, { key: "insecure_skip_verify", at, fallback: false }),
  };
  if (tls.insecureSkipVerify) {
    fields.problem(
      keyAt(at, "insecure_skip_verify"),
      "is not supported: Deno's HTTP client cannot skip verification for one exporter; " +
        "give the exporter's CA in ca_file",
    );
  }
  if ((tls.certFile === undefined) !== (tls.keyFile === undefined)) {
    fields.problem(at, "cert_file and key_file go together");
  }
  return tls;
}

/** `scrape_protocols`: a list of Prometheus's protocol names, each once; all by default. */
function parseScrapeProtocols(fields: Fields, m: Mapping, at: string): readonly ScrapeProtocol[] {
  if (m["scrape_protocols"] === undefined || m["scrape_protocols"] === null) {
    return SCRAPE_PROTOCOLS;
  }
  const p = keyAt(at, "scrape_protocols");
  const names = fields.stringList(m, { key: "scrape_protocols", at });
  const out: ScrapeProtocol[] = [];
  names.forEach((name, i) => {
    if (!(SCRAPE_PROTOCOLS as readonly string[]).includes(name)) {
      const suggestion = closest(name, SCRAPE_PROTOCOLS);
      fields.problem(
        `${p}[${i}]`,
        `unknown protocol ${JSON.stringify(name)}${
          suggestion === undefined ? "" : ` (did you mean "${suggestion}"?)`
        }; known: ${SCRAPE_PROTOCOLS.join(", ")}`,
      );
    } else if (out.includes(name as ScrapeProtocol)) {
      fields.problem(`${p}[${i}]`, `${name} is listed twice`);
    } else {
      out.push(name as ScrapeProtocol);
    }
  });
  if (Array.isArray(m["scrape_protocols"]) && m["scrape_protocols"].length === 0) {
    fields.problem(p, "must list at least one protocol");
  }
  return out;
}
