/**
 * The reading of secret files (`password_file`, a header's `file`) at load: small regular files
 * of UTF-8 text. Synchronous, because validation is: each is read once per load or reload, and
 * only a regular file is opened, so that no FIFO or device can hold the load up.
 * @module
 */

/** The largest secret file read. */
export const MAX_SECRET_BYTES = 64 * 1024;

/** The content of the secret file `file`; throws with a reason that never quotes the content. */
export function readSecretFile(file: string): string {
  if (Deno.permissions.querySync({ name: "read", path: file }).state !== "granted") {
    throw new Error(`not permitted; add --allow-read=${file}`);
  }
  const info = Deno.statSync(file);
  if (!info.isFile) throw new Error("not a regular file");
  if (info.size > MAX_SECRET_BYTES) throw new Error(`larger than ${MAX_SECRET_BYTES} bytes`);
  const bytes = Deno.readFileSync(file);
  // It may have grown since it was looked at.
  if (bytes.length > MAX_SECRET_BYTES) throw new Error(`larger than ${MAX_SECRET_BYTES} bytes`);
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new Error("not UTF-8 text");
  }
}
