/**
 * The certificate, key and client CA of a TLS listener, read and checked before it listens:
 * every file must be PEM, and the key must be the certificate's.
 *
 * Permissions: `read` of the three files.
 */
import { errorMessage } from "../error_message.ts";
import { createPrivateKey, type KeyObject, X509Certificate } from "node:crypto";
import type { ListenTls } from "../config/types.ts";

/** The PEM texts of a TLS listener's files, checked. */
export interface TlsMaterial {
  /** The server certificate, possibly followed by intermediates. */
  readonly cert: string;
  /** The private key, PEM. */
  readonly key: string;
  /** The CA that client certificates must be signed by; undefined when none is asked. */
  readonly clientCa: string | undefined;
  /** The certificates of `clientCa`, parsed; empty when none is asked. */
  readonly clientCaCertificates: readonly X509Certificate[];
}

const CERTIFICATE_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;
const KEY_BLOCK = /-----BEGIN (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----/;

/** Reads and checks the files of `tls`; throws an error naming the file at fault. */
export async function readTlsMaterial(tls: ListenTls): Promise<TlsMaterial> {
  const cert = await readPem(tls.certFile, "certificate");
  const certificate = parseCertificates(cert, tls.certFile, "certificate")[0]!;
  const key = await readPem(tls.keyFile, "key");
  const privateKey = parseKey(key, tls.keyFile);
  if (!certificate.checkPrivateKey(privateKey)) {
    throw new Error(
      `TLS key file ${tls.keyFile} does not match the certificate of TLS certificate file ` +
        `${tls.certFile}`,
    );
  }
  if (tls.clientCaFile === undefined) {
    return { cert, key, clientCa: undefined, clientCaCertificates: [] };
  }
  const clientCa = await readPem(tls.clientCaFile, "client CA");
  const clientCaCertificates = parseCertificates(clientCa, tls.clientCaFile, "client CA");
  return { cert, key, clientCa, clientCaCertificates };
}

async function readPem(path: string, what: string): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch (error) {
    throw new Error(`TLS ${what} file ${path}: cannot read it: ${errorMessage(error)}`);
  }
}

/** The certificates of a PEM text, at least one, each parsed. */
function parseCertificates(pem: string, path: string, what: string): X509Certificate[] {
  const blocks = pem.match(CERTIFICATE_BLOCK) ?? [];
  if (blocks.length === 0) {
    throw new Error(`TLS ${what} file ${path}: not a PEM certificate (no BEGIN CERTIFICATE block)`);
  }
  return blocks.map((block, i) => {
    try {
      return new X509Certificate(block);
    } catch (error) {
      throw new Error(
        `TLS ${what} file ${path}: certificate ${i + 1} cannot be parsed: ${errorMessage(error)}`,
      );
    }
  });
}

function parseKey(pem: string, path: string): KeyObject {
  const begin = KEY_BLOCK.exec(pem);
  if (begin === null) {
    throw new Error(`TLS key file ${path}: not a PEM private key (no BEGIN PRIVATE KEY block)`);
  }
  if (begin[0].includes("ENCRYPTED")) {
    throw new Error(`TLS key file ${path}: the key is encrypted; give an unencrypted key`);
  }
  try {
    return createPrivateKey(pem);
  } catch (error) {
    throw new Error(
      `TLS key file ${path}: the private key cannot be parsed: ${errorMessage(error)}`,
    );
  }
}
