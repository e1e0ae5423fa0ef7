// The server cookie construction (RFC 9018 §4) against the published vectors (RFC 9018 Appendix A), the lifetime
// window (§4.3) and the secret that rotates (current and previous). SipHash itself: siphash.test.ts.

import { parseIPv4, parseIPv6 } from "@pdns-distribute/dns";
import { CookieOutcome, cookieVerifies, createServerCookies, periodSecret, serverCookie } from "../src/cookies";

const hex = (s: string): Buffer => Buffer.from(s, "hex");
const ip = (s: string): Buffer => (s.includes(":") ? parseIPv6(s) : parseIPv4(s));

describe("RFC 9018 Appendix A: server cookies", () => {
  test.each([
    // A.1: learning a new server cookie (client cookie only, IPv4).
    { name: "A.1", secret: "e5e973e5a6b2a43f48e7dc849e37bfcf", client: "2464c4abcf10c957", ip: "198.51.100.100", at: 1559731985, want: "010000005cf79f111f8130c3eee29480" },
    // A.2: the same client learning a renewed (fresh) server cookie.
    { name: "A.2", secret: "e5e973e5a6b2a43f48e7dc849e37bfcf", client: "2464c4abcf10c957", ip: "198.51.100.100", at: 1559734385, want: "010000005cf7a871d4a564a1442aca77" },
    // A.3: another client learning a renewed server cookie.
    { name: "A.3", secret: "e5e973e5a6b2a43f48e7dc849e37bfcf", client: "fc93fc62807ddb86", ip: "203.0.113.203", at: 1559734700, want: "010000005cf7a9acf73a7810aca2381e" },
    // A.4: IPv6 query with a rolled-over secret.
    { name: "A.4", secret: "445536bcd2513298075a5d379663c962", client: "22681ab97d52c298", ip: "2001:db8:220:1:59de:d0f4:8769:82b8", at: 1559741961, want: "010000005cf7c609a6bb79d16625507a" },
  ])("$name: minted byte for byte", ({ secret, client, ip: address, at, want }) => {
    expect(serverCookie(hex(secret), hex(client), ip(address), at).toString("hex")).toBe(want);
  });

  test.each([
    // A.2's query: A.1's cookie, 40 minutes later: still within the hour (and so renewed, being over half an hour).
    { name: "A.2 query (A.1's cookie) verifies", secret: "e5e973e5a6b2a43f48e7dc849e37bfcf", option: "2464c4abcf10c957010000005cf79f111f8130c3eee29480", ip: "198.51.100.100", at: 1559734385, ok: true },
    // A.3's query: the reserved octets the other server set are part of the hash (checked within its hour) …
    { name: "A.3 query (reserved octets set) within its hour", secret: "e5e973e5a6b2a43f48e7dc849e37bfcf", option: "fc93fc62807ddb8601abcdef5cf78f71a314227b6679ebf5", ip: "203.0.113.203", at: 1559727985 + 60, ok: true },
    // … and at A.3's time it is 1 h 52 min old, past the hour: answered with a fresh cookie, as in A.3's reply.
    { name: "A.3 query at A.3's time (expired)", secret: "e5e973e5a6b2a43f48e7dc849e37bfcf", option: "fc93fc62807ddb8601abcdef5cf78f71a314227b6679ebf5", ip: "203.0.113.203", at: 1559734700, ok: false },
    // A.4's query: made with the old secret; verifies under it, not under the new one.
    { name: "A.4 query under the old secret", secret: "dd3bdf9344b678b185a6f5cb60fca715", option: "22681ab97d52c298010000005cf7c57926556bd0934c72f8", ip: "2001:db8:220:1:59de:d0f4:8769:82b8", at: 1559741961, ok: true },
    { name: "A.4 query under the new secret", secret: "445536bcd2513298075a5d379663c962", option: "22681ab97d52c298010000005cf7c57926556bd0934c72f8", ip: "2001:db8:220:1:59de:d0f4:8769:82b8", at: 1559741961, ok: false },
    { name: "A.3 query from another address", secret: "e5e973e5a6b2a43f48e7dc849e37bfcf", option: "fc93fc62807ddb8601abcdef5cf78f71a314227b6679ebf5", ip: "203.0.113.204", at: 1559727985 + 60, ok: false },
    // §4.3: no older than an hour, no more than 5 minutes ahead.
    { name: "A.1's cookie an hour and a second later", secret: "e5e973e5a6b2a43f48e7dc849e37bfcf", option: "2464c4abcf10c957010000005cf79f111f8130c3eee29480", ip: "198.51.100.100", at: 1559731985 + 3601, ok: false },
    { name: "A.1's cookie exactly an hour later", secret: "e5e973e5a6b2a43f48e7dc849e37bfcf", option: "2464c4abcf10c957010000005cf79f111f8130c3eee29480", ip: "198.51.100.100", at: 1559731985 + 3600, ok: true },
    { name: "A.1's cookie 5 minutes before it was made", secret: "e5e973e5a6b2a43f48e7dc849e37bfcf", option: "2464c4abcf10c957010000005cf79f111f8130c3eee29480", ip: "198.51.100.100", at: 1559731985 - 300, ok: true },
    { name: "A.1's cookie 5 minutes and a second before", secret: "e5e973e5a6b2a43f48e7dc849e37bfcf", option: "2464c4abcf10c957010000005cf79f111f8130c3eee29480", ip: "198.51.100.100", at: 1559731985 - 301, ok: false },
  ])("$name: $ok", ({ secret, option, ip: address, at, ok }) => {
    expect(cookieVerifies(hex(secret), hex(option), ip(address), at)).toBe(ok);
  });
});

