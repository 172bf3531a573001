/**
 * Label sets in canonical text form, `name="escaped value",...` without braces, as the store
 * keeps them: reading them into labels, writing labels into them, and their series hash.
 * Pure: no I/O.
 * @module
 */
import {
  BACKSLASH,
  COMMA,
  EQUALS,
  finishLabelHash,
  HASH_START,
  hashByte,
  isLegacyLabelName,
  LF,
  LOWER_N,
  QUOTE,
  unescapedText,
} from "./_scan.ts";
import type { Label, LabelSet } from "./model.ts";

const utf8 = new TextEncoder();

/** A label of a canonical label set: spans of its name (unquoted) and escaped value. */
export interface LabelSpan {
  /** Where its name starts. */
  readonly nameStart: number;
  /** Where its name ends. */
  readonly nameEnd: number;
  /** Where its escaped value starts. */
  readonly valueStart: number;
  /** Where its escaped value ends. */
  readonly valueEnd: number;
}

/** Calls `visit` with each label of the canonical label set `b[start, end)`, in order. */
export function forEachLabel(
  b: Uint8Array,
  range: { start: number; end: number },
  visit: (label: LabelSpan) => void,
): void {
  let next = range.start;
  while (next < range.end) {
    const label = { next, nameStart: 0, nameEnd: 0, valueStart: 0, valueEnd: 0 };
    readLabel(b, label);
    next = label.next;
    visit(label);
  }
}

/** A reader's place in a canonical label set, and the spans of the label it read last. */
export type LabelCursor = { -readonly [K in keyof LabelSpan]: number } & {
  /** Where the next label starts. */
  next: number;
};

/**
 * Reads the label of a canonical label set at `label.next` (its name, maybe quoted, `=`, its
 * quoted value) into `label`, and moves `label.next` to the label after it.
 */
export function readLabel(b: Uint8Array, label: LabelCursor): void {
  let p = label.next;
  if (b[p] === QUOTE) {
    label.nameStart = p + 1;
    label.nameEnd = closingQuote(b, p + 1);
    p = label.nameEnd + 2; // past `"=`
  } else {
    label.nameStart = p;
    label.nameEnd = b.indexOf(EQUALS, p);
    p = label.nameEnd + 1;
  }
  label.valueStart = p + 1;
  label.valueEnd = closingQuote(b, p + 1);
  label.next = label.valueEnd + 2; // past `",`
}

/** The position of the quote that ends a quoted string whose content starts at `p`. */
export function closingQuote(b: Uint8Array, p: number): number {
  for (;;) {
    const c = b[p];
    if (c === QUOTE || c === undefined) return p;
    p += c === BACKSLASH ? 2 : 1;
  }
}

/** The labels of the canonical label set `b[start, end)`. */
export function labelsOf(b: Uint8Array, range: { start: number; end: number }): Label[] {
  const labels: Label[] = [];
  forEachLabel(b, range, (l) => {
    labels.push({
      name: unescapedText(b, l.nameStart, l.nameEnd),
      value: unescapedText(b, l.valueStart, l.valueEnd),
    });
  });
  return labels;
}

/** Appends the escaped UTF-8 bytes of `text` (label values, quoted names) to `out`. */
export function pushEscaped(out: number[], text: string): void {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) {
      if (c === BACKSLASH || c === QUOTE) out.push(BACKSLASH, c);
      else if (c === LF) out.push(BACKSLASH, LOWER_N);
      else out.push(c);
      continue;
    }
    // The rest of the text as UTF-8, escaped the same way.
    const rest = text.slice(i).replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll(
      "\n",
      "\\n",
    );
    for (const byte of utf8.encode(rest)) out.push(byte);
    return;
  }
}

/** The canonical form of `labels`, as UTF-8 bytes, and its series hash (see `labelHash`). */
export function canonicalLabels(labels: LabelSet): { bytes: Uint8Array; hash: number } {
  const out: number[] = [];
  let sum = 0;
  for (let i = 0; i < labels.length; i++) {
    const { name, value } = labels[i]!;
    if (i > 0) out.push(COMMA);
    const quote = !isLegacyLabelName(name);
    if (quote) out.push(QUOTE);
    const nameStart = out.length;
    pushEscaped(out, name);
    const nameEnd = out.length;
    if (quote) out.push(QUOTE);
    out.push(EQUALS, QUOTE);
    const valueStart = out.length;
    pushEscaped(out, value);
    const valueEnd = out.length;
    out.push(QUOTE);
    let h = HASH_START;
    for (let p = nameStart; p < nameEnd; p++) h = hashByte(h, out[p]!);
    h = hashByte(h, EQUALS);
    for (let p = valueStart; p < valueEnd; p++) h = hashByte(h, out[p]!);
    sum = (sum + finishLabelHash(h)) | 0;
  }
  return { bytes: Uint8Array.from(out), hash: sum };
}
