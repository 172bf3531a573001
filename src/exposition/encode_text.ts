/** Encoder for the Prometheus text exposition format 0.0.4. Pure: no I/O. */
import type { LabelSet, MetricFamily } from "./types.ts";

/** The Content-Type of a text 0.0.4 exposition. */
export const TEXT_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** Encodes metric families as text 0.0.4, in the order given. */
export function encodeText(families: readonly MetricFamily[]): string {
  let out = "";
  for (const family of families) {
    if (family.samples.length === 0) continue;
    if (family.help !== undefined) {
      out += "# HELP " + family.name + " " + escapeHelp(family.help) + "\n";
    }
    out += "# TYPE " + family.name + " " + family.type + "\n";
    for (const s of family.samples) {
      out += s.name;
      if (s.labels.length > 0) out += encodeLabels(s.labels);
      out += " " + formatValue(s.value);
      if (s.timestampMs !== undefined) out += " " + s.timestampMs;
      out += "\n";
    }
  }
  return out;
}

/**
 * Formats a sample value as the Go client libraries do (`strconv.FormatFloat(v, 'g', -1, 64)`):
 * shortest round-trip digits, exponent form below 1e-4 and from 1e6, `NaN`, `+Inf`, `-Inf`.
 */
export function formatValue(value: number): string {
  if (Number.isInteger(value) && value < 1e6 && value > -1e6) return String(value);
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  if (Number.isNaN(value)) return "NaN";
  const exponential = value.toExponential();
  const e = exponential.indexOf("e");
  const exponent = Number(exponential.slice(e + 1));
  if (exponent >= -4 && exponent < 6) return String(value);
  const digits = exponent < 0 ? -exponent : exponent;
  return exponential.slice(0, e) + (exponent < 0 ? "e-" : "e+") + (digits < 10 ? "0" : "") +
    digits;
}

function encodeLabels(labels: LabelSet): string {
  let out = "{";
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i]!;
    if (i > 0) out += ",";
    out += l.name + '="' + escapeLabelValue(l.value) + '"';
  }
  return out + "}";
}

function escapeLabelValue(value: string): string {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 92 || c === 34 || c === 10) {
      return value.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n");
    }
  }
  return value;
}

function escapeHelp(help: string): string {
  if (help.indexOf("\\") === -1 && help.indexOf("\n") === -1) return help;
  return help.replaceAll("\\", "\\\\").replaceAll("\n", "\\n");
}
