/** The exporters of a path, and `exporter_defaults`: what every exporter has, then its kind's keys. */
import type { Label } from "../exposition/model.ts";
import { SCRAPE_PROTOCOLS, type ScrapeProtocol } from "../exposition/formats.ts";
import { closest } from "./suggest.ts";
import { type Fields, isMapping, keyAt, type Mapping } from "./fields.ts";
import type { ClientTls, ExporterConfig, ExporterKind } from "./types.ts";

/** The label every sample gets, naming its exporter. */
export const EXPORTER_NAME_LABEL = "exporter_name";

/** Default `timeout` of http and exec exporters. */
export const DEFAULT_TIMEOUT_MS = 10_000;

/** Default limit on the size of one exporter's output. */
export const DEFAULT_BODY_SIZE_LIMIT = 128 * 1024 * 1024;

const COMMON_KEYS = ["name", "labels", "no_rewrite", "body_size_limit"] as const;

/** The keys each kind of exporter accepts. */
const EXPORTER_KEYS: Readonly<Record<ExporterKind, readonly string[]>> = {
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

/** The kinds of exporter, in the order their exporters are listed. */
export const KINDS = Object.keys(EXPORTER_KEYS) as ExporterKind[];

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** `exporter_defaults`: each kind's defaults, checked on their own. */
export type Defaults = Readonly<Record<ExporterKind, Mapping>>;

/** The exporters of the path at `at` (its `exporters` mapping is `value`), in kind order. */
export function parseExporters(
  fields: Fields,
  value: unknown,
  options: { at: string; defaults: Defaults; servedPath: string | undefined },
): ExporterConfig[] {
  const at = keyAt(options.at, "exporters");
  const byKind = fields.mapping(value, { at, known: KINDS }) ?? {};
  const exporters: ExporterConfig[] = [];
  const names = new Set<string>();
  for (const kind of KINDS) {
    fields.list(byKind[kind], keyAt(at, kind)).forEach((entry, i) => {
      const p = `${keyAt(at, kind)}[${i}]`;
      const own = fields.mapping(entry, { at: p, known: EXPORTER_KEYS[kind] });
      if (own === undefined) return;
      const exporter = parseExporter(fields, mergeDefaults(options.defaults[kind], own), {
        kind,
        at: p,
      });
      if (exporter === undefined || exporter.name === "") return;
      if (names.has(exporter.name)) {
        fields.problem(
          keyAt(p, "name"),
          `duplicate exporter name "${exporter.name}" in path ${options.servedPath}: names must be unique within a path`,
        );
      }
      names.add(exporter.name);
      exporters.push(exporter);
    });
  }
  return exporters;
}

/** `exporter_defaults`: the keys of each kind but `name`, each value checked at its own key. */
export function parseDefaults(fields: Fields, value: unknown): Defaults {
  const m = fields.mapping(value, { at: "exporter_defaults", known: KINDS }) ?? {};
  const defaults: Record<ExporterKind, Mapping> = { http: {}, file: {}, exec: {}, exec_cached: {} };
  for (const kind of KINDS) {
    const at = `exporter_defaults.${kind}`;
    const known = EXPORTER_KEYS[kind].filter((k) => k !== "name");
    const d = fields.mapping(m[kind], { at, known });
    if (d === undefined) continue;
    // Check the defaults on their own, so a bad value is reported once, at its own key.
    const before = fields.problems.length;
    parseExporter(fields, { name: "defaults", ...requiredStandIns(kind), ...d }, { kind, at });
    if (fields.problems.length === before) defaults[kind] = d;
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

function parseTargetLabels(
  fields: Fields,
  m: Mapping,
  options: { at: string; name: string; noRewrite: boolean },
) {
  const { at, name, noRewrite } = options;
  const labels = fields.stringMap(m, { key: "labels", at });
  const out: Label[] = [];
  for (const [labelName, value] of Object.entries(labels)) {
    const p = keyAt(keyAt(at, "labels"), labelName);
    if (labelName === EXPORTER_NAME_LABEL) {
      fields.problem(
        p,
        `"${EXPORTER_NAME_LABEL}" is set from the exporter's name and cannot be a label`,
      );
    } else if (!LABEL_NAME.test(labelName)) {
      fields.problem(p, "invalid label name: use letters, digits and _, not starting with a digit");
    } else if (labelName.startsWith("__")) {
      fields.problem(p, 'invalid label name: names starting with "__" are reserved');
    } else {
      out.push({ name: labelName, value });
    }
  }
  out.sort((a, b) => (a.name < b.name ? -1 : 1));
  if (!noRewrite) out.push({ name: EXPORTER_NAME_LABEL, value: name });
  return out;
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

function parseExporter(
  fields: Fields,
  m: Mapping,
  options: { kind: ExporterKind; at: string },
): ExporterConfig | undefined {
  const { kind, at } = options;
  const name = fields.requiredString(m, { key: "name", at }) ?? "";
  const noRewrite = fields.boolean(m, { key: "no_rewrite", at, fallback: false });
  const common = {
    name,
    noRewrite,
    targetLabels: parseTargetLabels(fields, m, { at, name, noRewrite }),
    bodySizeLimit: fields.byteSize(m, {
      key: "body_size_limit",
      at,
      fallback: DEFAULT_BODY_SIZE_LIMIT,
    }),
  };
  switch (kind) {
    case "http": {
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
      const basicAuthMap = m["basic_auth"] === undefined || m["basic_auth"] === null
        ? undefined
        : fields.mapping(m["basic_auth"], {
          at: keyAt(at, "basic_auth"),
          known: ["username", "password"],
        });
      let basicAuth: { username: string; password: string } | undefined;
      if (basicAuthMap !== undefined) {
        const p = keyAt(at, "basic_auth");
        const username = fields.requiredString(basicAuthMap, { key: "username", at: p });
        const password = fields.string(basicAuthMap, { key: "password", at: p }) ?? "";
        if (username !== undefined) basicAuth = { username, password };
      }
      if (address !== undefined && (address.username !== "" || address.password !== "")) {
        // Kept out of the URL, so that no log line, error or page can show them.
        if (basicAuth !== undefined) {
          fields.problem(
            keyAt(at, "address"),
            "has user info and basic_auth is set too: keep one",
          );
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
        timeoutMs: timeout(fields, m, { at, fallback: DEFAULT_TIMEOUT_MS }),
        forwardUrlParams: fields.boolean(m, { key: "forward_url_params", at, fallback: false }),
        unixSocket: unixSocket === undefined ? undefined : fields.resolve(unixSocket),
        tls: parseClientTls(fields, m["tls"], keyAt(at, "tls")),
        basicAuth,
        headers: fields.stringMap(m, { key: "headers", at }),
        scrapeProtocols: scrapeProtocols(fields, m, at),
      };
      if (address === undefined) return undefined;
      return { kind, ...common, address, ...rest };
    }
    case "file": {
      const file = fields.requiredString(m, { key: "path", at });
      if (file === undefined) return undefined;
      return { kind, ...common, path: fields.resolve(file) };
    }
    case "exec":
    case "exec_cached": {
      const command = fields.requiredString(m, { key: "command", at });
      const workingDir = fields.string(m, { key: "working_dir", at });
      const exec = {
        ...common,
        command: command === undefined || !command.includes("/")
          ? command ?? ""
          : fields.resolve(command),
        args: fields.stringList(m, { key: "args", at }),
        env: fields.stringMap(m, { key: "env", at }),
        workingDir: workingDir === undefined ? undefined : fields.resolve(workingDir),
      };
      if (kind === "exec") {
        return {
          kind,
          ...exec,
          timeoutMs: timeout(fields, m, { at, fallback: DEFAULT_TIMEOUT_MS }),
        };
      }
      const execIntervalMs = fields.duration(m, { key: "exec_interval", at, fallback: -1 });
      if (m["exec_interval"] === undefined || m["exec_interval"] === null) {
        fields.problem(keyAt(at, "exec_interval"), "required");
      } else if (execIntervalMs === 0) {
        fields.problem(keyAt(at, "exec_interval"), "must be more than 0");
      }
      return {
        kind,
        ...exec,
        execIntervalMs,
        timeoutMs: timeout(fields, m, { at, fallback: execIntervalMs }),
        maxAgeMs: fields.duration(m, { key: "max_age", at, fallback: 3 * execIntervalMs }),
      };
    }
  }
}

/** `scrape_protocols`: a list of Prometheus's protocol names, each once; all by default. */
function scrapeProtocols(fields: Fields, m: Mapping, at: string): readonly ScrapeProtocol[] {
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

/** `timeout`, where 0 means no timeout of its own (Infinity). */
function timeout(fields: Fields, m: Mapping, options: { at: string; fallback: number }): number {
  const ms = fields.duration(m, { key: "timeout", ...options });
  return ms === 0 ? Infinity : ms;
}
