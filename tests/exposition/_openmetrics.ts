/**
 * Helpers of the OpenMetrics codec's tests (with those of _samples.ts they use): OpenMetrics
 * bodies, encoding a decoding, Prometheus's own parser, text's view of a family.
 */
import type { Encoded } from "../../src/exposition/conversion.ts";
import { decodeOpenMetrics } from "../../src/exposition/decode_openmetrics.ts";
import {
  encodeOpenMetrics,
  type EncodeOpenMetricsOptions,
} from "../../src/exposition/encode_openmetrics.ts";
import { mergeSources } from "../../src/exposition/merge.ts";
import type { MetricFamily } from "../../src/exposition/model.ts";
import { familiesOf } from "../../src/exposition/objects.ts";
import type { Exposition } from "../../src/exposition/store.ts";
import { bytes, text } from "./_samples.ts";

/** An OpenMetrics exposition of these lines, ended by `# EOF` and a newline, as bytes. */
export function om(...lines: string[]): Uint8Array {
  return bytes([...lines, "# EOF"].join("\n") + "\n");
}

/** The families decoded from OpenMetrics `body`, as objects. */
export function decoded(body: Uint8Array | string): MetricFamily[] {
  return familiesOf(decodeOpenMetrics(typeof body === "string" ? bytes(body) : body));
}

/** The exposition `exposition` served alone, encoded as OpenMetrics. */
export function encodedAlone(exposition: Exposition, options?: EncodeOpenMetricsOptions): Encoded {
  const { families } = mergeSources([{ exporterName: "test", exposition }]);
  return encodeOpenMetrics(families, options);
}

/** Reads a file of tests/fixtures as bytes. */
export function fixtureBytes(name: string): Uint8Array {
  return Deno.readFileSync(new URL(`../fixtures/${name}`, import.meta.url));
}

/** Families sorted by name, as a merge serves them. */
export function byName(families: MetricFamily[]): MetricFamily[] {
  return [...families].sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

/**
 * Runs Prometheus's own OpenMetrics parser on `body`, as `promtool tsdb create-blocks-from
 * openmetrics` (which needs a timestamp on every sample) reads it; exit 0 means it parsed.
 */
export async function promtoolParseOpenMetrics(
  body: Uint8Array,
): Promise<{ code: number; output: string }> {
  const dir = await Deno.makeTempDir({ prefix: "reverse_exporter_om_" });
  try {
    await Deno.writeFile(`${dir}/input.om`, body);
    const output = await new Deno.Command("promtool", {
      args: ["tsdb", "create-blocks-from", "openmetrics", `${dir}/input.om`, `${dir}/blocks`],
      stdout: "piped",
      stderr: "piped",
    }).output();
    return { code: output.code, output: text(output.stdout) + text(output.stderr) };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Gives every sample of `exposition` without a timestamp the timestamp `ms` (for promtool). */
export function withTimestamps(exposition: Exposition, ms: number): Exposition {
  const { store } = exposition;
  for (let i = 0; i < store.length; i++) {
    if (Number.isNaN(store.timestampOf(i))) store.setTimestamp(i, ms);
  }
  return exposition;
}

/**
 * A family as text carries it: no unit, created times or exemplars, timestamps in whole ms,
 * info and stateset as gauges.
 */
export function textCarried(family: MetricFamily): MetricFamily {
  const type = family.type === "info" || family.type === "stateset" ? "gauge" : family.type;
  const { unit: _unit, ...rest } = family;
  const metrics = family.metrics.map((metric) => {
    const { createdMs: _created, ...m } = metric as { createdMs?: number } & typeof metric;
    if ("exemplar" in m) delete m.exemplar;
    if (m.timestampMs !== undefined) m.timestampMs = Math.round(m.timestampMs) + 0;
    if ("buckets" in m) return { ...m, buckets: m.buckets.map(({ exemplar: _e, ...b }) => b) };
    return m;
  });
  return { ...rest, type, metrics } as MetricFamily;
}
