/**
 * Client certificates of a `tlsclientca=` listener, checked as Go's crypto/tls checks them for
 * client authentication (`RequireAndVerifyClientCert`): a chain from the client's certificate,
 * through the intermediates it sent (each a CA), to a certificate of the client CA file, every
 * certificate of it within its validity period, and every extended key usage given allowing
 * client authentication (`clientAuth` or `anyExtendedKeyUsage`; none given allows any).
 *
 * One difference: a certificate of X.509 version 1 is refused. Deno's TLS (2.9, rustls) cannot
 * parse one, and so does not check the handshake signature that proves the client holds its
 * key: anyone with a copy of such a certificate would be let in.
 */
import { X509Certificate } from "node:crypto";
import type { PeerCertificate, TLSSocket } from "node:tls";
import { AsnConvert } from "@peculiar/asn1-schema";
import {
  anyExtendedKeyUsage,
  Certificate,
  ExtendedKeyUsage,
  id_ce_extKeyUsage,
  id_ce_subjectAltName,
  id_kp_clientAuth,
  SubjectAlternativeName,
  Version,
} from "@peculiar/asn1-x509";
import { ipAsGoPrints, uriAsGoPrints } from "./client_sans.ts";

/** The most intermediates followed from a client certificate to the client CA. */
const MAX_INTERMEDIATES = 8;

/**
 * Why the client's certificate chain is refused, or undefined when it is accepted. `chain`
 * is what the client sent: its certificate first, then intermediates; `roots` the
 * certificates of the client CA file.
 */
export function clientCertificateRefusal(
  chain: readonly X509Certificate[],
  roots: readonly X509Certificate[],
  options: { now?: Date } = {},
): string | undefined {
  const now = options.now ?? new Date();
  const leaf = chain[0];
  if (leaf === undefined) return "no client certificate";
  const outOfDate = validityRefusal(leaf, now);
  if (outOfDate !== undefined) return outOfDate;
  const path = pathToRoot(leaf, chain.slice(1), roots, MAX_INTERMEDIATES);
  if (path === undefined) {
    return `unknown CA: ${describe(leaf)} is not signed by the client CA (issuer ${leaf.issuer})`;
  }
  for (const certificate of path) {
    const refusal = validityRefusal(certificate, now) ?? keyUsageRefusal(certificate);
    if (refusal !== undefined) return refusal;
  }
  if (parse(leaf).tbsCertificate.version === Version.v1) {
    return `${describe(leaf)} is an X.509 version 1 certificate: not accepted, because Deno's ` +
      "TLS cannot check that the client holds its key; issue it as version 3 (openssl x509 " +
      "-req with -extfile, e.g. extendedKeyUsage=clientAuth)";
  }
  return undefined;
}

/** The certificates a TLS client sent: its own first, then the intermediates it sent. */
export function peerChain(socket: TLSSocket): X509Certificate[] {
  const chain: X509Certificate[] = [];
  const seen = new Set<PeerCertificate>();
  let certificate: (PeerCertificate & { issuerCertificate?: PeerCertificate }) | undefined = socket
    .getPeerCertificate(true);
  // The last certificate may name itself as its issuer.
  while (certificate?.raw !== undefined && !seen.has(certificate)) {
    seen.add(certificate);
    chain.push(new X509Certificate(certificate.raw));
    certificate = certificate.issuerCertificate;
  }
  return chain;
}

/**
 * The subject alternative names of `certificate` that `tls_client_allowed_sans` matches, as Go
 * writes them: its DNS names, email addresses, IP addresses and URIs (see client_sans.ts).
 */
