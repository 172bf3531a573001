/** The program's own metrics, served at `/-/metrics`. */
import process from "node:process";
import type { MetricFamily, ValueFamily } from "../exposition/model.ts";
import { VERSION } from "../version.ts";
import { Counter, Gauge, Histogram, type Metric } from "./_registry.ts";

const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** Every metric the program keeps about itself. */
export class OwnMetrics {
  /** Scrapes of each exporter, by path and exporter. */
  readonly exporterScrapes = new Counter(
    "reverse_exporter_exporter_scrapes_total",
    "Scrapes of each exporter.",
    ["path", "exporter_name", "kind"],
  );
  /** Failed scrapes of each exporter, by cause. */
  readonly exporterFailures = new Counter(
    "reverse_exporter_exporter_scrape_failures_total",
    "Failed scrapes of each exporter, by cause.",
    ["path", "exporter_name", "cause"],
  );
  /** Duration of each exporter's scrapes. */
  readonly exporterDuration = new Histogram(
    "reverse_exporter_exporter_scrape_duration_seconds",
    "Duration of each exporter's scrapes, decoding included.",
    ["path", "exporter_name"],
    DURATION_BUCKETS,
  );
  /** Scrapes of each exporter answered its cached result (`cache_for`) instead. */
  readonly exporterCacheHits = new Counter(
    "reverse_exporter_exporter_cache_hits_total",
    "Scrapes of each exporter answered its last successful result (cache_for) instead.",
    ["path", "exporter_name"],
  );
  /** Samples in each exporter's last successful scrape. */
  readonly exporterSamples = new Gauge(
    "reverse_exporter_exporter_samples",
    "Samples in the exporter's last successful scrape.",
    ["path", "exporter_name"],
  );
  /** Requests to each configured path, by status code. */
  readonly pathRequests = new Counter(
    "reverse_exporter_http_requests_total",
    "Requests to each configured path, by HTTP status code.",
    ["path", "code"],
  );
  /** Merge conflicts by kind. */
  readonly mergeConflicts = new Counter(
    "reverse_exporter_merge_conflicts_total",
    "Families whose type disagreed between exporters, had duplicate series, or had a reserved name, per scrape.",
    ["path", "kind"],
  );
  /** Samples dropped while merging. */
  readonly droppedSamples = new Counter(
    "reverse_exporter_merge_dropped_samples_total",
    "Samples dropped while merging: duplicate series, or a family of a conflicting type.",
    ["path", "reason"],
  );
  /** What the client's format could not carry, by kind. */
  readonly conversionDropped = new Counter(
    "reverse_exporter_conversion_dropped_total",
    "What answers left out because the format the client asked for cannot carry it, by kind.",
    ["path", "what"],
  );
  /** Runs of exec and exec_cached commands. */
  readonly execRuns = new Counter(
    "reverse_exporter_exec_runs_total",
    "Runs of the commands of exec and exec_cached exporters.",
    ["path", "exporter_name"],
  );
  /** Failed runs, by cause. */
  readonly execRunFailures = new Counter(
    "reverse_exporter_exec_run_failures_total",
    "Failed runs of the commands of exec and exec_cached exporters, by cause.",
    ["path", "exporter_name", "cause"],
  );
  /** How long runs take. */
  readonly execRunDuration = new Histogram(
    "reverse_exporter_exec_run_duration_seconds",
    "Duration of the runs of the commands of exec and exec_cached exporters.",
    ["path", "exporter_name"],
    DURATION_BUCKETS,
  );
  /** The exit code of the last run that exited. */
  readonly execLastExitCode = new Gauge(
    "reverse_exporter_exec_last_exit_code",
    "Exit code of the last run of the command that exited.",
    ["path", "exporter_name"],
  );
  /** When a run last succeeded. */
  readonly execLastSuccess = new Gauge(
    "reverse_exporter_exec_last_success_timestamp_seconds",
    "Time of the last successful run of the command, in seconds since the epoch.",
    ["path", "exporter_name"],
  );
  /** The modification time of each metrics file, as node_exporter's textfile collector has it. */
  readonly fileModified = new Gauge(
    "reverse_exporter_file_mtime_seconds",
    "Modification time of the metrics file of a file exporter, in seconds since the epoch.",
    ["path", "exporter_name", "file"],
  );
  /** Bytes of bodies and script output held by scrapes in flight. */
  readonly bytesInFlight = new Gauge(
    "reverse_exporter_bytes_in_flight",
    "Bytes of bodies and script output held by scrapes in flight (web.max_bytes_in_flight caps it).",
    [],
  );
  /** Connections open on each listener. */
  readonly connections = new Gauge(
    "reverse_exporter_connections",
    "Connections open on each listener (web.max_connections caps it).",
    ["listener"],
  );
  /** Connections refused because a listener had web.max_connections open. */
  readonly connectionsRefused = new Counter(
    "reverse_exporter_connections_refused_total",
    "Connections closed at once because the listener had web.max_connections open.",
    ["listener"],
  );
  /** Whether the last configuration (re)load succeeded. */
  readonly configLastReloadSuccessful = new Gauge(
    "reverse_exporter_config_last_reload_successful",
    "Whether the last configuration load or reload succeeded.",
    [],
  );
  /** When the configuration last loaded successfully. */
  readonly configLastReloadSuccessTimestamp = new Gauge(
    "reverse_exporter_config_last_reload_success_timestamp_seconds",
    "Time of the last successful configuration load or reload, in seconds since the epoch.",
    [],
  );

