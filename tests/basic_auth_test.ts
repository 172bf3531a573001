import bcrypt from "bcryptjs";
import { Hono } from "hono";
import { assert, assertEquals } from "./_assert.ts";
import type { AuthConfig } from "../src/config/types.ts";
import { type BasicAuthOptions, createBasicAuth } from "../src/server/basic_auth.ts";
import { BcryptBusy, BcryptPool } from "../src/server/_bcrypt_pool.ts";

/** Made with Apache's `htpasswd -nbBC 4 bob hunter2` (apache2-utils 2.4, Debian 12). */
const HTPASSWD_BOB = "$2y$04$uUQ18k/MXJ1dXBhuqYM/t.hxApv9aEeOI73zcCxVQ6F2teT7srECC";
/** Made with `htpasswd -nbBC 4 alice "$ALICE_PASSWORD"` in a UTF-8 shell. */
const HTPASSWD_ALICE = "$2y$04$PFrSnuIAcWLxW8979RKFx.KmrQZ/OOFDFm1PD9WLXkQUIHpP4fFA.";
/** "paesswoerd:1" with umlauts. */
const ALICE_PASSWORD = "p\u00e4ssw\u00f6rd:1";
/** "juergen" with an umlaut. */
const JURGEN = "j\u00fcrgen";
/** A Russian word and a key emoji (outside the Basic Multilingual Plane). */
const PAROL_KEY = "\u043f\u0430\u0440\u043e\u043b\u044c\u{1f511}";

const EXPECTED_CHALLENGE = 'Basic realm="reverse_exporter"';

/** A small app with one protected route; `served` counts the requests that reached it. */
function protectedApp(auth: AuthConfig, options: BasicAuthOptions = {}) {
  const app = new Hono();
  const counter = { served: 0 };
  const guard = createBasicAuth(auth, options);
  app.get("/metrics", async (c, next) => (await guard(c.req.raw)) ?? await next(), (c) => {
    counter.served++;
    return c.text("metrics\n");
  });
  return { app, counter };
}

/** `Basic base64(utf8(user:password))`. */
function basic(username: string, password: string): string {
  return `Basic ${base64(new TextEncoder().encode(`${username}:${password}`))}`;
}

function base64(bytes: Uint8Array): string {
  return btoa(Array.from(bytes, (byte) => String.fromCharCode(byte)).join(""));
}

async function status(app: Hono, authorization?: string): Promise<number> {
  const headers = authorization === undefined ? undefined : { Authorization: authorization };
  const response = await app.request("/metrics", headers === undefined ? {} : { headers });
  await response.body?.cancel();
  return response.status;
}

/** Asserts a 401 with the challenge and the one body used for every failure. */
async function assertRefused(app: Hono, authorization: string | undefined, what: string) {
  const headers = authorization === undefined ? undefined : { Authorization: authorization };
  const response = await app.request("/metrics", headers === undefined ? {} : { headers });
  assertEquals(response.status, 401, what);
  assertEquals(response.headers.get("WWW-Authenticate"), EXPECTED_CHALLENGE, what);
  assertEquals(await response.text(), "Unauthorized\n", what);
}

/** A fake clock, and a bcrypt compare that counts its calls and records their outcomes. */
function seams(ttlMs?: number) {
  const clock = { ms: 1_000_000 };
  const calls: { hash: string; outcome: string }[] = [];
  const options: BasicAuthOptions = {
    now: () => clock.ms,
    compareHash: async (password, hash) => {
      try {
        const matched = await bcrypt.compare(password, hash);
        calls.push({ hash, outcome: String(matched) });
        return matched;
      } catch (error) {
        calls.push({ hash, outcome: `threw ${error}` });
        throw error;
      }
    },
    ...(ttlMs === undefined ? {} : { cacheTtlMs: ttlMs }),
  };
  return { clock, calls, options };
}

