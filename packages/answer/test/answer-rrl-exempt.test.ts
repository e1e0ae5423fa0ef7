// RRL exemptions on the running server (both UDP paths): a client presenting a valid server cookie is not rate-limited
// (RFC 7873 §5.2.5: the cookie proves the source address; as BIND does), nor is an exempt prefix (a dnsdist front).

import dgram from "node:dgram";
import { parseZoneText } from "@pdns-distribute/dns";
import * as dnsPacket from "dns-packet";
import { compileZone, createZoneSet, startDnsServer } from "../src";
import type { DnsServer, UdpIo } from "../src";

const ZONE = `rrl.test. 3600 IN SOA ns1.rrl.test. hostmaster.rrl.test. 1 7200 3600 1209600 300
rrl.test. 3600 IN NS ns1.rrl.test.
ns1.rrl.test. 3600 IN A 192.0.2.53
www.rrl.test. 3600 IN A 192.0.2.80
`;
const zones = createZoneSet([compileZone("rrl.test.", parseZoneText(ZONE))]);
const logger = { warn: jest.fn(), error: jest.fn(), debug: jest.fn() };
const COOKIE = 10;
const CLIENT_COOKIE = Buffer.from("0011223344556677", "hex");
const FLOOD = 20;

function query(name: string, cookie: Buffer | null): Buffer {
  const options = cookie === null ? [] : [{ code: COOKIE, data: cookie }];
  return dnsPacket.encode({
    type: "query",
    id: 1,
    questions: [{ name, type: "A" }],
    additionals: [{ type: "OPT", name: ".", udpPayloadSize: 1232, flags: 0, options } as unknown as dnsPacket.Answer],
  });
}

/** Sends `msgs` from one socket and collects the decoded replies within `ms` (generous: the machine may be loaded). */
async function exchange(port: number, msgs: Buffer[], ms = 600): Promise<dnsPacket.DecodedPacket[]> {
  const socket = dgram.createSocket("udp4");
  const replies: dnsPacket.DecodedPacket[] = [];
  socket.on("message", (m) => replies.push(dnsPacket.decode(m)));
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", () => resolve()));
  for (const msg of msgs) await new Promise<void>((resolve) => socket.send(msg, port, "127.0.0.1", () => resolve()));
  await new Promise((r) => setTimeout(r, ms));
  socket.close();
  return replies;
}

const cookieOf = (reply: dnsPacket.DecodedPacket | undefined): Buffer | undefined =>
  ((reply?.additionals ?? []).find((r) => r.type === "OPT") as { options?: { code: number; data: Buffer }[] } | undefined)?.options?.find((o) => o.code === COOKIE)?.data;
const full = (replies: dnsPacket.DecodedPacket[]): number => replies.filter((r) => (r.flags & 0x200) === 0 && r.answers.length === 1).length;

describe.each(["batch", "dgram"] as UdpIo[])("RRL exemptions (udp_io %s)", (udpIo) => {
  let limited: DnsServer;
  let exempt: DnsServer;
  beforeAll(async () => {
    const common = { address: "127.0.0.1", port: 0, zones, logger, udpIo };
    limited = await startDnsServer({ ...common, rrl: { responsesPerSecond: 2, slip: 2, windowSeconds: 5 } });
    exempt = await startDnsServer({ ...common, rrl: { responsesPerSecond: 2, slip: 2, windowSeconds: 5, exempt: ["127.0.0.0/8"] } });
    // Warm both up, so that the first flood is not answered after the collection window closed (another bucket).
    for (const server of [limited, exempt]) await exchange(server.address().port, [query("rrl.test", null)]);
  });
  afterAll(async () => {
    await limited.close();
    await exempt.close();
  });

  test("a flood with a client cookie only is limited like one without (RFC 7873 §5.2.3: no proof of address yet)", async () => {
    const replies = await exchange(limited.address().port, Array.from({ length: FLOOD }, () => query("ns1.rrl.test", CLIENT_COOKIE)));
    expect(full(replies)).toBe(2);
    expect(replies.length).toBeLessThan(FLOOD);
  });

  test("a flood with the valid server cookie the server handed out is answered in full (RFC 7873 §5.2.5)", async () => {
    const [first] = await exchange(limited.address().port, [query("www.rrl.test", CLIENT_COOKIE)]);
    const cookie = cookieOf(first);
    expect(cookie?.length).toBe(24);
    const replies = await exchange(limited.address().port, Array.from({ length: FLOOD }, () => query("www.rrl.test", cookie as Buffer)));
    expect(full(replies)).toBe(FLOOD);
    expect(replies.every((r) => cookieOf(r)?.equals(cookie as Buffer))).toBe(true); // fresh: sent back as it came
    expect(limited.cookieCounts?.valid).toBeGreaterThanOrEqual(FLOOD);
  });

  test("a forged server cookie does not exempt: limited, each reply carrying a fresh cookie (RFC 7873 §5.2.4)", async () => {
    const forged = Buffer.concat([CLIENT_COOKIE, Buffer.from("01000000", "hex"), Buffer.alloc(12, 0xab)]);
    const replies = await exchange(limited.address().port, Array.from({ length: FLOOD }, () => query("ns1.rrl.test.", forged)));
    expect(full(replies)).toBe(0); // the question's bucket is still in debt from the first test
    expect(replies.length).toBeGreaterThan(0); // slipped (TC) replies, each with the OPT and a fresh cookie
    for (const r of replies) expect(cookieOf(r)?.subarray(8).equals(forged.subarray(8))).toBe(false);
  });

  test("an exempt prefix is never limited, with or without cookies", async () => {
    const replies = await exchange(exempt.address().port, Array.from({ length: FLOOD }, () => query("ns1.rrl.test", null)));
    expect(full(replies)).toBe(FLOOD);
    expect(logger.error).not.toHaveBeenCalled();
  });
});
