/** Typed wrapper of `@std/http/negotiation`. */
import { acceptsEncodings as stdAcceptsEncodings } from "@std/http/negotiation";

/** The encoding among `encodings` that the request prefers, if it accepts any. */
export function acceptsEncodings(
  request: Request,
  encodings: readonly string[],
): string | undefined {
  const chosen: unknown = stdAcceptsEncodings(request, ...encodings);
  return typeof chosen === "string" ? chosen : undefined;
}
