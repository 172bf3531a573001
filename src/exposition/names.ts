/**
 * Metric and label names outside the legacy character set (`my.metric`), and how they are
 * escaped for a client that cannot take them as they are, by the schemes of Prometheus's
 * `escaping=` parameter. Pure: no I/O.
 * @module
 */
import { isLegacyLabelName, isLegacyName, isNameChar, isNameStart } from "./_scan.ts";

export { isLegacyLabelName, isLegacyName };

/**
 * How names are written: as they are (`allow-utf-8`, quoted where needed), or escaped into
 * legacy names: each invalid character as `_` (`underscores`), `.` as `_dot_` and `_` as
 * `__` (`dots`), or `U__` and each invalid character as `_<hex code point>_` (`values`).
 */
export type Escaping = "allow-utf-8" | "underscores" | "dots" | "values";

/** The escaping schemes, as the `escaping=` parameter names them. */
export const ESCAPINGS: readonly Escaping[] = ["allow-utf-8", "underscores", "dots", "values"];

/** A metric name as `escaping` writes it (label names: `escapeLabelName`). */
export function escapeName(name: string, escaping: Escaping): string {
  return escape(name, escaping, isLegacyName);
}

/** A label name as `escaping` writes it. */
export function escapeLabelName(name: string, escaping: Escaping): string {
  return escape(name, escaping, isLegacyLabelName);
}

function escape(name: string, escaping: Escaping, legacy: (name: string) => boolean): string {
  if (escaping === "allow-utf-8" || name === "") return name;
  if (escaping !== "dots" && legacy(name)) return name;
  let out = escaping === "values" ? "U__" : "";
  let i = 0;
  for (const char of name) {
    const c = char.codePointAt(0)!;
    const valid = c < 0x80 && (i === 0 ? isNameStart(c) : isNameChar(c));
    i++;
    if (escaping === "underscores") {
      out += valid ? char : "_";
    } else if (escaping === "dots") {
      out += c === 95 ? "__" : c === 46 ? "_dot_" : valid ? char : "__";
    } else {
      out += c === 95 ? "__" : valid ? char : `_${c.toString(16)}_`;
    }
  }
  return out;
}
