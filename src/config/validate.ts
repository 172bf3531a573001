/** Validation of a parsed YAML document into a {@linkcode Config}. Pure: no I/O. */
import { type DocumentOrigin, Fields, keyAt } from "./fields.ts";
import type { Config, ExporterSchema, PathConfig } from "./types.ts";
import { asksClientCertificates, isCleanPath, parseWeb } from "./_web.ts";
import { parseAuth } from "./_auth.ts";
import { type Defaults, parseDefaults, parseExporters } from "./_exporters.ts";

/** What {@linkcode validateConfig} needs besides the document. */
export interface ValidateOptions extends DocumentOrigin {
  /** The kinds of exporter, in the order a path lists its exporters (src/exporters/mod.ts). */
  readonly kinds: readonly ExporterSchema[];
}

/** A configuration that failed validation: every problem found, each naming its key. */
export class ConfigError extends Error {
  /** One line per problem: `file: key: what is wrong`. */
  readonly problems: readonly string[];

  /** A refusal listing `problems`. */
  constructor(problems: readonly string[]) {
    super(problems.join("\n"));
    this.name = "ConfigError";
    this.problems = problems;
  }
}

const TOP_KEYS = ["web", "exporter_defaults", "reverse_exporters"] as const;

const PATH_KEYS = ["path", "backend_metrics", "auth", "exporters"] as const;

/**
 * Validates a parsed YAML document. Returns the configuration, or throws a
 * {@linkcode ConfigError} listing every problem found.
 */
export function validateConfig(document: unknown, options: ValidateOptions): Config {
  const { kinds } = options;
  const fields = new Fields(options);
  const top = fields.mapping(document, { at: "", known: TOP_KEYS }) ?? {};
  const web = parseWeb(fields, top["web"]);
  const defaults = parseDefaults(fields, top["exporter_defaults"], kinds);
  const reverseExporters: PathConfig[] = [];
  const seen = new Set<string>();
  fields.list(top["reverse_exporters"], "reverse_exporters").forEach((entry, i) => {
    const at = `reverse_exporters[${i}]`;
    const parsed = parsePath(fields, entry, {
      at,
      kinds,
      defaults,
      clientCertificates: asksClientCertificates(web.listen),
    });
    if (parsed === undefined) return;
    if (seen.has(parsed.path)) {
      fields.problem(
        keyAt(at, "path"),
        `duplicate path ${parsed.path}: each path may be configured once`,
      );
    }
    seen.add(parsed.path);
    reverseExporters.push(parsed);
  });
  if (fields.problems.length > 0) throw new ConfigError(fields.problems);
  return { file: options.file, web, reverseExporters };
}

/** One entry of `reverse_exporters`: a served path and its exporters. */
function parsePath(
  fields: Fields,
  value: unknown,
  options: {
    at: string;
    kinds: readonly ExporterSchema[];
    defaults: Defaults;
    clientCertificates: boolean;
  },
): PathConfig | undefined {
  const { at } = options;
  const m = fields.mapping(value, { at, known: PATH_KEYS });
  if (m === undefined) return undefined;
  const path = fields.requiredString(m, { key: "path", at });
  if (path !== undefined) {
    if (!path.startsWith("/")) {
      fields.problem(keyAt(at, "path"), `must start with "/", got ${JSON.stringify(path)}`);
    } else if (path === "/" || path === "/-" || path.startsWith("/-/")) {
      fields.problem(
        keyAt(at, "path"),
        `${path} collides with the program's own routes (/ and /-/...)`,
      );
    } else if (!isCleanPath(path)) {
      fields.problem(
        keyAt(at, "path"),
        "must be segments of letters, digits, '-', '_', '.' and '~' (not '.' or '..'), not ending with /",
      );
    }
  }
  const exporters = parseExporters(fields, m["exporters"], { ...options, servedPath: path });
  if (path === undefined) return undefined;
  return {
    path,
    backendMetrics: fields.boolean(m, { key: "backend_metrics", at, fallback: true }),
    auth: parseAuth(fields, m["auth"], {
      at: keyAt(at, "auth"),
      clientCertificates: options.clientCertificates,
    }),
    exporters,
    ownMetrics: false,
  };
}
