/**
 * Runs an exporter's command: directly (no shell), in its own process group, with
 * bounded output, stopped by SIGTERM to the group and SIGKILL after a grace period.
 *
 * Permissions: `run` of the command. Signalling a process group needs `run` without a
 * list of commands (Deno ties `Deno.kill` to it); with a list, only the command's own
 * process is signalled and children it leaves behind may survive.
 */
import { errorMessage } from "../error_message.ts";
import { abortFailure, concatBytes, decodeUtf8, ScrapeFailure } from "./backend.ts";

/** How long a stopped command gets between SIGTERM and SIGKILL. */
export const STOP_GRACE_MS = 1000;

/** The most of a command's stderr that is kept for the log. */
export const STDERR_LIMIT = 4096;

/** What to run. */
export interface CommandSpec {
  readonly command: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly workingDir: string | undefined;
  /** The most bytes of stdout accepted; more is a failure. */
  readonly outputLimit: number;
  /**
   * Called when processes the command started still held its output open after it exited
   * and could not be stopped (`run` granted only for a list of commands).
   */
  readonly onLeftBehind?: () => void;
}

/** A command that ran to its end (whatever its exit code). */
export interface CommandResult {
  readonly stdout: string;
  /** The first {@linkcode STDERR_LIMIT} bytes of stderr. */
  readonly stderr: string;
  readonly code: number;
  readonly signal: Deno.Signal | null;
}

/** Whether this process may signal process groups (`run` granted without a list). */
export function canSignalGroups(): boolean {
  return Deno.permissions.querySync({ name: "run" }).state === "granted";
}

/**
 * Runs `spec` until it exits, or until `signal` aborts (then it is stopped and the
 * promise rejects with a {@linkcode ScrapeFailure} of cause `timeout` or `canceled`).
 */
export async function runCommand(spec: CommandSpec, signal: AbortSignal): Promise<CommandResult> {
  signal.throwIfAborted();
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(spec.command, {
      args: [...spec.args],
      env: { ...spec.env },
      ...(spec.workingDir === undefined ? {} : { cwd: spec.workingDir }),
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      detached: true, // its own process group, so that its children can be stopped with it
    }).spawn();
  } catch (error) {
    throw new ScrapeFailure("start", `cannot start ${spec.command}: ${errorMessage(error)}`);
  }
  const group = new ProcessGroup(child);
  const stop = () => group.stop();
  signal.addEventListener("abort", stop, { once: true });
  // Output over the limit is a failure already: stop the command rather than drain it.
  const stdout = readBounded(child.stdout, spec.outputLimit, { onOverflow: () => group.stop() });
  const stderr = readBounded(child.stderr, STDERR_LIMIT, { truncate: true });
  try {
    const status = await child.status;
    // Whatever the command left running in its group goes with it.
    group.stopLeftovers();
    const [out, err] = await Promise.all([
      drain(stdout, group, STOP_GRACE_MS),
      drain(stderr, group, STOP_GRACE_MS),
    ]);
    if ((out.abandoned || err.abandoned) && !canSignalGroups()) spec.onLeftBehind?.();
    const stderrText = lossy(err.bytes);
    if (signal.aborted) {
      throw withStderr(abortFailure(signal, `running ${spec.command}`), stderrText);
    }
    if (out.overflow) {
      const tooLarge = `output of ${spec.command} is larger than ${spec.outputLimit} bytes`;
      throw withStderr(new ScrapeFailure("body_too_large", tooLarge), stderrText);
    }
    let stdoutText: string;
    try {
      stdoutText = decodeUtf8(out.bytes, `output of ${spec.command}`);
    } catch (error) {
      throw error instanceof ScrapeFailure ? withStderr(error, stderrText) : error;
    }
    return { stdout: stdoutText, stderr: stderrText, code: status.code, signal: status.signal };
  } finally {
    signal.removeEventListener("abort", stop);
    if (!group.exited) group.stop();
  }
}

/** Signals a child and, when permitted, its whole process group. */
class ProcessGroup {
  readonly #child: Deno.ChildProcess;
  #exited = false;
  #stopping = false;

  constructor(child: Deno.ChildProcess) {
    this.#child = child;
    child.status.then(() => this.#exited = true);
  }

  /** Whether the command's own process has exited. */
  get exited(): boolean {
    return this.#exited;
  }

  /** SIGTERM now and SIGKILL after the grace period, unless everything is gone by then. */
  stop(): void {
    if (this.#stopping) return;
    this.#stopping = true;
    this.#signal("SIGTERM");
    const timer = setTimeout(() => {
      // Only while something is left: the group's id may be reused once it is empty.
      if (!this.#exited || (canSignalGroups() && groupAlive(this.#child.pid))) {
        this.#signal("SIGKILL");
      }
    }, STOP_GRACE_MS);
    Deno.unrefTimer(timer);
  }

  /** After the command exited: stop what it left behind in its group, if anything. */
  stopLeftovers(): void {
    if (canSignalGroups() && groupAlive(this.#child.pid)) this.stop();
  }

  #signal(signal: Deno.Signal): void {
    try {
      if (canSignalGroups()) Deno.kill(-this.#child.pid, signal);
      else if (!this.#exited) this.#child.kill(signal);
    } catch {
      // already gone
    }
  }
}

function groupAlive(pgid: number): boolean {
  try {
    Deno.kill(-pgid, "SIGCONT"); // harmless; fails when the group is empty
    return true;
  } catch {
    return false;
  }
}

interface Bounded {
  readonly bytes: Uint8Array;
  readonly overflow: boolean;
}

interface Reading {
  readonly done: Promise<Bounded>;
  readonly cancel: () => void;
}

/** Reads a stream, keeping at most `limit` bytes; more is an overflow, or dropped with `truncate`. */
function readBounded(
  stream: ReadableStream<Uint8Array>,
  limit: number,
  options: { truncate?: boolean; onOverflow?: () => void } = {},
): Reading {
  const reader = stream.getReader();
  const done = (async (): Promise<Bounded> => {
    const chunks: Uint8Array[] = [];
    let size = 0;
    let overflow = false;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (overflow) continue; // keep draining, so the writer is not blocked
        if (size + value.byteLength > limit) {
          overflow = true;
          options.onOverflow?.();
          if (options.truncate) chunks.push(value.subarray(0, limit - size));
          size = limit;
          continue;
        }
        chunks.push(value);
        size += value.byteLength;
      }
    } catch {
      // canceled
    }
    return { bytes: concatBytes(chunks, size), overflow: overflow && !options.truncate };
  })();
  return { done, cancel: () => void reader.cancel().catch(() => {}) };
}

/**
 * Waits for a stream's end after the command exited; a pipe still held open by a child
 * that could not be stopped is given up after `graceMs` (`abandoned`).
 */
async function drain(
  reading: Reading,
  group: ProcessGroup,
  graceMs: number,
): Promise<Bounded & { abandoned: boolean }> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, graceMs);
    Deno.unrefTimer(timer);
  });
  const result = await Promise.race([reading.done, late.then(() => undefined)]);
  clearTimeout(timer);
  if (result !== undefined) return { ...result, abandoned: false };
  group.stop();
  reading.cancel();
  return { ...await reading.done, abandoned: true };
}

/** The failure, its message followed by what the command wrote to stderr, if anything. */
export function withStderr(failure: ScrapeFailure, stderr: string): ScrapeFailure {
  const text = stderr.trim();
  if (text === "") return failure;
  const shown = text.length > 1024 ? `${text.slice(0, 1024)}...` : text;
  return new ScrapeFailure(failure.category, `${failure.message}; stderr: ${shown}`);
}

function lossy(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes);
}
