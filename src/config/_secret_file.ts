/**
 * The reading of secret files (`password_file`, a header's `file`) at load: small regular files
 * of UTF-8 text. Synchronous, because validation is: each is read once per load or reload, and
 * only a regular file is opened, so that no FIFO or device can hold the load up.
 * @module
 */
import { readSmallFileSync } from "../small_file.ts";

/** The largest secret file read. */
export const MAX_SECRET_BYTES = 64 * 1024;

/** The content of the secret file `file`; throws with a reason that never quotes the content. */
export function readSecretFile(file: string): string {
  if (Deno.permissions.querySync({ name: "read", path: file }).state !== "granted") {
    throw new Error(`not permitted; add --allow-read=${file}`);
  }
  const bytes = readSmallFileSync(file, MAX_SECRET_BYTES);
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new Error("not UTF-8 text");
  }
}
