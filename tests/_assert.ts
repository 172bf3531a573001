/** Typed wrappers of `@std/assert`, which ships from npm without type declarations. */
import * as std from "@std/assert";

/** Asserts that `actual` and `expected` are deeply equal. */
export function assertEquals<T>(actual: T, expected: T, message?: string): void {
  std.assertEquals(actual, expected, message);
}

/** Asserts that `actual` and `expected` are not deeply equal. */
export function assertNotEquals<T>(actual: T, expected: T, message?: string): void {
  std.assertNotEquals(actual, expected, message);
}

/** Asserts that `condition` is truthy. */
export function assert(condition: unknown, message?: string): asserts condition {
  std.assert(condition, message);
}

/** Asserts that `actual` contains `expected`. */
export function assertStringIncludes(actual: string, expected: string, message?: string): void {
  std.assertStringIncludes(actual, expected, message);
}

/** Asserts that `actual` matches `pattern`. */
export function assertMatch(actual: string, pattern: RegExp, message?: string): void {
  std.assertMatch(actual, pattern, message);
}

/** Asserts that `fn` throws an instance of `errorClass`, and returns the error. */
export function assertThrows<E extends Error>(
  fn: () => unknown,
  // deno-lint-ignore no-explicit-any
  errorClass: new (...args: any[]) => E,
  messageIncludes?: string,
): E {
  const error: unknown = std.assertThrows(fn, errorClass, messageIncludes);
  if (!(error instanceof errorClass)) throw new Error("assertThrows returned no error");
  return error;
}

/** Asserts that `fn` rejects with an instance of `errorClass`, and returns the error. */
export async function assertRejects<E extends Error>(
  fn: () => Promise<unknown>,
  // deno-lint-ignore no-explicit-any
  errorClass: new (...args: any[]) => E,
  messageIncludes?: string,
): Promise<E> {
  const error: unknown = await std.assertRejects(fn, errorClass, messageIncludes);
  if (!(error instanceof errorClass)) throw new Error("assertRejects returned no error");
  return error;
}

/** Asserts that `actual` is strictly greater than `expected`. */
export function assertGreater(actual: number, expected: number, message?: string): void {
  std.assertGreater(actual, expected, message);
}
