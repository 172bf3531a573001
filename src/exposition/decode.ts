/** Chooses the decoder of an exposition by its Content-Type, or by its content. Pure: no I/O. */
import { CR, LF, SPACE, TAB } from "./_scan.ts";
import { decodeOpenMetrics } from "./decode_openmetrics.ts";
import { decodeProtobuf } from "./decode_protobuf.ts";
import { decodeText } from "./decode_text.ts";
import { type Format, formatOfContentType } from "./formats.ts";
import type { Exposition } from "./store.ts";

/** Options of {@linkcode decodeExposition}. */
export interface DecodeExpositionOptions {
  /** The Content-Type it came with (http exporters); absent for files and scripts. */
  readonly contentType?: string | null | undefined;
}

const EOF_LINE = [35, 32, 69, 79, 70]; // "# EOF"

/**
 * The format of a body: by its Content-Type when it names one we decode; otherwise (files,
 * scripts, another type) OpenMetrics when its last non-blank line is `# EOF`, else text.
 */
export function formatOf(body: Uint8Array, options: DecodeExpositionOptions = {}): Format {
  const format = formatOfContentType(options.contentType);
  if (format !== undefined) return format;
  return endsWithEof(body)
    ? { kind: "openmetrics", version: "1.0.0" }
    : { kind: "text", version: "1.0.0" };
}

/** Decodes a body in the format `formatOf` chooses; throws a `DecodeError`. */
export function decodeExposition(
  body: Uint8Array,
  options: DecodeExpositionOptions = {},
): Exposition {
  const format = formatOf(body, options);
  switch (format.kind) {
    case "protobuf":
      return decodeProtobuf(body);
    case "openmetrics":
      return decodeOpenMetrics(body);
    case "text":
      return decodeText(body, { version: format.version });
  }
}

/** Whether the last line of `body` that is not blank is `# EOF` (trailing blanks ignored). */
function endsWithEof(body: Uint8Array): boolean {
  let end = body.length;
  for (;;) {
    const c = body[end - 1];
    if (c !== LF && c !== CR && c !== SPACE && c !== TAB) break;
    end--;
  }
  const start = end - EOF_LINE.length;
  if (start < 0) return false;
  for (let i = 0; i < EOF_LINE.length; i++) if (body[start + i] !== EOF_LINE[i]) return false;
  return start === 0 || body[start - 1] === LF;
}
