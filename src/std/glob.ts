/** Typed wrapper of `@std/path`'s globs (POSIX paths). */
import { globToRegExp as stdGlobToRegExp } from "@std/path/posix/glob-to-regexp";
import { isGlob as stdIsGlob } from "@std/path/is-glob";

/**
 * The regular expression that matches the paths `glob` matches, as bash's extended globbing with
 * `globstar` does: `*`, `?`, `[a-z]`, `{a,b}`, and `**` for any number of folders.
 */
export function globToRegExp(glob: string): RegExp {
  const regExp: unknown = stdGlobToRegExp(glob, { extended: true, globstar: true });
  if (!(regExp instanceof RegExp)) throw new Error(`no regular expression for ${glob}`);
  return regExp;
}

/** Whether `text` has glob syntax (`*`, `?`, `[...]`, `{...}`, ...) that is not escaped. */
export function isGlob(text: string): boolean {
  return stdIsGlob(text) === true;
}
