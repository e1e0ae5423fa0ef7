// NSID (RFC 5001, issue 23 item 6): off by default; when on, sent only in the OPT of a reply to a query whose OPT
// carries an NSID option — answers and errors alike — and never otherwise.

import { parseZoneText } from "@pdns-distribute/dns";
import * as dnsPacket from "dns-packet";
import { answerQuery, compileZone, createZoneSet } from "../src";
import type { AnswerContext } from "../src";

const ZONE = `nsid.test. 3600 IN SOA ns1.nsid.test. hostmaster.nsid.test. 1 7200 3600 1209600 300
nsid.test. 3600 IN NS ns1.nsid.test.
ns1.nsid.test. 3600 IN A 192.0.2.53
www.nsid.test. 3600 IN A 192.0.2.80
`;
const zones = createZoneSet([compileZone("nsid.test.", parseZoneText(ZONE))]);
const logger = { warn: jest.fn(), error: jest.fn() };
/** EDNS option codes: NSID (RFC 5001 §2.3), EDE (RFC 8914 §2). */
const NSID = 3;
const EDE = 15;
const IDENTIFIER = Buffer.from("ns1.example.net");

/** A query; `options`: the EDNS options of its OPT, or null for no OPT at all. */
function query(name: string, type: string, options: { code: number; data: Buffer }[] | null): Buffer {
  return dnsPacket.encode({
    type: "query",
    id: 5001,
    questions: [{ name, type: type as dnsPacket.RecordType, class: "IN" }],
    additionals: options === null ? [] : [{ type: "OPT", name: ".", udpPayloadSize: 1232, flags: 0, options } as unknown as dnsPacket.Answer],
  });
}

/** Rcode, whether the reply has an OPT, and the data of its NSID option (null: none). */
function inspect(reply: Buffer | null): { rcode: number; opt: boolean; nsid: string | null; ede: boolean } {
  if (reply === null) throw new Error("no reply");
  const decoded = dnsPacket.decode(reply);
  const opt = (decoded.additionals ?? []).find((r) => r.type === "OPT") as { options?: { code: number; data?: Buffer }[] } | undefined;
  const nsid = (opt?.options ?? []).find((o) => o.code === NSID);
  return {
    rcode: reply.readUInt8(3) & 0x0f,
    opt: opt !== undefined,
    nsid: nsid === undefined ? null : (nsid.data ?? Buffer.alloc(0)).toString(),
    ede: (opt?.options ?? []).some((o) => o.code === EDE),
  };
}

const on: AnswerContext = { zones, logger, transport: "udp", options: { nsid: IDENTIFIER } };
const off: AnswerContext = { zones, logger, transport: "udp" };
const onTcp: AnswerContext = { ...on, transport: "tcp" };
const asks = [{ code: NSID, data: Buffer.alloc(0) }];
const other = [{ code: 65001, data: Buffer.from("x") }];

describe("NSID (RFC 5001)", () => {
  const cases: { name: string; ctx: AnswerContext; q: Buffer; rcode: number; opt: boolean; nsid: string | null; ede?: boolean }[] = [
    // §2.1: the server includes its identifier in the reply's OPT when the query's OPT carries an (empty) NSID.
    { name: "on, asked → NSID in the answer", ctx: on, q: query("www.nsid.test", "A", asks), rcode: 0, opt: true, nsid: "ns1.example.net" },
    { name: "on, asked over TCP → NSID", ctx: onTcp, q: query("www.nsid.test", "A", asks), rcode: 0, opt: true, nsid: "ns1.example.net" },
    { name: "on, asked, NXDOMAIN → NSID", ctx: on, q: query("nope.nsid.test", "A", asks), rcode: 3, opt: true, nsid: "ns1.example.net" },
    // Any reply can carry it: a REFUSED one keeps its EDE too (RFC 8914 §4.21).
    { name: "on, asked, outside our zones → REFUSED + EDE + NSID", ctx: on, q: query("www.other.example", "A", asks), rcode: 5, opt: true, nsid: "ns1.example.net", ede: true },
    // §2.1: a requestor sends the option empty; a payload is ignored, the request honoured.
    { name: "on, asked with a payload → NSID", ctx: on, q: query("www.nsid.test", "A", [{ code: NSID, data: Buffer.from("junk") }]), rcode: 0, opt: true, nsid: "ns1.example.net" },
    { name: "on, asked among other options → NSID", ctx: on, q: query("www.nsid.test", "A", [...other, ...asks]), rcode: 0, opt: true, nsid: "ns1.example.net" },
    // §2.1: never unless asked.
    { name: "on, OPT without NSID → no NSID", ctx: on, q: query("www.nsid.test", "A", []), rcode: 0, opt: true, nsid: null },
    { name: "on, OPT with other options → no NSID", ctx: on, q: query("www.nsid.test", "A", other), rcode: 0, opt: true, nsid: null },
    { name: "on, no OPT → no OPT, no NSID", ctx: on, q: query("www.nsid.test", "A", null), rcode: 0, opt: false, nsid: null },
    // Off by default: the option is ignored (RFC 6891 §6.1.2: unknown or unused options are ignored).
    { name: "off (default), asked → no NSID", ctx: off, q: query("www.nsid.test", "A", asks), rcode: 0, opt: true, nsid: null },
  ];

  test.each(cases)("$name", ({ ctx, q, rcode, opt, nsid, ede }) => {
    const got = inspect(answerQuery(q, ctx));
    expect(got).toEqual({ rcode, opt, nsid, ede: ede ?? false });
  });

  test("the reply is one well-formed message: OPT last, RDLENGTH covering exactly its options", () => {
    const reply = answerQuery(query("www.nsid.test", "A", asks), on) as Buffer;
    // OPT is the last record: 11 octets + the option (4 + identifier).
    const optLength = 11 + 4 + IDENTIFIER.length;
    const opt = reply.subarray(reply.length - optLength);
    expect(opt.readUInt16BE(1)).toBe(41);
    expect(opt.readUInt16BE(9)).toBe(4 + IDENTIFIER.length);
    expect(opt.readUInt16BE(11)).toBe(NSID);
    expect(opt.subarray(15).toString()).toBe("ns1.example.net");
  });

  test("an NSID does not push the answer over the advertised UDP size: room is reserved for it", () => {
    // 40 A records of ~16 octets each do not fit 512 octets: the reply is truncated, yet stays within 512 with NSID.
    const many = Array.from({ length: 40 }, (_, i) => `big.nsid.test. 3600 IN A 192.0.2.${i + 1}`).join("\n");
    const big = createZoneSet([compileZone("nsid.test.", parseZoneText(`${ZONE}${many}\n`))]);
    const q = dnsPacket.encode({
      type: "query",
      id: 1,
      questions: [{ name: "big.nsid.test", type: "A", class: "IN" }],
      additionals: [{ type: "OPT", name: ".", udpPayloadSize: 512, flags: 0, options: asks } as unknown as dnsPacket.Answer],
    });
    const reply = answerQuery(q, { ...on, zones: big }) as Buffer;
    expect(reply.length).toBeLessThanOrEqual(512);
    expect(inspect(reply).nsid).toBe("ns1.example.net");
  });
});
