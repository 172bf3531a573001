/** Numbers as the Prometheus Go libraries write them. Pure: no I/O. @module */

/**
 * Formats a sample value as the Go client libraries do (`strconv.FormatFloat(v, 'g', -1, 64)`):
 * shortest round-trip digits, exponent form below 1e-4 and from 1e6, `NaN`, `+Inf`, `-Inf`.
 */
export function formatValue(value: number): string {
  const magnitude = value < 0 ? -value : value;
  // Go writes exponent form when the decimal exponent is below -4 or from 6 up.
  if (magnitude >= 1e-4 && magnitude < 1e6) return String(value);
  if (value === 0) return Object.is(value, -0) ? "-0" : "0";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  if (value !== value) return "NaN";
  const exponential = value.toExponential();
  const e = exponential.indexOf("e");
  const sign = exponential.charCodeAt(e + 1) === 45 ? "e-" : "e+";
  const digits = exponential.slice(e + 2);
  return exponential.slice(0, e) + sign + (digits.length === 1 ? "0" : "") + digits;
}
