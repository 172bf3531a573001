/** Builders of samples and families, and shared assertions, for the engine's tests. */
import { DecodeError } from "../../src/exposition/mod.ts";
import type { MetricFamily, MetricType, Sample } from "../../src/exposition/mod.ts";
import { assertEquals, assertStringIncludes, assertThrows } from "../_assert.ts";

/** A sample as the decoder builds it: `timestampMs` is always present, maybe undefined. */
export function smp(
  name: string,
  labels: [string, string][],
  value: number,
  timestampMs?: number,
): Sample {
  return { name, labels: labels.map(([name, value]) => ({ name, value })), value, timestampMs };
}

/** A family, with `help` only when given. */
export function fam(
  name: string,
  type: MetricType,
  samples: Sample[],
  help?: string,
): MetricFamily {
  return help === undefined ? { name, type, samples } : { name, type, help, samples };
}

/** Asserts that `decode(text)` fails at `line` and `column`, and returns the error. */
export function assertDecodeFails(
  decode: (text: string) => unknown,
  text: string,
  position: { line: number; column: number; messageIncludes?: string | undefined },
): DecodeError {
  const { line, column, messageIncludes } = position;
  const error = assertThrows(() => decode(text), DecodeError, messageIncludes);
  assertEquals({ line: error.line, column: error.column }, { line, column }, error.message);
  assertStringIncludes(error.message, `line ${line}, column ${column}`);
  return error;
}

/** Reads a file of tests/fixtures. */
export function fixture(name: string): string {
  return Deno.readTextFileSync(new URL(`../fixtures/${name}`, import.meta.url));
}
