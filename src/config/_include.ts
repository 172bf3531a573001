/**
 * `include`: globs of files that hold `reverse_exporters` entries (drop-in configuration, a file
 * per component of a fat container). Finding and reading the files is here; validating what they
 * hold is validation's (validate.ts), each problem naming its file.
 * @module
 */
import { errorMessage } from "../error_message.ts";
import { FileTooLarge, readSmallFile } from "../small_file.ts";
import { globToRegExp, isGlob } from "../std/glob.ts";
import { parseYaml } from "../std/yaml.ts";
import { isMapping, resolvePath } from "./fields.ts";
import type { Include } from "./types.ts";

/** The most files all the globs of a configuration may match. */
export const MAX_INCLUDED_FILES = 1000;

/** The most folder entries the globs of a configuration may look at, walking their folders. */
export const MAX_ENTRIES_WALKED = 10_000;

/** The largest included file read. */
export const MAX_INCLUDED_FILE_BYTES = 4 * 1024 * 1024;

/** One file an `include` glob matched: the YAML it holds, or why it cannot be read. */
export type IncludedDocument =
  | { readonly file: string; readonly document: unknown }
  | { readonly file: string; readonly error: string };

/** What the `include` globs of a configuration found. */
export interface Included {
  /** Each glob (valid ones only: validation reports the others), with its files. */
  readonly includes: readonly (Include & { readonly at: string; readonly error?: string })[];
  /** Every file matched, once, in the order of the globs, each glob's sorted by path. */
  readonly documents: readonly IncludedDocument[];
}

/**
 * Finds and reads the files of the `include` globs of `document`, the configuration file
 * `origin.file`, relative to its folder. A glob that matches nothing is no error; the
 * configuration file itself is never included.
 */
export async function readIncludes(
  document: unknown,
  origin: { file: string; baseDir: string },
): Promise<Included> {
  const patterns = isMapping(document) && Array.isArray(document["include"])
    ? document["include"]
    : [];
  const includes: Included["includes"][number][] = [];
  const documents: IncludedDocument[] = [];
  const seen = new Set([origin.file]);
  const budget = { entries: MAX_ENTRIES_WALKED };
  for (const [i, pattern] of patterns.entries()) {
    if (typeof pattern !== "string" || pattern === "") continue;
    const at = `include[${i}]`;
    const glob = resolvePath(origin.baseDir, pattern);
    const read = fixedPart(glob);
    let files: string[];
    try {
      files = read === glob ? await existingFile(glob) : await walk(read, glob, budget);
    } catch (error) {
      includes.push({ pattern, read, files: [], at, error: errorMessage(error) });
      continue;
    }
    files = files.filter((f) => f !== origin.file).sort();
    const added = files.filter((f) => !seen.has(f));
    if (documents.length + added.length > MAX_INCLUDED_FILES) {
      const error = `the include globs match more than ${MAX_INCLUDED_FILES} files`;
      includes.push({ pattern, read, files: [], at, error });
      break;
    }
    includes.push({ pattern, read, files, at });
    for (const file of added) {
      seen.add(file);
      documents.push(await readDocument(file));
    }
  }
  return { includes, documents };
}

/** The folders of `glob` before its first segment with glob syntax (or `glob` itself). */
function fixedPart(glob: string): string {
  const segments = glob.split("/");
  const first = segments.findIndex((s) => isGlob(s));
  if (first === -1) return glob;
  return segments.slice(0, first).join("/") || "/";
}

/** `[file]` when it exists (and is not a folder), else none. */
async function existingFile(file: string): Promise<string[]> {
  mayRead(file);
  try {
    return (await Deno.stat(file)).isDirectory ? [] : [file];
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
}

/**
 * The files under `folder` that `glob` matches. Names starting with "." are skipped unless the
 * glob has such a name (as a shell's globs do); symbolic links to files are files, links to
 * folders are not followed. A missing folder matches nothing.
 */
async function walk(folder: string, glob: string, budget: { entries: number }): Promise<string[]> {
  mayRead(folder);
  const regExp = globToRegExp(glob);
  const rest = glob.slice(folder === "/" ? 1 : folder.length + 1).split("/");
  const depth = rest.includes("**") ? Infinity : rest.length;
  const dotted = rest.some((s) => s.startsWith("."));
  const out: string[] = [];
  const visit = async (dir: string, level: number): Promise<void> => {
    try {
      for await (const entry of Deno.readDir(dir)) {
        if (--budget.entries < 0) {
          throw new Error(`the include globs look at more than ${MAX_ENTRIES_WALKED} entries`);
        }
        if (entry.name.startsWith(".") && !dotted) continue;
        const path = dir === "/" ? `/${entry.name}` : `${dir}/${entry.name}`;
        if (entry.isDirectory) {
          if (level + 1 < depth) await visit(path, level + 1);
        } else if (entry.isSymlink && (await Deno.stat(path).catch(() => undefined))?.isFile) {
          if (regExp.test(path)) out.push(path);
        } else if (entry.isFile && regExp.test(path)) {
          out.push(path);
        }
      }
    } catch (error) {
      if (error instanceof Deno.errors.NotFound && dir === folder) return;
      throw error;
    }
  };
  await visit(folder, 0);
  return out;
}

/** Fails, naming the grant to add, unless this process may read `path`. */
function mayRead(path: string): void {
  if (Deno.permissions.querySync({ name: "read", path }).state !== "granted") {
    throw new Error(`cannot read ${path}: not permitted; add --allow-read=${path}`);
  }
}

/** The YAML an included file holds. */
async function readDocument(file: string): Promise<IncludedDocument> {
  let text: string;
  try {
    text = new TextDecoder().decode(await readSmallFile(file, MAX_INCLUDED_FILE_BYTES));
  } catch (error) {
    if (error instanceof FileTooLarge) {
      return { file, error: `${error.message}: not a configuration` };
    }
    return { file, error: `cannot read the file: ${errorMessage(error)}` };
  }
  try {
    return { file, document: parseYaml(text) };
  } catch (error) {
    return { file, error: `invalid YAML: ${errorMessage(error)}` };
  }
}
