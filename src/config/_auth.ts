/** `auth` sections: the credentials of basic authentication. */
import type { AuthConfig, BasicAuthCredential } from "./types.ts";
import { type Fields, keyAt } from "./fields.ts";
import { BCRYPT_HASH } from "../server/basic_auth.ts";

/** The keys of a credential of `basic_auth`. */
const CREDENTIAL_KEYS = ["username", "password", "password_file", "password_hash"];

/** The keys that give a credential its password: exactly one of them. */
const PASSWORD_KEYS = ["password", "password_file", "password_hash"];

/** An `auth` section (of `web`, or of a path) at `at`; undefined when it has no credentials. */
export function parseAuth(fields: Fields, value: unknown, at: string): AuthConfig | undefined {
  if (value === undefined || value === null) return undefined;
  const m = fields.mapping(value, { at, known: ["basic_auth"] });
  if (m === undefined) return undefined;
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
  if (basicAuth.length === 0) return undefined;
  return { basicAuth };
}