describe("the rotating secret (createServerCookies)", () => {
  const master = Buffer.alloc(32, 7);
  const client = ip("192.0.2.7");
  const clientCookie = hex("0102030405060708");
  const ROTATION = 3600;
  const T = 1_800_000_000; // within period 500000
  const period = Math.floor(T / ROTATION);
  const option = (secret: Buffer, at: number): Buffer => Buffer.concat([clientCookie, serverCookie(secret, clientCookie, client, at)]);

  test.each([
    { name: "made with the current secret, fresh", secretPeriod: period, madeAt: T - 10, outcome: CookieOutcome.Valid, echoed: true },
    { name: "made with the current secret, older than half the rotation: renewed", secretPeriod: period, madeAt: T - 1801, outcome: CookieOutcome.Valid, echoed: false },
    { name: "made with the previous secret: accepted, renewed with the current one", secretPeriod: period - 1, madeAt: T - 60, outcome: CookieOutcome.Valid, echoed: false },
    { name: "made with the secret before that: invalid", secretPeriod: period - 2, madeAt: T - 60, outcome: CookieOutcome.Invalid, echoed: false },
    { name: "made with another server's secret: invalid", secretPeriod: -1, madeAt: T - 60, outcome: CookieOutcome.Invalid, echoed: false },
  ])("$name", ({ secretPeriod, madeAt, outcome, echoed }) => {
    const cookies = createServerCookies({ secret: master, rotationSeconds: ROTATION, now: () => T });
    const secret = secretPeriod < 0 ? Buffer.alloc(16, 1) : periodSecret(master, secretPeriod);
    const sent = option(secret, madeAt);
    const out = Buffer.alloc(24);
    expect(cookies.reply(sent, 0, sent.length, client, out)).toBe(outcome);
    expect(out.subarray(0, 8)).toEqual(clientCookie);
    expect(out.equals(sent)).toBe(echoed);
    // Whatever was sent back verifies under the current secret now (the client can use it next).
    expect(cookieVerifies(periodSecret(master, period), out, client, T)).toBe(true);
  });

  test("two processes with the same master secret accept each other's cookies, across a rotation", () => {
    let now = T;
    const a = createServerCookies({ secret: master, rotationSeconds: ROTATION, now: () => now });
    const b = createServerCookies({ secret: master, rotationSeconds: ROTATION, now: () => now });
    const fromA = Buffer.alloc(24);
    a.reply(clientCookie, 0, 8, client, fromA);
    const out = Buffer.alloc(24);
    expect(b.reply(fromA, 0, 24, client, out)).toBe(CookieOutcome.Valid);
    now += ROTATION; // the next period: A's cookie was made with what is now the previous secret
    expect(b.reply(fromA, 0, 24, client, out)).toBe(CookieOutcome.Valid);
    const other = createServerCookies({ rotationSeconds: ROTATION, now: () => now }); // its own random master
    expect(other.reply(fromA, 0, 24, client, out)).toBe(CookieOutcome.Invalid);
    expect(b.counts).toEqual({ clientOnly: 0, valid: 2, invalid: 0 });
    expect(a.counts).toEqual({ clientOnly: 1, valid: 0, invalid: 0 });
  });

  test("bad settings are refused", () => {
    expect(() => createServerCookies({ secret: Buffer.alloc(8) })).toThrow(/16 octets/);
    expect(() => createServerCookies({ rotationSeconds: 0 })).toThrow(/rotation/);
  });
});
