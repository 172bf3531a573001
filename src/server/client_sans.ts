/**
 * `tls_client_allowed_sans`: a request is served only when the client certificate verified on
 * its connection has one of the allowed subject alternative names. Matched as
 * prometheus/exporter-toolkit matches `client_allowed_sans`: exactly (case included), against
 * each DNS name, email address, IP address and URI of the client's own certificate, written as
 * Go writes them (an IP address as Go's `net.IP.String` prints it, a URI as `url.URL.String`
 * prints it: its scheme in lower case).
 * @module
 */

/**
 * The refusal (403) of a client whose verified certificate has none of `allowed`; `sans` are
 * those of its certificate, undefined when it presented none that was verified.
 */
export function sanRefusal(
  allowed: ReadonlySet<string>,
  sans: readonly string[] | undefined,
): Response | undefined {
  if (sans !== undefined && sans.some((san) => allowed.has(san))) return undefined;
  const why = sans === undefined
    ? "no verified client certificate"
    : `the client certificate's SANs (${sans.join(", ") || "none"}) are not among those allowed`;
  return new Response(`Forbidden: ${why}\n`, {
    status: 403,
    headers: { "content-type": "text/plain;charset=UTF-8" },
  });
}

/**
 * An IP address as Go's `net.IP.String` prints it: an IPv4 address (or an IPv4-mapped IPv6
 * one) in dotted decimal, an IPv6 address in the form of RFC 5952 (lower case, the first
 * longest run of two or more zero groups as `::`). Undefined when `text` is no IP address.
 */
export function ipAsGoPrints(text: string): string | undefined {
  if (IPV4.test(text)) {
    return text.split(".").every((part) => Number(part) <= 255) ? text : undefined;
  }
  if (!text.includes(":")) return undefined;
  let host: string;
  try {
    // WHATWG URLs serialize an IPv6 host as RFC 5952 does.
    host = new URL(`http://[${text}]/`).hostname.slice(1, -1);
  } catch {
    return undefined;
  }
  const mapped = MAPPED.exec(host);
  if (mapped === null) return host;
  const high = parseInt(mapped[1]!, 16);
  const low = parseInt(mapped[2]!, 16);
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join(".");
}

const IPV4 = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;
/** An IPv4-mapped IPv6 address as a WHATWG URL writes it: its IPv4 part as two groups. */
const MAPPED = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/;

/** A URI as Go's `url.URL.String` prints it: its scheme in lower case, the rest as written. */
export function uriAsGoPrints(text: string): string {
  const scheme = SCHEME.exec(text);
  return scheme === null ? text : scheme[0].toLowerCase() + text.slice(scheme[0].length);
}

const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;
