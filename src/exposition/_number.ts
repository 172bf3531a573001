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

/**
 * Milliseconds as seconds, in decimal without an exponent (as OpenMetrics timestamps are
 * best written): the digits of the shortest form of `ms` with the point moved three places,
 * so that reading them back gives `ms` exactly (`1520879607789` gives `1520879607.789`).
 */
export function formatSeconds(ms: number): string {
  const magnitude = ms < 0 ? -ms : ms;
  const sign = ms < 0 ? "-" : "";
  if (Number.isSafeInteger(magnitude)) {
    // Whole milliseconds, the usual case: no string of digits to move.
    const fraction = magnitude % 1000;
    const whole = sign + String((magnitude - fraction) / 1000);
    if (fraction === 0) return whole === "-0" ? "0" : whole;
    const three = String(fraction + 1000).slice(1);
    return whole + "." +
      (three[2] !== "0" ? three : three[1] !== "0" ? three.slice(0, 2) : three[0]);
  }
  const text = String(magnitude);
  const e = text.indexOf("e");
  const mantissa = e < 0 ? text : text.slice(0, e);
  const dot = mantissa.indexOf(".");
  const digits = dot < 0 ? mantissa : mantissa.slice(0, dot) + mantissa.slice(dot + 1);
  // Where the point goes in `digits`, three places left of where it was.
  const point = (dot < 0 ? mantissa.length : dot) + (e < 0 ? 0 : Number(text.slice(e + 1))) - 3;
  let whole: string;
  let fraction: string;
  if (point <= 0) {
    whole = "0";
    fraction = "0".repeat(-point) + digits;
  } else if (point >= digits.length) {
    whole = digits + "0".repeat(point - digits.length);
    fraction = "";
  } else {
    whole = digits.slice(0, point);
    fraction = digits.slice(point);
  }
  let first = 0;
  while (first < whole.length - 1 && whole.charCodeAt(first) === 48) first++;
  let last = fraction.length;
  while (last > 0 && fraction.charCodeAt(last - 1) === 48) last--;
  return sign + whole.slice(first) + (last === 0 ? "" : "." + fraction.slice(0, last));
}
