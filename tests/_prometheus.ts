/**
 * A real Prometheus (and other real programs) for end-to-end tests: programs run in the
 * background, and queries of Prometheus's HTTP API.
 */
import { assertEquals } from "./_assert.ts";
import { eventually } from "./_server.ts";

/** A port on 127.0.0.1 that was free a moment ago, for a program that binds it itself. */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/** A program running in the background whose output is kept; killed on dispose. */
export class Daemon implements AsyncDisposable {
  readonly #child: Deno.ChildProcess;
  readonly #drained: Promise<void>;
  #output = "";
  #exited = false;

  constructor(readonly command: string, args: readonly string[], cwd: string) {
    this.#child = new Deno.Command(command, {
      args: [...args],
      cwd,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#child.status.then(() => this.#exited = true);
    // Both pipes are read to the end, so that the program never blocks on a full pipe.
    this.#drained = Promise.all([this.#drain(this.#child.stdout), this.#drain(this.#child.stderr)])
      .then(() => {});
  }

  /** What the program has written so far, stdout and stderr interleaved. */
  get output(): string {
    return this.#output;
  }

  /** Whether the program has exited. */
  get exited(): boolean {
    return this.#exited;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    try {
      this.#child.kill("SIGTERM");
    } catch {
      // already exited
    }
    const timer = setTimeout(() => {
      try {
        this.#child.kill("SIGKILL");
      } catch {
        // already exited
      }
    }, 5_000);
    try {
      await this.#child.status;
      await this.#drained;
    } finally {
      clearTimeout(timer);
    }
  }

  async #drain(stream: ReadableStream<Uint8Array>): Promise<void> {
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) this.#output += chunk;
  }
}

/** Waits (at most `timeoutMs`) until `url` answers 200, failing early if `daemon` exits. */
export async function waitForHttp(daemon: Daemon, url: string, timeoutMs = 15_000): Promise<void> {
  await eventually(`${daemon.command} answers ${url}`, async () => {
    if (daemon.exited) throw new Error(`${daemon.command} exited: ${daemon.output}`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      await response.body?.cancel();
      return response.status === 200;
    } catch {
      return false;
    }
  }, timeoutMs);
}

/** A Prometheus server started by {@linkcode startPrometheus}. */
export interface Prometheus extends AsyncDisposable {
  /** Its base URL, `http://127.0.0.1:PORT`. */
  readonly url: string;
  /** Its process: what it wrote. */
  readonly daemon: Daemon;
}

/**
 * Starts Debian's `prometheus` on a free port of 127.0.0.1 with the configuration `config`
 * (written to `dir`/prometheus.yml, its data in `dir`) and `flags`; resolves once it is ready.
 */
export async function startPrometheus(
  dir: string,
  config: string,
  options: { flags?: readonly string[] } = {},
): Promise<Prometheus> {
  await Deno.writeTextFile(`${dir}/prometheus.yml`, config);
  const address = `127.0.0.1:${freePort()}`;
  const daemon = new Daemon("prometheus", [
    `--config.file=${dir}/prometheus.yml`,
    `--storage.tsdb.path=${dir}/prometheus-data`,
    `--web.listen-address=${address}`,
    ...(options.flags ?? []),
  ], dir);
  const url = `http://${address}`;
  try {
    await waitForHttp(daemon, `${url}/-/ready`);
  } catch (error) {
    await daemon[Symbol.asyncDispose]();
    throw error;
  }
  return { url, daemon, [Symbol.asyncDispose]: () => daemon[Symbol.asyncDispose]() };
}

/** One element of the result of an instant query. */
export interface VectorSample {
  metric: Record<string, string>;
  value: [number, string];
}

/** Runs the instant query `promql` through Prometheus's HTTP API. */
export async function query(prometheus: string, promql: string): Promise<VectorSample[]> {
  const response = await fetch(`${prometheus}/api/v1/query?query=${encodeURIComponent(promql)}`, {
    signal: AbortSignal.timeout(5_000),
  });
  const body = await response.json();
  if (response.status !== 200 || body.status !== "success" || body.data.resultType !== "vector") {
    throw new Error(`query ${promql}: ${response.status} ${JSON.stringify(body)}`);
  }
  return body.data.result;
}

/** The single value of the result of `promql`; fails unless there is exactly one. */
export async function queryOne(prometheus: string, promql: string): Promise<number> {
  const result = await query(prometheus, promql);
  assertEquals(result.length, 1, `${promql}: ${JSON.stringify(result)}`);
  return Number(result[0]!.value[1]);
}

/** `count by (label) (...)` as a map from the label's value ("" when absent) to the count. */
export async function countBy(
  prometheus: string,
  label: string,
  selector: string,
): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const sample of await query(prometheus, `count by (${label}) (${selector})`)) {
    counts[sample.metric[label] ?? ""] = Number(sample.value[1]);
  }
  return counts;
}
