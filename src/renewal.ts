/**
 * Material read from files that renews itself (a listener's certificate, key and client CA,
 * an http exporter's client TLS files): read again when one of its files changes on disk and
 * on SIGHUP, it replaces the material in use only when it reads and checks well and differs;
 * otherwise the material in use stays, and the refusal is reported, once for as long as the
 * files fail the same way.
 *
 * Renewals replace files by rename (ACME clients), or swap a symlinked folder (cert-manager's
 * Kubernetes secrets): the folders of the files are watched, not the files, and any change
 * in one of them has the files read again, once changes have settled for
 * {@linkcode SETTLE_MS} (a certificate and its key replaced one after the other are then read
 * together). One watcher, over the folders of every renewal, serves the whole process.
 *
 * Permissions: `read` of the files and of their folders ({@linkcode watchedFolders}).
 * @module
 */
import { errorMessage } from "./error_message.ts";
import type { LogFields, Logger } from "./log.ts";

/** How long the files must stay unchanged after a change before they are read again. */
const SETTLE_MS = 500;

/** What a renewal reports: material renewed, refused, or folders that cannot be watched. */
export type RenewalReport =
  | { readonly outcome: "renewed" }
  | { readonly outcome: "refused" | "unwatched"; readonly error: string };

/** How material is read, compared, put in use, and reported. */
export interface RenewalOptions<T> {
  /** Reads and checks the material; rejects with an error naming the file at fault. */
  readonly read: () => Promise<T>;
  /** Whether two readings are the same material: nothing to renew. */
  readonly same: (a: T, b: T) => boolean;
  /** Puts material read anew in use; throwing refuses it. */
  readonly renewed: (material: T) => void;
  /** Told of every renewal, refusal and watching failure. */
  readonly report: (report: RenewalReport) => void;
}

/** A renewal in progress; closing it stops watching its files. */
export interface Renewal {
  /** Stops following the files. */
  close(): void;
}

/** Logs what a renewal of TLS files reports, with `fields` saying whose files they are. */
export function logRenewal(logger: Logger, report: RenewalReport, fields: LogFields): void {
  if (report.outcome === "renewed") {
    logger.info("TLS files renewed", fields);
  } else if (report.outcome === "refused") {
    logger.warning("TLS files not renewed: the ones in use stay", {
      ...fields,
      error: report.error,
    });
  } else {
    logger.warning("TLS files not watched for renewals", { ...fields, error: report.error });
  }
}

/** The folders to watch for `files`, each once. */
export function watchedFolders(files: readonly string[]): string[] {
  return [...new Set(files.map((f) => f.slice(0, f.lastIndexOf("/")) || "/"))];
}

/**
 * Follows `files`, whose material in use is `current`: reads it again when they change and
 * on SIGHUP, and puts it in use through `options.renewed`.
 */
export function renewing<T>(
  files: readonly string[],
  current: T,
  options: RenewalOptions<T>,
): Renewal {
  const follower = new Follower(current, watchedFolders(files).map(realPath), options);
  watch.add(follower);
  return {
    close: () => {
      follower.close();
      watch.delete(follower);
    },
  };
}

/** What the watcher tells each renewal. */
interface Subscriber {
  readonly folders: readonly string[];
  /** Something changed in one of its folders, or SIGHUP (`settleMs` 0). */
  changed(settleMs: number): void;
  /** Its folders are no longer watched. */
  unwatched(error: string): void;
}

class Follower<T> implements Subscriber {
  readonly folders: readonly string[];
  #current: T;
  readonly #options: RenewalOptions<T>;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #reading = false;
  #again = false;
  #closed = false;
  /** The last refusal reported, not reported again until the files read differently. */
  #refusal: string | undefined;

  constructor(current: T, folders: readonly string[], options: RenewalOptions<T>) {
    this.#current = current;
    this.folders = folders;
    this.#options = options;
  }

