// DNS Cookies (RFC 7873) with the interoperable server cookie of RFC 9018: verify, mint, and a rotating secret.

import { createHmac, randomBytes } from "node:crypto";
import { CLIENT_COOKIE_LENGTH } from "./edns-options";
import { siphash24 } from "./siphash";
import { copyBytes } from "./wire-name";

/** Our server cookie (RFC 9018 §4): version (1), reserved (3), timestamp (4), hash (8). */
export const SERVER_COOKIE_LENGTH = 16;
/** The COOKIE option data of a reply: the client cookie echoed, then our server cookie (RFC 7873 §4). */
export const REPLY_COOKIE_LENGTH = CLIENT_COOKIE_LENGTH + SERVER_COOKIE_LENGTH;
/** RFC 9018 §4.1: the version of the server cookie construction. */
const VERSION = 1;
/** RFC 9018 §4.3: a server cookie is good for an hour, and may be stamped up to 5 minutes ahead (clock skew). */
const MAX_AGE_S = 3600;
const MAX_AHEAD_S = 300;
/** RFC 9018 §4.3: a valid cookie older than half an hour is replaced with a fresh one. */
const REFRESH_AFTER_S = 1800;

/** What a query's COOKIE option turned out to be (RFC 7873 §5.2). */
export const CookieOutcome = {
  /** §5.2.3: a client cookie only; answered with a fresh server cookie. */
  ClientOnly: 0,
  /** §5.2.5: a server cookie we made, for this client, not expired. */
  Valid: 1,
  /** §5.2.4: a server cookie that does not verify (another server's, expired, forged); treated as client-only. */
  Invalid: 2,
} as const;
/** One of {@link CookieOutcome}'s values. */
export type CookieOutcomeValue = (typeof CookieOutcome)[keyof typeof CookieOutcome];

/** Settings of {@link createServerCookies}. */
export interface CookieOptions {
  /**
   * Master secret (at least 16 octets, random): the server secret of each rotation period is derived from it, so
   * processes given the same master agree on every period's secret without talking (dns-workers.ts).
   */
  secret: Buffer;
  /** Seconds each derived secret is used to make cookies; cookies of the previous period still verify. */
  rotationSeconds: number;
  /** The clock, in seconds since 1970 (tests set it). */
  now: () => number;
}

/** Defaults of {@link CookieOptions}: a random master secret, rotated hourly, the system clock. */
export function defaultCookieOptions(): CookieOptions {
  return { secret: randomBytes(32), rotationSeconds: 3600, now: () => Math.floor(Date.now() / 1000) };
}

/** Cookie outcomes counted so far (metrics). */
export interface CookieCounts {
  clientOnly: number;
  valid: number;
  invalid: number;
}

/** A server's DNS cookies. */
export interface ServerCookies {
  /**
   * RFC 7873 §5.2: judges the query's COOKIE option `msg[at .. at + length)` (8, or 16 to 40 octets: checked by
   * edns-options.ts) from `client` (its address octets) and writes the reply's option data
   * ({@link REPLY_COOKIE_LENGTH} octets) into `out` from 0: the server cookie received when valid and fresh, a new
   * one otherwise.
   */
  reply(msg: Buffer, at: number, length: number, client: Uint8Array, out: Buffer): CookieOutcomeValue;
  /** Outcomes so far. */
  readonly counts: Readonly<CookieCounts>;
}

/**
 * The RFC 9018 §4.2 server cookie for `clientCookie` (8 octets) from `client` at `timestamp` (seconds, mod 2^32)
 * under `secret` (16 octets): version 1, reserved 0, timestamp, SipHash-2-4(client cookie | version | reserved |
 * timestamp | client IP). For tests and tools; the query path uses {@link createServerCookies}.
 */
export function serverCookie(secret: Buffer, clientCookie: Uint8Array, client: Uint8Array, timestamp: number): Buffer {
  const out = Buffer.alloc(REPLY_COOKIE_LENGTH);
  out.set(clientCookie.subarray(0, CLIENT_COOKIE_LENGTH), 0);
  mint(secret, out, client, timestamp);
  return out.subarray(CLIENT_COOKIE_LENGTH);
}

/**
 * The COOKIE option data `option` (client cookie + server cookie) from `client` verifies at `now` under `secret`
 * (16 octets) as RFC 9018 §4.3 asks: version 1, timestamp at most an hour old and 5 minutes ahead, hash equal.
 */
export function cookieVerifies(secret: Buffer, option: Buffer, client: Uint8Array, now: number): boolean {
  return verify(option, 0, option.length, client, now, secret, secret) !== CookieOutcome.Invalid;
}

