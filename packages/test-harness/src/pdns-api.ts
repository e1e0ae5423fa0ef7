// pdnsApi: small typed helpers over the PowerDNS HTTP API (zones and rrsets) for tests.

import { PdnsApiError } from "./errors";

/** Where the API is: any `{apiUrl, apiKey}` (a {@link Pdns} or a proxy in front of it). */
export interface PdnsApiTarget {
  /** Base URL without `/api/v1`, e.g. `http://127.0.0.1:8081`. */
  apiUrl: string;
  /** Value of the `X-API-Key` header. */
  apiKey: string;
}

/** Options of {@link pdnsApi}. */
export interface PdnsApiOptions {
  /** Overrides the target's `apiUrl` (e.g. to send the same calls through a proxy). */
  baseUrl: string | undefined;
  /** PowerDNS server id in the URL path. */
  serverId: string;
  /** Extra headers sent with every request. */
  headers: Record<string, string>;
}

/** Default {@link PdnsApiOptions}. */
export function defaultPdnsApiOptions(): PdnsApiOptions {
  return { baseUrl: undefined, serverId: "localhost", headers: {} };
}

/** An RRset as the API returns it. */
export interface PdnsRRset {
  /** Owner name with trailing dot. */
  name: string;
  /** Record type mnemonic. */
  type: string;
  /** TTL in seconds. */
  ttl: number;
  /** Records of the set. */
  records: { content: string; disabled: boolean }[];
  /** Comments attached to the set. */
  comments?: unknown[];
}

/** A zone as `GET /zones/{id}` returns it (only fields tests commonly use are typed). */
export interface PdnsZone {
  /** Zone id (usually the name with trailing dot). */
  id: string;
  /** Zone name with trailing dot. */
  name: string;
  /** "Native", "Master" or "Slave". */
  kind: string;
  /** SOA serial. */
  serial: number;
  /** Whether the zone has DNSSEC keys. */
  dnssec: boolean;
  /** RRsets (only from `getZone`; never contains DNSSEC records). */
  rrsets: PdnsRRset[];
  /** Any other field of the API response. */
  [key: string]: unknown;
}

/** An RRset given to {@link PdnsApi.createZone}: records as plain content strings. */
export interface RRsetInput {
  /** Owner name (absolute; a missing trailing dot is added). */
  name: string;
  /** Record type mnemonic. */
  type: string;
  /** TTL in seconds. */
  ttl: number;
  /** Record contents in presentation format, e.g. `"192.0.2.1"`. */
  records: string[];
}

/** An RRset change given to {@link PdnsApi.patchRRset}. */
export interface RRsetChange extends RRsetInput {
  /** REPLACE the set (creating it) or DELETE it. */
  changetype: "REPLACE" | "DELETE";
}

/** Options of {@link PdnsApi.createZone}. */
export interface CreateZoneOptions {
  /** NS names for the apex (absolute). */
  nameservers: string[];
  /** Initial RRsets. */
  rrsets?: RRsetInput[];
  /** Zone kind; default "Native". */
  kind?: "Native" | "Master" | "Slave";
  /** Any further API fields (`soa_edit_api`, `masters`, `dnssec`, ...). */
  extra?: Record<string, unknown>;
}

/** Helpers returned by {@link pdnsApi}; every call throws a {@link PdnsApiError} on a non-2xx status. */
export interface PdnsApi {
  /** Base URL in use (`<apiUrl>/api/v1/servers/<serverId>`). */
  readonly serverUrl: string;
  /** Creates a zone and returns it. */
  createZone(name: string, opts: CreateZoneOptions): Promise<PdnsZone>;
  /** Applies one RRset change to a zone. */
  patchRRset(zone: string, change: RRsetChange): Promise<void>;
  /** Deletes a zone. */
  deleteZone(zone: string): Promise<void>;
  /** Gets a zone with its rrsets. */
  getZone(zone: string): Promise<PdnsZone>;
  /** Lists all zones (without rrsets). */
  listZones(): Promise<PdnsZone[]>;
  /** Raw request relative to `serverUrl` (e.g. `"PUT", "/zones/x./rectify"`); returns parsed JSON or undefined. */
  request(method: string, path: string, body?: unknown): Promise<unknown>;
}

/** Adds the trailing dot of an absolute name if missing. */
export function absoluteName(name: string): string {
  return name.endsWith(".") ? name : `${name}.`;
}

/**
 * The API's zone id for a zone name, for test requests: the absolute name with `/` escaped as `=2F` and the
 * root zone as `=2E`, as PowerDNS accepts them (the daemons use core's pdnsZoneId; tests stay independent of it).
 */
export function zoneId(name: string): string {
  const abs = absoluteName(name);
  return abs === "." ? "=2E" : encodeURIComponent(abs.replace(/\//g, "=2F"));
}

function toApiRRset(r: RRsetInput): PdnsRRset {
  return {
    name: absoluteName(r.name),
    type: r.type,
    ttl: r.ttl,
    records: r.records.map((content) => ({ content, disabled: false })),
  };
}

/** Builds API helpers for a PowerDNS (or a proxy in front of one). */
export function pdnsApi(target: PdnsApiTarget, opts: Partial<PdnsApiOptions> = {}): PdnsApi {
  const o: PdnsApiOptions = { ...defaultPdnsApiOptions(), ...opts };
  const base = (o.baseUrl ?? target.apiUrl).replace(/\/+$/, "");
  const serverUrl = `${base}/api/v1/servers/${encodeURIComponent(o.serverId)}`;

  const request = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const url = serverUrl + path;
    const headers: Record<string, string> = { "X-API-Key": target.apiKey, Accept: "application/json", ...o.headers };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const res = await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new PdnsApiError(method, url, res.status, text);
    if (!text) return undefined;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  };

  return {
    serverUrl,
    request,
    async createZone(name, z) {
      return (await request("POST", "/zones", {
        name: absoluteName(name),
        kind: z.kind ?? "Native",
        nameservers: z.nameservers.map(absoluteName),
        rrsets: (z.rrsets ?? []).map(toApiRRset),
        ...z.extra,
      })) as PdnsZone;
    },
    async patchRRset(zone, change) {
      const rrset = { ...toApiRRset(change), changetype: change.changetype };
      await request("PATCH", `/zones/${zoneId(zone)}`, { rrsets: [rrset] });
    },
    async deleteZone(zone) {
      await request("DELETE", `/zones/${zoneId(zone)}`);
    },
    async getZone(zone) {
      return (await request("GET", `/zones/${zoneId(zone)}`)) as PdnsZone;
    },
    async listZones() {
      return (await request("GET", "/zones")) as PdnsZone[];
    },
  };
}
