// Tests of the AXFR client against an in-process TCP server that serves canned responses.

import * as net from "node:net";
import * as dnsPacket from "dns-packet";
import { axfr, AxfrError, rdataToWire, renderZoneText } from "../src";
import { buildAxfrQuery, splitTcpMessages } from "../src/axfr";

const SIG = Buffer.from("7P6pCtq9OpF8XE1VYsdl6/gAszHO5yz+/mu/B6TeVPO6EJ4UpRycTkHSMzh60ofBuPkHKj/rnmoIIShosbu48A==", "base64");
const SOA: dnsPacket.Answer = {
  name: "example.org",
  type: "SOA",
  ttl: 3600,
  data: { mname: "ns1.example.org", rname: "hostmaster.example.org", serial: 2026112201, refresh: 10800, retry: 3600, expire: 604800, minimum: 3600 },
};
const RRSIG: dnsPacket.Answer = {
  name: "example.org",
  type: "RRSIG",
  ttl: 3600,
  data: { typeCovered: "SOA", algorithm: 13, labels: 2, originalTTL: 3600, expiration: 1796256000, inception: 1794441600, keyTag: 43327, signersName: "example.org", signature: SIG },
};
const NSEC3PARAM = { name: "example.org", type: "NSEC3PARAM", ttl: 0, data: rdataToWire("NSEC3PARAM", "1 0 0 -") } as unknown as dnsPacket.Answer;
const NS: dnsPacket.Answer = { name: "example.org", type: "NS", ttl: 3600, data: "ns1.example.org" };
const A: dnsPacket.Answer = { name: "ns1.example.org", type: "A", ttl: 3600, data: "192.0.2.1" };
const TXT: dnsPacket.Answer = { name: "txt.example.org", type: "TXT", ttl: 60, data: ["x".repeat(200), "y"] };

const RCODES: Record<string, number> = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3, REFUSED: 5, NOTAUTH: 9 };

/** One response message, framed with its 2-octet length. */
function frame(id: number, answers: dnsPacket.Answer[], rcode = "NOERROR"): Buffer {
  const flags = dnsPacket.AUTHORITATIVE_ANSWER | (RCODES[rcode] as number);
  return dnsPacket.streamEncode({ type: "response", id, flags, questions: [{ type: "AXFR", name: "example.org" }], answers });
}

type Responder = (socket: net.Socket, id: number, query: dnsPacket.DecodedPacket) => void;

/** Writes `data` in pieces of `size` octets, one per event-loop turn, so the client sees split messages. */
function writeInChunks(socket: net.Socket, data: Buffer, size: number, then?: () => void): void {
  socket.setNoDelay(true);
  let offset = 0;
  const step = (): void => {
    if (socket.destroyed) return;
    if (offset >= data.length) return then?.();
    socket.write(data.subarray(offset, offset + size));
    offset += size;
    setImmediate(step);
  };
  step();
}

interface TestServer {
  port: number;
  queries: dnsPacket.DecodedPacket[];
  /** Resolves when every connection the server accepted is closed. */
  allClosed(): Promise<void>;
  close(): Promise<void>;
}