/** Creates the cookies of one server (process); each call to `reply` reads the clock once. */
export function createServerCookies(init: Partial<CookieOptions> = {}): ServerCookies {
  const o = { ...defaultCookieOptions(), ...init };
  if (o.secret.length < 16) throw new RangeError("a DNS cookie master secret needs at least 16 octets");
  if (!(o.rotationSeconds >= 1)) throw new RangeError("the DNS cookie rotation period must be at least 1 s");
  const refreshAfter = Math.min(REFRESH_AFTER_S, o.rotationSeconds / 2);
  const counts: CookieCounts = { clientOnly: 0, valid: 0, invalid: 0 };
  let period = Number.NaN;
  let current: Buffer = Buffer.alloc(16);
  let previous: Buffer = Buffer.alloc(16);
  const keysAt = (now: number): void => {
    const p = Math.floor(now / o.rotationSeconds);
    if (p === period) return;
    current = periodSecret(o.secret, p);
    previous = periodSecret(o.secret, p - 1);
    period = p;
  };

  return {
    counts,
    reply(msg, at, length, client, out) {
      const now = o.now();
      keysAt(now);
      copyBytes(msg, at, out, 0, CLIENT_COOKIE_LENGTH);
      const outcome = length === CLIENT_COOKIE_LENGTH ? CookieOutcome.ClientOnly : verify(msg, at, length, client, now, current, previous);
      if (outcome === VERIFIED_CURRENT && age(msg.readUInt32BE(at + 12), now) <= refreshAfter) {
        copyBytes(msg, at, out, 0, REPLY_COOKIE_LENGTH); // RFC 9018 §4.3: still fresh, sent back as it came
      } else {
        mint(current, out, client, now);
      }
      const result: CookieOutcomeValue = outcome === VERIFIED_CURRENT ? CookieOutcome.Valid : (outcome as CookieOutcomeValue);
      if (result === CookieOutcome.ClientOnly) counts.clientOnly++;
      else if (result === CookieOutcome.Invalid) counts.invalid++;
      else counts.valid++;
      return result;
    },
  };
}

/** {@link verify}'s result for a cookie made with the current secret (Valid: with the previous one). */
const VERIFIED_CURRENT = 3;

/**
 * RFC 9018 §4.3: a server cookie of ours has 16 octets, version 1, a timestamp at most an hour old and at most 5
 * minutes ahead, and a hash that matches under the current or the previous period's secret.
 */
function verify(msg: Buffer, at: number, length: number, client: Uint8Array, now: number, current: Buffer, previous: Buffer): number {
  if (length !== REPLY_COOKIE_LENGTH || msg[at + CLIENT_COOKIE_LENGTH] !== VERSION) return CookieOutcome.Invalid;
  const stamped = age(msg.readUInt32BE(at + 12), now);
  if (stamped > MAX_AGE_S || stamped < -MAX_AHEAD_S) return CookieOutcome.Invalid;
  const hashed = hashInput(msg, at, client);
  if (hashMatches(current, hashed, msg, at + 16)) return VERIFIED_CURRENT;
  return hashMatches(previous, hashed, msg, at + 16) ? CookieOutcome.Valid : CookieOutcome.Invalid;
}

/** Seconds from `timestamp` to `now`, in serial number arithmetic (RFC 1982) as RFC 9018 §4.3 asks. */
function age(timestamp: number, now: number): number {
  return (now - timestamp) | 0;
}

/** Reused hash input: client cookie, version, reserved, timestamp (16 octets), then the client address. */
const input = Buffer.alloc(16 + 16);

/** Fills {@link input} from the option at `at` (its first 16 octets) and `client`; returns the length to hash. */
function hashInput(src: Buffer, at: number, client: Uint8Array): number {
  copyBytes(src, at, input, 0, 16);
  const n = Math.min(16, client.length);
  for (let i = 0; i < n; i++) input[16 + i] = client[i] as number;
  return 16 + n;
}

/** Writes a fresh server cookie into `out` after the client cookie already there (RFC 9018 §4.2). */
function mint(secret: Buffer, out: Buffer, client: Uint8Array, now: number): void {
  out[8] = VERSION;
  out[9] = out[10] = out[11] = 0;
  out.writeUInt32BE(now >>> 0, 12);
  siphash24(secret, input, 0, hashInput(out, 0, client), out, 16);
}

/** Reused room for a computed hash. */
const digest = Buffer.alloc(8);

/** The hash of {@link input}'s first `length` octets under `secret` equals the 8 octets at `msg[at ..)`. */
function hashMatches(secret: Buffer, length: number, msg: Buffer, at: number): boolean {
  siphash24(secret, input, 0, length, digest, 0);
  let same = 0;
  for (let i = 0; i < 8; i++) same |= (digest[i] as number) ^ (msg[at + i] as number);
  return same === 0;
}

/**
 * The 128-bit server secret of rotation period `p` (the seconds since 1970 divided by the rotation period, rounded
 * down): HMAC-SHA256(master, label | p), its first 16 octets. Every process holding `master` derives the same.
 */
export function periodSecret(master: Buffer, p: number): Buffer {
  return createHmac("sha256", master).update(`pdns-distribute dns cookie secret ${p}`).digest().subarray(0, 16);
}
