/**
 * A real client: Debian's python3-prometheus-client writes OpenMetrics with exemplars, created
 * times, units, timestamps and every type it has; we decode it, encode it again, and the
 * client's own OpenMetrics parser, Prometheus's (promtool) and our decoder read what we wrote.
 * Skipped, with the reason in the test names, where Python or the client is missing.
 */
import { assert, assertEquals } from "../_assert.ts";
import { installed, promtoolCheckMetrics } from "../_server.ts";
import { decodeOpenMetrics } from "../../src/exposition/decode_openmetrics.ts";
import { encodeText } from "../../src/exposition/encode_text.ts";
import { mergeSources } from "../../src/exposition/merge.ts";
import type { HistogramFamily, ValueFamily } from "../../src/exposition/model.ts";
import { familiesOf } from "../../src/exposition/objects.ts";
import { byName, encodedAlone, promtoolParseOpenMetrics, withTimestamps } from "./_openmetrics.ts";
import { text } from "./_samples.ts";

const PYTHON = "/usr/bin/python3";

/** Runs `script` with Debian's Python, `input` on its stdin; its stdout, or a failure. */
async function python(script: string, input?: Uint8Array): Promise<Uint8Array> {
  const child = new Deno.Command(PYTHON, {
    args: ["-c", script],
    stdin: input === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (input !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(input);
    await writer.close();
  }
  const output = await child.output();
  if (output.code !== 0) throw new Error(`python exited ${output.code}: ${text(output.stderr)}`);
  return output.stdout;
}

/** Why the tests cannot run here, or undefined. */
async function missing(): Promise<string | undefined> {
  try {
    await python("import prometheus_client.openmetrics.exposition");
    return undefined;
  } catch (error) {
    return error instanceof Deno.errors.NotFound
      ? `${PYTHON} not installed`
      : "python3-prometheus-client not installed";
  }
}
const skipped = await missing();
const SKIPPED = skipped === undefined ? "" : ` (skipped: ${skipped})`;
const promtool = await installed("promtool");

/** An exposition of every type the client has, exemplars, created times, units, timestamps. */
const GENERATE = `
import sys
from prometheus_client import CollectorRegistry, Counter, Enum, Histogram, Info, Summary
from prometheus_client.core import (
    CounterMetricFamily, GaugeHistogramMetricFamily, GaugeMetricFamily)
from prometheus_client.openmetrics.exposition import generate_latest

r = CollectorRegistry()
c = Counter("http_requests", "Total HTTP requests.", ["code", "path"], registry=r)
c.labels("200", "/caf\\u00e9").inc(1027, exemplar={"trace_id": "abc"})
c.labels("500", "/").inc(3)
h = Histogram("latency_seconds", "Latency.", ["path"], buckets=(0.01, 0.1, 1.0), registry=r)
h.labels("/api").observe(0.05, exemplar={"trace_id": "def"})
h.labels("/api").observe(2, exemplar={"trace_id": "ghi"})
s = Summary("rpc_seconds", "RPC duration.", registry=r)
s.observe(0.3)
Info("build", "Build.", registry=r).info({"version": "1.2.3"})
Enum("task_state", "Task state.", states=["starting", "running"], registry=r).state("running")

class Custom:
    def collect(self):
        g = GaugeHistogramMetricFamily(
            "queue_wait_seconds", "Queue wait.", labels=["q"], unit="seconds")
        g.add_metric(["a"], [("0.1", 3), ("+Inf", 5)], gsum_value=1.5)
        yield g
        t = GaugeMetricFamily("temperature_celsius", "A \\"quoted\\"\\nhelp.", labels=["room"],
                              unit="celsius")
        t.add_metric(["hall\\\\"], -3.25, timestamp=1700000000.5)
        yield t
        k = CounterMetricFamily("jobs", "Jobs.", labels=["q"])
        k.add_metric(["a"], 7, created=1600000000.25, timestamp=1700000001)
        yield k

r.register(Custom())
sys.stdout.buffer.write(generate_latest(r))
`;

/**
 * Parses OpenMetrics from stdin with the client's own parser (which checks far more than
 * syntax: bucket order, counts, groups, where exemplars go) and prints its families as JSON,
 * sorted, values as strings and timestamps as numbers.
 */
const PARSE = `
import json, math, sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families

def num(v):
    v = float(v)
    return "NaN" if math.isnan(v) else repr(v)

def ts(t):
    return None if t is None else float(t)

families = []
for f in text_string_to_metric_families(sys.stdin.read()):
    samples = []
    for s in f.samples:
        e = s.exemplar
        samples.append([s.name, sorted(s.labels.items()), num(s.value), ts(s.timestamp),
                        None if e is None else [sorted(e.labels.items()), num(e.value),
                                                 ts(e.timestamp)]])
    samples.sort(key=json.dumps)
    families.append([f.name, f.type, f.unit, f.documentation, samples])
families.sort(key=lambda f: f[0])
print(json.dumps(families))
`;

/**
 * Asserts that two parses are the same, their timestamps (the only numbers) to the
 * microsecond: an exemplar's time in seconds, kept in ms, is written again within a unit of
 * its last place (`1796370872.451432` may come back as `1796370872.4514322`).
 */
function assertSame(actual: unknown, expected: unknown, path = ""): void {
  if (typeof expected === "number" && typeof actual === "number") {
    assert(Math.abs(actual - expected) < 1e-6, `${path}: ${actual} is not ${expected}`);
  } else if (Array.isArray(expected) && Array.isArray(actual)) {
    assertEquals(actual.length, expected.length, path);
    expected.forEach((e, i) => assertSame(actual[i], e, `${path}/${i}`));
  } else {
    assertEquals(actual, expected, path);
  }
}

Deno.test({
  name: `python3-prometheus-client: its OpenMetrics decodes with everything kept${SKIPPED}`,
  ignore: skipped !== undefined,
  async fn() {
    const families = familiesOf(decodeOpenMetrics(await python(GENERATE)));
    assertEquals(families.map((f) => [f.name, f.type, f.unit]), [
      ["http_requests_total", "counter", undefined],
      ["latency_seconds", "histogram", undefined],
      ["rpc_seconds", "summary", undefined],
      ["build_info", "info", undefined],
      ["task_state", "stateset", undefined],
      ["queue_wait_seconds", "gaugehistogram", "seconds"],
      ["temperature_celsius", "gauge", "celsius"],
      ["jobs_total", "counter", undefined],
    ]);
    const [requests, latency, , , , wait, temperature, jobs] = families as [
      ValueFamily,
      HistogramFamily,
      unknown,
      unknown,
      unknown,
      HistogramFamily,
      ValueFamily,
      ValueFamily,
    ];
    // Exemplars, with their timestamps (now, in ms); created times on every counter.
    const exemplar = requests.metrics[0]!.exemplar!;
    assertEquals(exemplar.labels, [{ name: "trace_id", value: "abc" }]);
    assertEquals(exemplar.value, 1027);
    assert(Math.abs(exemplar.timestampMs! - Date.now()) < 600_000, `${exemplar.timestampMs}`);
    assertEquals(requests.metrics[0]!.labels[1], { name: "path", value: "/caf\u00e9" });
    assert(requests.metrics.every((m) => m.createdMs !== undefined));
    assertEquals(
      latency.metrics[0]!.buckets.map((b) => b.exemplar?.labels[0]?.value),
      [undefined, "def", undefined, "ghi"],
    );
    assert(latency.metrics[0]!.createdMs !== undefined);
    assertEquals(wait.metrics[0]!.count, 5);
    assertEquals(wait.metrics[0]!.sum, 1.5);
    assertEquals(temperature.help, 'A "quoted"\nhelp.');
    assertEquals(temperature.metrics, [{
      labels: [{ name: "room", value: "hall\\" }],
      timestampMs: 1700000000500,
      value: -3.25,
    }]);
    assertEquals(jobs.metrics, [{
      labels: [{ name: "q", value: "a" }],
      timestampMs: 1700000001000,
      value: 7,
      createdMs: 1600000000.25 * 1000,
    }]);
  },
});

Deno.test({
  name:
    `python3-prometheus-client: re-encoded, it is what the client wrote, to the client's own parser${SKIPPED}`,
  ignore: skipped !== undefined,
  async fn() {
    const original = await python(GENERATE);
    const exposition = decodeOpenMetrics(original);
    const encoded = encodedAlone(exposition);
    assertEquals(Object.values(encoded.dropped), [0, 0, 0, 0]);
    // Our decoder reads it as it read the original.
    assertEquals(familiesOf(decodeOpenMetrics(encoded.body)), byName(familiesOf(exposition)));
    // The client's parser reads the same families, samples, exemplars and timestamps from both.
    const theirs = JSON.parse(text(await python(PARSE, original)));
    const ours = JSON.parse(text(await python(PARSE, encoded.body)));
    assertSame(ours, theirs);
    assertEquals(ours.length, 8);
  },
});

Deno.test({
  name: `python3-prometheus-client: re-encoded, Prometheus's OpenMetrics parser reads it${SKIPPED}${
    promtool ? "" : " (skipped: promtool not installed)"
  }`,
  ignore: skipped !== undefined || !promtool,
  async fn() {
    // promtool reads OpenMetrics only with a timestamp on every sample.
    const exposition = withTimestamps(decodeOpenMetrics(await python(GENERATE)), 1700000002000);
    const { code, output } = await promtoolParseOpenMetrics(encodedAlone(exposition).body);
    assertEquals(code, 0, output);
  },
});

Deno.test({
  name: `python3-prometheus-client: as text, promtool check metrics accepts it${SKIPPED}${
    promtool ? "" : " (skipped: promtool not installed)"
  }`,
  ignore: skipped !== undefined || !promtool,
  async fn() {
    const exposition = decodeOpenMetrics(await python(GENERATE));
    const encoded = encodeText(mergeSources([{ exporterName: "python", exposition }]).families);
    // What text cannot carry, counted: 3 exemplars, 5 created times (3 counters, a histogram,
    // a summary), 2 units.
    assertEquals(encoded.dropped, {
      exemplar: 3,
      created_timestamp: 5,
      unit: 2,
      native_histogram_buckets: 0,
    });
    const { code, output } = await promtoolCheckMetrics(text(encoded.body));
    assert(code === 0 || code === 3, `promtool exit ${code}: ${output}`);
  },
});
