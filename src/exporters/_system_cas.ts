/**
 * The system's CA certificates, which https exporters are trusted by besides Deno's own
 * (Mozilla's) and their `tls.ca_file`: read from where Go's crypto/x509 reads them on Linux,
 * the first bundle file found and every file of the certificate folders, `SSL_CERT_FILE` and
 * `SSL_CERT_DIR` (folders separated by `:`) replacing those places when set, as in Go. Read by
 * the program itself, so that `deno run` and a compiled binary trust the same CAs
 * (`DENO_TLS_CA_STORE` is not needed).
 *
 * Permissions: `env` of SSL_CERT_FILE and SSL_CERT_DIR; `read` of the files and folders.
 * @module
 */
import { CERTIFICATE_BLOCK, MAX_PEM_BYTES } from "../pem_files.ts";
import { FileTooLarge, readSmallFile } from "../small_file.ts";

/** The variables that replace the system's places, as in Go. */
export const CA_VARIABLES = ["SSL_CERT_FILE", "SSL_CERT_DIR"] as const;

/** Go's bundle files on Linux, in its order: the first that can be read is used. */
const BUNDLE_FILES = [
  "/etc/ssl/certs/ca-certificates.crt", // Debian, Ubuntu, Gentoo
  "/etc/pki/tls/certs/ca-bundle.crt", // Fedora, RHEL 6
  "/etc/ssl/ca-bundle.pem", // OpenSUSE
  "/etc/pki/tls/cacert.pem", // OpenELEC
  "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem", // CentOS, RHEL 7
  "/etc/ssl/cert.pem", // Alpine
];

/** Go's certificate folders on Linux: every file of each is read. */
const CERTIFICATE_FOLDERS = ["/etc/ssl/certs", "/etc/pki/tls/certs"];

interface Places {
  readonly files: readonly string[];
  readonly folders: readonly string[];
}

/** Where the certificates are read from: the variables' places when set, else Go's. */
function places(): Places {
  const variable = (name: string) =>
    Deno.permissions.querySync({ name: "env", variable: name }).state === "granted"
      ? Deno.env.get(name) || undefined
      : undefined;
  const file = variable("SSL_CERT_FILE");
  const folders = variable("SSL_CERT_DIR")?.split(":").filter((f) => f !== "");
  return { files: file ? [file] : BUNDLE_FILES, folders: folders ?? CERTIFICATE_FOLDERS };
}

/**
 * The Deno permissions reading the system's CAs needs. Without the `env` grant the variables
 * cannot be read, and the default places are given.
 */
export function systemCaPermissions(): Deno.PermissionDescriptor[] {
  const { files, folders } = places();
  return [
    ...CA_VARIABLES.map((variable): Deno.PermissionDescriptor => ({ name: "env", variable })),
    ...[...files, ...folders].map((path): Deno.PermissionDescriptor => ({ name: "read", path })),
  ];
}

let cache:
  | { readonly key: string; readonly at: number; readonly pems: Promise<string[]> }
  | undefined;
/** How long one reading serves the https exporters made after it (one start or reload). */
const CACHE_MS = 5_000;

/**
 * The system's CA certificates, as PEM blocks, each once. Missing and unreadable files are
 * skipped, as Go skips them; a file over `MAX_PEM_BYTES` is an error naming it.
 */
export function systemCaCertificates(): Promise<string[]> {
  const where = places();
  const key = JSON.stringify(where);
  const now = Date.now();
  if (cache === undefined || cache.key !== key || now - cache.at > CACHE_MS) {
    cache = { key, at: now, pems: readCertificates(where) };
  }
  return cache.pems;
}

async function readCertificates({ files, folders }: Places): Promise<string[]> {
  const pems = new Set<string>();
  const add = (text: string | undefined) => {
    for (const block of text?.match(CERTIFICATE_BLOCK) ?? []) pems.add(block);
  };
  for (const file of files) {
    const text = await readCaFile(file);
    if (text === undefined) continue;
    add(text);
    break;
  }
  for (const folder of folders) {
    let names: string[];
    try {
      names = (await Array.fromAsync(Deno.readDir(folder))).filter((e) => !e.isDirectory)
        .map((e) => e.name).sort();
    } catch {
      continue;
    }
    for (const name of names) add(await readCaFile(`${folder}/${name}`));
  }
  return [...pems];
}

/** The text of a CA file; undefined when it cannot be read (Go skips such files too). */
async function readCaFile(path: string): Promise<string | undefined> {
  try {
    return new TextDecoder().decode(await readSmallFile(path, MAX_PEM_BYTES));
  } catch (error) {
    if (error instanceof FileTooLarge) {
      throw new Error(`CA certificates file ${path} is ${error.message}`);
    }
    return undefined;
  }
}