  changed(settleMs: number): void {
    if (this.#closed) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#read(), settleMs);
  }

  unwatched(error: string): void {
    if (!this.#closed) this.#options.report({ outcome: "unwatched", error });
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
  }

  /** Reads the material once at a time: a change during a reading has it read once more. */
  async #read(): Promise<void> {
    if (this.#reading) {
      this.#again = true;
      return;
    }
    this.#reading = true;
    const { read, same, renewed, report } = this.#options;
    try {
      const material = await read();
      if (this.#closed) return;
      this.#refusal = undefined;
      if (same(material, this.#current)) return;
      renewed(material);
      this.#current = material;
      report({ outcome: "renewed" });
    } catch (error) {
      const message = errorMessage(error);
      if (!this.#closed && message !== this.#refusal) {
        report({ outcome: "refused", error: message });
      }
      this.#refusal = message;
    } finally {
      this.#reading = false;
      if (this.#again) {
        this.#again = false;
        this.changed(0);
      }
    }
  }
}

/** The watcher of the process: one `Deno.FsWatcher` over the folders of every subscriber. */
class FolderWatch {
  readonly #subscribers = new Set<Subscriber>();
  #watcher: Deno.FsWatcher | undefined;
  /** The folders watched, sorted and joined: changed only when the set changes. */
  #watching = "";
  readonly #onHangup = () => {
    for (const subscriber of this.#subscribers) subscriber.changed(0);
  };

  add(subscriber: Subscriber): void {
    if (this.#subscribers.size === 0) Deno.addSignalListener("SIGHUP", this.#onHangup);
    this.#subscribers.add(subscriber);
    this.#rewatch();
  }

  delete(subscriber: Subscriber): void {
    if (!this.#subscribers.delete(subscriber)) return;
    if (this.#subscribers.size === 0) Deno.removeSignalListener("SIGHUP", this.#onHangup);
    this.#rewatch();
  }

  /** Watches the folders of the subscribers, with a new watcher when they changed. */
  #rewatch(): void {
    const folders = [...new Set([...this.#subscribers].flatMap((s) => s.folders))].sort();
    if (folders.join("\n") === this.#watching) return;
    const replaced = this.#watcher !== undefined;
    this.#watcher?.close();
    this.#watcher = undefined;
    this.#watching = folders.join("\n");
    if (folders.length === 0) return;
    let watcher: Deno.FsWatcher;
    try {
      watcher = Deno.watchFs(folders, { recursive: false });
    } catch (error) {
      this.#unwatched(folders, error);
      return;
    }
    this.#watcher = watcher;
    void this.#follow(watcher, folders);
    // What changed while no watcher was on: read again.
    if (replaced) this.#onHangup();
  }

  async #follow(watcher: Deno.FsWatcher, folders: readonly string[]): Promise<void> {
    try {
      for await (const event of watcher) {
        // Reading a file is no change (and renewals read them).
        if (event.kind === "access") continue;
        for (const subscriber of this.#subscribers) {
          if (event.paths.some((p) => subscriber.folders.some((f) => isIn(p, f)))) {
            subscriber.changed(SETTLE_MS);
          }
        }
      }
    } catch (error) {
      if (this.#watcher === watcher) this.#unwatched(folders, error);
    }
  }

  #unwatched(folders: readonly string[], error: unknown): void {
    const message = `cannot watch ${folders.join(", ")} for changes: ${errorMessage(error)}; ` +
      "SIGHUP still renews";
    for (const subscriber of this.#subscribers) {
      if (subscriber.folders.some((f) => folders.includes(f))) subscriber.unwatched(message);
    }
  }
}

/** The path of `folder` without symbolic links, as the watcher's events name it. */
function realPath(folder: string): string {
  try {
    return Deno.realPathSync(folder);
  } catch {
    return folder; // watching it fails, and says why
  }
}

/** Whether `path` is `folder` or an entry of it. */
function isIn(path: string, folder: string): boolean {
  if (path === folder) return true;
  const prefix = folder.endsWith("/") ? folder : `${folder}/`;
  return path.startsWith(prefix) && !path.slice(prefix.length).includes("/");
}

const watch = new FolderWatch();