  readonly #all: readonly Metric[] = [
    this.exporterScrapes,
    this.exporterFailures,
    this.exporterDuration,
    this.exporterCacheHits,
    this.exporterSamples,
    this.pathRequests,
    this.mergeConflicts,
    this.droppedSamples,
    this.conversionDropped,
    this.execRuns,
    this.execRunFailures,
    this.execRunDuration,
    this.execLastExitCode,
    this.execLastSuccess,
    this.fileModified,
    this.bytesInFlight,
    this.connections,
    this.connectionsRefused,
    this.configLastReloadSuccessful,
    this.configLastReloadSuccessTimestamp,
  ];

  /** Forgets the series of an exporter, or of a whole path, that a reload removed. */
  forget(path: string, exporterName?: string): void {
    const prefix = exporterName === undefined ? [path] : [path, exporterName];
    for (const metric of this.#all) {
      if (metric.labelNames[0] === "path") metric.removeWhere(prefix);
    }
  }

  /** Records the outcome of loading a configuration. */
  configLoaded(successful: boolean): void {
    this.configLastReloadSuccessful.set([], successful ? 1 : 0);
    if (successful) this.configLastReloadSuccessTimestamp.set([], Date.now() / 1000);
  }

  /** Every own metric, build and process metrics included. */
  collect(): MetricFamily[] {
    return [buildInfo(), ...processMetrics(), ...this.#all.map((m) => m.collect())];
  }
}

function buildInfo(): ValueFamily {
  return {
    name: "reverse_exporter_build_info",
    type: "gauge",
    help:
      "A metric with a constant '1' value labelled by the version of reverse_exporter and Deno.",
    metrics: [{
      labels: [{ name: "version", value: VERSION }, {
        name: "deno_version",
        value: Deno.version.deno,
      }],
      value: 1,
    }],
  };
}

/**
 * The process metrics of the Prometheus client libraries that Deno can give without
 * broad permissions. `process_open_fds` is missing: Deno grants `/proc/self` only to
 * `--allow-all`.
 */
function processMetrics(): ValueFamily[] {
  const cpu = process.cpuUsage();
  const gauge = (name: string, help: string, value: number): ValueFamily => ({
    name,
    type: "gauge",
    help,
    metrics: [{ labels: [], value }],
  });
  return [
    {
      name: "process_cpu_seconds_total",
      type: "counter",
      help: "Total user and system CPU time spent in seconds.",
      metrics: [{ labels: [], value: (cpu.user + cpu.system) / 1e6 }],
    },
    gauge(
      "process_resident_memory_bytes",
      "Resident memory size in bytes.",
      Deno.memoryUsage().rss,
    ),
    gauge(
      "process_start_time_seconds",
      "Start time of the process since unix epoch in seconds.",
      Math.floor(performance.timeOrigin / 1000),
    ),
  ];
}
