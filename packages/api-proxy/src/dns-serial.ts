// Reads a zone's SOA serial from PowerDNS over UDP DNS (RFC 1035): far cheaper than an API request, and the
// serial a DNS query or AXFR gives (after SOA-EDIT), which is what secondaries end up serving.
import dgram from "node:dgram";

/** DNS wire form of an SOA query for `zone` with message id `id`; undefined for names this encoder does not take (escapes). */
export function encodeSoaQuery(zone: string, id: number): Buffer | undefined {
  if (zone.includes("\\")) return undefined;
  const labels = zone.replace(/\.$/, "").split(".").filter((l) => l.length > 0);
  const parts: Buffer[] = [];
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id, 0);
  header.writeUInt16BE(0x0000, 2); // QUERY, no recursion desired (RFC 1035 §4.1.1)
  header.writeUInt16BE(1, 4); // QDCOUNT
  parts.push(header);
  for (const label of labels) {
    const bytes = Buffer.from(label, "ascii");
    if (bytes.length === 0 || bytes.length > 63) return undefined;
    parts.push(Buffer.from([bytes.length]), bytes);
  }
  parts.push(Buffer.from([0, 0, 6, 0, 1])); // root, QTYPE SOA, QCLASS IN
  return Buffer.concat(parts);
}

/** Offset just past the (possibly compressed, RFC 1035 §4.1.4) name at `off`; throws past the end. */
function skipName(msg: Buffer, off: number): number {
  for (let guard = 0; guard < 128; guard++) {
    const len = msg.readUInt8(off);
    if (len === 0) return off + 1;
    if ((len & 0xc0) === 0xc0) return off + 2;
    off += 1 + len;
  }
  throw new RangeError("name too long");
}

/**
 * The SOA serial in a response to {@link encodeSoaQuery}(…, `id`): undefined unless it is a NOERROR answer with
 * the same id and question and an SOA record in the answer section.
 */
export function soaSerialFromResponse(msg: Buffer, query: Buffer): number | undefined {
  try {
    if (msg.length < 12 || msg.readUInt16BE(0) !== query.readUInt16BE(0)) return undefined;
    const flags = msg.readUInt16BE(2);
    if ((flags & 0x8000) === 0 || (flags & 0x000f) !== 0 || (flags & 0x0200) !== 0) return undefined; // QR, RCODE, TC
    if (msg.readUInt16BE(4) !== 1) return undefined;
    const question = query.subarray(12);
    if (!msg.subarray(12, 12 + question.length).toString("latin1").toLowerCase().startsWith(question.toString("latin1").toLowerCase())) return undefined;
    let off = 12 + question.length;
    const answers = msg.readUInt16BE(6);
    for (let i = 0; i < answers; i++) {
      off = skipName(msg, off);
      const type = msg.readUInt16BE(off);
      const rdlength = msg.readUInt16BE(off + 8);
      const rdata = off + 10;
      if (rdata + rdlength > msg.length) return undefined; // truncated
      if (type === 6) return msg.readUInt32BE(skipName(msg, skipName(msg, rdata))); // MNAME, RNAME, SERIAL
      off = rdata + rdlength;
    }
    return undefined;
  } catch {
    return undefined;
  }
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
