// Response rate limiting (RRL, after BIND's): token buckets per client prefix and response kind, with slip.
// Pure: no sockets, no clock of its own (the caller passes the time), so it is unit-tested directly.

import { RRType } from "@pdns-distribute/dns";
import { skipName } from "./wire-query";
import { createAddressMatcher } from "./acl";

/** Settings of a {@link ResponseRateLimiter}. */
export interface RrlOptions {
  /** Responses per second allowed per bucket; 0 turns RRL off. */
  responsesPerSecond: number;
  /** Every `slip`-th limited response is sent truncated (TC) instead of dropped; 0: drop all, 1: truncate all. */
  slip: number;
  /** Seconds of flooding a bucket remembers: its debt is capped at `window × rate` responses. */
  windowSeconds: number;
  /** IPv4 prefix length that makes one client (24: a /24). Multiple of 8. */
  ipv4PrefixLength: number;
  /** IPv6 prefix length that makes one client (56: a /56). Multiple of 8. */
  ipv6PrefixLength: number;
  /** Most buckets kept; beyond it idle buckets, then the oldest ones, are forgotten. */
  maxBuckets: number;
  /**
   * Clients never limited: addresses or CIDR prefixes (acl.ts), e.g. a dnsdist front that forwards every client's
   * queries from one address. Empty (default): none.
   */
  exempt: readonly string[];
}

/** Defaults of {@link RrlOptions} (off until a rate is set). */
export function defaultRrlOptions(): RrlOptions {
  return { responsesPerSecond: 0, slip: 2, windowSeconds: 15, ipv4PrefixLength: 24, ipv6PrefixLength: 56, maxBuckets: 100_000, exempt: [] };
}

/** What to do with one response. */
export const RRL_ACTION = {
  /** Within the rate: send it. */
  send: 0,
  /** Over the rate: send nothing. */
  drop: 1,
  /** Over the rate, but this one slips through truncated (TC) so a real client retries over TCP. */
  slip: 2,
} as const;
/** One of RRL_ACTION's values. */
export type RrlAction = (typeof RRL_ACTION)[keyof typeof RRL_ACTION];

/**
 * Response kinds (the bucket's second key). Positive answers are further keyed by the question (name and type),
 * as BIND does, so a busy resolver asking many names is not limited as one — but a wildcard answer by the wildcard
 * and NXDOMAIN and NODATA by the zone (wire.ts rateLimitSubject), so random names under a wildcard or a zone share
 * one bucket; errors are keyed by the client prefix alone.
 */
export const RESPONSE_KIND = { answer: "A", nodata: "D", nxdomain: "X", error: "E" } as const;

/** One token bucket. */
interface Bucket {
  /** Tokens left: ≤ rate; negative while flooding, down to -rate × window. */
  tokens: number;
  /** Time of the last update, ms. */
  at: number;
  /** Limited responses so far (drives slip). */
  limited: number;
}

/** A response rate limiter; one per listening process. */
export interface ResponseRateLimiter {
  /**
   * Decides for a `response` (wire format) about to be sent to `clientAddress` at time `nowMs`. `subject`, when
   * given, replaces the question in the bucket key (wire.ts rateLimitSubject: the wildcard or the zone).
   */
  check(clientAddress: string, response: Uint8Array, nowMs: number, subject?: string | null): RrlAction;
  /** Buckets currently held (tests, metrics). */
  size(): number;
}

/** The client prefix of an address as a short string key (IPv4 /24 → "192.0.2", IPv6 /56 → hex). */
export function clientPrefix(address: string, ipv4PrefixLength = 24, ipv6PrefixLength = 56): string {
  const v4 = address.startsWith("::ffff:") && address.includes(".") ? address.slice(7) : address;
  if (v4.includes(".")) {
    const octets = v4.split(".");
    return octets.slice(0, Math.min(4, Math.max(0, ipv4PrefixLength >> 3))).join(".");
  }
  const zoneIndex = address.indexOf("%"); // a scope ("fe80::1%eth0") is not part of the address
  return ipv6PrefixHex(zoneIndex < 0 ? address : address.slice(0, zoneIndex), Math.min(128, ipv6PrefixLength));
}

/** The first `bits` (multiple of 4) of an IPv6 address as hex digits ("::" expanded, an IPv4 tail is 2 groups). */
function ipv6PrefixHex(address: string, bits: number): string {
  const [head = "", tail] = address.toLowerCase().split("::");
  const groupsOf = (part: string): string[] =>
    part === "" ? [] : part.split(":").flatMap((g) => (g.includes(".") ? ["0", "0"] : [g]));
  const h = groupsOf(head);
  const t = tail === undefined ? [] : groupsOf(tail);
  const groups = tail === undefined ? h : [...h, ...new Array<string>(Math.max(0, 8 - h.length - t.length)).fill("0"), ...t];
  return groups.map((g) => g.padStart(4, "0")).join("").slice(0, bits >> 2);
}

/** End of the question's QNAME in a DNS message (offset of QTYPE), or -1 when there is none or it is cut. */
function questionNameEnd(msg: Uint8Array): number {
  if (msg.length < 12 || ((msg[4] ?? 0) << 8 | (msg[5] ?? 0)) === 0) return -1;
  let i = 12;
  while (i < msg.length) {
    const len = msg[i] ?? 0;
    if (len === 0) return i + 1;
    if ((len & 0xc0) === 0xc0) return i + 2;
    i += len + 1;
  }
  return -1;
}

/**
 * The bucket key part that describes a response: its kind and, for answers and NODATA, its question — or
 * `subject` instead of the question when the caller knows better (a wildcard, the zone), also for NXDOMAIN.
 */
