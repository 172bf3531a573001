/**
 * Metric and label names outside the legacy character set (`my.metric`), and how they are
 * escaped for a client that cannot take them as they are, by the schemes of Prometheus's
 * `escaping=` parameter. Pure: no I/O.
 * @module
 */
import {
  isLabelNameChar,
  isLabelNameStart,
  isLegacyLabelName,
  isLegacyName,
  isNameChar,
  isNameStart,
} from "./_scan.ts";

export { isLegacyLabelName, isLegacyName };

/**
 * How names are written: as they are (`allow-utf-8`, quoted where needed), or escaped into
 * legacy names: each invalid character as `_` (`underscores`), `.` as `_dot_` and `_` as
 * `__` (`dots`), or `U__` and each invalid character as `_<hex code point>_` (`values`).
 * Legacy names are written as they are whatever the scheme, as the Go libraries write them
 * (`model.EscapeMetricFamily`): a client asking for `dots` gets `node_cpu_seconds_total`, not
 * `node__cpu__seconds__total`.
 */
export type Escaping = "allow-utf-8" | "underscores" | "dots" | "values";

/** The escaping schemes, as the `escaping=` parameter names them. */
export const ESCAPINGS: readonly Escaping[] = ["allow-utf-8", "underscores", "dots", "values"];

/** A metric name as `escaping` writes it (label names: `escapeLabelName`). */
export function escapeName(name: string, escaping: Escaping): string {
  return escape(name, escaping, METRIC_NAMES);
}

/**
 * A label name as `escaping` writes it. Unlike Go's `EscapeName`, which keeps `:` in label
 * names too, the result is always a valid label name (`:` is escaped like any other invalid
 * character), so that text 0.0.4 never gets a label name it cannot carry.
 */
export function escapeLabelName(name: string, escaping: Escaping): string {
  return escape(name, escaping, LABEL_NAMES);
}

/** What a kind of name may hold as it is. */
interface NameRules {
  readonly legacy: (name: string) => boolean;
  readonly start: (c: number) => boolean;
  readonly char: (c: number) => boolean;
}

const METRIC_NAMES: NameRules = { legacy: isLegacyName, start: isNameStart, char: isNameChar };
const LABEL_NAMES: NameRules = {
  legacy: isLegacyLabelName,
  start: isLabelNameStart,
  char: isLabelNameChar,
};

function escape(name: string, escaping: Escaping, rules: NameRules): string {
  if (escaping === "allow-utf-8" || name === "" || rules.legacy(name)) return name;
  let out = escaping === "values" ? "U__" : "";
  let i = 0;
  for (const char of name) {
    const c = char.codePointAt(0)!;
    const valid = c < 0x80 && (i === 0 ? rules.start(c) : rules.char(c));
    i++;
    if (escaping === "underscores") {
      out += valid ? char : "_";
    } else if (escaping === "dots") {
      out += c === 95 ? "__" : c === 46 ? "_dot_" : valid ? char : "__";
    } else {
      // A lone surrogate is no code point: Go writes what it reads such bytes as, U+FFFD.
      const surrogate = c >= 0xd800 && c <= 0xdfff;
      out += c === 95 ? "__" : valid ? char : surrogate ? "_FFFD_" : `_${c.toString(16)}_`;
    }
  }
  return out;
}
