// DNS Cookies through the wire adapter (RFC 7873 §5.2, RFC 9018 server cookies; issue 23 item 6): client cookie only,
// valid, invalid and malformed COOKIE options, over UDP and TCP; cookies never required (no BADCOOKIE).

import { parseIPv4, parseZoneText } from "@pdns-distribute/dns";
import * as dnsPacket from "dns-packet";
import { answerQuery, compileZone, createZoneSet } from "../src";
import type { AnswerContext } from "../src";
import { cookieVerifies, createServerCookies, periodSecret, serverCookie } from "../src/cookies";
import { QueryPeer } from "../src/query-peer";

const ZONE = `cookie.test. 3600 IN SOA ns1.cookie.test. hostmaster.cookie.test. 1 7200 3600 1209600 300
cookie.test. 3600 IN NS ns1.cookie.test.
ns1.cookie.test. 3600 IN A 192.0.2.53
www.cookie.test. 3600 IN A 192.0.2.80
`;
const zones = createZoneSet([compileZone("cookie.test.", parseZoneText(ZONE))]);
const logger = { warn: jest.fn(), error: jest.fn() };
const COOKIE = 10;
const NSID = 3;
const ROTATION = 3600;
const NOW = 1_800_000_000;
const MASTER = Buffer.alloc(32, 9);
const CURRENT = periodSecret(MASTER, Math.floor(NOW / ROTATION));
const PREVIOUS = periodSecret(MASTER, Math.floor(NOW / ROTATION) - 1);
const CLIENT = "192.0.2.7";
const CLIENT_COOKIE = Buffer.from("c1c2c3c4c5c6c7c8", "hex");

type Option = { code: number; data: Buffer };
function query(name: string, options: Option[] | null, id = 7873): Buffer {
  return dnsPacket.encode({
    type: "query",
    id,
    questions: [{ name, type: "A", class: "IN" }],
    additionals: options === null ? [] : [{ type: "OPT", name: ".", udpPayloadSize: 1232, flags: 0, options } as unknown as dnsPacket.Answer],
  });
}
const cookieOption = (data: Buffer): Option => ({ code: COOKIE, data });
/** A COOKIE option with the client cookie and a server cookie made with `secret` at `at` for `from`. */
const withServerCookie = (secret: Buffer, at: number, from = CLIENT): Option =>
  cookieOption(Buffer.concat([CLIENT_COOKIE, serverCookie(secret, CLIENT_COOKIE, parseIPv4(from), at)]));

function context(transport: "udp" | "tcp", cookiesOn = true): AnswerContext {
  const peer = new QueryPeer();
  peer.setText(transport === "tcp" ? `::ffff:${CLIENT}` : CLIENT); // a dual-stack TCP socket reports it mapped
  const cookies = cookiesOn ? createServerCookies({ secret: MASTER, rotationSeconds: ROTATION, now: () => NOW }) : null;
  return { zones, logger, transport, peer, options: { cookies } };
}

/** Rcode (with the OPT's extended bits), whether there is an OPT, and the reply's COOKIE option data (hex). */
function inspect(reply: Buffer | null): { rcode: number; opt: boolean; cookie: string | null; answers: number } {
  if (reply === null) throw new Error("no reply");
  const decoded = dnsPacket.decode(reply);
  const opt = (decoded.additionals ?? []).find((r) => r.type === "OPT") as { flags: number; options?: Option[] } | undefined;
  const cookies = (opt?.options ?? []).filter((o) => o.code === COOKIE);
  if (cookies.length > 1) throw new Error("two COOKIE options in a reply");
  // RFC 6891 §6.1.3: the extended rcode's upper 8 bits are the OPT TTL's first octet (dns-packet: flags >> 24 is lost).
  const extended = opt === undefined ? 0 : reply[reply.length - (11 + optionBytes(opt)) + 5] ?? 0;
  return { rcode: (extended << 4) | (reply.readUInt8(3) & 0x0f), opt: opt !== undefined, cookie: cookies[0]?.data.toString("hex") ?? null, answers: decoded.answers.length };
}
const optionBytes = (opt: { options?: Option[] }): number => (opt.options ?? []).reduce((n, o) => n + 4 + o.data.length, 0);

const fresh = (cookie: string | null): boolean =>
  cookie !== null && cookie.startsWith(CLIENT_COOKIE.toString("hex")) && cookie.length === 48 && cookieVerifies(CURRENT, Buffer.from(cookie, "hex"), parseIPv4(CLIENT), NOW) && Buffer.from(cookie, "hex").readUInt32BE(12) === NOW;

