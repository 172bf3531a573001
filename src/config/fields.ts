/**
 * Field readers: each reads one value of a YAML mapping into a precise type, or reports a
 * problem naming the key (`reverse_exporters[0].exporters.http[0].timeout: ...`) and gives
 * the fallback. Validation, and each kind of exporter reading its own keys, use them.
 * @module
 */
import { parseByteSize, parseDuration } from "../duration.ts";
import { closest } from "./suggest.ts";
import { errorMessage } from "../error_message.ts";

/** A YAML mapping, as parsed. */
export type Mapping = Record<string, unknown>;

/** Which key a reader reads: its name, and where its mapping is in the document. */
export interface FieldOptions {
  /** The key's name in the mapping. */
  readonly key: string;
  /** Where the mapping is, e.g. `reverse_exporters[0]`; "" at the top level. */
  readonly at: string;
}

/** {@linkcode FieldOptions} with the value given when the key is absent or invalid. */
export interface FieldWithFallback<T> extends FieldOptions {
  /** The value when the key is absent or invalid. */
  readonly fallback: T;
}

/** Where a document comes from: its file for messages, and the folder for relative file names. */
export interface DocumentOrigin {
  /** Absolute path of the file; undefined for the embedded default. */
  readonly file: string | undefined;
  /** Folder that relative file names resolve against. */
  readonly baseDir: string;
  /**
   * Reads a secret file (an absolute name) at load: its content, or throws with a reason that
   * never quotes it. Absent: a document naming a secret file is refused.
   */
  readonly readSecret?: ((file: string) => string) | undefined;
}

/** A file a secret was read from, and the key that named it. */
export interface SecretFile {
  /** The file, absolute. */
  readonly file: string;
  /** Where it was named, e.g. `reverse_exporters[0].auth.basic_auth[0].password_file`. */
  readonly key: string;
}

/** The longest timer JavaScript runs as asked (2^31 - 1 ms, about 24.8 days). */
const MAX_DURATION_MS = 2 ** 31 - 1;

/** Reads the fields of one document, collecting every problem found. */
export class Fields {
  /** One line per problem: `file: key: what is wrong`. */
  readonly problems: string[] = [];
  /** The secret files read, for the permissions they need. */
  readonly secretFiles: SecretFile[] = [];
  readonly #label: string;
  readonly #baseDir: string;
  readonly #readSecret: ((file: string) => string) | undefined;

  /** A reader of the document that `origin` names. */
  constructor(origin: DocumentOrigin) {
    this.#label = origin.file ?? "embedded default configuration";
    this.#baseDir = origin.baseDir;
    this.#readSecret = origin.readSecret;
  }

  /** The document's file, as problems name it. */
  get label(): string {
    return this.#label;
  }

  /** Reports a problem at `at` (a key, or where a mapping or list is). */
  problem(at: string, message: string): void {
    this.problems.push(`${this.#label}: ${at || "(top level)"}: ${message}`);
  }

  /** A file name of the document, made absolute against the document's folder. */
  resolve(file: string): string {
    return resolvePath(this.#baseDir, file);
  }

  /** The mapping at `at`, with its unknown keys reported; undefined when it is not a mapping. */
  mapping(value: unknown, options: { at: string; known: readonly string[] }): Mapping | undefined {
    const { at, known } = options;
    if (value === undefined || value === null) return {};
    if (!isMapping(value)) {
      this.problem(at, `expected a mapping, got ${typeName(value)}`);
      return undefined;
    }
    for (const k of Object.keys(value)) {
      if (known.includes(k)) continue;
      const suggestion = closest(k, known);
      this.problem(
        keyAt(at, k),
        `unknown key${suggestion === undefined ? "" : ` (did you mean "${suggestion}"?)`}; ` +
          `known keys here: ${known.join(", ")}`,
      );
    }
    return value;
  }

  /** The list at `at`; empty when absent or not a list. */
  list(value: unknown, at: string): unknown[] {
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) {
      this.problem(at, `expected a list, got ${typeName(value)}`);
      return [];
    }
    return value;
  }

  /** A string; undefined when absent or not a string. */
  string(m: Mapping, options: FieldOptions): string | undefined {
    const value = m[options.key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "string") {
      this.problem(keyAt(options.at, options.key), `expected a string, got ${typeName(value)}`);
      return undefined;
    }
    return value;
  }

  /** A string that must be given and not be empty. */
  requiredString(m: Mapping, options: FieldOptions): string | undefined {
    const value = this.string(m, options);
    const at = keyAt(options.at, options.key);
    if (value === undefined && (m[options.key] === undefined || m[options.key] === null)) {
      this.problem(at, "required");
    } else if (value === "") {
      this.problem(at, "must not be empty");
      return undefined;
    }
    return value;
  }

  /** true or false. */
  boolean(m: Mapping, options: FieldWithFallback<boolean>): boolean {
    const value = m[options.key];
    if (value === undefined || value === null) return options.fallback;
    if (typeof value !== "boolean") {
      this.problem(
        keyAt(options.at, options.key),
        `expected true or false, got ${typeName(value)}`,
      );
      return options.fallback;
    }
    return value;
  }