Deno.test("basic auth: the right plain password is accepted and reaches the handler", async () => {
  const { app, counter } = protectedApp({ basicAuth: [{ username: "alice", password: "s3cret" }] });
  const response = await app.request("/metrics", {
    headers: { Authorization: basic("alice", "s3cret") },
  });
  assertEquals(response.status, 200);
  assertEquals(await response.text(), "metrics\n");
  assertEquals(counter.served, 1);
});

Deno.test("basic auth: wrong password, unknown user and no header get the same 401", async () => {
  const { app, counter } = protectedApp({ basicAuth: [{ username: "alice", password: "s3cret" }] });
  await assertRefused(app, basic("alice", "wrong"), "wrong password");
  await assertRefused(app, basic("alice", "s3cret "), "password with a trailing space");
  await assertRefused(app, basic("alice", "s3cre"), "prefix of the password");
  await assertRefused(app, basic("alice", ""), "empty password");
  await assertRefused(app, basic("Alice", "s3cret"), "user name in another case");
  await assertRefused(app, basic("bob", "s3cret"), "unknown user");
  await assertRefused(app, basic("", ""), "empty user and password");
  await assertRefused(app, undefined, "no Authorization header");
  assertEquals(counter.served, 0);
});

Deno.test("basic auth: malformed headers get the same 401", async () => {
  const { app, counter } = protectedApp({ basicAuth: [{ username: "alice", password: "s3cret" }] });
  const right = basic("alice", "s3cret");
  const token = right.slice("Basic ".length);
  const cases: [string, string][] = [
    ["", "empty header"],
    ["Basic", "scheme without token"],
    ["Basic ", "scheme and a space"],
    ["Basic !!!!", "not base64"],
    [`Basic ${token.slice(0, -1)}x=`, "corrupted base64"],
    ["Basic YWJjZA=====", "too much padding"],
    ["Basic abcde", "impossible base64 length"],
    [`Basic ${btoa("alice")}`, "no colon"],
    [`Basic ${base64(new Uint8Array([0x61, 0x3a, 0xff, 0xfe]))}`, "not UTF-8"],
    ["Bearer x", "Bearer scheme"],
    [`Bearer ${token}`, "right token, Bearer scheme"],
    [`Digest ${token}`, "Digest scheme"],
    [token, "token without scheme"],
    [`Basic${token}`, "no space after the scheme"],
    [`Basic ${token} extra`, "trailing garbage"],
    [`${right}, ${right}`, "two Authorization values"],
    [`Basic =${token}`, "'=' before the token"],
  ];
  for (const [header, what] of cases) await assertRefused(app, header, what);
  assertEquals(counter.served, 0);
});

Deno.test("basic auth: the scheme is case-insensitive and spaces around the token are allowed", async () => {
  const { app } = protectedApp({ basicAuth: [{ username: "alice", password: "s3cret" }] });
  const token = basic("alice", "s3cret").slice("Basic ".length);
  for (const header of [`basic ${token}`, `BASIC ${token}`, `bAsIc ${token}`, `Basic  ${token} `]) {
    assertEquals(await status(app, header), 200, header);
  }
});

Deno.test("basic auth: a password may contain ':'", async () => {
  const { app } = protectedApp({ basicAuth: [{ username: "alice", password: "a:b::c:" }] });
  assertEquals(await status(app, basic("alice", "a:b::c:")), 200);
  await assertRefused(app, basic("alice", "a:b::c"), "without the last ':'");
  await assertRefused(app, basic("alice", "a"), "the part before the first ':'");
});

Deno.test("basic auth: UTF-8 user names and passwords", async () => {
  const { app } = protectedApp({
    basicAuth: [{ username: JURGEN, password: PAROL_KEY }],
  });
  assertEquals(await status(app, basic(JURGEN, PAROL_KEY)), 200);
  await assertRefused(app, basic("jurgen", PAROL_KEY), "user name without the umlaut");
  await assertRefused(app, basic(JURGEN, PAROL_KEY.slice(0, -2)), "password without the emoji");
  // The user name sent as Latin-1 bytes instead of UTF-8 is not the same user name.
  const latin1 = new Uint8Array([...Array.from(JURGEN, (char) => char.charCodeAt(0)), 0x3a]);
  const password = new TextEncoder().encode(PAROL_KEY);
  const token = base64(new Uint8Array([...latin1, ...password]));
  await assertRefused(app, `Basic ${token}`, "Latin-1 user name");
});

