/** Validation of a parsed YAML document into a {@linkcode Config}. Pure: no I/O. */
import { type DocumentOrigin, Fields, folderOf, isMapping, keyAt, typeName } from "./fields.ts";
import type { Config, ExporterSchema, PathConfig } from "./types.ts";
import type { Included } from "./_include.ts";
import { asksClientCertificates, isCleanPath, parseWeb } from "./_web.ts";
import { parseAuth } from "./_auth.ts";
import { type Defaults, parseDefaults, parseExporters } from "./_exporters.ts";

/** What {@linkcode validateConfig} needs besides the document. */
export interface ValidateOptions extends DocumentOrigin {
  /** The kinds of exporter, in the order a path lists its exporters (src/exporters/mod.ts). */
  readonly kinds: readonly ExporterSchema[];
  /** What the document's `include` globs found (see _include.ts); none when absent. */
  readonly included?: Included;
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

const TOP_KEYS = ["web", "exporter_defaults", "reverse_exporters", "include"] as const;

/** The one key of an included file. */
const INCLUDED_KEYS = ["reverse_exporters"] as const;

const PATH_KEYS = ["path", "backend_metrics", "auth", "exporters"] as const;

/**
 * Validates a parsed YAML document. Returns the configuration, or throws a
 * {@linkcode ConfigError} listing every problem found.
 */
export function validateConfig(document: unknown, options: ValidateOptions): Config {
  const { kinds, included } = options;
  const fields = new Fields(options);
  const top = fields.mapping(document, { at: "", known: TOP_KEYS }) ?? {};
  const web = parseWeb(fields, top["web"]);
  const defaults = parseDefaults(fields, top["exporter_defaults"], kinds);
  checkIncludes(fields, top["include"], included);
  const reverseExporters: PathConfig[] = [];
  const clientCertificates = asksClientCertificates(web.listen);
  /** Where each path was configured, for the message naming both places of a duplicate. */
  const seen = new Map<string, string>();
  const readPaths = (file: Fields, list: unknown, where: string) => {
    file.list(list, "reverse_exporters").forEach((entry, i) => {
      const at = `reverse_exporters[${i}]`;
      const parsed = parsePath(file, entry, { at, kinds, defaults, clientCertificates });
      if (parsed === undefined) return;
      const first = seen.get(parsed.path);
      if (first !== undefined) {
        file.problem(
          keyAt(at, "path"),
          `duplicate path ${parsed.path}: each path may be configured once; ` +
            `it is configured at ${first} too`,
        );
      } else {
        seen.set(parsed.path, `${where}: ${at}`);
      }
      reverseExporters.push(parsed);
    });
  };
  readPaths(fields, top["reverse_exporters"], fields.label);
  const problems = [...fields.problems];
  const secretFiles = [...fields.secretFiles];
  for (const doc of included?.documents ?? []) {
    const file = new Fields({
      file: doc.file,
      baseDir: folderOf(doc.file),
      readSecret: options.readSecret,
    });
    if ("error" in doc) {
      file.problem("", doc.error);
    } else {
      readPaths(file, includedPaths(file, doc.document), doc.file);
    }
    problems.push(...file.problems);
    secretFiles.push(...file.secretFiles);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const includes = (included?.includes ?? []).map(({ pattern, read, files }) => ({
    pattern,
    read,
    files,
  }));
  return { file: options.file, web, reverseExporters, includes, secretFiles };
}

/** `include`: a list of globs, and what finding their files met. */
function checkIncludes(fields: Fields, value: unknown, included: Included | undefined): void {
  fields.list(value, "include").forEach((pattern, i) => {
    if (typeof pattern !== "string") {
      fields.problem(`include[${i}]`, `expected a string (a glob), got ${typeName(pattern)}`);
    } else if (pattern === "") {
      fields.problem(`include[${i}]`, "must not be empty");
    }
  });
  for (const include of included?.includes ?? []) {
    if (include.error !== undefined) fields.problem(include.at, include.error);
  }
}

/** The `reverse_exporters` of an included file: the only key it may have. */
function includedPaths(fields: Fields, document: unknown): unknown {
  if (!isMapping(document)) return fields.mapping(document, { at: "", known: INCLUDED_KEYS });
  for (const key of Object.keys(document)) {
    if (key === "reverse_exporters") continue;
    fields.problem(
      key,
      "not allowed in an included file: it holds reverse_exporters entries only " +
        "(web, exporter_defaults and include belong in the main configuration file)",
    );
  }
  return document["reverse_exporters"];
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