  /** A Prometheus duration (`500ms`, `1m30s`, `0`), in ms. */
  duration(m: Mapping, options: FieldWithFallback<number>): number {
    const value = m[options.key];
    if (value === undefined || value === null) return options.fallback;
    const at = keyAt(options.at, options.key);
    const ms = value === 0 ? 0 : typeof value === "string" ? parseDuration(value) : undefined;
    if (ms === undefined) {
      this.problem(
        at,
        `invalid duration ${
          JSON.stringify(value)
        }: use Prometheus syntax such as 500ms, 10s, 1m30s`,
      );
      return options.fallback;
    }
    if (ms > MAX_DURATION_MS) {
      this.problem(at, `${value} is longer than the longest duration supported, 24d`);
      return options.fallback;
    }
    return ms;
  }

  /** A size in bytes: a whole number, or with a unit (`64MiB`); more than 0. */
  byteSize(m: Mapping, options: FieldWithFallback<number>): number {
    const value = m[options.key];
    if (value === undefined || value === null) return options.fallback;
    const bytes = typeof value === "number" && Number.isSafeInteger(value) && value > 0
      ? value
      : typeof value === "string"
      ? parseByteSize(value)
      : undefined;
    if (bytes === undefined || bytes <= 0) {
      this.problem(
        keyAt(options.at, options.key),
        `invalid size ${JSON.stringify(value)}: use bytes or a unit such as 512KiB, 64MiB, 1GiB`,
      );
      return options.fallback;
    }
    return bytes;
  }

  /** A whole number of at least 1. */
  count(m: Mapping, options: FieldWithFallback<number>): number {
    const value = m[options.key];
    if (value === undefined || value === null) return options.fallback;
    if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) {
      this.problem(
        keyAt(options.at, options.key),
        `expected a whole number of at least 1, got ${JSON.stringify(value)}`,
      );
      return options.fallback;
    }
    return value;
  }

  /**
   * The content of the secret file that the key names (relative to the document's folder), with
   * whitespace trimmed at both ends as Prometheus trims its `*_file` secrets; undefined when
   * absent or unreadable. No problem it reports quotes the content.
   */
  secretFile(m: Mapping, options: FieldOptions): string | undefined {
    const name = this.string(m, options);
    if (name === undefined) return undefined;
    const at = keyAt(options.at, options.key);
    if (name === "") {
      this.problem(at, "must not be empty");
      return undefined;
    }
    const file = this.resolve(name);
    this.secretFiles.push({ file, key: at });
    if (this.#readSecret === undefined) {
      this.problem(at, `secret files are read only when the configuration is loaded from a file`);
      return undefined;
    }
    let content: string;
    try {
      content = this.#readSecret(file);
    } catch (error) {
      this.problem(
        at,
        `cannot read the secret file ${file}: ${errorMessage(error)}`,
      );
      return undefined;
    }
    const value = content.trim();
    if (value === "") {
      this.problem(at, `the secret file ${file} is empty`);
      return undefined;
    }
    return value;
  }

  /** A mapping of strings (numbers and booleans are taken as their text); empty when absent. */
  stringMap(m: Mapping, options: FieldOptions): Record<string, string> {
    const out: Record<string, string> = {};
    for (const { key, value, at } of this.entries(m, options)) {
      if (isScalar(value)) out[key] = String(value);
      else this.problem(at, `expected a string, got ${typeName(value)}`);
    }
    return out;
  }

  /** The entries of a mapping of any keys, each with where it is; none when absent. */
  entries(m: Mapping, options: FieldOptions): { key: string; value: unknown; at: string }[] {
    const value = m[options.key];
    const at = keyAt(options.at, options.key);
    if (value === undefined || value === null) return [];
    if (!isMapping(value)) {
      this.problem(at, `expected a mapping, got ${typeName(value)}`);
      return [];
    }
    return Object.entries(value).map(([key, v]) => ({ key, value: v, at: keyAt(at, key) }));
  }

  /** A list of strings (numbers and booleans are taken as their text); empty when absent. */
  stringList(m: Mapping, options: FieldOptions): string[] {
    const at = keyAt(options.at, options.key);
    const out: string[] = [];
    this.list(m[options.key], at).forEach((v, i) => {
      if (isScalar(v)) out.push(String(v));
      else this.problem(`${at}[${i}]`, `expected a string, got ${typeName(v)}`);
    });
    return out;
  }
}

/** The place of `key` in the mapping at `at`. */
export function keyAt(at: string, key: string): string {
  return at === "" ? key : `${at}.${key}`;
}

/** What a value is, for messages: `a list`, `number 3`. */
export function typeName(value: unknown): string {
  if (value === null || value === undefined) return "nothing";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  return `${typeof value} ${JSON.stringify(value)}`;
}

/** Whether `value` is a YAML mapping. */
export function isMapping(value: unknown): value is Mapping {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isScalar(value: unknown): value is string | number | boolean {
  return typeof value === "string" || typeof value === "number" || typeof value === "boolean";
}

/** The folder of the absolute file name `file`. */
export function folderOf(file: string): string {
  return file.slice(0, file.lastIndexOf("/")) || "/";
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
