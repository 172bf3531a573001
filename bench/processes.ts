/** The benchmarks' child processes: started, awaited on their port, measured and stopped. */

/** How long a server may take to accept connections after it was started. */
const START_TIMEOUT_MS = 20_000;
/** How long a server may take to exit after SIGTERM before it is killed. */
const STOP_TIMEOUT_MS = 10_000;
/** The most of a child's stderr kept, for the error when it fails. */
const STDERR_KEPT = 16 * 1024;

/** Memory of a process, from /proc/<pid>/status, in MB (10^6 bytes). */
export interface Memory {
  /** Resident set size now (VmRSS). */
  readonly rssMB: number;
  /** The highest resident set size since it started (VmHWM). */
  readonly peakRssMB: number;
}

/** A server the benchmarks started, listening on 127.0.0.1. */
export interface Service extends AsyncDisposable {
  readonly name: string;
  readonly port: number;
  /** `http://127.0.0.1:<port><path>`. */
  url(path: string): string;
  memory(): Promise<Memory>;
  /** CPU time its process has used so far (user and system, all threads), in seconds. */
  cpuSeconds(): Promise<number>;
  stop(): Promise<void>;
}

/** How to start a service. */
export interface StartOptions {
  readonly name: string;
  /** The port it will listen on, on 127.0.0.1. */
  readonly port: number;
  readonly cwd?: string;
}

/** A free TCP port on 127.0.0.1 (free when asked: the caller binds it soon after). */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/** Whether `command` can be run (it is installed and on the PATH). */
export async function installed(command: string, versionFlag = "--version"): Promise<boolean> {
  try {
    await new Deno.Command(command, { args: [versionFlag], stdout: "null", stderr: "null" })
      .output();
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/** The first line `command versionFlag` prints (on stdout or stderr), for the report. */
export async function versionOf(command: string, versionFlag = "--version"): Promise<string> {
  const out = await new Deno.Command(command, { args: [versionFlag] }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  return text.trim().split("\n")[0] ?? "";
}

/**
 * Reads a file under /proc. Deno grants reads of /proc only with --allow-all, which the
 * benchmarks never take: `cat` reads it for them.
 */
export async function readProc(path: string): Promise<string> {
  const out = await new Deno.Command("cat", { args: [path], stderr: "null" }).output();
  if (!out.success) throw new Error(`cannot read ${path}`);
  return new TextDecoder().decode(out.stdout);
}

/** Memory of process `pid`. */
export async function memoryOf(pid: number): Promise<Memory> {
  const status = await readProc(`/proc/${pid}/status`);
  const megabytes = (field: string) => {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status);
    if (match === null) throw new Error(`no ${field} in /proc/${pid}/status`);
    return Number(match[1]) * 1024 / 1e6;
  };
  return { rssMB: megabytes("VmRSS"), peakRssMB: megabytes("VmHWM") };
}

/** Starts `command` with `args` and waits until it accepts connections on its port. */
export async function startService(
  command: string,
  args: readonly string[],
  options: StartOptions,
): Promise<Service> {
  const child = new Deno.Command(command, {
    args: [...args],
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let stderr = "";
  const drained = (async () => {
    for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) {
      stderr = (stderr + chunk).slice(-STDERR_KEPT);
    }
  })();
  let exited = false;
  const status = child.status.then((s) => {
    exited = true;
    return s;
  });
  const { name, port } = options;
  const stop = async () => {
    if (!exited) {
      try {
        child.kill("SIGTERM");
      } catch {
        // it has just exited
      }
    }
    const timer = setTimeout(() => {
      if (!exited) child.kill("SIGKILL");
    }, STOP_TIMEOUT_MS);
    await status;
    clearTimeout(timer);
    await drained;
  };
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (exited) {
      await drained;
      throw new Error(`${name} exited at start-up: ${stderr.trim()}`);
    }
    if (await accepts(port)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${name} did not listen on port ${port} within ${START_TIMEOUT_MS} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    name,
    port,
    url: (path) => `http://127.0.0.1:${port}${path}`,
    memory: () => memoryOf(child.pid),
    cpuSeconds: () => cpuSecondsOf(child.pid),
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

/** Clock ticks per second of /proc/<pid>/stat: USER_HZ, 100 on Linux whatever the kernel's HZ. */
const USER_HZ = 100;

async function cpuSecondsOf(pid: number): Promise<number> {
  const stat = await readProc(`/proc/${pid}/stat`);
  // After "pid (comm) ", fields from the third: utime and stime are the 14th and 15th.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / USER_HZ;
}

async function accepts(port: number): Promise<boolean> {
  try {
    const connection = await Deno.connect({ hostname: "127.0.0.1", port });
    connection.close();
    return true;
  } catch {
    return false;
  }
}
