/** Encoder for the Prometheus text exposition format 0.0.4. Pure: no I/O. */
import type { LabelSet, MetricFamily } from "./types.ts";

/** The Content-Type of a text 0.0.4 exposition. */
export const TEXT_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

const BACKSLASH = 92;
const QUOTE = 34;
const LF = 10;
const N = 110;

const utf8 = new TextEncoder();
const HELP_PREFIX = utf8.encode("# HELP ");
const TYPE_PREFIX = utf8.encode("# TYPE ");

/** A growable byte buffer that writes strings as UTF-8, escaping as text 0.0.4 asks. */
class ByteWriter {
  bytes: Uint8Array<ArrayBuffer> = new Uint8Array(64 * 1024);
  length = 0;

  /** Makes room for `n` more bytes. */
  reserve(n: number): void {
    if (this.length + n <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < this.length + n) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
  }

  byte(b: number): void {
    this.reserve(1);
    this.bytes[this.length++] = b;
  }

  raw(b: Uint8Array): void {
    this.reserve(b.length);
    this.bytes.set(b, this.length);
    this.length += b.length;
  }

  /**
   * Writes `s`; with `escapeQuote`, `\`, `"` and newline are escaped (label values), else
   * with `escapeBackslash` only `\` and newline (HELP), else nothing is (names, numbers).
   */
  text(s: string, escapeBackslash = false, escapeQuote = false): void {
    // Room for every character escaped, or as UTF-8 of up to 3 bytes per UTF-16 unit.
    this.reserve(s.length * 3);
    const bytes = this.bytes;
    let o = this.length;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) {
        this.length = o;
        this.#utf8(s.slice(i), escapeBackslash, escapeQuote);
        return;
      }
      if (escapeBackslash && (c === BACKSLASH || c === LF || (escapeQuote && c === QUOTE))) {
        bytes[o++] = BACKSLASH;
        bytes[o++] = c === LF ? N : c;
      } else {
        bytes[o++] = c;
      }
    }
    this.length = o;
  }

  /** The slow path for text with non-ASCII characters. */
  #utf8(s: string, escapeBackslash: boolean, escapeQuote: boolean): void {
    let escaped = s;
    if (escapeBackslash) {
      escaped = s.replaceAll("\\", "\\\\").replaceAll("\n", "\\n");
      if (escapeQuote) escaped = escaped.replaceAll('"', '\\"');
    }
    this.reserve(escaped.length * 3);
    const { written } = utf8.encodeInto(escaped, this.bytes.subarray(this.length));
    this.length += written;
  }

  result(): Uint8Array<ArrayBuffer> {
    return this.bytes.subarray(0, this.length);
  }
}

/** Encodes metric families as a text 0.0.4 exposition in UTF-8, in the order given. */
export function encodeExposition(families: readonly MetricFamily[]): Uint8Array<ArrayBuffer> {
  const w = new ByteWriter();
  for (const family of families) {
    if (family.samples.length === 0) continue;
    if (family.help !== undefined) {
      w.raw(HELP_PREFIX);
      w.text(family.name);
      w.byte(32);
      w.text(family.help, true);
      w.byte(LF);
    }
    w.raw(TYPE_PREFIX);
    w.text(family.name);
    w.byte(32);
    w.text(family.type);
    w.byte(LF);
    for (const s of family.samples) {
      w.text(s.name);
      if (s.labels.length > 0) writeLabels(w, s.labels);
      w.byte(32);
      w.text(formatValue(s.value));
      if (s.timestampMs !== undefined) {
        w.byte(32);
        w.text(String(s.timestampMs));
      }
      w.byte(LF);
    }
  }
  return w.result();
}

/** Encodes metric families as text 0.0.4, in the order given. */
export function encodeText(families: readonly MetricFamily[]): string {
  return new TextDecoder().decode(encodeExposition(families));
}

function writeLabels(w: ByteWriter, labels: LabelSet): void {
  w.byte(123); // {
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i]!;
    if (i > 0) w.byte(44); // ,
    w.text(l.name);
    w.byte(61); // =
    w.byte(QUOTE);
    w.text(l.value, true, true);
    w.byte(QUOTE);
  }
  w.byte(125); // }
}

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
