/** `auth` sections: the credentials of basic authentication. */
import type { AuthConfig, BasicAuthCredential } from "./types.ts";
import { type Fields, keyAt } from "./fields.ts";
import { BCRYPT_HASH } from "../server/basic_auth.ts";

/** An `auth` section (of `web`, or of a path) at `at`; undefined when it has no credentials. */
export function parseAuth(fields: Fields, value: unknown, at: string): AuthConfig | undefined {
  if (value === undefined || value === null) return undefined;
  const m = fields.mapping(value, { at, known: ["basic_auth"] });
  if (m === undefined) return undefined;
  const basicAuth: BasicAuthCredential[] = [];
  fields.list(m["basic_auth"], keyAt(at, "basic_auth")).forEach((entry, i) => {
    const p = `${keyAt(at, "basic_auth")}[${i}]`;
    const c = fields.mapping(entry, { at: p, known: ["username", "password", "password_hash"] });
    if (c === undefined) return;
    const username = fields.requiredString(c, { key: "username", at: p });
    const password = fields.string(c, { key: "password", at: p });
    const passwordHash = fields.string(c, { key: "password_hash", at: p });
    const given = (name: string) => c[name] !== undefined && c[name] !== null;
    if (given("password") === given("password_hash")) {
      fields.problem(p, "needs exactly one of password and password_hash");
      return;
    }
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
