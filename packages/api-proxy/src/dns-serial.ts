// Reads a zone's SOA serial from PowerDNS over UDP DNS (RFC 1035): far cheaper than an API request, and the
// serial a DNS query or AXFR gives (after SOA-EDIT), which is what secondaries end up serving.
import dgram from "node:dgram";
import { RRType, encodeQuestion, readMessageAnswers } from "@pdns-distribute/dns";

const SOA = RRType.SOA;

/** DNS wire form of an SOA query (no EDNS) for `zone` (presentation form) with message id `id`; undefined for a name that is not valid. */
export function encodeSoaQuery(zone: string, id: number): Buffer | undefined {
  try {
    return encodeQuestion(id, zone, SOA);
  } catch {
    return undefined;
  }
}

/** Wire form of `labels` (lower case, from readMessageAnswers) as a name. */
function labelsWire(labels: readonly Buffer[]): Buffer {
  return Buffer.concat([...labels.flatMap((l) => [Buffer.from([l.length]), l]), Buffer.from([0])]);
}

/**
 * The SOA serial in a response to {@link encodeSoaQuery}(…, `id`): undefined unless it is a NOERROR, untruncated
 * answer with the same id, holding the SOA record of the queried name (RFC 1035 §4.1).
 */
export function soaSerialFromResponse(msg: Buffer, query: Buffer): number | undefined {
  if (msg.length < 12 || msg.readUInt16BE(0) !== query.readUInt16BE(0)) return undefined;
  const flags = msg.readUInt16BE(2);
  if ((flags & 0x8000) === 0 || (flags & 0x0200) !== 0) return undefined; // QR, TC
  let answers;
  try {
    answers = readMessageAnswers(msg);
  } catch {
    return undefined;
  }
  if (answers.rcode !== 0) return undefined;
  const owner = query.subarray(12, query.length - 4).toString("latin1").toLowerCase();
  // SOA RDATA (decompressed): MNAME, RNAME, then SERIAL and four more 32-bit fields.
  const soa = answers.answers.find((r) => r.type === SOA && labelsWire(r.owner).toString("latin1") === owner && r.rdata.length >= 20);
  return soa?.rdata.readUInt32BE(soa.rdata.length - 20);
}

/** Asks one DNS server for SOA serials. */
export interface SoaSerialReader {
  /** The zone's SOA serial; rejects on timeout or when the answer holds none. */
  read(zone: string): Promise<number>;
  close(): void;
}

/** A reader with one UDP socket connected to `address`:`port`; each query gives up after `timeoutMs`. */
export function createSoaSerialReader(address: string, port: number, timeoutMs: number): SoaSerialReader {
  const sock = dgram.createSocket(address.includes(":") ? "udp6" : "udp4");
  sock.unref();
  const pending = new Map<number, { query: Buffer; done: (serial: number | Error) => void }>();
  let connected: Promise<void> | undefined;
  const connect = (): Promise<void> =>
    (connected ??= new Promise<void>((resolve, reject) => {
      sock.once("error", reject);
      sock.connect(port, address, () => {
        sock.off("error", reject);
        resolve();
      });
    }));
  sock.on("message", (msg) => {
    if (msg.length < 2) return;
    const p = pending.get(msg.readUInt16BE(0));
    if (!p) return;
    const serial = soaSerialFromResponse(msg, p.query);
    p.done(serial === undefined ? new Error("no SOA in the DNS answer") : serial);
  });
  sock.on("error", (err) => {
    for (const p of [...pending.values()]) p.done(err);
  });
  let nextId = Math.floor(Math.random() * 0x10000);
  return {
    async read(zone) {
      await connect();
      let id = nextId;
      for (let tries = 0; pending.has(id) && tries < 0x10000; tries++) id = (id + 1) & 0xffff;
      nextId = (id + 1) & 0xffff;
      const query = encodeSoaQuery(zone, id);
      if (!query) throw new Error(`zone name not supported for a DNS query: ${zone}`);
      return new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => done(new Error(`no DNS answer within ${timeoutMs} ms`)), timeoutMs);
        const done = (r: number | Error): void => {
          clearTimeout(timer);
          pending.delete(id);
          if (r instanceof Error) reject(r);
          else resolve(r);
        };
        pending.set(id, { query, done });
        sock.send(query, (err) => {
          if (err) done(err);
        });
      });
    },
    close: () => {
      for (const p of [...pending.values()]) p.done(new Error("closed"));
      try {
        sock.close();
      } catch {
        /* not open */
      }
    },
  };
}
