/**
 * PEM files of TLS material (certificates, private keys), read and checked: every error names
 * the file. Listeners and http exporters read their TLS files through it, at start, on reload
 * and when the files renew (see renewal.ts).
 *
 * Permissions: `read` of each file.
 * @module
 */
import { createPrivateKey, type KeyObject, X509Certificate } from "node:crypto";
import { errorMessage } from "./error_message.ts";
import { readSmallFile } from "./small_file.ts";

/** The largest PEM file read; a bundle of every public CA is about 220 KB. */
export const MAX_PEM_BYTES = 4 * 1024 * 1024;

/** A file of one or more PEM certificates. */
export interface CertificateFile {
  /** Where it was read from. */
  readonly file: string;
  /** Its text. */
  readonly pem: string;
  /** Its certificates, parsed, at least one. */
  readonly certificates: readonly X509Certificate[];
}

/** A file holding a PEM private key, not encrypted. */
export interface KeyFile {
  /** Where it was read from. */
  readonly file: string;
  /** Its text. */
  readonly pem: string;
  /** The key, parsed. */
  readonly key: KeyObject;
}

/** A PEM certificate block. */
export const CERTIFICATE_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;
const KEY_BLOCK = /-----BEGIN (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----/;

/** Reads the certificates of `file`; `what` names them in errors (`certificate`, `client CA`). */
export async function readCertificateFile(file: string, what: string): Promise<CertificateFile> {
  const pem = await readPem(file, what);
  const blocks = pem.match(CERTIFICATE_BLOCK) ?? [];
  if (blocks.length === 0) {
    throw new Error(`TLS ${what} file ${file}: not a PEM certificate (no BEGIN CERTIFICATE block)`);
  }
  const certificates = blocks.map((block, i) => {
    try {
      return new X509Certificate(block);
    } catch (error) {
      throw new Error(
        `TLS ${what} file ${file}: certificate ${i + 1} cannot be parsed: ${errorMessage(error)}`,
      );
    }
  });
  return { file, pem, certificates };
}

/** Reads the private key of `file`. */
export async function readKeyFile(file: string): Promise<KeyFile> {
  const pem = await readPem(file, "key");
  const begin = KEY_BLOCK.exec(pem);
  if (begin === null) {
    throw new Error(`TLS key file ${file}: not a PEM private key (no BEGIN PRIVATE KEY block)`);
  }
  if (begin[0].includes("ENCRYPTED")) {
    throw new Error(`TLS key file ${file}: the key is encrypted; give an unencrypted key`);
  }
  try {
    return { file, pem, key: createPrivateKey(pem) };
  } catch (error) {
    throw new Error(
      `TLS key file ${file}: the private key cannot be parsed: ${errorMessage(error)}`,
    );
  }
}

/** Throws unless `key` is the key of the first certificate of `cert`. */
export function checkKeyPair(cert: CertificateFile, key: KeyFile): void {
  if (cert.certificates[0]!.checkPrivateKey(key.key)) return;
  throw new Error(
    `TLS key file ${key.file} does not match the certificate of TLS certificate file ${cert.file}`,
  );
}

async function readPem(file: string, what: string): Promise<string> {
  try {
    return new TextDecoder().decode(await readSmallFile(file, MAX_PEM_BYTES));
  } catch (error) {
    throw new Error(`TLS ${what} file ${file}: cannot read it: ${errorMessage(error)}`);
  }
}
