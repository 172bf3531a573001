/** Test harness: the real server as a subprocess, and real HTTP exporters on loopback. */

/** The repository's root directory, with a trailing slash. */
export const REPO = new URL("..", import.meta.url).pathname;
const MAIN = `${REPO}main.ts`;

/** One JSON log line of the server. */
export type LogLine = Record<string, unknown> & { msg: string; level: string };

/** The flags a user would pass to run the server from source on loopback. */
export function serverPermissions(dir: string): string[] {
  return ["--no-prompt", "--allow-net=127.0.0.1,[::1]", `--allow-read=${dir}`];
}

/**
 * The flags a user gives a configuration with scripts: `serverPermissions`, and `run` without
 * a list, which stopping a script's process group needs.
 */
export function scriptPermissions(dir: string): string[] {
  return [...serverPermissions(dir), "--allow-run"];
}

/** A temporary directory, removed by `Symbol.asyncDispose`. */
export async function tempDir(): Promise<AsyncDisposable & { path: string }> {
  const path = await Deno.makeTempDir({ prefix: "reverse_exporter_test_" });
  return { path, [Symbol.asyncDispose]: () => Deno.remove(path, { recursive: true }) };
}

/** How the program is run: where, with which permissions, and with which environment. */
export interface ProgramOptions {
  readonly cwd?: string;
  /** Deno permission flags, instead of {@linkcode serverPermissions}. */
  readonly permissions?: readonly string[];
  /** Added to the environment the program inherits. */
  readonly env?: Readonly<Record<string, string>>;
  /** More flags for `deno run` (`--no-lock`). */
  readonly denoFlags?: readonly string[];
  /** A command the server runs under (`["prlimit", "--nofile=256"]`). */
  readonly wrapper?: readonly string[];
}

/**
 * The `deno run` arguments of the program under `options`. `--quiet`, as in `deno task
 * start`: what Deno says while it fills its cache (`Download ...`) is not the program's log.
 */
function runArgs(args: readonly string[], options: ProgramOptions, cwd: string): string[] {
  return [
    "run",
    "--quiet",
    `--config=${REPO}deno.json`,
    ...(options.denoFlags ?? []),
    ...(options.permissions ?? serverPermissions(cwd)),
    MAIN,
    ...args,
  ];
}

