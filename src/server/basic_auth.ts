/** HTTP basic authentication against a `basic_auth` list: plain passwords and bcrypt hashes. */
import { createHash, timingSafeEqual } from "node:crypto";
import type { AuthConfig } from "../config/types.ts";
import { BcryptBusy, sharedBcryptPool } from "./_bcrypt_pool.ts";

/** A bcrypt hash that bcryptjs verifies: `$2a$`, `$2b$` or `$2y$`, cost (captured), salt, digest. */
export const BCRYPT_HASH = /^\$2[aby]\$(\d\d)\$[./A-Za-z0-9]{53}$/;

/** The realm announced in `WWW-Authenticate`. */
const BASIC_AUTH_REALM = "reverse_exporter";

/** How long a successful bcrypt verification is remembered by default. */
const DEFAULT_CACHE_TTL_MS = 60_000;

/** At most this many successful bcrypt verifications are remembered at once. */
const CACHE_MAX_ENTRIES = 1024;

/** Tuning and test seams of the verifier. */
export interface BasicAuthOptions {
  /** How long a successful bcrypt verification is remembered; 0 remembers none. Default 60 s. */
  readonly cacheTtlMs?: number;
  /** The clock of the cache, in ms. Default `performance.now`. */
  readonly now?: () => number;
  /**
   * Compares a password with a bcrypt hash; rejects with `BcryptBusy` to turn the request
   * away. Default: bcryptjs in the shared worker (see _bcrypt_pool.ts).
   */
  readonly compareHash?: (password: string, hash: string) => Promise<boolean>;
}

/**
 * What a credential check found: credentials of the list, or not, or no answer because the
 * bcrypt comparisons waiting are at their limit.
 */
export type CheckOutcome = "accepted" | "refused" | "busy";

/** Checks the value of an `Authorization` header (null or undefined when absent). */
export type CredentialCheck = (
  authorization: string | null | undefined,
) => Promise<CheckOutcome>;

/** The credentials of one user name: SHA-256 digests of its plain passwords, and its bcrypt hashes. */
interface UserCredentials {
  readonly digests: Uint8Array[];
  readonly hashes: string[];
}

/** `Basic <token68>`, the scheme in any case; the token is checked as base64 afterwards. */
const BASIC_HEADER = /^basic +([A-Za-z0-9+/]+={0,2}) *$/i;

/**
 * The refusal of a request, if any: 401 with `WWW-Authenticate: Basic realm="reverse_exporter"`
 * unless it carries credentials that the list accepts; 429 when they could not be checked
 * because the bcrypt comparisons waiting are at their limit. Undefined: let it through.
 */
export type BasicAuthGuard = (request: Request) => Promise<Response | undefined>;

/** The {@linkcode BasicAuthGuard} of `auth`. */
export function createBasicAuth(
  auth: AuthConfig,
  options: BasicAuthOptions = {},
): BasicAuthGuard {
  const check = createCredentialCheck(auth, options);
  return async (request) => {
    const outcome = await check(request.headers.get("Authorization"));
    if (outcome === "refused") return unauthorized();
    if (outcome === "busy") return tooManyChecks();
    return undefined;
  };
}

/**
 * A verifier of `Authorization` headers against `auth`. A user name may have several
 * credentials: any of them matching is enough. Plain passwords are compared in constant time
 * (through SHA-256 digests, so lengths do not show either); successful bcrypt verifications are
 * remembered for `cacheTtlMs`, keyed by a SHA-256 digest, never by the password itself. A failure
 * costs at least one bcrypt comparison at the highest configured cost whenever the list has a
 * bcrypt hash, so unknown users are not answered faster than wrong passwords.
 */
export function createCredentialCheck(
  auth: AuthConfig,
  options: BasicAuthOptions = {},
): CredentialCheck {
  const users = new Map<string, UserCredentials>();
  let maxCost = -1;
  for (const credential of auth.basicAuth) {
    let user = users.get(credential.username);
    if (user === undefined) {
      user = { digests: [], hashes: [] };
      users.set(credential.username, user);
    }
    if ("password" in credential) {
      user.digests.push(sha256(credential.password));
    } else {
      user.hashes.push(credential.passwordHash);
      maxCost = Math.max(maxCost, bcryptCost(credential.passwordHash));
    }
  }
  const verifier: Verifier = {
    users,
    maxCost,
    dummyDigest: sha256("reverse_exporter: no such user"),
    dummyHash: maxCost < 0 ? undefined : dummyBcryptHash(maxCost),
    cache: new Map(),
    ttlMs: options.cacheTtlMs ?? DEFAULT_CACHE_TTL_MS,
    now: options.now ?? (() => performance.now()),
    compareHash: options.compareHash ?? defaultCompareHash,
  };
  // The worker is started with the configuration, not by the first scrape.
  if (verifier.dummyHash !== undefined && options.compareHash === undefined) {
    sharedBcryptPool().warm();
  }
  return async (authorization) => {
    try {
      return await check(verifier, authorization) ? "accepted" : "refused";
    } catch (error) {
      if (error instanceof BcryptBusy) return "busy";
      throw error;
    }
  };
}

/** What a credential check works with. */
interface Verifier {
  readonly users: ReadonlyMap<string, UserCredentials>;
  /** The highest cost among the bcrypt hashes; -1 without any. */
  readonly maxCost: number;
  readonly dummyDigest: Uint8Array;
  /** Compared when a failure has not paid a bcrypt comparison at `maxCost` yet. */
  readonly dummyHash: string | undefined;
  /** Expiry time of each remembered successful verification, by cache key; oldest first. */
  readonly cache: Map<string, number>;
  readonly ttlMs: number;
  readonly now: () => number;
  readonly compareHash: (password: string, hash: string) => Promise<boolean>;
}

