// Extended DNS Errors (RFC 8914, issue 23 item 4): EDE 20 on REFUSED outside our zones, EDE 18 on a prohibited
// transfer, only when the query carried an OPT; answers and other errors carry none.

import { parseZoneText } from "@pdns-distribute/dns";
import * as dnsPacket from "dns-packet";
import { answerQuery, compileZone, createZoneSet } from "../src";
import type { AnswerContext } from "../src";
import { answerTcpQuery } from "../src/transfer";

const ZONE = `ede.test. 3600 IN SOA ns1.ede.test. hostmaster.ede.test. 1 7200 3600 1209600 300
ede.test. 3600 IN NS ns1.ede.test.
ns1.ede.test. 3600 IN A 192.0.2.53
www.ede.test. 3600 IN A 192.0.2.80
`;
const zones = createZoneSet([compileZone("ede.test.", parseZoneText(ZONE))]);
const logger = { warn: jest.fn(), error: jest.fn() };
/** EDNS option code of EDE (RFC 8914 §2). */
const EDE = 15;

function query(name: string, type: string, edns: boolean, klass = "IN"): Buffer {
  return dnsPacket.encode({
    type: "query",
    id: 4242,
    questions: [{ name, type: type as dnsPacket.RecordType, class: klass as dnsPacket.RecordClass }],
    additionals: edns ? [{ type: "OPT", name: ".", udpPayloadSize: 1232, flags: 0 } as unknown as dnsPacket.Answer] : [],
  });
}

/** Rcode, whether the reply has an OPT, and the INFO-CODEs of its EDE options (RFC 8914 §2). */
function inspect(reply: Buffer | null): { rcode: number; opt: boolean; ede: number[]; extraText: number[] } {
  if (reply === null) throw new Error("no reply");
  const decoded = dnsPacket.decode(reply);
  const opt = (decoded.additionals ?? []).find((r) => r.type === "OPT") as { options?: { code: number; data?: Buffer }[] } | undefined;
  const options = (opt?.options ?? []).filter((o) => o.code === EDE);
  return {
    rcode: reply.readUInt8(3) & 0x0f,
    opt: opt !== undefined,
    ede: options.map((o) => (o.data as Buffer).readUInt16BE(0)),
    extraText: options.map((o) => (o.data as Buffer).length - 2),
  };
}

const udp: AnswerContext = { zones, logger, transport: "udp" };
const tcp: AnswerContext = { zones, logger, transport: "tcp" };
const REFUSED = 5;

describe("Extended DNS Errors (RFC 8914)", () => {
  const cases: { name: string; reply: () => Buffer | null; rcode: number; opt: boolean; ede: number[] }[] = [
    // RFC 8914 §4.21: EDE 20 "Not Authoritative": the name is in no zone we serve (Knot sends the same).
    { name: "name outside every zone, EDNS → REFUSED + EDE 20", reply: () => answerQuery(query("www.other.example", "A", true), udp), rcode: REFUSED, opt: true, ede: [20] },
    { name: "name outside every zone over TCP, EDNS → EDE 20", reply: () => answerQuery(query("other.example", "SOA", true), tcp), rcode: REFUSED, opt: true, ede: [20] },
    // RFC 8914 §3: EDE goes in the OPT; a query without OPT gets no OPT and so no EDE.
    { name: "name outside every zone, no EDNS → REFUSED, no OPT", reply: () => answerQuery(query("www.other.example", "A", false), udp), rcode: REFUSED, opt: false, ede: [] },
    // RFC 8914 §4.19: EDE 18 "Prohibited": a peer not on the transfer allow-list asks for AXFR/IXFR over TCP.
    { name: "AXFR over TCP from a peer not allowed → REFUSED + EDE 18", reply: () => firstTcp(query("ede.test", "AXFR", true), false), rcode: REFUSED, opt: true, ede: [18] },
    { name: "IXFR over TCP from a peer not allowed → REFUSED + EDE 18", reply: () => firstTcp(query("ede.test", "IXFR", true), false), rcode: REFUSED, opt: true, ede: [18] },
    { name: "AXFR from a peer not allowed, no EDNS → REFUSED, no OPT", reply: () => firstTcp(query("ede.test", "AXFR", false), false), rcode: REFUSED, opt: false, ede: [] },
    // An allowed peer asking AXFR of a name that is no zone apex: refused, but not by the allow-list (no EDE 18).
    { name: "AXFR of a non-apex name from an allowed peer → REFUSED, no EDE", reply: () => firstTcp(query("www.ede.test", "AXFR", true), true), rcode: REFUSED, opt: true, ede: [] },
    // RFC 5936 §4.2: AXFR over UDP is refused for the transport, not the client: RFC 8914 has no code for it.
    { name: "AXFR over UDP → REFUSED, no EDE", reply: () => answerQuery(query("ede.test", "AXFR", true), udp), rcode: REFUSED, opt: true, ede: [] },
    // The hot path and other errors are unchanged: no EDE on answers, NXDOMAIN or a refused class.
    { name: "NOERROR answer with EDNS → no EDE", reply: () => answerQuery(query("www.ede.test", "A", true), udp), rcode: 0, opt: true, ede: [] },
    { name: "NXDOMAIN with EDNS → no EDE", reply: () => answerQuery(query("nope.ede.test", "A", true), udp), rcode: 3, opt: true, ede: [] },
    { name: "QCLASS CH → REFUSED, no EDE", reply: () => answerQuery(query("www.ede.test", "A", true, "CH"), udp), rcode: REFUSED, opt: true, ede: [] },
  ];

  test.each(cases)("$name", ({ reply, rcode, opt, ede }) => {
    const got = inspect(reply());
    expect(got.rcode).toBe(rcode);
    expect(got.opt).toBe(opt);
    expect(got.ede).toEqual(ede);
    expect(got.extraText.every((n) => n === 0)).toBe(true); // RFC 8914 §2: EXTRA-TEXT is optional; we send none
  });

  test("the reply stays one well-formed message with the question echoed", () => {
    const decoded = dnsPacket.decode(answerQuery(query("www.other.example", "A", true), udp) as Buffer);
    expect(decoded.questions).toEqual([{ name: "www.other.example", type: "A", class: "IN" }]);
    expect(decoded.additionals).toHaveLength(1);
    expect(logger.error).not.toHaveBeenCalled();
  });
});

/** The only message answerTcpQuery gives for `message` from a peer (`allowed` on the transfer list or not). */
function firstTcp(message: Buffer, allowed: boolean): Buffer | null {
  const out = answerTcpQuery(message, tcp, allowed);
  expect(out).toHaveLength(1);
  return (out as Buffer[])[0] ?? null;
}