Deno.test("basic auth: bcrypt hashes made with bcryptjs at cost 4", async () => {
  const hash = await bcrypt.hash("correct horse", 4);
  assert(hash.startsWith("$2b$04$"), hash);
  const { app, counter } = protectedApp({ basicAuth: [{ username: "carol", passwordHash: hash }] });
  assertEquals(await status(app, basic("carol", "correct horse")), 200);
  await assertRefused(app, basic("carol", "correct horsE"), "wrong password");
  await assertRefused(app, basic("carol", hash), "the hash itself as password");
  await assertRefused(app, basic("dave", "correct horse"), "unknown user");
  assertEquals(counter.served, 1);
});

Deno.test("basic auth: $2y$ hashes made by Apache's htpasswd, one of them UTF-8 with ':'", async () => {
  const { app } = protectedApp({
    basicAuth: [
      { username: "bob", passwordHash: HTPASSWD_BOB },
      { username: "alice", passwordHash: HTPASSWD_ALICE },
    ],
  });
  assertEquals(await status(app, basic("bob", "hunter2")), 200);
  assertEquals(await status(app, basic("alice", ALICE_PASSWORD)), 200);
  await assertRefused(app, basic("bob", "hunter3"), "wrong password");
  await assertRefused(app, basic("alice", ALICE_PASSWORD.slice(0, -2)), "password cut at ':'");
  await assertRefused(app, basic("alice", "passwort:1"), "ASCII look-alike");
  await assertRefused(app, basic("alice", "hunter2"), "another user's password");
});

Deno.test("basic auth: several credentials for one user, plain and bcrypt, all accepted", async () => {
  const { app } = protectedApp({
    basicAuth: [
      { username: "alice", password: "first" },
      { username: "bob", password: "bobs" },
      { username: "alice", passwordHash: await bcrypt.hash("second", 4) },
      { username: "alice", password: "third" },
      { username: "alice", passwordHash: HTPASSWD_BOB },
    ],
  });
  for (const password of ["first", "second", "third", "hunter2"]) {
    assertEquals(await status(app, basic("alice", password)), 200, password);
  }
  assertEquals(await status(app, basic("bob", "bobs")), 200);
  await assertRefused(app, basic("alice", "fourth"), "none of alice's");
  await assertRefused(app, basic("alice", "bobs"), "bob's password for alice");
  await assertRefused(app, basic("bob", "first"), "alice's password for bob");
  await assertRefused(app, basic("bob", "hunter2"), "hash of alice's entry, for bob");
});

Deno.test("basic auth: a successful bcrypt check is cached for the TTL, then paid again", async () => {
  const { clock, calls, options } = seams();
  const hash = await bcrypt.hash("pw", 4);
  const { app } = protectedApp({ basicAuth: [{ username: "u", passwordHash: hash }] }, options);
  assertEquals(await status(app, basic("u", "pw")), 200);
  assertEquals(calls.length, 1);
  clock.ms += 30_000;
  assertEquals(await status(app, basic("u", "pw")), 200);
  clock.ms += 29_999;
  assertEquals(await status(app, basic("u", "pw")), 200);
  assertEquals(calls.length, 1, "within the default 60 s, bcrypt is not called again");
  clock.ms += 1;
  assertEquals(await status(app, basic("u", "pw")), 200);
  assertEquals(calls.length, 2, "after 60 s, bcrypt is called again");
  clock.ms += 59_999;
  assertEquals(await status(app, basic("u", "pw")), 200);
  assertEquals(calls.length, 2, "and the new success is cached again");
});

