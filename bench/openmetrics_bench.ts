/**
 * Micro-benchmarks of the OpenMetrics codec against the text codec on the same data: the
 * Python client's capture (OpenMetrics only), the generated 100,000-series exposition (gauges,
 * valid as text and, with `# EOF`, as OpenMetrics), and a generated 100,000-series
 * OpenMetrics exposition of counters with created times and exemplars (OpenMetrics only).
 * `deno bench --allow-read=tests/fixtures bench/openmetrics_bench.ts` prints the times; the
 * payload sizes are in the names, for MB/s.
 * @module
 */
import { decodeOpenMetrics } from "../src/exposition/decode_openmetrics.ts";
import { decodeText } from "../src/exposition/decode_text.ts";
import { encodeOpenMetrics } from "../src/exposition/encode_openmetrics.ts";
import { encodeText } from "../src/exposition/encode_text.ts";
import { mergeSources } from "../src/exposition/merge.ts";
import type { Exposition } from "../src/exposition/store.ts";
import { generatedExposition } from "./payloads.ts";

const utf8 = new TextEncoder();

/** 100,000 counter series in OpenMetrics: totals, created times, an exemplar on every tenth. */
function generatedCounters(series: number): string {
  const parts: string[] = [];
  for (let n = 0; n < series;) {
    const name = `bench_requests_${String(n / 100).padStart(5, "0")}`;
    parts.push(`# TYPE ${name} counter\n# HELP ${name} Generated counter.\n`);
    for (let s = 0; s < 100 && n < series; s++, n++) {
      const labels = `{instance="host-${s % 25}:9100",job="node",code="${200 + s}"}`;
      const exemplar = n % 10 === 0 ? ` # {trace_id="${n.toString(16)}"} 0.5 1700000000.123` : "";
      parts.push(`${name}_total${labels} ${n * 7}${exemplar}\n`);
      parts.push(`${name}_created${labels} 1700000000.${String(n % 1000).padStart(3, "0")}\n`);
    }
  }
  return parts.join("") + "# EOF\n";
}

/** A payload, in the formats it is valid in. */
interface Payload {
  readonly name: string;
  readonly openMetrics: Uint8Array;
  readonly text?: Uint8Array;
}

const gauges = generatedExposition(100_000);
const PAYLOADS: Payload[] = [
  {
    name: "python_client",
    openMetrics: Deno.readFileSync(
      new URL("../tests/fixtures/python_client.openmetrics", import.meta.url),
    ),
  },
  { name: "100k gauges", openMetrics: utf8.encode(gauges + "# EOF\n"), text: utf8.encode(gauges) },
  { name: "100k counters", openMetrics: utf8.encode(generatedCounters(100_000)) },
];

function merged(exposition: Exposition) {
  return mergeSources([{ exporterName: "bench", exposition }]).families;
}

for (const payload of PAYLOADS) {
  const group = payload.name;
  const size = (bytes: Uint8Array) => `${(bytes.length / 1e6).toFixed(3)} MB`;
  const large = payload.openMetrics.length > 1_000_000 ? { n: 20, warmup: 3 } : {};
  const om = payload.openMetrics;
  Deno.bench({
    name: `decode OpenMetrics ${group} (${size(om)})`,
    group,
    ...large,
    fn: () => void decodeOpenMetrics(om),
  });
  const families = merged(decodeOpenMetrics(om));
  const encodedOm = encodeOpenMetrics(families).body;
  Deno.bench({
    name: `encode OpenMetrics ${group} (${size(encodedOm)})`,
    group,
    ...large,
    fn: () => void encodeOpenMetrics(families),
  });
  const text = payload.text;
  if (text === undefined) continue;
  Deno.bench({
    name: `decode text ${group} (${size(text)})`,
    group,
    baseline: true,
    ...large,
    fn: () => void decodeText(text),
  });
  const textFamilies = merged(decodeText(text));
  const encodedText = encodeText(textFamilies).body;
  Deno.bench({
    name: `encode text ${group} (${size(encodedText)})`,
    group,
    ...large,
    fn: () => void encodeText(textFamilies),
  });
}