export function subjectAltNames(certificate: X509Certificate): string[] {
  const extension = parse(certificate).tbsCertificate.extensions?.find((e) =>
    e.extnID === id_ce_subjectAltName
  );
  if (extension === undefined) return [];
  const names: string[] = [];
  for (const name of AsnConvert.parse(extension.extnValue, SubjectAlternativeName)) {
    if (name.dNSName !== undefined) names.push(name.dNSName);
    if (name.rfc822Name !== undefined) names.push(name.rfc822Name);
    // The library writes the address's bytes as text (an address that is not 4 or 16 bytes
    // long, which Go refuses to parse, as it can: ipAsGoPrints then leaves it out).
    const ip = name.iPAddress === undefined ? undefined : ipAsGoPrints(name.iPAddress);
    if (ip !== undefined) names.push(ip);
    if (name.uniformResourceIdentifier !== undefined) {
      names.push(uriAsGoPrints(name.uniformResourceIdentifier));
    }
  }
  return names;
}

/**
 * The certificates from `certificate` to a root, both included, or undefined when none is
 * found within `depth` intermediates. A certificate that is itself a root is its own path.
 */
function pathToRoot(
  certificate: X509Certificate,
  intermediates: readonly X509Certificate[],
  roots: readonly X509Certificate[],
  depth: number,
): X509Certificate[] | undefined {
  if (roots.some((r) => r.fingerprint256 === certificate.fingerprint256)) return [certificate];
  const root = roots.find((r) => signedBy(certificate, r));
  if (root !== undefined) return [certificate, root];
  if (depth === 0) return undefined;
  for (const issuer of intermediates) {
    if (!issuer.ca || !signedBy(certificate, issuer)) continue;
    const rest = intermediates.filter((i) => i !== issuer);
    const path = pathToRoot(issuer, rest, roots, depth - 1);
    if (path !== undefined) return [certificate, ...path];
  }
  return undefined;
}

function signedBy(certificate: X509Certificate, issuer: X509Certificate): boolean {
  try {
    return certificate.checkIssued(issuer) && certificate.verify(issuer.publicKey);
  } catch {
    return false; // a key or signature algorithm that cannot be checked
  }
}

function validityRefusal(certificate: X509Certificate, now: Date): string | undefined {
  const from = new Date(certificate.validFrom);
  const to = new Date(certificate.validTo);
  if (now > to) return `expired: ${describe(certificate)} was valid until ${to.toISOString()}`;
  if (now < from) {
    return `not yet valid: ${describe(certificate)} is valid from ${from.toISOString()}`;
  }
  return undefined;
}

function keyUsageRefusal(certificate: X509Certificate): string | undefined {
  const usages = extendedKeyUsages(certificate);
  if (usages === undefined) return undefined;
  if (usages.includes(id_kp_clientAuth) || usages.includes(anyExtendedKeyUsage)) return undefined;
  return `wrong key usage: ${describe(certificate)} has the extended key usage ` +
    `${usages.map(usageName).join(", ")}, not clientAuth`;
}

/** The extended key usage OIDs of a certificate; undefined when it has none (any use). */
function extendedKeyUsages(certificate: X509Certificate): string[] | undefined {
  const extension = parse(certificate).tbsCertificate.extensions?.find((e) =>
    e.extnID === id_ce_extKeyUsage
  );
  if (extension === undefined) return undefined;
  return [...AsnConvert.parse(extension.extnValue, ExtendedKeyUsage)];
}

const USAGE_NAMES: Readonly<Record<string, string>> = {
  "1.3.6.1.5.5.7.3.1": "serverAuth",
  "1.3.6.1.5.5.7.3.2": "clientAuth",
  "1.3.6.1.5.5.7.3.3": "codeSigning",
  "1.3.6.1.5.5.7.3.4": "emailProtection",
  "1.3.6.1.5.5.7.3.8": "timeStamping",
  "1.3.6.1.5.5.7.3.9": "OCSPSigning",
};

function usageName(oid: string): string {
  return USAGE_NAMES[oid] ?? oid;
}

function parse(certificate: X509Certificate): Certificate {
  return AsnConvert.parse(certificate.raw, Certificate);
}

function describe(certificate: X509Certificate): string {
  return `the certificate of ${certificate.subject.replaceAll("\n", ", ")}`;
}
