/** Load for the end-to-end benchmarks: Debian's `wrk` when installed, else a built-in client. */

/** What a load run measured. */
export interface LoadResult {
  readonly requests: number;
  readonly seconds: number;
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Failed requests: errors, timeouts and answers other than 200. */
  readonly errors: number;
}

/** How much load: `connections` concurrent clients, for `seconds` or for `requests`. */
export interface LoadOptions {
  readonly connections: number;
  /** Run for this long (wrk, or the built-in client). */
  readonly seconds?: number;
  /** Run exactly this many requests (always the built-in client). */
  readonly requests?: number;
  /** Use wrk (when it is installed and the run is timed). */
  readonly wrk: boolean;
  /**
   * Ask for gzip, as Prometheus does. Otherwise identity (wrk asks for no encoding), so that
   * both load generators measure the same work.
   */
  readonly gzip?: boolean;
  /** The Accept header sent (the format asked for); none by default, as wrk sends none. */
  readonly accept?: string | undefined;
}

/** The longest a single request may take before it counts as failed. */
const REQUEST_TIMEOUT_S = 60;

/** Sends load to `url` and measures it. */
export function runLoad(url: string, options: LoadOptions): Promise<LoadResult> {
  if (options.wrk && options.requests === undefined) {
    return runWrk(url, options);
  }
  return runBuiltin(url, options);
}

/** `wrk -t1 -c<connections> -d<seconds>s --latency`, its report parsed. */
async function runWrk(url: string, options: LoadOptions): Promise<LoadResult> {
  const seconds = options.seconds ?? 5;
  const out = await new Deno.Command("wrk", {
    args: [
      "-t1",
      `-c${options.connections}`,
      `-d${seconds}s`,
      `--timeout`,
      `${REQUEST_TIMEOUT_S}s`,
      "--latency",
      ...(options.gzip ? ["-H", "Accept-Encoding: gzip"] : []),
      ...(options.accept === undefined ? [] : ["-H", `Accept: ${options.accept}`]),
      url,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  if (!out.success) throw new Error(`wrk failed: ${new TextDecoder().decode(out.stderr)}`);
  const number = (pattern: RegExp) => {
    const match = pattern.exec(text);
    if (match === null) throw new Error(`cannot read ${pattern} in the output of wrk:\n${text}`);
    return Number(match[1]);
  };
  const latency = (percent: number) => {
    const match = new RegExp(`^\\s+${percent}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, "m").exec(text);
    if (match === null) throw new Error(`no ${percent}% latency in the output of wrk:\n${text}`);
    const scale = { us: 0.001, ms: 1, s: 1000, m: 60_000 }[match[2] as "us" | "ms" | "s" | "m"];
    return Number(match[1]) * scale;
  };
  const requests = number(/(\d+) requests in ([\d.]+)(?:us|ms|s|m)/);
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/
    .exec(text);
  const errors = (socketErrors?.slice(1).reduce((sum, n) => sum + Number(n), 0) ?? 0) +
    (/Non-2xx or 3xx responses: (\d+)/.exec(text)?.[1] === undefined
      ? 0
      : number(/Non-2xx or 3xx responses: (\d+)/));
  return {
    requests,
    seconds,
    requestsPerSecond: number(/Requests\/sec:\s+([\d.]+)/),
    p50Ms: latency(50),
    p99Ms: latency(99),
    errors,
  };
}

/** `connections` loops of fetch, each waiting for its whole answer, until time or count is up. */
async function runBuiltin(url: string, options: LoadOptions): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  let started = 0;
  const limit = options.requests ?? Infinity;
  const begin = performance.now();
  const deadline = begin + (options.seconds ?? Infinity) * 1000;
  const client = Deno.createHttpClient({});
  // Deno's fetch asks for gzip unless told otherwise, and decompresses the answer.
  const headers: Record<string, string> = options.gzip ? {} : { "Accept-Encoding": "identity" };
  if (options.accept !== undefined) headers["Accept"] = options.accept;
  const worker = async () => {
    // Bounded by the request count or the deadline, whichever comes first.
    while (started < limit && performance.now() < deadline) {
      started++;
      const t0 = performance.now();
      try {
        const response = await fetch(url, {
          client,
          headers,
          signal: AbortSignal.timeout(REQUEST_TIMEOUT_S * 1000),
        });
        await response.arrayBuffer();
        if (response.status !== 200) errors++;
      } catch {
        errors++;
      }
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: options.connections }, worker));
  client.close();
  const seconds = (performance.now() - begin) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    seconds,
    requestsPerSecond: latencies.length / seconds,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    errors,
  };
}

/** The `q` quantile of sorted values (nearest rank); NaN when there are none. */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}
