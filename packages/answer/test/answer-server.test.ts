// DNS server on real loopback sockets: UDP, pipelined TCP, idle timeout, connection cap, and the real dig binary.

import { execFile } from "node:child_process";
import dgram from "node:dgram";
import net from "node:net";
import { promisify } from "node:util";
import { parseZoneText } from "@pdns-distribute/dns";
import * as dnsPacket from "dns-packet";
import { compileZone, createZoneSet, startDnsServer } from "../src";
import type { DnsServer, ZoneSet } from "../src";

const run = promisify(execFile);

/** A decoded response; dns-packet also sets `rcode`, missing from its type declarations. */
type Decoded = dnsPacket.DecodedPacket & { rcode: string };

function decode(msg: Buffer): Decoded {
  return dnsPacket.decode(msg) as Decoded;
}

const ZONE = [
  "example.org. 3600 IN SOA ns1.example.org. hostmaster.example.org. 1 7200 3600 1209600 300",
  "example.org. 3600 IN NS ns1.example.org.",
  "ns1.example.org. 3600 IN A 192.0.2.1",
  "www.example.org. 300 IN A 192.0.2.10",
  ...Array.from({ length: 40 }, (_, i) => `many.example.org. 300 IN A 192.0.2.${i + 1}`),
].join("\n");

const logger = { warn: jest.fn(), error: jest.fn(), debug: jest.fn() };

function query(id: number, name: string, type: dnsPacket.RecordType = "A"): Buffer {
  return dnsPacket.encode({ type: "query", id, questions: [{ name, type }] });
}

function frame(msg: Buffer): Buffer {
  const prefix = Buffer.alloc(2);
  prefix.writeUInt16BE(msg.length, 0);
  return Buffer.concat([prefix, msg]);
}

function udpAsk(port: number, msg: Buffer): Promise<Decoded> {
  const socket = dgram.createSocket("udp4");
  return new Promise((resolve, reject) => {
    socket.once("message", (data) => {
      socket.close();
      resolve(decode(data));
    });
    socket.once("error", reject);
    socket.send(msg, port, "127.0.0.1");
  });
}

/** Connects, sends `chunks` one by one, and collects `count` framed responses. */
function tcpAsk(port: number, chunks: Buffer[], count: number): Promise<Decoded[]> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1");
    let buffered = Buffer.alloc(0);
    const out: Decoded[] = [];
    socket.on("data", (data) => {
      buffered = Buffer.concat([buffered, data]);
      while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
        out.push(decode(buffered.subarray(2, 2 + buffered.readUInt16BE(0))));
        buffered = buffered.subarray(2 + buffered.readUInt16BE(0));
      }
      if (out.length === count) {
        socket.end();
        resolve(out);
      }
    });
    socket.on("error", reject);
    socket.on("connect", async () => {
      for (const chunk of chunks) {
        socket.write(chunk);
        await new Promise((r) => setTimeout(r, 5));
      }
    });
  });
}

/** Resolves when the server closes the connection; rejects after `ms`. */
function waitForClose(socket: net.Socket, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("connection still open")), ms);
    socket.on("close", () => {
      clearTimeout(timer);
      resolve();
    });
    socket.on("error", () => undefined);
  });
}

/** Both UDP paths (udp-listener.ts) run every test: the batch addon and Node's dgram. */
const UDP_IO = ["batch", "dgram"] as const;

