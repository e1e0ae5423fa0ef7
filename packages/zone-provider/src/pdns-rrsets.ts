// Reads single RRsets of a zone from the PowerDNS HTTP API (`GET …/zones/{id}?rrset_name=N&rrset_type=T`), with
// the zone's serial and DNSSEC state from the same answer. The conversion of an answer is pure (rrsetFromZoneJson).
import { pdnsZoneId, serialOfZoneJson } from "@pdns-distribute/core";
import type { RRsetReplacement, ZoneRecord } from "@pdns-distribute/dns";

/** One RRset as read, with what the same answer said about the zone. */
export interface RRsetRead {
  replacement: RRsetReplacement;
  /** The zone's serial in that answer (edited_serial: after SOA-EDIT, as AXFR serves it); null when absent. */
  serial: number | null;
  /** The zone is DNSSEC-signed or presigned: its AXFR has records the API does not show. */
  signed: boolean;
}

/** Reads one RRset of a zone. */
export type RRsetReader = (zone: string, name: string, type: string) => Promise<RRsetRead>;

/** The zone JSON fields used here (PowerDNS 4.7 `GET /zones/{id}`). */
interface ZoneJson {
  serial?: unknown;
  edited_serial?: unknown;
  dnssec?: unknown;
  presigned?: unknown;
  rrsets?: unknown;
}

interface RRsetJson {
  name?: unknown;
  type?: unknown;
  ttl?: unknown;
  records?: unknown;
}

/**
 * The RRset `name`/`type` (name lower-case absolute, type a mnemonic) in PowerDNS' zone JSON: its enabled records
 * (disabled ones are not served, as AXFR leaves them out); none when the answer has no such RRset. Throws on an
 * answer of unexpected shape.
 */
export function rrsetFromZoneJson(json: unknown, name: string, type: string): RRsetRead {
  const z = json as ZoneJson;
  if (typeof z !== "object" || z === null || !Array.isArray(z.rrsets)) throw new Error("zone JSON without rrsets");
  if (z.dnssec !== true && z.dnssec !== false) throw new Error("zone JSON without dnssec");
  const records: ZoneRecord[] = [];
  for (const r of z.rrsets as RRsetJson[]) {
    if (typeof r.name !== "string" || typeof r.type !== "string" || !Array.isArray(r.records)) throw new Error("RRset JSON of unexpected shape");
    if (r.name.toLowerCase() !== name || r.type.toUpperCase() !== type) continue;
    if (typeof r.ttl !== "number") throw new Error(`RRset ${r.name} ${r.type} without a TTL`);
    for (const rec of r.records as Array<{ content?: unknown; disabled?: unknown }>) {
      if (typeof rec.content !== "string") throw new Error(`record of ${r.name} ${r.type} without content`);
      if (rec.disabled !== true) records.push({ name, type, ttl: r.ttl, rdata: rec.content });
    }
  }
  return { replacement: { name, type, records }, serial: serialOfZoneJson(z), signed: z.dnssec === true || z.presigned === true };
}

/** Where the PowerDNS API is. */
export interface PdnsApiOptions {
  apiUrl: string;
  apiKey: string;
  timeoutMs: number;
}

/** An RRsetReader over PowerDNS' HTTP API (server `localhost`). */
export function pdnsRRsetReader(opts: PdnsApiOptions): RRsetReader {
  const base = `${opts.apiUrl.replace(/\/$/, "")}/api/v1/servers/localhost/zones/`;
  return async (zone, name, type) => {
    const url = `${base}${pdnsZoneId(zone)}?rrset_name=${encodeURIComponent(name)}&rrset_type=${encodeURIComponent(type)}`;
    const r = await fetch(url, { headers: { "x-api-key": opts.apiKey, accept: "application/json" }, signal: AbortSignal.timeout(opts.timeoutMs) });
    if (!r.ok) throw new Error(`PowerDNS API answered ${r.status} for ${name} ${type}`);
    return rrsetFromZoneJson(await r.json(), name, type);
  };
}
