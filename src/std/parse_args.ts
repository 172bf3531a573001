/** Typed wrapper of `@std/cli/parse-args`. */
import { parseArgs as stdParseArgs } from "@std/cli/parse-args";

/** Which flags take a string and which are booleans. */
export interface ParseArgsOptions {
  /** Flags that take a value. */
  readonly string: readonly string[];
  /** Flags that take none. */
  readonly boolean: readonly string[];
  /** Short names of flags: `{ h: "help" }`. */
  readonly alias?: Readonly<Record<string, string>>;
}

/** Parsed flags; `unknown` lists every argument that is not a declared flag. */
export interface ParsedArgs {
  /** The values of the flags given that take one. */
  readonly strings: ReadonlyMap<string, string>;
  /** The flags given that take none. */
  readonly booleans: ReadonlySet<string>;
  /** Arguments that are no known flag. */
  readonly unknown: readonly string[];
}

/** Parses command-line arguments; flags may be dotted (`--web.enable-lifecycle`). */
export function parseArgs(args: readonly string[], options: ParseArgsOptions): ParsedArgs {
  const unknown: string[] = [];
  const parsed: Record<string, unknown> = stdParseArgs([...args], {
    string: [...options.string],
    boolean: [...options.boolean],
    alias: { ...options.alias },
    unknown: (arg: string) => {
      unknown.push(arg);
      return false;
    },
  });
  const strings = new Map<string, string>();
  const booleans = new Set<string>();
  for (const name of options.string) {
    const value = lookup(parsed, name);
    if (typeof value === "string") strings.set(name, value);
  }
  for (const name of options.boolean) {
    if (lookup(parsed, name) === true) booleans.add(name);
  }
  return { strings, booleans, unknown };
}

/** Reads a flag from the parsed object, where `a.b` is stored as `{a: {b: ...}}`. */
function lookup(parsed: Record<string, unknown>, name: string): unknown {
  let value: unknown = parsed;
  for (const part of name.split(".")) {
    if (typeof value !== "object" || value === null) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}
