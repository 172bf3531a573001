/**
 * HELP text as decoded: a string, or, from a text exposition, the HELP line's bytes kept as
 * written until the text is asked for. Served as text again, they are copied as they are
 * rather than unescaped into a string and escaped back: on the node_exporter payload, whose
 * 283 HELP lines are a third of its bytes, that is a tenth of the text pipeline's time.
 * Pure: no I/O.
 * @module
 */
import { textOf } from "./_scan.ts";

/** HELP text: a string, or bytes of a text exposition as written. */
export type Help = string | WrittenHelp;

/**
 * HELP text as a text exposition wrote it, in the bytes of its body: valid UTF-8 whose only
 * backslashes are the escapes `\\` and `\n`, so that it is exactly what the text encoder would
 * write for its unescaped text.
 */
export class WrittenHelp {
  readonly #body: Uint8Array;
  /** Where the text starts in the body. */
  readonly start: number;
  /** Where it ends. */
  readonly end: number;
  #text: string | undefined;

  /** The HELP text at `body[start, end)`, checked by the decoder as said above. */
  constructor(body: Uint8Array, span: { start: number; end: number }) {
    this.#body = body;
    this.start = span.start;
    this.end = span.end;
  }

  /** The body the text is in; throws once the body was freed (its exposition released). */
  get body(): Uint8Array {
    if (this.#body.length < this.end) {
      throw new Error("HELP text read after its exposition was released");
    }
    return this.#body;
  }

  /** The text, unescaped. */
  get text(): string {
    return this.#text ??= unescapeHelp(textOf(this.body, this.start, this.end));
  }
}

/** The text of `help`, unescaped; undefined when there is none. */
export function helpText(help: Help | undefined): string | undefined {
  return help instanceof WrittenHelp ? help.text : help;
}

/** About how many bytes `help` takes written (exactly, as written in text). */
export function helpLength(help: Help | undefined): number {
  if (help === undefined) return 0;
  return help instanceof WrittenHelp ? help.end - help.start : help.length;
}

/** Unescapes `\\` and `\n` in HELP text; other backslashes are kept as written. */
export function unescapeHelp(raw: string): string {
  if (raw.indexOf("\\") === -1) return raw;
  let out = "";
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (c === "\\" && i + 1 < raw.length) {
      const e = raw[i + 1];
      if (e === "\\" || e === "n") {
        out += e === "n" ? "\n" : "\\";
        i++;
        continue;
      }
    }
    out += c;
  }
  return out;
}
