/** Structured logging to stderr, as human-readable lines or JSON objects. */

/** How severe an event is; `--log-level` drops events below it. */
export type LogLevel = "debug" | "info" | "warning" | "error";

/** How each event is written: `console` (key=value line) or `json` (one object per line). */
export type LogFormat = "console" | "json";

/** Extra fields of an event. */
export type LogFields = Readonly<Record<string, string | number | boolean | undefined>>;

/** The levels in increasing severity. */
export const LOG_LEVELS: readonly LogLevel[] = ["debug", "info", "warning", "error"];

/** The log formats. */
export const LOG_FORMATS: readonly LogFormat[] = ["console", "json"];

/** Where a logger writes; stderr unless replaced (tests). */
export interface LoggerOptions {
  /** The lowest level written. */
  readonly level: LogLevel;
  /** console (human-readable) or json (one object a line). */
  readonly format: LogFormat;
  /** Where lines go; default standard error. */
  readonly write?: (line: string) => void;
}

const encoder = new TextEncoder();

function writeStderr(line: string): void {
  Deno.stderr.writeSync(encoder.encode(line));
}

/** Writes one line per event, at or above its level. */
export class Logger {
  readonly #minimum: number;
  readonly #format: LogFormat;
  readonly #write: (line: string) => void;

  /** A logger as `options` say. */
  constructor(options: LoggerOptions) {
    this.#minimum = LOG_LEVELS.indexOf(options.level);
    this.#format = options.format;
    this.#write = options.write ?? writeStderr;
  }

  /** Whether events at `level` are written: work done only for a log line can be skipped. */
  enabled(level: LogLevel): boolean {
    return LOG_LEVELS.indexOf(level) >= this.#minimum;
  }

  /** Logs a debug event. */
  debug(message: string, fields: LogFields = {}): void {
    this.log("debug", message, fields);
  }

  /** Logs an informational event. */
  info(message: string, fields: LogFields = {}): void {
    this.log("info", message, fields);
  }

  /** Logs a warning. */
  warning(message: string, fields: LogFields = {}): void {
    this.log("warning", message, fields);
  }

  /** Logs an error. */
  error(message: string, fields: LogFields = {}): void {
    this.log("error", message, fields);
  }

  /** Logs an event at `level`. */
  log(level: LogLevel, message: string, fields: LogFields): void {
    if (!this.enabled(level)) return;
    const ts = new Date().toISOString();
    if (this.#format === "json") {
      this.#write(JSON.stringify({ ts, level, msg: message, ...fields }) + "\n");
      return;
    }
    let line = `${ts} ${level.toUpperCase().padEnd(7)} ${message}`;
    for (const [k, v] of Object.entries(fields)) {
      if (v !== undefined) line += ` ${k}=${quote(String(v))}`;
    }
    this.#write(line + "\n");
  }
}

function quote(value: string): string {
  return value === "" || /[\s"=\\]/.test(value) ? JSON.stringify(value) : value;
}
