// One UDP question to PowerDNS' DNS port, and the zone's DNSSEC fingerprint (DNSKEY + NSEC3PARAM) read that way.
import dgram from "node:dgram";
import { createHash, randomInt } from "node:crypto";
import dnsPacket from "dns-packet";
import { readMessageAnswers } from "@pdns-distribute/dns";
import { PrimaryStateError } from "./errors";

/** Where to ask, and for how long. */
export interface DnsTarget {
  address: string;
  port: number;
  timeoutMs: number;
}

const TYPE_SOA = 6;
const TYPE_DNSKEY = 48;
const TYPE_NSEC3PARAM = 51;

/** Builds a query for the apex `zone` (EDNS, 4096-octet buffer; `dnssecOk` sets the DO bit). */
export function apexQuery(id: number, zone: string, type: string, dnssecOk: boolean): Buffer {
  return dnsPacket.encode({
    type: "query",
    id,
    flags: 0,
    questions: [{ type: type as dnsPacket.RecordType, name: zone.replace(/\.$/, "") || ".", class: "IN" }],
    additionals: [{ type: "OPT", name: ".", udpPayloadSize: 4096, flags: dnssecOk ? dnsPacket.DNSSEC_OK : 0 } as dnsPacket.Answer],
  });
}

/** Sends `query` (whose id is `id`) over UDP and resolves with the reply; `what` names it in errors. */
export async function udpQuery(target: DnsTarget, id: number, query: Buffer, what: string): Promise<Buffer> {
  const socket = dgram.createSocket(target.address.includes(":") ? "udp6" : "udp4");
  try {
    return await new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => reject(new PrimaryStateError(`${what}: no answer in ${target.timeoutMs} ms`)), target.timeoutMs);
      socket.on("error", (err) => {
        clearTimeout(timer);
        reject(new PrimaryStateError(`${what}: ${err.message}`, { cause: err }));
      });
      socket.on("message", (msg) => {
        if (msg.length >= 2 && msg.readUInt16BE(0) === id) {
          clearTimeout(timer);
          resolve(msg);
        }
      });
      socket.send(query, target.port, target.address);
    });
  } finally {
    socket.close();
  }
}

/** The apex RDATA of one type as PowerDNS serves it now (hex, sorted); throws on an error RCODE or truncation. */
async function apexRdata(target: DnsTarget, zone: string, type: number, name: "DNSKEY" | "NSEC3PARAM"): Promise<string[]> {
  const id = randomInt(0, 65536);
  const what = `DNS ${name} query for ${zone}`;
  const reply = await udpQuery(target, id, apexQuery(id, zone, name, false), what);
  if (reply.length >= 3 && ((reply[2] ?? 0) & 0x02) !== 0) throw new PrimaryStateError(`${what}: truncated answer`);
  const msg = readMessageAnswers(reply);
  if (msg.rcode !== 0) throw new PrimaryStateError(`${what}: RCODE ${msg.rcode}`);
  return msg.answers.filter((r) => r.type === type).map((r) => r.rdata.toString("hex")).sort();
}

/**
 * Fingerprint of a zone's DNSSEC state as PowerDNS serves it: hex sha256 over its apex DNSKEY and NSEC3PARAM
 * RDATA (sorted). It changes with `pdnsutil secure-zone`, `disable-dnssec`, `set-nsec3` / `unset-nsec3` and every
 * key added, removed or (un)published, none of which changes the SOA serial. Asked without the DO bit: PowerDNS
 * signs nothing for it.
 */
export async function queryDnssecFingerprint(target: DnsTarget, zone: string): Promise<string> {
  const [keys, params] = await Promise.all([
    apexRdata(target, zone, TYPE_DNSKEY, "DNSKEY"),
    apexRdata(target, zone, TYPE_NSEC3PARAM, "NSEC3PARAM"),
  ]);
  const hash = createHash("sha256");
  for (const k of keys) hash.update(`DNSKEY ${k}\n`);
  for (const p of params) hash.update(`NSEC3PARAM ${p}\n`);
  return hash.digest("hex");
}

/**
 * Whether PowerDNS answers for `zone` over DNS (its SOA, authoritatively). A zone made with pdnsutil is in the
 * API's list at once, but pdns_server answers for it (and transfers it) only once its zone cache has it
 * (`zone-cache-refresh-interval`, 300 s by default).
 */
export async function queryServesZone(target: DnsTarget, zone: string): Promise<boolean> {
  const id = randomInt(0, 65536);
  const reply = await udpQuery(target, id, apexQuery(id, zone, "SOA", false), `DNS SOA query for ${zone}`);
  const msg = readMessageAnswers(reply);
  return msg.rcode === 0 && msg.answers.some((r) => r.type === TYPE_SOA);
}
