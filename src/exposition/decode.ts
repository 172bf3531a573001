/** Chooses the decoder of an exposition: text 0.0.4 or OpenMetrics 1.0. Pure: no I/O. */
import { decodeOpenMetrics } from "./decode_openmetrics.ts";
import { decodeText } from "./decode_text.ts";
import type { MetricFamily } from "./types.ts";

/** The text formats the engine decodes. */
export type ExpositionFormat = "text" | "openmetrics";

/** How to decode an exposition. */
export interface DecodeExpositionOptions {
  /** The Content-Type it came with (HTTP sources); absent for files and scripts. */
  readonly contentType?: string | undefined;
}

const LF = 10;
const CR = 13;
const TAB = 9;
const SPACE = 32;
const EOF_LINE = "# EOF";

/**
 * The format of an exposition: OpenMetrics when the Content-Type says
 * `application/openmetrics-text`; otherwise (`text/plain`, another type or none) OpenMetrics
 * when its last non-blank line is `# EOF`, else text 0.0.4.
 */
export function expositionFormat(
  text: string,
  options: DecodeExpositionOptions = {},
): ExpositionFormat {
  const contentType = options.contentType;
  if (contentType !== undefined) {
    const semicolon = contentType.indexOf(";");
    const mediaType = (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim();
    if (mediaType.toLowerCase() === "application/openmetrics-text") return "openmetrics";
  }
  return endsWithEof(text) ? "openmetrics" : "text";
}

/** Decodes a text 0.0.4 or OpenMetrics 1.0 exposition, as `expositionFormat` chooses. */
export function decodeExposition(
  text: string,
  options: DecodeExpositionOptions = {},
): MetricFamily[] {
  return expositionFormat(text, options) === "openmetrics"
    ? decodeOpenMetrics(text)
    : decodeText(text);
}

/** Whether the last line of `text` that is not blank is `# EOF` (trailing blanks ignored). */
function endsWithEof(text: string): boolean {
  let end = text.length;
  for (;;) {
    const c = text.charCodeAt(end - 1);
    if (c !== LF && c !== CR && c !== SPACE && c !== TAB) break;
    end--;
  }
  const start = end - EOF_LINE.length;
  if (start < 0 || !text.startsWith(EOF_LINE, start)) return false;
  return start === 0 || text.charCodeAt(start - 1) === LF;
}
