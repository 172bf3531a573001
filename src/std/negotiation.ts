/** Typed wrapper of `@std/http/negotiation`. */
import {
  accepts as stdAccepts,
  acceptsEncodings as stdAcceptsEncodings,
} from "@std/http/negotiation";

/** The encoding among `encodings` that the request prefers, if it accepts any. */
export function acceptsEncodings(
  request: Request,
  encodings: readonly string[],
): string | undefined {
  const chosen: unknown = stdAcceptsEncodings(request, ...encodings);
  return typeof chosen === "string" ? chosen : undefined;
}

/** The media type among `types` that the request prefers (the first when it has no Accept). */
export function accepts(request: Request, types: readonly string[]): string | undefined {
  const chosen: unknown = stdAccepts(request, ...types);
  return typeof chosen === "string" ? chosen : undefined;
}