/** Whether the `Authorization` header carries credentials of the list. */
async function check(
  verifier: Verifier,
  authorization: string | null | undefined,
): Promise<boolean> {
  const credentials = parseAuthorization(authorization);
  const password = credentials?.password ?? "";
  const digest = sha256(password);
  const user = credentials === undefined ? undefined : verifier.users.get(credentials.username);
  let ok = false;
  let paidMaxCost = false;
  if (credentials === undefined || user === undefined) {
    timingSafeEqual(digest, verifier.dummyDigest);
  } else {
    for (const configured of user.digests) {
      if (timingSafeEqual(digest, configured)) ok = true;
    }
    if (!ok && user.hashes.length > 0) {
      ({ ok, paidMaxCost } = await verifyHashes(verifier, { ...credentials, hashes: user.hashes }));
    }
  }
  if (!ok && verifier.dummyHash !== undefined && !paidMaxCost) {
    await safeCompare(verifier.compareHash, password, verifier.dummyHash);
  }
  return ok;
}

/** Checks a password against a user's bcrypt hashes, through the cache of successes first. */
async function verifyHashes(
  verifier: Verifier,
  attempt: { username: string; password: string; hashes: readonly string[] },
): Promise<{ ok: boolean; paidMaxCost: boolean }> {
  const { username, password, hashes } = attempt;
  const time = verifier.now();
  const candidates = hashes.map((hash) => ({ hash, key: cacheKey(username, password, hash) }));
  for (const { key } of candidates) {
    const expiry = verifier.cache.get(key);
    if (expiry !== undefined && expiry > time) return { ok: true, paidMaxCost: false };
  }
  let paidMaxCost = false;
  for (const { hash, key } of candidates) {
    if (bcryptCost(hash) === verifier.maxCost) paidMaxCost = true;
    if (await safeCompare(verifier.compareHash, password, hash)) {
      remember(verifier, key);
      return { ok: true, paidMaxCost };
    }
  }
  return { ok: false, paidMaxCost };
}

/** Caches a successful verification, dropping expired entries and the oldest beyond the limit. */
function remember(verifier: Verifier, key: string): void {
  const { cache, ttlMs } = verifier;
  if (ttlMs <= 0) return;
  const time = verifier.now();
  for (const [oldKey, expiry] of cache) {
    if (expiry <= time || cache.size >= CACHE_MAX_ENTRIES) cache.delete(oldKey);
    else break;
  }
  cache.delete(key);
  cache.set(key, time + ttlMs);
}

/**
 * The answer to a request whose credentials wait for more bcrypt comparisons than the queue
 * holds: 429, not 401, because they were not found wrong (a 401 would tell Prometheus, or a
 * browser, that the password is wrong); it says nothing about them either.
 */
function tooManyChecks(): Response {
  return new Response("Too Many Requests: too many credential checks are waiting; try again\n", {
    status: 429,
    headers: { "Retry-After": "1", "Content-Type": TEXT },
  });
}

/** The 401 answer: the same for every kind of failure. */
function unauthorized(): Response {
  return new Response("Unauthorized\n", {
    status: 401,
    headers: { "WWW-Authenticate": `Basic realm="${BASIC_AUTH_REALM}"`, "Content-Type": TEXT },
  });
}

/** The Content-Type of Hono's text answers. */
const TEXT = "text/plain; charset=UTF-8";

/** User name and password of a `Basic` header; undefined when absent or malformed. */
function parseAuthorization(
  header: string | null | undefined,
): { username: string; password: string } | undefined {
  if (header === null || header === undefined) return undefined;
  const token = BASIC_HEADER.exec(header.trim())?.[1];
  if (token === undefined) return undefined;
  let decoded: string;
  try {
    const binary = atob(token);
    const bytes = Uint8Array.from(binary, (char) => char.charCodeAt(0));
    decoded = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return undefined;
  }
  const colon = decoded.indexOf(":");
  if (colon < 0) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** bcryptjs in the shared worker, off the thread that serves requests. */
function defaultCompareHash(password: string, hash: string): Promise<boolean> {
  return sharedBcryptPool().compare(password, hash);
}

/**
 * A comparison that throws only {@linkcode BcryptBusy}: a hash the implementation refuses, or
 * a worker that failed, matches nothing.
 */
async function safeCompare(
  compareHash: (password: string, hash: string) => Promise<boolean>,
  password: string,
  hash: string,
): Promise<boolean> {
  try {
    return await compareHash(password, hash);
  } catch (error) {
    if (error instanceof BcryptBusy) throw error;
    return false;
  }
}

/** The cost of a bcrypt hash; -1 when it is not one bcryptjs verifies. */
function bcryptCost(hash: string): number {
  const digits = BCRYPT_HASH.exec(hash)?.[1];
  return digits === undefined ? -1 : Number(digits);
}

/** A well-formed bcrypt hash of the given cost that no password is expected to match. */
function dummyBcryptHash(cost: number): string {
  const salt = "reverseexporterdummysa"; // 22 characters
  const checksum = "nouserhasthispasswordhashreally"; // 31 characters
  return `$2b$${String(cost).padStart(2, "0")}$${salt}${checksum}`;
}

/** The cache key of a verification: a digest of all three parts, unambiguously joined. */
function cacheKey(username: string, password: string, hash: string): string {
  return createHash("sha256").update(JSON.stringify([username, password, hash])).digest("hex");
}

/** SHA-256 of the UTF-8 bytes of `text`. */
function sha256(text: string): Uint8Array {
  return createHash("sha256").update(text, "utf8").digest();
}
