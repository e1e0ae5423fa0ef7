// The primary's state straight from PowerDNS: zones and serials over its HTTP API, RRSIG validity and DNSSEC state over DNS.
import dnsPacket from "dns-packet";
import { pdnsZoneId } from "@pdns-distribute/core";
import { normalizeName } from "@pdns-distribute/dns";
import { z } from "zod";
import { queryApex, queryDnssecFingerprint, queryServesZone } from "./dns-query";
import { PrimaryStateError } from "./errors";
import type { SignatureWindow } from "./dnssec-schedule";

/** Where PowerDNS is. */
export interface PowerDnsTarget {
  apiUrl: string;
  apiKey: string;
  serverId: string;
  timeoutMs: number;
  dnsAddress: string;
  dnsPort: number;
}

/** The primary's zones: name (lower-case, absolute) → served serial, and which are DNSSEC-signed. */
export interface PrimaryState {
  serials: Map<string, number>;
  signed: Set<string>;
}

const zoneListSchema = z.array(
  z.object({ name: z.string(), serial: z.number(), edited_serial: z.number().optional(), dnssec: z.boolean().optional() }),
);
const zoneSchema = z.object({
  name: z.string(),
  serial: z.number(),
  edited_serial: z.number().optional(),
  dnssec: z.boolean().optional(),
  nsec3param: z.string().optional(),
});

/** One zone as the API shows it. */
export type PrimaryZone = z.infer<typeof zoneSchema>;

/** PowerDNS client of the health-checker. */
export interface PowerDnsClient {
  /** Every zone and its serial (`edited_serial`: the serial served after SOA-EDIT, as AXFR gives it). */
  state(): Promise<PrimaryState>;
  /** One zone, or undefined when PowerDNS does not have it. */
  zone(zone: string): Promise<PrimaryZone | undefined>;
  /** Sets NSEC3PARAM (switches the zone to NSEC3) and rectifies it. */
  setNsec3(zone: string, nsec3param: string): Promise<void>;
  /** Validity of the zone's SOA RRSIG as PowerDNS serves it now; undefined when unsigned. */
  soaSignature(zone: string): Promise<SignatureWindow | undefined>;
  /** Fingerprint of the zone's DNSSEC state as PowerDNS serves it now (dns-query.ts). */
  dnssecFingerprint(zone: string): Promise<string>;
  /** Whether PowerDNS answers for the zone over DNS yet (dns-query.ts). */
  servesZone(zone: string): Promise<boolean>;
}

/** Serial as served (SOA-EDIT applied) when PowerDNS reports it. */
function servedSerial(z: { serial: number; edited_serial?: number }): number {
  return z.edited_serial !== undefined && z.edited_serial > 0 ? z.edited_serial : z.serial;
}

/** Creates a PowerDNS client. */
export function powerDnsClient(t: PowerDnsTarget): PowerDnsClient {
  const base = `${t.apiUrl.replace(/\/+$/, "")}/api/v1/servers/${encodeURIComponent(t.serverId)}`;
  const call = async (method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> => {
    let res: Response;
    try {
      res = await fetch(base + path, {
        method,
        headers: { "X-API-Key": t.apiKey, Accept: "application/json", ...(body === undefined ? {} : { "Content-Type": "application/json" }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(t.timeoutMs),
      });
    } catch (err) {
      throw new PrimaryStateError(`PowerDNS API ${method} ${path}: ${(err as Error).message}`, { cause: err });
    }
    const text = await res.text();
    if (res.status === 404) return { status: 404, json: undefined };
    if (!res.ok) throw new PrimaryStateError(`PowerDNS API ${method} ${path}: HTTP ${res.status} ${text.slice(0, 200)}`);
    try {
      return { status: res.status, json: text ? (JSON.parse(text) as unknown) : undefined };
    } catch (err) {
      throw new PrimaryStateError(`PowerDNS API ${method} ${path}: not JSON`, { cause: err });
    }
  };
  const parse = <S extends z.ZodType>(schema: S, json: unknown, what: string): z.infer<S> => {
    const r = schema.safeParse(json);
    if (!r.success) throw new PrimaryStateError(`PowerDNS API ${what}: unexpected answer: ${r.error.issues[0]?.message ?? ""}`);
    return r.data;
  };
  return {
    async state() {
      const list = parse(zoneListSchema, (await call("GET", "/zones")).json, "zone list");
      const state: PrimaryState = { serials: new Map(), signed: new Set() };
      for (const z of list) {
        const name = normalizeName(z.name);
        state.serials.set(name, servedSerial(z));
        if (z.dnssec) state.signed.add(name);
      }
      return state;
    },
    async zone(zone) {
      const r = await call("GET", `/zones/${pdnsZoneId(zone)}?rrsets=false`);
      if (r.status === 404) return undefined;
      const z = parse(zoneSchema, r.json, `zone ${zone}`);
      return { ...z, serial: servedSerial(z) };
    },
    async setNsec3(zone, nsec3param) {
      const put = await call("PUT", `/zones/${pdnsZoneId(zone)}`, { nsec3param });
      if (put.status === 404) throw new PrimaryStateError(`zone ${zone} not found`);
      await call("PUT", `/zones/${pdnsZoneId(zone)}/rectify`);
    },
    soaSignature: (zone) => querySoaSignature(t.dnsAddress, t.dnsPort, zone, t.timeoutMs),
    dnssecFingerprint: (zone) => queryDnssecFingerprint({ address: t.dnsAddress, port: t.dnsPort, timeoutMs: t.timeoutMs }, zone),
    servesZone: (zone) => queryServesZone({ address: t.dnsAddress, port: t.dnsPort, timeoutMs: t.timeoutMs }, zone),
  };
}

/** Asks PowerDNS over UDP (EDNS, DO bit) for the zone's SOA and returns its RRSIG's validity window. */
export async function querySoaSignature(address: string, port: number, zone: string, timeoutMs: number): Promise<SignatureWindow | undefined> {
  const reply = await queryApex({ address, port, timeoutMs }, zone, "SOA", true);
  const packet = dnsPacket.decode(reply);
  for (const a of packet.answers ?? []) {
    if (a.type === "RRSIG" && a.data.typeCovered === "SOA") {
      return { zone, inception: a.data.inception, expiration: a.data.expiration };
    }
  }
  return undefined;
}
