/**
 * Runs an exporter's command: directly (no shell), in its own process group, with
 * bounded output, stopped by SIGTERM to the group and SIGKILL after a grace period.
 *
 * Permissions: `run` of the command. Signalling a process group needs `run` without a
 * list of commands (Deno ties `Deno.kill` to it); with a list, only the command's own
 * process is signalled and children it leaves behind may survive.
 */
import { errorMessage } from "../error_message.ts";
import { abortFailure, ScrapeFailure } from "./exporter.ts";
import { readBounded } from "./_bounded_read.ts";
import type { BudgetHold } from "./byte_budget.ts";

/** How long a stopped command gets between SIGTERM and SIGKILL. */
export const STOP_GRACE_MS = 1000;

/** The most of a command's stderr that is kept for the log. */
export const STDERR_LIMIT = 4096;

/** How often a stopped command is looked at, to know when it is gone. */
const GONE_POLL_MS = 20;

/** What to run. */
export interface CommandSpec {
  /** The command: an absolute file, or a name looked up in PATH. */
  readonly command: string;
  /** Its arguments, passed as they are (no shell). */
  readonly args: readonly string[];
  /** Variables added to its environment. */
  readonly env: Readonly<Record<string, string>>;
  /** Where it runs; undefined: the program's working directory. */
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
  /** Its output, an exposition still to decode. */
  readonly stdout: Uint8Array;
  /** The first {@linkcode STDERR_LIMIT} bytes of stderr. */
  readonly stderr: string;
  /** Its exit code (128 + the signal's number when a signal ended it). */
  readonly code: number;
  /** The signal that ended it, or null. */
  readonly signal: Deno.Signal | null;
}

/** Options of {@linkcode runCommand}. */
export interface RunCommandOptions {
  /** The share of `web.max_bytes_in_flight` that the output read is taken from. */
  readonly hold?: BudgetHold | undefined;
}

/** Whether this process may signal process groups (`run` granted without a list). */
export function canSignalGroups(): boolean {
  return Deno.permissions.querySync({ name: "run" }).state === "granted";
}

/**
 * Runs `spec` until it exits, or until `signal` aborts (then it is stopped and the
 * promise rejects with a {@linkcode ScrapeFailure} of cause `timeout` or `canceled`).
 */
export async function runCommand(
  spec: CommandSpec,
  signal: AbortSignal,
  options: RunCommandOptions = {},
): Promise<CommandResult> {
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
  const stop = () => void group.stop();
  signal.addEventListener("abort", stop, { once: true });
  // Gives up on pipes that a child which could not be stopped still holds open.
  const giveUp = new AbortController();
  const what = `output of ${spec.command}`;
  const stdout = readBounded(child.stdout, {
    limit: spec.outputLimit,
    what,
    hold: options.hold,
    stop: giveUp.signal,
  });
  // Output over the limit (or the budget) is a failure already: the command is stopped, its
  // stdout not drained.
  stdout.catch(stop);
  const stderr = readBounded(child.stderr, {
    limit: STDERR_LIMIT,
    what: `stderr of ${spec.command}`,
    hold: options.hold,
    overflow: "truncate",
    stop: giveUp.signal,
  });
  try {
    const status = await child.status;
    // Whatever the command left running in its group goes with it.
    group.stopLeftovers();
    let abandoned = false;
    const late = setTimeout(() => {
      abandoned = true;
      stop();
      giveUp.abort();
    }, STOP_GRACE_MS);
    const [out, err] = await Promise.allSettled([stdout, stderr]);
    clearTimeout(late);
    if (abandoned && !canSignalGroups()) spec.onLeftBehind?.();
    const stderrText = err.status === "fulfilled" ? lossy(err.value) : "";
    if (signal.aborted) {
      throw withStderr(abortFailure(signal, `running ${spec.command}`), stderrText);
    }
    if (out.status === "rejected") {
      const error: unknown = out.reason;
      const failure = error instanceof ScrapeFailure
        ? error
        : new ScrapeFailure("read", `cannot read the ${what}: ${errorMessage(error)}`);
      throw withStderr(failure, stderrText);
    }
    return { stdout: out.value, stderr: stderrText, code: status.code, signal: status.signal };
  } finally {
    signal.removeEventListener("abort", stop);
    if (!group.exited) stop();
  }
}

/** Commands started and not yet exited. */
const live = new Set<ProcessGroup>();
/** Stops in progress (of commands, or of what they left in their group). */
const stopping = new Set<Promise<void>>();

/**
 * Stops every command still running, as a stopped scrape does (SIGTERM to its group, SIGKILL
 * after {@linkcode STOP_GRACE_MS}); resolves when they and their groups are gone.
 */
export async function stopAllCommands(): Promise<void> {
  for (const group of live) void group.stop();
  await Promise.all(stopping);
}

/** Signals a child and, when permitted, its whole process group. */
class ProcessGroup {
  readonly #child: Deno.ChildProcess;
  #exited = false;
  #stopped: Promise<void> | undefined;

  constructor(child: Deno.ChildProcess) {
    this.#child = child;
    live.add(this);
    const exited = () => {
      this.#exited = true;
      live.delete(this);
    };
    child.status.then(exited, exited);
  }

  /** Whether the command's own process has exited. */
  get exited(): boolean {
    return this.#exited;
  }

  /**
   * SIGTERM now and SIGKILL after the grace period, unless everything is gone by then;
   * resolves when the command and its group are gone (or a grace period after SIGKILL).
   */
  stop(): Promise<void> {
    if (this.#stopped === undefined) {
      const stopped = this.#terminate();
      this.#stopped = stopped;
      stopping.add(stopped);
      stopped.then(() => stopping.delete(stopped));
    }
    return this.#stopped;
  }

  /** After the command exited: stop what it left behind in its group, if anything. */
  stopLeftovers(): void {
    if (canSignalGroups() && groupAlive(this.#child.pid)) void this.stop();
  }

  async #terminate(): Promise<void> {
    this.#signal("SIGTERM");
    if (await this.#goneWithin(STOP_GRACE_MS)) return;
    // Only while something is left: the group's id may be reused once it is empty.
    this.#signal("SIGKILL");
    await this.#goneWithin(STOP_GRACE_MS);
  }

  /** Whether the command, and its group when it may be signalled, are gone within `ms`. */
  async #goneWithin(ms: number): Promise<boolean> {
    const deadline = performance.now() + ms;
    for (;;) {
      if (this.#exited && !(canSignalGroups() && groupAlive(this.#child.pid))) return true;
      if (performance.now() >= deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, GONE_POLL_MS));
    }
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