Deno.test("basic auth: a cached success does not open the door to other passwords", async () => {
  const { calls, options } = seams();
  const hash = await bcrypt.hash("pw", 4);
  const { app } = protectedApp({ basicAuth: [{ username: "u", passwordHash: hash }] }, options);
  assertEquals(await status(app, basic("u", "pw")), 200);
  await assertRefused(app, basic("u", "pw2"), "another password after a success");
  await assertRefused(app, basic("u", "pw2"), "the same wrong password again");
  await assertRefused(app, basic("v", "pw"), "the right password for an unknown user");
  assertEquals(calls.map((call) => call.outcome), ["true", "false", "false", "false"]);
  assertEquals(await status(app, basic("u", "pw")), 200);
  assertEquals(calls.length, 4, "the success is still cached");
});

Deno.test("basic auth: a wrong password is never cached", async () => {
  const { clock, calls, options } = seams();
  const hash = await bcrypt.hash("pw", 4);
  const { app } = protectedApp({ basicAuth: [{ username: "u", passwordHash: hash }] }, options);
  for (let i = 1; i <= 3; i++) {
    await assertRefused(app, basic("u", "nope"), `attempt ${i}`);
    assertEquals(calls.length, i, `attempt ${i} paid bcrypt`);
    clock.ms += 1000;
  }
  assertEquals(await status(app, basic("u", "pw")), 200);
  assertEquals(calls.length, 4);
});

Deno.test("basic auth: cacheTtlMs sets the TTL; 0 caches nothing", async () => {
  const hash = await bcrypt.hash("pw", 4);
  const auth: AuthConfig = { basicAuth: [{ username: "u", passwordHash: hash }] };
  const short = seams(5_000);
  const shortApp = protectedApp(auth, short.options).app;
  assertEquals(await status(shortApp, basic("u", "pw")), 200);
  short.clock.ms += 4_999;
  assertEquals(await status(shortApp, basic("u", "pw")), 200);
  assertEquals(short.calls.length, 1);
  short.clock.ms += 1;
  assertEquals(await status(shortApp, basic("u", "pw")), 200);
  assertEquals(short.calls.length, 2);

  const none = seams(0);
  const noneApp = protectedApp(auth, none.options).app;
  assertEquals(await status(noneApp, basic("u", "pw")), 200);
  assertEquals(await status(noneApp, basic("u", "pw")), 200);
  assertEquals(none.calls.length, 2);
});

Deno.test("basic auth: unknown users and wrong plain passwords cost a real bcrypt comparison at the highest configured cost", async () => {
  const { calls, options } = seams();
  const { app } = protectedApp({
    basicAuth: [
      { username: "plain", password: "pw" },
      { username: "cheap", passwordHash: await bcrypt.hash("pw", 4) },
      { username: "dear", passwordHash: await bcrypt.hash("pw", 6) },
    ],
  }, options);

  await assertRefused(app, basic("nobody", "pw"), "unknown user");
  assertEquals(calls.length, 1);
  assert(calls[0]!.hash.startsWith("$2b$06$"), calls[0]!.hash);
  assertEquals(calls[0]!.outcome, "false", "the dummy hash is one bcryptjs really computes");

  await assertRefused(app, "Bearer x", "malformed header");
  assertEquals(calls.length, 2);
  assertEquals(calls[1]!.hash, calls[0]!.hash);

  await assertRefused(app, basic("plain", "wrong"), "wrong plain password");
  assertEquals(calls.length, 3);
  assertEquals(calls[2]!.hash, calls[0]!.hash);

  await assertRefused(app, basic("cheap", "wrong"), "wrong password, cheaper hash");
  assertEquals(calls.slice(3).map((call) => call.hash.slice(0, 7)), ["$2b$04$", "$2b$06$"]);

  await assertRefused(app, basic("dear", "wrong"), "wrong password, the dearest hash");
  assertEquals(calls.slice(5).map((call) => call.hash.slice(0, 7)), ["$2b$06$"]);
  assert(calls.every((call) => call.outcome === "false"), JSON.stringify(calls));

  assertEquals(await status(app, basic("plain", "pw")), 200);
  assertEquals(calls.length, 6, "a right plain password costs no bcrypt");
});

