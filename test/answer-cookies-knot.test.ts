// NSID and DNS Cookies of the engine next to a live Knot DNS, asked with kdig +nsid / +cookie (issue 23 item 6), and
// RFC 9018 interoperability: a server cookie Knot makes under a shared secret verifies with ours, and ours with Knot.

import dgram from "node:dgram";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { compileZone, createZoneSet, serverCookie, startDnsServer } from "@pdns-distribute/answer";
import type { DnsServer } from "@pdns-distribute/answer";
import { parseIPv4, parseZoneText } from "@pdns-distribute/dns";
import { kdig, makeTempDir, removeTempDir, startKnot } from "@pdns-distribute/test-harness";
import type { Knot } from "@pdns-distribute/test-harness";

const ZONE = `cookie.test. 3600 IN SOA ns1.cookie.test. hostmaster.cookie.test. 1 7200 3600 1209600 300
cookie.test. 3600 IN NS ns1.cookie.test.
ns1.cookie.test. 3600 IN A 192.0.2.53
www.cookie.test. 3600 IN A 192.0.2.80
`;
/** The server secret Knot is given (RFC 9018 Appendix A's). */
const SECRET = "e5e973e5a6b2a43f48e7dc849e37bfcf";
const CLIENT_COOKIE = "2464c4abcf10c957";
const logger = { warn: jest.fn(), error: jest.fn() };

/** What kdig printed: status, the NSID text and the COOKIE (lower-case hex), when there. */
async function ask(server: { host: string; port: number }, extra: string[]): Promise<{ status: string; nsid: string | null; cookie: string | null }> {
  const r = await kdig({ server: server.host, port: server.port, qname: "www.cookie.test.", qtype: "A", extra: [...extra, "+nobadcookie"] });
  return {
    status: r.status,
    nsid: /;; NSID: [0-9A-F]+ "([^"]*)"/.exec(r.raw)?.[1] ?? null,
    cookie: /;; COOKIE: ([0-9A-F]+)/.exec(r.raw)?.[1]?.toLowerCase() ?? null,
  };
}

/** The rcode (header bits and OPT extension) of the reply to a raw query carrying a COOKIE option of `length` octets. */
function rawCookieQuery(port: number, length: number): Promise<number> {
  const qname = Buffer.from([3, ...Buffer.from("www"), 6, ...Buffer.from("cookie"), 4, ...Buffer.from("test"), 0]);
  const header = Buffer.from([0x12, 0x34, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1]);
  const opt = Buffer.from([0, 0, 41, 4, 208, 0, 0, 0, 0, 0, 4 + length, 0, 10, 0, length]);
  const msg = Buffer.concat([header, qname, Buffer.from([0, 1, 0, 1]), opt, Buffer.alloc(length, 0xaa)]);
  const socket = dgram.createSocket("udp4");
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("no answer")), 3000);
    socket.once("message", (m) => {
      clearTimeout(timer);
      socket.close();
      resolve(m.readUInt8(3) & 0x0f);
    });
    socket.send(msg, port, "127.0.0.1");
  });
}

describe("NSID and DNS Cookies next to Knot DNS", () => {
  let dir: string;
  let knot: Knot;
  let engine: DnsServer;
  let ours: { host: string; port: number };

  beforeAll(async () => {
    dir = await makeTempDir("answer-cookies-knot");
    const file = join(dir, "cookie.zone");
    await writeFile(file, ZONE);
    knot = await startKnot({ zones: [{ origin: "cookie.test.", file }], nsid: "knot-ns", cookieSecret: SECRET });
    engine = await startDnsServer({ address: "127.0.0.1", port: 0, zones: createZoneSet([compileZone("cookie.test.", parseZoneText(ZONE))]), logger, nsid: Buffer.from("engine-ns") });
    ours = { host: "127.0.0.1", port: engine.address().port };
  }, 60_000);
  afterAll(async () => {
    await engine?.close();
    await knot?.stop();
    await removeTempDir(dir);
  });

  test("NSID (RFC 5001 §2.1): both send their identifier when asked with +nsid, and only then", async () => {
    expect((await ask(ours, ["+nsid"])).nsid).toBe("engine-ns");
    expect((await ask(knot, ["+nsid"])).nsid).toBe("knot-ns");
    expect((await ask(ours, [])).nsid).toBeNull();
    expect((await ask(knot, [])).nsid).toBeNull();
    expect((await ask(ours, ["+nsid", "+tcp"])).nsid).toBe("engine-ns");
  });

  test("a client cookie only: both return the client cookie and a 16-octet version-1 server cookie", async () => {
    const a = await ask(ours, [`+cookie=${CLIENT_COOKIE}`]);
    const b = await ask(knot, [`+cookie=${CLIENT_COOKIE}`]);
    for (const r of [a, b]) {
      expect(r.cookie?.slice(0, 16)).toBe(CLIENT_COOKIE);
      expect(r.cookie?.length).toBe(48);
      expect(r.cookie?.slice(16, 24)).toBe("01000000");
    }
    // Knot's mod-cookies enforces cookies over UDP (BADCOOKIE, RFC 7873 §5.2.3 option 2); we never require them
    // and answer normally (option 3), as the issue asks.
    expect(a.status).toBe("NOERROR");
    expect(b.status).toBe("BADCOOKIE");
  });

  test("a valid server cookie is accepted by both: ours echoed unchanged (fresh), Knot's too", async () => {
    const mine = (await ask(ours, [`+cookie=${CLIENT_COOKIE}`])).cookie as string;
    const again = await ask(ours, [`+cookie=${mine}`]);
    expect(again).toEqual({ status: "NOERROR", nsid: null, cookie: mine });
    const theirs = (await ask(knot, [`+cookie=${CLIENT_COOKIE}`])).cookie as string;
    expect((await ask(knot, [`+cookie=${theirs}`])).status).toBe("NOERROR");
  });

  test("RFC 9018 interoperability under one secret: our construction makes Knot's cookie byte for byte, and Knot accepts ours", async () => {
    const theirs = Buffer.from((await ask(knot, [`+cookie=${CLIENT_COOKIE}`])).cookie as string, "hex");
    const stamped = theirs.readUInt32BE(12);
    // What our construction makes for the same client cookie, address and timestamp is byte for byte Knot's.
    expect(serverCookie(Buffer.from(SECRET, "hex"), Buffer.from(CLIENT_COOKIE, "hex"), parseIPv4("127.0.0.1"), stamped).toString("hex")).toBe(theirs.subarray(8).toString("hex"));
    // And a cookie we make now under the secret is one Knot takes as valid (no BADCOOKIE).
    const now = Math.floor(Date.now() / 1000);
    const made = Buffer.concat([Buffer.from(CLIENT_COOKIE, "hex"), serverCookie(Buffer.from(SECRET, "hex"), Buffer.from(CLIENT_COOKIE, "hex"), parseIPv4("127.0.0.1"), now)]);
    expect((await ask(knot, [`+cookie=${made.toString("hex")}`])).status).toBe("NOERROR");
  });

  test("a malformed COOKIE option (RFC 7873 §5.2.2): FORMERR from both", async () => {
    for (const length of [7, 9, 41]) {
      expect(await rawCookieQuery(ours.port, length)).toBe(1);
      expect(await rawCookieQuery(knot.port, length)).toBe(1);
    }
  });
});
