/**
 * Builders of metrics and families, decoding and encoding shortcuts, and shared assertions,
 * for the engine's tests. Expositions are compared as objects (`familiesOf`).
 */
import {
  canonicalLabels,
  DecodeError,
  decodeText,
  encodeText,
  type EncodeTextOptions,
  type Exposition,
  expositionOf,
  familiesOf,
  helpText,
  type HistogramMetric,
  type Label,
  type MergedFamily,
  type MergeSource,
  mergeSources,
  type MetricFamily,
  type MetricType,
  relabelLabels,
  type SummaryMetric,
  targetLabelsOf,
  type TextVersion,
  type ValueMetric,
} from "../../src/exposition/mod.ts";
import { assertEquals, assertStringIncludes, assertThrows } from "../_assert.ts";

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder();

/** The UTF-8 bytes of `text`, as decoders take them. */
export function bytes(text: string): Uint8Array {
  return utf8.encode(text);
}

/** The text of UTF-8 bytes (an encoder's output). */
export function text(body: Uint8Array): string {
  return utf8Decoder.decode(body);
}

/** Labels from `[name, value]` pairs. */
export function labels(...pairs: [string, string][]): Label[] {
  return pairs.map(([name, value]) => ({ name, value }));
}

/** A one-value metric (counter, gauge, unknown...), with a timestamp only when given. */
export function val(pairs: [string, string][], value: number, timestampMs?: number): ValueMetric {
  const metric = { labels: labels(...pairs), value };
  return timestampMs === undefined ? metric : { ...metric, timestampMs };
}

/** A family, with `help` only when given. */
export function fam(
  name: string,
  type: MetricType,
  metrics: (ValueMetric | HistogramMetric | SummaryMetric)[],
  help?: string,
): MetricFamily {
  const family = { name, type, metrics } as MetricFamily;
  return help === undefined ? family : { ...family, help };
}

/** Decodes text as text 0.0.4 (or `version`). */
export function decode(text: string, version?: TextVersion): Exposition {
  return decodeText(bytes(text), version === undefined ? {} : { version });
}

/** The families of text decoded as text 0.0.4 (or `version`), as objects. */
export function decoded(text: string, version?: TextVersion): MetricFamily[] {
  return familiesOf(decode(text, version));
}

/**
 * The families of an exposition as a merge would give them to an encoder, in their order,
 * unmerged (no sorting, no deduplication), with `target` labels.
 */
export function unmerged(exposition: Exposition, target: Label[] = []): MergedFamily[] {
  const targetLabels = targetLabelsOf(target);
  const { store } = exposition;
  const mayConflict = target.some((l) => store.labelNames.has(l.name));
  return exposition.families.map((f) => ({
    name: f.name,
    type: f.type,
    help: f.help,
    unit: f.unit,
    parts: [{ store, indices: f.indices, target: targetLabels, mayConflict }],
  }));
}

/** The text of `families` (objects, or an exposition) encoded in their order, unmerged. */
export function encoded(
  families: readonly MetricFamily[] | Exposition,
  options: EncodeTextOptions = {},
): string {
  const exposition = "store" in families ? families : expositionOf(families);
  return text(encodeText(unmerged(exposition), options).body);
}

/** One source of a merge, made of families as objects. */
export function source(
  exporterName: string,
  families: readonly MetricFamily[],
  more: { target?: Label[]; own?: boolean } = {},
): MergeSource {
  return {
    exporterName,
    exposition: expositionOf(families),
    ...(more.target === undefined ? {} : { target: targetLabelsOf(more.target) }),
    ...(more.own === undefined ? {} : { own: more.own }),
  };
}

/** The text of a merge of `sources`, encoded as text 0.0.4 (or as `options` say). */
export function mergedText(
  sources: readonly MergeSource[],
  options: EncodeTextOptions = {},
): string {
  return text(encodeText(mergeSources(sources).families, options).body);
}

/**
 * Merged families as objects: each part's metrics, in order, with its target labels added
 * (relabelled as the encoder writes them). Metrics are as the stored samples of each part make
 * them, so a metric whose samples a merge dropped in part has only those kept.
 */
export function objectsOf(families: readonly MergedFamily[]): MetricFamily[] {
  return families.map((family) => {
    const metrics = family.parts.flatMap((part) => {
      const [one] = familiesOf({
        families: [{ ...family, indices: part.indices }],
        store: part.store,
      });
      return one!.metrics.map((m) => ({
        ...m,
        labels: relabelLabels(m.labels, part.target.labels),
      }));
    });
    const out = { name: family.name, type: family.type, metrics } as MetricFamily;
    return {
      ...out,
      ...(family.help === undefined ? {} : { help: helpText(family.help)! }),
      ...(family.unit === undefined ? {} : { unit: family.unit }),
    };
  });
}

/** Asserts that `decode(input)` fails at `line` and `column`, and returns the error. */
export function assertDecodeFails<T>(
  decode: (input: T) => unknown,
  input: T,
  position: { line: number; column: number; messageIncludes?: string | undefined },
): DecodeError {
  const { line, column, messageIncludes } = position;
  const error = assertThrows(() => decode(input), DecodeError, messageIncludes);
  assertEquals({ line: error.line, column: error.column }, { line, column }, error.message);
  assertStringIncludes(error.message, `line ${line}, column ${column}`);
  return error;
}

/** Reads a file of tests/fixtures as text. */
export function fixture(name: string): string {
  return Deno.readTextFileSync(new URL(`../fixtures/${name}`, import.meta.url));
}

/**
 * Two label sets `{a="...",b="..."}` whose series hashes are the same. A label set's hash is
 * the sum of its labels' hashes, so a birthday search over the sums of 600 x 600 pairs finds
 * one at once.
 */
export function collidingLabelSets(): [Label[], Label[]] {
  const hashOf = (name: string, value: string) => canonicalLabels(labels([name, value])).hash;
  const n = 600;
  const a = Array.from({ length: n }, (_, i) => hashOf("a", `v${i}`));
  const b = Array.from({ length: n }, (_, j) => hashOf("b", `w${j}`));
  const seen = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const sum = (a[i]! + b[j]!) | 0;
      const other = seen.get(sum);
      if (other !== undefined) {
        const k = Math.floor(other / n);
        const l = other % n;
        return [labels(["a", `v${k}`], ["b", `w${l}`]), labels(["a", `v${i}`], ["b", `w${j}`])];
      }
      seen.set(sum, i * n + j);
    }
  }
  throw new Error(`no collision among ${n * n} label sets`);
}

/** A label set as written in text: `a="x",b="y"` (values without characters to escape). */
export function labelSetText(set: readonly Label[]): string {
  return set.map((l) => `${l.name}="${l.value}"`).join(",");
}