describe("DNS Cookies (RFC 7873 §5.2, RFC 9018)", () => {
  const sameBack = withServerCookie(CURRENT, NOW - 60);
  const cases: { name: string; options: Option[] | null; rcode: number; cookie: "none" | "fresh" | "echoed"; sent?: Option; answered?: boolean; on?: boolean }[] = [
    // §5.2.1: no OPT, or no COOKIE option: the reply carries none.
    { name: "§5.2.1 no OPT → no OPT, no cookie", options: null, rcode: 0, cookie: "none" },
    { name: "§5.2.1 OPT without COOKIE → no cookie", options: [], rcode: 0, cookie: "none" },
    // §5.2.3: a client cookie only → a normal answer with the client cookie echoed and a fresh server cookie.
    { name: "§5.2.3 client cookie only → answer + fresh server cookie", options: [cookieOption(CLIENT_COOKIE)], rcode: 0, cookie: "fresh" },
    // §5.2.5: a valid server cookie → a normal answer; fresh enough, it is sent back as it came (RFC 9018 §4.3).
    { name: "§5.2.5 valid server cookie → answer, cookie echoed", options: [sameBack], rcode: 0, cookie: "echoed", sent: sameBack },
    { name: "§5.2.5 valid, older than half the rotation → renewed", options: [withServerCookie(CURRENT, NOW - 1801)], rcode: 0, cookie: "fresh" },
    { name: "§5.2.5 valid under the previous secret → renewed", options: [withServerCookie(PREVIOUS, NOW - 60)], rcode: 0, cookie: "fresh" },
    // §5.2.4: an invalid server cookie is treated as client-only: normal answer, fresh cookie, no BADCOOKIE.
    { name: "§5.2.4 server cookie of another secret → answer + fresh cookie", options: [withServerCookie(Buffer.alloc(16, 3), NOW - 60)], rcode: 0, cookie: "fresh" },
    { name: "§5.2.4 server cookie made for another address → fresh cookie", options: [withServerCookie(CURRENT, NOW - 60, "192.0.2.8")], rcode: 0, cookie: "fresh" },
    { name: "§5.2.4 server cookie over an hour old (RFC 9018 §4.3) → fresh cookie", options: [withServerCookie(CURRENT, NOW - 3601)], rcode: 0, cookie: "fresh" },
    { name: "§5.2.4 server cookie of 8 octets (not ours) → fresh cookie", options: [cookieOption(Buffer.concat([CLIENT_COOKIE, Buffer.alloc(8, 5)]))], rcode: 0, cookie: "fresh" },
    { name: "§5.2.4 server cookie of 32 octets (not ours) → fresh cookie", options: [cookieOption(Buffer.concat([CLIENT_COOKIE, Buffer.alloc(32, 5)]))], rcode: 0, cookie: "fresh" },
    // §5.2.2: a malformed COOKIE option (not 8, and not 16 to 40 octets) → FORMERR, with an OPT but no cookie.
    { name: "§5.2.2 7 octets → FORMERR", options: [cookieOption(Buffer.alloc(7, 1))], rcode: 1, cookie: "none", answered: false },
    { name: "§5.2.2 9 octets → FORMERR", options: [cookieOption(Buffer.alloc(9, 1))], rcode: 1, cookie: "none", answered: false },
    { name: "§5.2.2 15 octets → FORMERR", options: [cookieOption(Buffer.alloc(15, 1))], rcode: 1, cookie: "none", answered: false },
    { name: "§5.2.2 41 octets → FORMERR", options: [cookieOption(Buffer.alloc(41, 1))], rcode: 1, cookie: "none", answered: false },
    { name: "§5.2.2 empty → FORMERR", options: [cookieOption(Buffer.alloc(0))], rcode: 1, cookie: "none", answered: false },
    // §5.2: only the first COOKIE option counts; later ones (even malformed) are ignored.
    { name: "§5.2 first COOKIE counts, a malformed second is ignored", options: [cookieOption(CLIENT_COOKIE), cookieOption(Buffer.alloc(3))], rcode: 0, cookie: "fresh" },
    // Cookies off: the option is ignored (§5.2 for a server that does not implement them).
    { name: "cookies off → option ignored, no cookie", options: [cookieOption(CLIENT_COOKIE)], rcode: 0, cookie: "none", on: false },
  ];

  describe.each(["udp", "tcp"] as const)("over %s", (transport) => {
    test.each(cases)("$name", ({ options, rcode, cookie, sent, answered, on }) => {
      const got = inspect(answerQuery(query("www.cookie.test", options), context(transport, on ?? true)));
      expect(got.rcode).toBe(rcode);
      expect(got.opt).toBe(options !== null);
      expect(got.answers).toBe(answered === false ? 0 : 1);
      if (cookie === "none") expect(got.cookie).toBeNull();
      if (cookie === "fresh") expect(fresh(got.cookie)).toBe(true);
      if (cookie === "echoed") expect(got.cookie).toBe(sent?.data.toString("hex"));
    });
  });

  test("errors carry the cookie too (REFUSED outside our zones), beside NSID and EDE", () => {
    const ctx = context("udp");
    ctx.options = { ...ctx.options, nsid: Buffer.from("ns-c") };
    const reply = answerQuery(query("www.other.example", [{ code: NSID, data: Buffer.alloc(0) }, cookieOption(CLIENT_COOKIE)]), ctx) as Buffer;
    const opt = (dnsPacket.decode(reply).additionals ?? []).find((r) => r.type === "OPT") as { options: Option[] };
    expect(opt.options.map((o) => o.code).sort((a, b) => a - b)).toEqual([NSID, COOKIE, 15]);
    expect(fresh(opt.options.find((o) => o.code === COOKIE)?.data.toString("hex") ?? null)).toBe(true);
  });

  test("without a peer (no listener set one) the option is ignored", () => {
    const ctx: AnswerContext = { zones, logger, transport: "udp", options: { cookies: createServerCookies() } };
    expect(inspect(answerQuery(query("www.cookie.test", [cookieOption(CLIENT_COOKIE)]), ctx)).cookie).toBeNull();
  });

  test("outcomes are counted", () => {
    const ctx = context("udp");
    for (const options of [[cookieOption(CLIENT_COOKIE)], [sameBack], [withServerCookie(Buffer.alloc(16, 3), NOW)], []]) answerQuery(query("www.cookie.test", options), ctx);
    expect(ctx.options?.cookies?.counts).toEqual({ clientOnly: 1, valid: 1, invalid: 1 });
    expect(logger.error).not.toHaveBeenCalled();
  });
});
