/**
 * Reading the small files the configuration names (included files, secret files, PEM files,
 * CA files): regular files only, looked at before they are opened, so that no FIFO or device
 * can hold a load up; and never more than a limit, also when a file grows while it is read.
 *
 * Permissions: `read` of each file.
 * @module
 */

/** A file larger than the limit it was read with. */
export class FileTooLarge extends Error {
  /** `larger than <limit> bytes`. */
  constructor(limit: number) {
    super(`larger than ${limit} bytes`);
    this.name = "FileTooLarge";
  }
}

/**
 * All the bytes of the regular file `file`, at most `limit`. Throws a {@linkcode FileTooLarge}
 * when there are more, an `Error` when it is not a regular file, and Deno's errors (NotFound,
 * PermissionDenied...) as they are.
 */
export async function readSmallFile(file: string, limit: number): Promise<Uint8Array> {
  checkInfo(await Deno.stat(file), limit);
  using f = await Deno.open(file);
  const reading = new Reading(checkInfo(await f.stat(), limit), limit);
  while (reading.more(await f.read(reading.room())));
  return reading.bytes();
}

/** {@linkcode readSmallFile}, synchronously (for validation, which is). */
export function readSmallFileSync(file: string, limit: number): Uint8Array {
  checkInfo(Deno.statSync(file), limit);
  using f = Deno.openSync(file);
  const reading = new Reading(checkInfo(f.statSync(), limit), limit);
  while (reading.more(f.readSync(reading.room())));
  return reading.bytes();
}

/** The size the file says it has; throws unless it is a regular file within the limit. */
function checkInfo(info: Deno.FileInfo, limit: number): number {
  if (!info.isFile) throw new Error("not a regular file");
  if (info.size > limit) throw new FileTooLarge(limit);
  return info.size;
}

/** The bytes read so far, in a buffer grown as needed up to one byte over the limit. */
class Reading {
  #buffer: Uint8Array;
  #size = 0;
  readonly #limit: number;

  constructor(size: number, limit: number) {
    // One byte more than the size given, to see at once a file that grew since.
    this.#buffer = new Uint8Array(Math.min(size, limit) + 1);
    this.#limit = limit;
  }

  /** Where the next read goes. */
  room(): Uint8Array {
    if (this.#size === this.#buffer.length) {
      const grown = new Uint8Array(Math.min(this.#buffer.length * 2, this.#limit + 1));
      grown.set(this.#buffer);
      this.#buffer = grown;
    }
    return this.#buffer.subarray(this.#size);
  }

  /** Counts a read of `n` bytes (null: the end); whether to read on. */
  more(n: number | null): boolean {
    if (n === null) return false;
    this.#size += n;
    if (this.#size > this.#limit) throw new FileTooLarge(this.#limit);
    return true;
  }

  /** The bytes read. */
  bytes(): Uint8Array {
    return this.#buffer.subarray(0, this.#size);
  }
}
