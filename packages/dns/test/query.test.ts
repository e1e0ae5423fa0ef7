// Query messages from encodeQuestion (checked by decoding them with dns-packet) and the one-shot UDP exchange.
import dgram from "node:dgram";
import type { AddressInfo } from "node:net";
import * as dnsPacket from "dns-packet";
import { DnsError, encodeQuestion, udpExchange } from "../src";

describe("encodeQuestion", () => {
  test("a plain question: header flags 0, one question, no OPT (RFC 1035 §4.1)", () => {
    const q = encodeQuestion(0x1234, "Example.COM.", "SOA");
    expect(q.toString("hex")).toBe("123400000001000000000000" + "074578616d706c6503434f4d00" + "00060001");
    const p = dnsPacket.decode(q);
    expect(p.id).toBe(0x1234);
    expect(p.flags).toBe(0);
    expect(p.questions).toEqual([{ name: "Example.COM", type: "SOA", class: "IN" }]);
    expect(p.additionals).toEqual([]);
  });

  test.each([
    ["a number type, no final dot", [7, "example.org", 48], "example.org", "DNSKEY"],
    ["the root", [7, ".", "NS"], ".", "NS"],
  ] as const)("%s", (_label, args, name, type) => {
    const p = dnsPacket.decode(encodeQuestion(...(args as unknown as [number, string, number | string])));
    expect(p.questions).toEqual([{ name, type, class: "IN" }]);
  });

  test("an escaped dot stays inside its label (the dns package's own name parser)", () => {
    expect(encodeQuestion(7, "a\\.b.example.", "TXT").subarray(12).toString("hex")).toBe("03612e62076578616d706c6500" + "00100001");
  });

  test("EDNS: an OPT record with the payload size, and the DO bit when asked (RFC 6891, RFC 3225)", () => {
    for (const dnssecOk of [false, true]) {
      const p = dnsPacket.decode(encodeQuestion(9, "example.com.", "SOA", { ednsPayload: 4096, dnssecOk }));
      expect(p.additionals).toHaveLength(1);
      const opt = p.additionals?.[0] as dnsPacket.OptAnswer;
      expect(opt).toMatchObject({ type: "OPT", name: ".", udpPayloadSize: 4096, extendedRcode: 0, ednsVersion: 0, options: [] });
      expect(opt.flags).toBe(dnssecOk ? dnsPacket.DNSSEC_OK : 0);
    }
  });

  test("the same bytes as dns-packet writes for an EDNS query", () => {
    const ours = encodeQuestion(77, "example.net.", "DNSKEY", { ednsPayload: 4096, dnssecOk: true });
    const theirs = dnsPacket.encode({
      type: "query",
      id: 77,
      flags: 0,
      questions: [{ type: "DNSKEY", name: "example.net", class: "IN" }],
      additionals: [{ type: "OPT", name: ".", udpPayloadSize: 4096, flags: dnsPacket.DNSSEC_OK } as dnsPacket.Answer],
    });
    expect(ours.toString("hex")).toBe(theirs.toString("hex"));
  });

  test("a name or type that is not valid throws a DnsError", () => {
    expect(() => encodeQuestion(1, `${"x".repeat(64)}.example.`, "A")).toThrow(DnsError);
    expect(() => encodeQuestion(1, "example.", "NOSUCHTYPE")).toThrow(DnsError);
  });
});

describe("udpExchange", () => {
  test("resolves with the answer carrying the query's id, ignoring others; times out when none comes", async () => {
    const server = dgram.createSocket("udp4");
    let answer = true;
    server.on("message", (msg, rinfo) => {
      if (!answer) return;
      const other = Buffer.from(msg);
      other.writeUInt16BE((msg.readUInt16BE(0) + 1) & 0xffff, 0);
      server.send(other, rinfo.port, rinfo.address); // a foreign id first: not the answer
      const reply = Buffer.from(msg);
      reply[2] = 0x84; // QR, AA
      server.send(reply, rinfo.port, rinfo.address);
    });
    await new Promise<void>((resolve) => server.bind(0, "127.0.0.1", resolve));
    const target = { address: "127.0.0.1", port: (server.address() as AddressInfo).port, timeoutMs: 300 };
    try {
      const query = encodeQuestion(0x4242, "example.com.", "SOA");
      const reply = await udpExchange(target, query);
      expect(reply.readUInt16BE(0)).toBe(0x4242);
      expect(reply[2]).toBe(0x84);
      answer = false;
      await expect(udpExchange(target, query)).rejects.toMatchObject({ code: "PDNSD_DNS_QUERY_FAILED", message: "no answer in 300 ms" });
    } finally {
      server.close();
    }
  });
});