/** Runs the program to completion with `args`; for commands that exit on their own. */
export async function runProgram(
  args: readonly string[],
  options: ProgramOptions = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const cwd = options.cwd ?? REPO;
  const output = await new Deno.Command(Deno.execPath(), {
    args: runArgs(args, options, cwd),
    cwd,
    ...(options.env === undefined ? {} : { env: { ...options.env } }),
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(30_000),
  }).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

/**
 * The flags `--print-permissions` prints for the configuration `file` in `dir`, as arguments;
 * `permissions` are more flags for that run (`--allow-env`, so that the variables' places are
 * printed).
 */
export async function printedFlags(
  file: string,
  dir: string,
  options: { permissions?: readonly string[] } = {},
): Promise<string[]> {
  const { code, stdout, stderr } = await runProgram(
    ["--config-file", file, "--print-permissions"],
    { cwd: dir, permissions: ["--no-prompt", `--allow-read=${dir}`, ...options.permissions ?? []] },
  );
  if (code !== 0) throw new Error(`--print-permissions: exit ${code}: ${stderr}`);
  return stdout.trim().split(" ");
}

/** A running server subprocess. */
export class ServerProcess implements AsyncDisposable {
  readonly #child: Deno.ChildProcess;
  readonly #logs: LogLine[] = [];
  readonly #stderr: Promise<void>;
  #status: Promise<Deno.CommandStatus>;
  /** The addresses it listens on, as `host:port`. */
  readonly bound: string[] = [];

  private constructor(child: Deno.ChildProcess) {
    this.#child = child;
    this.#status = child.status;
    this.#stderr = this.#readLogs();
  }

  /** Starts `main.ts` with `args` and waits until it has started, or has exited. */
  static start(
    args: readonly string[],
    options: ProgramOptions & { cwd: string },
  ): Promise<ServerProcess> {
    return ServerProcess.spawn(
      runArgs(["--log-format", "json", ...args], options, options.cwd),
      options,
    );
  }

  /**
   * Runs `deno` with `denoArgs` (under `options.wrapper`, a command that runs the one after its
   * own arguments, as `prlimit --nofile=256` does) and waits until the server has started, or
   * has exited.
   */
  static async spawn(
    denoArgs: readonly string[],
    options: {
      cwd: string;
      env?: Readonly<Record<string, string>> | undefined;
      wrapper?: readonly string[] | undefined;
    },
  ): Promise<ServerProcess> {
    const [command, ...args] = [...(options.wrapper ?? []), Deno.execPath(), ...denoArgs];
    const child = new Deno.Command(command!, {
      args,
      cwd: options.cwd,
      ...(options.env === undefined ? {} : { env: { ...options.env } }),
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    const server = new ServerProcess(child);
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      if (server.#logs.some((l) => l.msg.includes("reverse_exporter started"))) return server;
      const exited = await Promise.race([
        server.#status.then(() => true),
        new Promise<false>((r) => setTimeout(() => r(false), 20)),
      ]);
      if (exited) {
        await server.#stderr;
        return server;
      }
    }
    await server.stop();
    throw new Error(`server did not start within 20 s: ${JSON.stringify(server.#logs)}`);
  }

  /** The process id, for signals. */
  get pid(): number {
    return this.#child.pid;
  }

  /** Every log line so far. */
  get logs(): readonly LogLine[] {
    return this.#logs;
  }

  /** The URL of `path` on the first listener. */
  url(path: string, listener = 0): string {
    const bound = this.bound[listener];
    if (bound === undefined) {
      throw new Error(`no listener ${listener}: ${JSON.stringify(this.#logs)}`);
    }
    return `http://${bound}${path}`;
  }

  /** Resolves when the process exits, with its exit code; kills it after `timeoutMs`. */
  async exitCode(timeoutMs = 20_000): Promise<number> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<"timeout">((resolve) =>
      timer = setTimeout(() => resolve("timeout"), timeoutMs)
    );
    const status = await Promise.race([this.#status, timedOut]);
    clearTimeout(timer);
    if (status === "timeout") {
      this.#child.kill("SIGKILL");
      await this.#status;
      await this.#stderr;
      throw new Error(
        `the server did not exit within ${timeoutMs} ms: ${JSON.stringify(this.#logs)}`,
      );
    }
    await this.#stderr;
    return status.code;
  }

  /** Sends `signal` and waits (at most 20 s) for the exit code. */
  async stop(signal: Deno.Signal = "SIGTERM"): Promise<number> {
    try {
      this.#child.kill(signal);
    } catch {
      // already exited
    }
    const timer = setTimeout(() => {
      try {
        this.#child.kill("SIGKILL");
      } catch {
        // already exited
      }
    }, 20_000);
    try {
      return await this.exitCode();
    } finally {
      clearTimeout(timer);
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  async #readLogs(): Promise<void> {
    let buffer = "";
    for await (const chunk of this.#child.stderr.pipeThrough(new TextDecoderStream())) {
      buffer += chunk;
      let newline: number;
      while ((newline = buffer.indexOf("\n")) !== -1) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        this.#addLine(line);
      }
    }
    if (buffer !== "") this.#addLine(buffer);
  }

  #addLine(line: string): void {
    let parsed: LogLine;
    try {
      parsed = JSON.parse(line);
    } catch {
      parsed = { msg: line, level: "raw" };
    }
    this.#logs.push(parsed);
    // JSON logs carry a bound field; console logs a bound=host:port pair.
    const bound = parsed["bound"] ?? / INFO +listening .*bound=(\S+)/.exec(line)?.[1];
    if ((parsed.msg === "listening" || parsed.level === "raw") && typeof bound === "string") {
      this.bound.push(bound);
    }
  }
}

/** Options of {@linkcode startServer}. */
export interface StartOptions extends Omit<ProgramOptions, "cwd"> {
  /** Extra program arguments. */
  readonly args?: readonly string[];
}

/** Writes `config` to `reverse_exporter.yml` in `dir` and starts the server on it. */
export async function startServer(
  dir: string,
  config: string,
  options: StartOptions = {},
): Promise<ServerProcess> {
  const file = `${dir}/reverse_exporter.yml`;
  await Deno.writeTextFile(file, config);
  const { args = [], ...program } = options;
  return await ServerProcess.start(["--config-file", file, ...args], { ...program, cwd: dir });
}

/** Writes an executable shell script `name` into `dir`; returns its path. */
export async function writeScript(dir: string, name: string, body: string): Promise<string> {
  const path = `${dir}/${name}`;
  await Deno.writeTextFile(path, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return path;
}

/** The live processes (not zombies) whose command line contains `marker`, from `ps`. */
export async function liveProcesses(marker: string): Promise<string[]> {
  const { stdout } = await new Deno.Command("ps", {
    args: ["-eo", "pid,stat,args"],
    stdout: "piped",
  })
    .output();
  return new TextDecoder().decode(stdout).split("\n").filter((line) => {
    const [, stat] = line.trim().split(/\s+/);
    return line.includes(marker) && stat !== undefined && !stat.startsWith("Z") &&
      !line.includes("ps -eo");
  });
}

/** Polls `condition` every 20 ms until it holds, failing after `timeoutMs`. */
export async function eventually(
  what: string,
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`not within ${timeoutMs} ms: ${what}`);
}

/** GETs `path` on the server and returns the body; fails on a status other than 200. */
export async function scrape(
  server: ServerProcess,
  path = "/metrics",
  init: RequestInit = {},
): Promise<string> {
  const response = await fetch(server.url(path), { signal: AbortSignal.timeout(20_000), ...init });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`GET ${path}: ${response.status} ${text}`);
  return text;
}

/** The value of the sample of `exposition` written as `series` (name and labels), if any. */
export function valueOf(exposition: string, series: string): number | undefined {
  for (const line of exposition.split("\n")) {
    if (line.startsWith(series + " ")) return Number(line.slice(series.length + 1).split(" ")[0]);
  }
  return undefined;
}

/** A real HTTP server on loopback, standing in for an exporter. */
export interface Exporter extends AsyncDisposable {
  /** Base URL, `http://127.0.0.1:PORT`. */
  readonly url: string;
  /** Requests received so far. */
  readonly requests: RecordedRequest[];
}

/** What a test exporter saw of one request. */
export interface RecordedRequest {
  readonly url: URL;
  readonly headers: Headers;
}

/** Serves `handler` on 127.0.0.1 on a port chosen by the system. */
export function serveExporter(
  handler: (request: Request) => Response | Promise<Response>,
): Promise<Exporter> {
  const requests: RecordedRequest[] = [];
  return new Promise((resolve) => {
    const server = Deno.serve({
      hostname: "127.0.0.1",
      port: 0,
      onListen: ({ port }) => {
        resolve({
          url: `http://127.0.0.1:${port}`,
          requests,
          [Symbol.asyncDispose]: () => server.shutdown(),
        });
      },
    }, (request) => {
      requests.push({ url: new URL(request.url), headers: new Headers(request.headers) });
      return handler(request);
    });
  });
}

/** Reads a file of tests/fixtures. */
export function fixture(name: string): string {
  return Deno.readTextFileSync(new URL(`fixtures/${name}`, import.meta.url));
}

/** Whether `command` can be run here. */
export async function installed(command: string): Promise<boolean> {
  try {
    await new Deno.Command(command, { args: ["--version"], stdout: "null", stderr: "null" })
      .output();
    return true;
  } catch {
    return false;
  }
}

/** Runs `promtool check metrics` on `text`; exit 0 or 3 (lint only) means it parsed. */
export async function promtoolCheckMetrics(
  text: string,
): Promise<{ code: number; output: string }> {
  const child = new Deno.Command("promtool", {
    args: ["check", "metrics"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(text));
  await writer.close();
  const output = await child.output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    output: decoder.decode(output.stdout) + decoder.decode(output.stderr),
  };
}

/** The sample lines of an exposition, by metric name. */
export function sampleLines(text: string): string[] {
  return text.split("\n").filter((l) => l !== "" && !l.startsWith("#"));
}

/**
 * The processes whose command line contains `marker`, zombies excepted, read from /proc (by
 * a shell: Deno lets a program read /proc only with --allow-all): `pid state command line`.
 */
export async function processesInProc(marker: string): Promise<string[]> {
  const { stdout } = await new Deno.Command("/bin/sh", {
    args: [
      "-c",
      `for d in /proc/[0-9]*; do
         s=$(cut -d' ' -f3 "$d/stat" 2>/dev/null) || continue
         c=$(tr '\\0' ' ' < "$d/cmdline" 2>/dev/null) || continue
         echo "\${d#/proc/} $s $c"
       done`,
    ],
    stdout: "piped",
  }).output();
  return new TextDecoder().decode(stdout).split("\n").filter((line) => {
    const [, state, ...command] = line.split(" ");
    return command.join(" ").includes(marker) && state !== "Z";
  });
}