export function responseKindKey(response: Uint8Array, subject: string | null = null): string {
  const rcode = (response[3] ?? 0) & 0x0f;
  if (rcode === 3) return subject === null ? RESPONSE_KIND.nxdomain : RESPONSE_KIND.nxdomain + subject;
  if (rcode !== 0) return RESPONSE_KIND.error;
  const kind = ((response[6] ?? 0) << 8 | (response[7] ?? 0)) > 0 ? RESPONSE_KIND.answer : RESPONSE_KIND.nodata;
  if (subject !== null) return kind + subject;
  const end = questionNameEnd(response);
  if (end < 0 || end + 2 > response.length) return kind;
  // QNAME lower-cased (ASCII) + QTYPE: names differ only in case are one question (RFC 4343).
  let key = kind;
  for (let i = 12; i < end + 2; i++) {
    const b = response[i] ?? 0;
    key += String.fromCharCode(b >= 0x41 && b <= 0x5a ? b | 0x20 : b);
  }
  return key;
}

/**
 * A truncated copy of `response` to slip through: header with TC set, question kept, no records but the OPT (with
 * its options: NSID, COOKIE) when the response has one (RFC 1035 §4.1.1, RFC 7766 §5: the client retries over TCP,
 * where no rate limit applies; RFC 6891 §6.1.1: a reply to a query that carried EDNS carries an OPT).
 */
export function truncatedResponse(response: Uint8Array): Buffer {
  const end = questionNameEnd(response);
  const length = end < 0 || end + 4 > response.length ? 12 : end + 4;
  const [optStart, optEnd] = length === 12 ? [0, 0] : optRecord(Buffer.from(response.buffer, response.byteOffset, response.length), length);
  const out = Buffer.allocUnsafe(length + optEnd - optStart);
  out.set(response.subarray(0, length));
  out.set(response.subarray(optStart, optEnd), length);
  out[2] = (out[2] ?? 0) | 0x02; // TC
  out.writeUInt16BE(length === 12 ? 0 : 1, 4);
  out.fill(0, 6, 12); // ANCOUNT, NSCOUNT, ARCOUNT
  if (optEnd > optStart) out.writeUInt16BE(1, 10);
  return out;
}

/** Where the OPT record of `msg` starts and ends, its records read from `from`; [0, 0] when it has none. */
function optRecord(msg: Buffer, from: number): [number, number] {
  const records = msg.readUInt16BE(6) + msg.readUInt16BE(8) + msg.readUInt16BE(10);
  let pos = from;
  for (let i = 0; i < records; i++) {
    const start = pos;
    pos = skipName(msg, pos);
    if (pos < 0 || pos + 10 > msg.length) break;
    const end = pos + 10 + msg.readUInt16BE(pos + 8);
    if (end > msg.length) break;
    if (msg.readUInt16BE(pos) === RRType.OPT) return [start, end];
    pos = end;
  }
  return [0, 0];
}

/**
 * Creates a limiter, or null when `responsesPerSecond` is 0 (RRL off: the caller's `rrl !== null` check is
 * the whole cost); throws PDNSD_ANSWER_BAD_CIDR for a bad `exempt` entry. Each (client prefix, response kind) bucket refills at the rate, holds at most one
 * second's worth, and goes into debt while flooded (down to window × rate), so a flood must stop for a
 * while before it is answered again; every `slip`-th limited response is sent truncated.
 */
export function createResponseRateLimiter(init: Partial<RrlOptions> = {}): ResponseRateLimiter | null {
  const o = { ...defaultRrlOptions(), ...init };
  if (!(o.responsesPerSecond > 0)) return null;
  const rate = o.responsesPerSecond;
  const floor = -rate * o.windowSeconds;
  const idleMs = (o.windowSeconds + 1) * 1000; // a bucket idle this long is full again: forgettable
  const buckets = new Map<string, Bucket>();
  const exempt = o.exempt.length > 0 ? createAddressMatcher(o.exempt) : null;

  const prune = (nowMs: number): void => {
    for (const [key, b] of buckets) if (nowMs - b.at >= idleMs) buckets.delete(key);
    // Still full (addresses sprayed on purpose): forget the oldest half, first in insertion order.
    if (buckets.size >= o.maxBuckets) {
      let excess = buckets.size - (o.maxBuckets >> 1);
      for (const key of buckets.keys()) {
        if (excess-- <= 0) break;
        buckets.delete(key);
      }
    }
  };

  return {
    check(clientAddress, response, nowMs, subject = null) {
      if (exempt !== null && exempt(clientAddress)) return RRL_ACTION.send;
      const key = `${clientPrefix(clientAddress, o.ipv4PrefixLength, o.ipv6PrefixLength)}|${responseKindKey(response, subject)}`;
      let b = buckets.get(key);
      if (b === undefined) {
        if (buckets.size >= o.maxBuckets) prune(nowMs);
        b = { tokens: rate, at: nowMs, limited: 0 };
        buckets.set(key, b);
      } else if (nowMs > b.at) {
        b.tokens = Math.min(rate, b.tokens + ((nowMs - b.at) / 1000) * rate);
        b.at = nowMs;
      }
      if (b.tokens >= 1) {
        b.tokens -= 1;
        return RRL_ACTION.send;
      }
      b.tokens = Math.max(floor, b.tokens - 1);
      b.limited++;
      return o.slip > 0 && b.limited % o.slip === 0 ? RRL_ACTION.slip : RRL_ACTION.drop;
    },
    size: () => buckets.size,
  };
}
