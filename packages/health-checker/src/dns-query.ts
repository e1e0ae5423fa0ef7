// Questions to PowerDNS' DNS port over UDP (through @pdns-distribute/dns), and the zone's DNSSEC fingerprint (DNSKEY + NSEC3PARAM) read that way.
import { createHash, randomInt } from "node:crypto";
import { RRType, encodeQuestion, readMessageAnswers, udpExchange } from "@pdns-distribute/dns";
import type { UdpQueryTarget } from "@pdns-distribute/dns";
import { PrimaryStateError } from "./errors";

/** Where to ask, and for how long. */
export type DnsTarget = UdpQueryTarget;

/**
 * Asks `target` over UDP for the apex `zone`'s records of `type` (EDNS, 4096-octet buffer; `dnssecOk` sets the DO
 * bit) and resolves with the raw answer; rejects with a {@link PrimaryStateError} naming the query.
 */
export async function queryApex(target: DnsTarget, zone: string, type: "SOA" | "DNSKEY" | "NSEC3PARAM", dnssecOk: boolean): Promise<Buffer> {
  const what = `DNS ${type} query for ${zone}`;
  try {
    return await udpExchange(target, encodeQuestion(randomInt(0, 65536), zone, type, { ednsPayload: 4096, dnssecOk }));
  } catch (err) {
    throw new PrimaryStateError(`${what}: ${(err as Error).message}`, { cause: err });
  }
}

/** The apex RDATA of one type as PowerDNS serves it now (hex, sorted); throws on an error RCODE or truncation. */
async function apexRdata(target: DnsTarget, zone: string, name: "DNSKEY" | "NSEC3PARAM"): Promise<string[]> {
  const what = `DNS ${name} query for ${zone}`;
  const reply = await queryApex(target, zone, name, false);
  if (reply.length >= 3 && ((reply[2] ?? 0) & 0x02) !== 0) throw new PrimaryStateError(`${what}: truncated answer`);
  const msg = readMessageAnswers(reply);
  if (msg.rcode !== 0) throw new PrimaryStateError(`${what}: RCODE ${msg.rcode}`);
  return msg.answers.filter((r) => r.type === RRType[name]).map((r) => r.rdata.toString("hex")).sort();
}

/**
 * Fingerprint of a zone's DNSSEC state as PowerDNS serves it: hex sha256 over its apex DNSKEY and NSEC3PARAM
 * RDATA (sorted). It changes with `pdnsutil secure-zone`, `disable-dnssec`, `set-nsec3` / `unset-nsec3` and every
 * key added, removed or (un)published, none of which changes the SOA serial. Asked without the DO bit: PowerDNS
 * signs nothing for it.
 */
export async function queryDnssecFingerprint(target: DnsTarget, zone: string): Promise<string> {
  const [keys, params] = await Promise.all([
    apexRdata(target, zone, "DNSKEY"),
    apexRdata(target, zone, "NSEC3PARAM"),
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
  const reply = await queryApex(target, zone, "SOA", false);
  const msg = readMessageAnswers(reply);
  return msg.rcode === 0 && msg.answers.some((r) => r.type === RRType.SOA);
}
