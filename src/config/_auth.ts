/** `auth` sections: the credentials of basic authentication, and the client SANs allowed. */
import type { AuthConfig, BasicAuthCredential } from "./types.ts";
import { type Fields, keyAt, type Mapping } from "./fields.ts";
import { BCRYPT_HASH } from "../server/basic_auth.ts";
import { ipAsGoPrints } from "../server/client_sans.ts";

/** The keys of a credential of `basic_auth`. */
const CREDENTIAL_KEYS = ["username", "password", "password_file", "password_hash"];

/** The keys that give a credential its password: exactly one of them. */
const PASSWORD_KEYS = ["password", "password_file", "password_hash"];

/**
 * An `auth` section (of `web`, or of a path) at `at`; undefined when it asks for nothing.
 * `clientCertificates`: whether some listener asks for client certificates (`tlsclientca=`),
 * without which `tls_client_allowed_sans` could never be met.
 */
export function parseAuth(
  fields: Fields,
  value: unknown,
  options: { at: string; clientCertificates: boolean },
): AuthConfig | undefined {
  const { at } = options;
  if (value === undefined || value === null) return undefined;
  const m = fields.mapping(value, { at, known: ["basic_auth", "tls_client_allowed_sans"] });
  if (m === undefined) return undefined;
  const basicAuth = parseBasicAuth(fields, m, at);
  const tlsClientAllowedSans = parseAllowedSans(fields, m, options);
  if (basicAuth.length === 0 && tlsClientAllowedSans === undefined) return undefined;
  return tlsClientAllowedSans === undefined ? { basicAuth } : { basicAuth, tlsClientAllowedSans };
}

function parseBasicAuth(fields: Fields, m: Mapping, at: string): BasicAuthCredential[] {
  const basicAuth: BasicAuthCredential[] = [];
  fields.list(m["basic_auth"], keyAt(at, "basic_auth")).forEach((entry, i) => {
    const p = `${keyAt(at, "basic_auth")}[${i}]`;
    const c = fields.mapping(entry, { at: p, known: CREDENTIAL_KEYS });
    if (c === undefined) return;
    const username = fields.requiredString(c, { key: "username", at: p });
    const given = (name: string) => c[name] !== undefined && c[name] !== null;
    if (PASSWORD_KEYS.filter(given).length !== 1) {
      fields.problem(p, "needs exactly one of password, password_file and password_hash");
      return;
    }
    // A password_file holds a plain password, compared as `password` is: never sniffed for a
    // hash, so that what a file holds is never in doubt.
    const password = given("password_file")
      ? fields.secretFile(c, { key: "password_file", at: p })
      : fields.string(c, { key: "password", at: p });
    const passwordHash = fields.string(c, { key: "password_hash", at: p });
    if (password === undefined && passwordHash === undefined) return;
    if (passwordHash !== undefined && !BCRYPT_HASH.test(passwordHash)) {
      fields.problem(
        keyAt(p, "password_hash"),
        "is not a bcrypt hash ($2a$, $2b$ or $2y$, e.g. $2y$10$...)",
      );
      return;
    }
    if (username === undefined) return;
    basicAuth.push(
      password !== undefined ? { username, password } : { username, passwordHash: passwordHash! },
    );
  });
  return basicAuth;
}

/** `tls_client_allowed_sans`: a list of at least one name; undefined when absent. */
function parseAllowedSans(
  fields: Fields,
  m: Mapping,
  options: { at: string; clientCertificates: boolean },
): string[] | undefined {
  const key = "tls_client_allowed_sans";
  if (m[key] === undefined || m[key] === null) return undefined;
  const at = keyAt(options.at, key);
  const names = fields.stringList(m, { key, at: options.at });
  if (Array.isArray(m[key]) && m[key].length === 0) {
    fields.problem(at, "must list at least one SAN (a DNS name, IP address, email or URI)");
  }
  names.forEach((name, i) => {
    const ip = ipAsGoPrints(name);
    if (name === "") fields.problem(`${at}[${i}]`, "is empty");
    else if (ip !== undefined && ip !== name) {
      fields.problem(`${at}[${i}]`, `write this IP address as ${ip}, or it can never match`);
    }
  });
  if (!options.clientCertificates) {
    fields.problem(
      at,
      "needs a listener that asks for client certificates, and no web.listen entry has " +
        "tlsclientca=: add one to a tcps:// or unixs:// listener",
    );
  }
  return names;
}