describe.each(UDP_IO)("DNS server on loopback (udp_io %s)", (udpIo) => {
  let server: DnsServer;
  let current: ZoneSet;
  let port: number;

  beforeAll(async () => {
    current = createZoneSet([compileZone("example.org.", parseZoneText(ZONE))]);
    server = await startDnsServer({
      address: "127.0.0.1",
      port: 0,
      zones: () => current,
      logger,
      tcpIdleTimeoutMs: 300,
      maxTcpConnections: 5,
      roundRobin: false,
      udpIo,
    });
    port = server.address().port;
  });

  test(`serves UDP through ${udpIo}`, () => {
    expect(server.udpIo).toBe(udpIo);
  });

  afterAll(async () => {
    await server.close();
    await server.close();
  });

  test("answers over UDP", async () => {
    const res = await udpAsk(port, query(7, "www.example.org."));
    expect(res).toMatchObject({ id: 7, rcode: "NOERROR", flag_aa: true });
    expect(res.answers?.map((a) => (a as { data: string }).data)).toEqual(["192.0.2.10"]);
  });

  test("answers several pipelined TCP queries in order, including one split across segments", async () => {
    const pipelined = Buffer.concat([frame(query(1, "www.example.org.")), frame(query(2, "nope.example.org."))]);
    const split = frame(query(3, "many.example.org."));
    const res = await tcpAsk(port, [pipelined, split.subarray(0, 1), split.subarray(1, 9), split.subarray(9)], 3);
    expect(res.map((r) => [r.id, r.rcode])).toEqual([
      [1, "NOERROR"],
      [2, "NXDOMAIN"],
      [3, "NOERROR"],
    ]);
    expect(res[2]?.answers).toHaveLength(40);
    expect(res[2]?.flag_tc).toBe(false);
  });

  test("a large answer over UDP sets TC", async () => {
    const res = await udpAsk(port, query(9, "many.example.org."));
    expect(res.flag_tc).toBe(true);
  });

  test("closes idle TCP connections", async () => {
    const socket = net.connect(port, "127.0.0.1");
    await waitForClose(socket, 3000);
  });

  test("refuses TCP connections beyond the cap", async () => {
    const open = await Promise.all(
      Array.from({ length: 5 }, () => new Promise<net.Socket>((resolve) => {
        const s = net.connect(port, "127.0.0.1", () => resolve(s));
        s.on("error", () => undefined);
      })),
    );
    await new Promise((r) => setTimeout(r, 50));
    const extra = net.connect(port, "127.0.0.1");
    await waitForClose(extra, 250);
    for (const s of open) s.destroy();
  });

  test("the zone source is read per query, so a swapped ZoneSet is served at once", async () => {
    const before = current;
    current = createZoneSet([
      compileZone("example.org.", parseZoneText(ZONE.replace("192.0.2.10", "192.0.2.99"))),
    ]);
    const res = await udpAsk(port, query(11, "www.example.org."));
    expect((res.answers?.[0] as { data: string }).data).toBe("192.0.2.99");
    current = before;
  });

  test.each([[[]], [["+tcp"]]])("dig %p gets an authoritative answer", async (extra) => {
    const args = [`@127.0.0.1`, "-p", String(port), "www.example.org", "A", "+norecurse", "+time=2", "+tries=1"];
    const { stdout } = await run("dig", [...args, ...extra]);
    expect(stdout).toMatch(/status: NOERROR/);
    expect(stdout).toMatch(/flags: qr aa;/);
    expect(stdout).toMatch(/^www\.example\.org\.\s+300\s+IN\s+A\s+192\.0\.2\.10$/m);
  });

  test("dig sees NXDOMAIN with the SOA and REFUSED outside the zones", async () => {
    const base = [`@127.0.0.1`, "-p", String(port), "+norecurse", "+time=2", "+tries=1"];
    const nx = await run("dig", [...base, "nope.example.org", "A"]);
    expect(nx.stdout).toMatch(/status: NXDOMAIN/);
    expect(nx.stdout).toMatch(/^example\.org\.\s+300\s+IN\s+SOA\s/m);
    const refused = await run("dig", [...base, "www.example.net", "A"]);
    expect(refused.stdout).toMatch(/status: REFUSED/);
  });
});

describe.each(UDP_IO)("DNS server on IPv6 loopback (udp_io %s)", (udpIo) => {
  test("binds udp6 and tcp for an IPv6 address", async () => {
    const zones = createZoneSet([compileZone("example.org.", parseZoneText(ZONE))]);
    const server = await startDnsServer({ address: "::1", port: 0, zones, logger, udpIo });
    try {
      expect(server.udpIo).toBe(udpIo);
      const { port } = server.address();
      const socket = dgram.createSocket("udp6");
      const res = await new Promise<Decoded>((resolve) => {
        socket.once("message", (data) => resolve(decode(data)));
        socket.send(query(5, "www.example.org."), port, "::1");
      });
      socket.close();
      expect(res.rcode).toBe("NOERROR");
      const [tcp] = await new Promise<Decoded[]>((resolve, reject) => {
        const s = net.connect(port, "::1", () => s.write(frame(query(6, "www.example.org."))));
        s.on("data", (data) => {
          s.end();
          resolve([decode(data.subarray(2))]);
        });
        s.on("error", reject);
      });
      expect(tcp?.id).toBe(6);
    } finally {
      await server.close();
    }
  });
});