Deno.test("basic auth: without bcrypt hashes, no bcrypt is ever computed", async () => {
  const { calls, options } = seams();
  const { app } = protectedApp({ basicAuth: [{ username: "u", password: "pw" }] }, options);
  await assertRefused(app, basic("nobody", "pw"), "unknown user");
  await assertRefused(app, basic("u", "wrong"), "wrong password");
  assertEquals(await status(app, basic("u", "pw")), 200);
  assertEquals(calls.length, 0);
});

Deno.test("basic auth: an unknown user is not answered faster than a wrong password (real bcrypt, cost 8)", async () => {
  const { app } = protectedApp({
    basicAuth: [{ username: "u", passwordHash: await bcrypt.hash("pw", 8) }],
  });
  async function elapsed(authorization: string): Promise<number> {
    const start = performance.now();
    assertEquals(await status(app, authorization), 401);
    return performance.now() - start;
  }
  await elapsed(basic("u", "warm-up"));
  const wrong = Math.min(await elapsed(basic("u", "x")), await elapsed(basic("u", "y")));
  const unknown = Math.min(await elapsed(basic("v", "x")), await elapsed(basic("v", "y")));
  const malformed = Math.min(await elapsed("Basic !!"), await elapsed("Bearer x"));
  // bcrypt at cost 8 takes milliseconds; the answers without it would take microseconds.
  assert(unknown > wrong / 4, `unknown ${unknown} ms, wrong ${wrong} ms`);
  assert(malformed > wrong / 4, `malformed ${malformed} ms, wrong ${wrong} ms`);
});

Deno.test("basic auth: a hash bcryptjs refuses matches nothing and does not throw", async () => {
  const { app } = protectedApp({
    basicAuth: [
      {
        username: "u",
        passwordHash: "$2x$04$uUQ18k/MXJ1dXBhuqYM/t.hxApv9aEeOI73zcCxVQ6F2teT7srECC",
      },
      { username: "u", password: "pw" },
    ],
  });
  await assertRefused(app, basic("u", "hunter2"), "the password of the $2x$ hash");
  assertEquals(await status(app, basic("u", "pw")), 200);
});

Deno.test("bcrypt pool: comparisons run in the worker, and beyond the queue are turned away at once", async () => {
  const pool = new BcryptPool({ queueLimit: 2 });
  try {
    const hash = bcrypt.hashSync("pw", 8);
    const outcomes = ["pw", "no", "pw", "pw"].map((password) =>
      pool.compare(password, hash).then(String, (error) => error.name)
    );
    // One in the worker, two waiting: the fourth is refused without waiting for them.
    assertEquals(await Promise.race([outcomes[3], outcomes[0]]), "BcryptBusy");
    assertEquals(await Promise.all(outcomes), ["true", "false", "true", "BcryptBusy"]);
    // A hash bcryptjs refuses matches nothing.
    assertEquals(await pool.compare("pw", "$2x$04$" + "a".repeat(53)), false);
  } finally {
    pool.close();
  }
});

Deno.test("basic auth: credentials that cannot be checked for the queue get 429 with Retry-After, not 401", async () => {
  const { app, counter } = protectedApp(
    { basicAuth: [{ username: "u", passwordHash: bcrypt.hashSync("pw", 4) }] },
    { compareHash: () => Promise.reject(new BcryptBusy()) },
  );
  const response = await app.request("/metrics", { headers: { Authorization: basic("u", "pw") } });
  assertEquals(response.status, 429);
  assertEquals(response.headers.get("Retry-After"), "1");
  assertEquals(response.headers.get("WWW-Authenticate"), null);
  assertEquals(
    await response.text(),
    "Too Many Requests: too many credential checks are waiting; try again\n",
  );
  assertEquals(counter.served, 0);
});