async function startServer(respond: Responder): Promise<TestServer> {
  const queries: dnsPacket.DecodedPacket[] = [];
  const closed: Array<Promise<void>> = [];
  const server = net.createServer((socket) => {
    closed.push(new Promise((resolve) => socket.on("close", () => resolve())));
    socket.on("error", () => undefined);
    let buf: Buffer = Buffer.alloc(0);
    socket.on("data", (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      const { messages, rest } = splitTcpMessages(buf);
      buf = rest;
      for (const m of messages) {
        const query = dnsPacket.decode(m);
        queries.push(query);
        respond(socket, query.id ?? 0, query);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    queries,
    allClosed: async () => {
      await Promise.all(closed);
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function failure(promise: Promise<unknown>): Promise<AxfrError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(AxfrError);
    expect((err as AxfrError).code).toBe("PDNSD_AXFR_FAILED");
    expect((err as AxfrError).name).toBe("AxfrError");
    return err as AxfrError;
  }
  throw new Error("expected the transfer to fail");
}

describe("axfr", () => {
  it.each([1, 7, 100, 100000])("transfers a zone sent as 2 messages in chunks of %d octets", async (chunk) => {
    server = await startServer((socket, id) => {
      const data = Buffer.concat([frame(id, [SOA, RRSIG, NSEC3PARAM, NS]), frame(id, [A, TXT, SOA])]);
      writeInChunks(socket, data, chunk);
    });
    const records = await axfr({ host: "127.0.0.1", port: server.port, zone: "Example.ORG" });
    expect(records.map((r) => `${r.name} ${r.type}`)).toEqual([
      "example.org. SOA",
      "example.org. RRSIG",
      "example.org. NSEC3PARAM",
      "example.org. NS",
      "ns1.example.org. A",
      "txt.example.org. TXT",
    ]);
    expect(records[0]?.rdata).toBe("ns1.example.org. hostmaster.example.org. 2026112201 10800 3600 604800 3600");
    expect(records[1]?.rdata).toBe(`SOA 13 2 3600 20261203000000 20261112000000 43327 example.org. ${SIG.toString("base64")}`);
    expect(records[2]?.rdata).toBe("1 0 0 -");
    expect(() => renderZoneText(records)).not.toThrow();
    expect(server.queries[0]?.questions).toEqual([{ name: "example.org", type: "AXFR", class: "IN" }]);
    await server.allClosed();
  });

  it("transfers a zone whose SOA is its only record and ignores data after the closing SOA", async () => {
    server = await startServer((socket, id) => socket.write(Buffer.concat([frame(id, [SOA, SOA, A]), frame(id, [A])])));
    const records = await axfr({ host: "127.0.0.1", port: server.port, zone: "example.org." });
    expect(records.map((r) => r.type)).toEqual(["SOA"]);
    await server.allClosed();
  });

  it("decompresses names compressed against the message", async () => {
    // Hand-made message: the question name at offset 12 is the target of the compression pointers (0xc00c).
    const name = Buffer.from("076578616d706c65036f726700", "hex");
    const rr = (type: number, rdata: Buffer): Buffer => {
      const head = Buffer.alloc(12);
      head.writeUInt16BE(0xc00c, 0);
      head.writeUInt16BE(type, 2);
      head.writeUInt16BE(1, 4);
      head.writeUInt32BE(300, 6);
      head.writeUInt16BE(rdata.length, 10);
      return Buffer.concat([head, rdata]);
    };
    const soaRdata = Buffer.concat([Buffer.from("036e7331c00c0a686f73746d6173746572c00c", "hex"), Buffer.from("0000000700000001000000020000000300000004", "hex")]);
    const mxRdata = Buffer.from("000a046d61696cc00c", "hex");
    server = await startServer((socket, id) => {
      const header = Buffer.alloc(12);
      header.writeUInt16BE(id, 0);
      header.writeUInt16BE(0x8400, 2);
      header.writeUInt16BE(1, 4);
      header.writeUInt16BE(3, 6);
      const msg = Buffer.concat([header, name, Buffer.from([0, 252, 0, 1]), rr(6, soaRdata), rr(15, mxRdata), rr(6, soaRdata)]);
      const len = Buffer.alloc(2);
      len.writeUInt16BE(msg.length);
      socket.write(Buffer.concat([len, msg]));
    });
    const records = await axfr({ host: "127.0.0.1", port: server.port, zone: "example.org" });
    expect(records).toEqual([
      { name: "example.org.", type: "SOA", ttl: 300, rdata: "ns1.example.org. hostmaster.example.org. 7 1 2 3 4" },
      { name: "example.org.", type: "MX", ttl: 300, rdata: "10 mail.example.org." },
    ]);
  });

  it.each([
    ["NOTAUTH", true],
    ["REFUSED", true],
    ["NXDOMAIN", true],
    ["SERVFAIL", false],
  ])("reports a %s answer (notFound = %s)", async (rcode, notFound) => {
    server = await startServer((socket, id) => socket.write(frame(id, [], rcode)));
    const err = await failure(axfr({ host: "127.0.0.1", port: server.port, zone: "unknown.example." }));
    expect(err.rcode).toBe(rcode);
    expect(err.notFound).toBe(notFound);
    expect(err.message).toContain(rcode);
    expect(err.message).toContain("unknown.example.");
    await server.allClosed();
  });

  it("reports a refused connection with its cause", async () => {
    const probe = await startServer(() => undefined);
    const port = probe.port;
    await probe.close();
    const err = await failure(axfr({ host: "127.0.0.1", port, zone: "example.org" }));
    expect(err.message).toContain("connection refused");
    expect(err.notFound).toBe(false);
    expect(err.rcode).toBeUndefined();
    expect((err.cause as NodeJS.ErrnoException).code).toBe("ECONNREFUSED");
  });

  it("times out when the server does not answer", async () => {
    server = await startServer(() => undefined);
    const err = await failure(axfr({ host: "127.0.0.1", port: server.port, zone: "example.org", timeoutMs: 150 }));
    expect(err.message).toContain("timed out after 150 ms");
    await server.allClosed();
  });

  it("times out when the server stops in the middle of a transfer", async () => {
    server = await startServer((socket, id) => socket.write(frame(id, [SOA, A])));
    const err = await failure(axfr({ host: "127.0.0.1", port: server.port, zone: "example.org", timeoutMs: 150 }));
    expect(err.message).toContain("2 records so far");
  });

  it("reports a connection closed before the closing SOA", async () => {
    server = await startServer((socket, id) => socket.end(Buffer.concat([frame(id, [SOA, A]), frame(id, [NS]).subarray(0, 10)])));
    const err = await failure(axfr({ host: "127.0.0.1", port: server.port, zone: "example.org" }));
    expect(err.message).toContain("connection closed before the end of the transfer (2 records received)");
  });

  it.each([
    ["a response id that does not match", (id: number) => frame((id + 1) & 0xffff, [SOA, SOA]), "has id"],
    ["a transfer that does not start with the SOA", (id: number) => frame(id, [A, SOA]), "does not start with the SOA"],
    ["a transfer starting with the SOA of another zone", (id: number) => frame(id, [{ ...SOA, name: "other.org" }, SOA]), "does not start with the SOA"],
    ["an empty first answer", (id: number) => frame(id, []), "empty AXFR response"],
    ["a malformed message", () => Buffer.from([0, 3, 1, 2, 3]), "malformed AXFR response"],
  ])("rejects %s", async (_what, response, message) => {
    server = await startServer((socket, id) => socket.write(response(id)));
    const err = await failure(axfr({ host: "127.0.0.1", port: server.port, zone: "example.org" }));
    expect(err.message).toContain(message);
    expect(err.notFound).toBe(false);
    await server.allClosed();
  });
});

describe("TCP framing helpers", () => {
  it("builds the AXFR query", () => {
    const q = buildAxfrQuery("example.org.", 0x1234);
    expect(q.readUInt16BE(0)).toBe(q.length - 2);
    expect(dnsPacket.decode(q.subarray(2))).toMatchObject({ id: 0x1234, type: "query", questions: [{ name: "example.org", type: "AXFR", class: "IN" }] });
  });

  it("splits complete messages and keeps the remainder", () => {
    const data = Buffer.from([0, 2, 0xaa, 0xbb, 0, 0, 0, 3, 1, 2]);
    const { messages, rest } = splitTcpMessages(data);
    expect(messages.map((m) => m.toString("hex"))).toEqual(["aabb", ""]);
    expect(rest.toString("hex")).toBe("00030102");
    expect(splitTcpMessages(Buffer.from([0])).rest.length).toBe(1);
  });
});
