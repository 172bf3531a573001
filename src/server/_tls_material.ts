/**
 * The certificate, key and client CA of a TLS listener, read and checked before it listens and
 * whenever they renew: every file must be PEM, and the key must be the certificate's.
 *
 * Permissions: `read` of the three files.
 */
import type { X509Certificate } from "node:crypto";
import type { ListenTls } from "../config/types.ts";
import { checkKeyPair, readCertificateFile, readKeyFile } from "../pem_files.ts";

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

/** Reads and checks the files of `tls`; throws an error naming the file at fault. */
export async function readTlsMaterial(tls: ListenTls): Promise<TlsMaterial> {
  const cert = await readCertificateFile(tls.certFile, "certificate");
  const key = await readKeyFile(tls.keyFile);
  checkKeyPair(cert, key);
  if (tls.clientCaFile === undefined) {
    return { cert: cert.pem, key: key.pem, clientCa: undefined, clientCaCertificates: [] };
  }
  const clientCa = await readCertificateFile(tls.clientCaFile, "client CA");
  return {
    cert: cert.pem,
    key: key.pem,
    clientCa: clientCa.pem,
    clientCaCertificates: clientCa.certificates,
  };
}

/** Whether two readings of a listener's files are the same material. */
export function sameTlsMaterial(a: TlsMaterial, b: TlsMaterial): boolean {
  return a.cert === b.cert && a.key === b.key && a.clientCa === b.clientCa;
}
