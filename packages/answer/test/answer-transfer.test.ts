// Zone transfer out: AXFR over TCP for allow-listed peers only (SOA first and last), REFUSED otherwise; CIDR lists.

import { execFile } from "node:child_process";
import dgram from "node:dgram";
import { promisify } from "node:util";
import { parseZoneText } from "@pdns-distribute/dns";
import * as dnsPacket from "dns-packet";
import { compileZone, createAddressMatcher, createZoneSet, parseCidr, startDnsServer } from "../src";
import type { DnsServer } from "../src";

const run = promisify(execFile);

const ZONE = [
  "example.org. 3600 IN SOA ns1.example.org. hostmaster.example.org. 7 7200 3600 1209600 300",
  "example.org. 3600 IN NS ns1.example.org.",
  "ns1.example.org. 3600 IN A 192.0.2.1",
  "www.example.org. 300 IN A 192.0.2.10",
  "sub.example.org. 300 IN NS ns.sub.example.org.",
  "ns.sub.example.org. 300 IN A 192.0.2.53",
  // Enough data for several 64 KiB messages.
  ...Array.from({ length: 3000 }, (_, i) => `h${i}.example.org. 300 IN TXT "${"x".repeat(40)}"`),
].join("\n");

const logger = { warn: jest.fn(), error: jest.fn(), debug: jest.fn() };

describe("CIDR allow-lists", () => {
  test.each([
    [["127.0.0.0/8"], "127.0.0.2", true],
    [["127.0.0.0/8"], "::ffff:127.0.0.9", true],
    [["127.0.0.1"], "127.0.0.2", false],
    [["::1"], "::1", true],
    [["2001:db8::/32"], "2001:db8:1::5", true],
    [[], "127.0.0.1", false],
    [["10.0.0.0/8"], "not-an-ip", false],
  ])("%p matches %s: %p", (cidrs, address, expected) => {
    expect(createAddressMatcher(cidrs)(address)).toBe(expected);
  });

  test.each(["10.0.0.0/33", "example.org", "10.0.0.0/8/1", "::1/129", "1.2.3.4/x"])("rejects %s", (bad) => {
    expect(() => parseCidr(bad)).toThrow(expect.objectContaining({ code: "PDNSD_ANSWER_BAD_CIDR" }));
  });
});

describe("AXFR out", () => {
  const zones = createZoneSet([compileZone("example.org.", parseZoneText(ZONE))]);
  let allowed: DnsServer;
  let denied: DnsServer;

  beforeAll(async () => {
    allowed = await startDnsServer({ address: "127.0.0.1", port: 0, zones, logger, transferAllowed: createAddressMatcher(["127.0.0.0/8"]) });
    denied = await startDnsServer({ address: "127.0.0.1", port: 0, zones, logger });
  });
  afterAll(async () => {
    await allowed.close();
    await denied.close();
  });

  const dig = (port: number, ...args: string[]): Promise<string> =>
    run("dig", ["@127.0.0.1", "-p", String(port), "+time=3", "+tries=1", ...args]).then((r) => r.stdout);

  test("an allow-listed peer gets the whole zone over TCP, SOA first and last, in several messages", async () => {
    const out = await dig(allowed.address().port, "example.org", "AXFR");
    const records = out.split("\n").filter((l) => l !== "" && !l.startsWith(";"));
    expect(records).toHaveLength(3006 + 1);
    expect(records[0]).toMatch(/^example\.org\.\s+3600\s+IN\s+SOA\s.* 7 7200/);
    expect(records[records.length - 1]).toBe(records[0]);
    expect(records.filter((r) => /\sSOA\s/.test(r))).toHaveLength(2);
    expect(records.some((r) => /^ns\.sub\.example\.org\.\s+300\s+IN\s+A\s+192\.0\.2\.53$/.test(r))).toBe(true);
    expect(out).toMatch(/XFR size: 3007 records \(messages [2-9]/);
  });

  test("a peer not on the list is REFUSED; so is AXFR of a name that is not a zone apex", async () => {
    expect(await dig(denied.address().port, "example.org", "AXFR")).toMatch(/Transfer failed/);
    expect(await dig(allowed.address().port, "www.example.org", "AXFR")).toMatch(/Transfer failed/);
  });

  test("AXFR over UDP is REFUSED; SOA queries are always answered", async () => {
    const socket = dgram.createSocket("udp4");
    const reply = await new Promise<Buffer>((resolve) => {
      socket.once("message", resolve);
      socket.send(dnsPacket.encode({ type: "query", id: 3, questions: [{ name: "example.org", type: "AXFR" }] }), allowed.address().port, "127.0.0.1");
    });
    socket.close();
    expect((dnsPacket.decode(reply) as { rcode?: string }).rcode).toBe("REFUSED");
    const soa = await dig(denied.address().port, "+norecurse", "example.org", "SOA");
    expect(soa).toMatch(/status: NOERROR/);
    expect(soa).toMatch(/IN\s+SOA\s+ns1\.example\.org\./);
  });
});
