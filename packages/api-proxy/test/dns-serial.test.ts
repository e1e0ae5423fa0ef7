// Reading a changed zone's serial over DNS: the SOA query, the answer parser, and the UDP reader.
import dgram from "node:dgram";
import type { AddressInfo } from "node:net";
import { createSoaSerialReader, encodeSoaQuery, soaSerialFromResponse } from "../src";

/** A NOERROR response to `query` with one SOA (owner compressed to the question, MNAME/RNAME uncompressed). */
function soaResponse(query: Buffer, serial: number, opts: { rcode?: number; id?: number; extraFirst?: boolean } = {}): Buffer {
  const header = Buffer.from(query.subarray(0, 12));
  header.writeUInt16BE(opts.id ?? query.readUInt16BE(0), 0);
  header.writeUInt16BE(0x8400 | (opts.rcode ?? 0), 2); // QR, AA
  header.writeUInt16BE(opts.extraFirst ? 2 : 1, 6);
  const question = query.subarray(12);
  const name = (s: string) => Buffer.concat([...s.split(".").map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)])), Buffer.from([0])]);
  const rdata = Buffer.concat([name("ns1.example"), name("hostmaster.example"), Buffer.alloc(20)]);
  rdata.writeUInt32BE(serial, rdata.length - 20);
  const rr = (type: number, data: Buffer) => {
    const fixed = Buffer.alloc(12);
    fixed.writeUInt16BE(0xc00c, 0);
    fixed.writeUInt16BE(type, 2);
    fixed.writeUInt16BE(1, 4);
    fixed.writeUInt32BE(3600, 6);
    fixed.writeUInt16BE(data.length, 10);
    return Buffer.concat([fixed, data]);
  };
  const extra = opts.extraFirst ? [rr(16, Buffer.from([3, 0x61, 0x62, 0x63]))] : [];
  return Buffer.concat([header, question, ...extra, rr(6, rdata)]);
}

describe("SOA serial over DNS", () => {
  test("the query is a plain SOA question (RFC 1035 §4.1)", () => {
    const q = encodeSoaQuery("Example.COM.", 0x1234) as Buffer;
    expect(q.toString("hex")).toBe("123400000001000000000000" + "074578616d706c6503434f4d00" + "00060001");
    // Names come from @pdns-distribute/dns: an escaped dot is part of its label; a label over 63 octets is no name.
    expect((encodeSoaQuery("a\\.b.example.", 1) as Buffer).subarray(12).toString("hex")).toBe("03612e62076578616d706c6500" + "00060001");
    expect(encodeSoaQuery(`${"x".repeat(64)}.example.`, 1)).toBeUndefined();
  });

  test.each([
    ["an answer", {}, 2026112205],
    ["an answer after another record", { extraFirst: true }, 2026112205],
    ["another id", { id: 7 }, undefined],
    ["REFUSED", { rcode: 5 }, undefined],
  ])("%s", (_label, opts, want) => {
    const q = encodeSoaQuery("example.com.", 0x4242) as Buffer;
    expect(soaSerialFromResponse(soaResponse(q, 2026112205, opts), q)).toBe(want);
  });

  test("a truncated or foreign answer gives nothing", () => {
    const q = encodeSoaQuery("example.com.", 9) as Buffer;
    const full = soaResponse(q, 5);
    expect(soaSerialFromResponse(full.subarray(0, full.length - 10), q)).toBeUndefined();
    expect(soaSerialFromResponse(soaResponse(encodeSoaQuery("other.com.", 9) as Buffer, 5), q)).toBeUndefined();
  });

  test("the reader asks a UDP server and times out when it does not answer", async () => {
    const server = dgram.createSocket("udp4");
    let answer = true;
    server.on("message", (msg, rinfo) => {
      if (answer) server.send(soaResponse(msg, 77), rinfo.port, rinfo.address);
    });
    await new Promise<void>((r) => server.bind(0, "127.0.0.1", () => r()));
    const reader = createSoaSerialReader("127.0.0.1", (server.address() as AddressInfo).port, 200);
    try {
      expect(await Promise.all([reader.read("a.test."), reader.read("b.test.")])).toEqual([77, 77]);
      answer = false;
      await expect(reader.read("a.test.")).rejects.toThrow(/no DNS answer within 200 ms/);
    } finally {
      reader.close();
      server.close();
    }
  });
});
