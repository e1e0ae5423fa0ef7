// The serial PowerDNS serves for a changed zone: over DNS when configured (dns-serial.ts), else (or when that
// fails) from the API's zone endpoint with the client's own credentials.
import { pdnsZoneId, serialOfZoneJson } from "@pdns-distribute/core";
import type { Logger } from "@pdns-distribute/core";
import type { SoaSerialReader } from "./dns-serial";
import type { RequestHead } from "./forward";

/** Reads zone serials from PowerDNS. */
export interface ZoneSerialReader {
  /** The serial PowerDNS serves for `zone` now (edited_serial: after SOA-EDIT, as AXFR gives it); null when unknown. */
  read(zone: string, head: RequestHead): Promise<number | null>;
  close(): void;
}

/** Options of {@link createZoneSerialReader}. */
export interface ZoneSerialReaderOptions {
  /** Base URL of the PowerDNS API. */
  upstreamUrl: string;
  upstreamTimeoutMs: number;
  /** Asked first; the API only when it fails. */
  dnsSerial?: SoaSerialReader;
  logger: Logger;
}

const SERVER_PATH = /^\/api\/v1\/servers\/([^/?]+)\//;


/** Creates the reader. */
export function createZoneSerialReader(opts: ZoneSerialReaderOptions): ZoneSerialReader {
  const upstream = opts.upstreamUrl.replace(/\/$/, "");
  const fromApi = async (zone: string, head: RequestHead): Promise<number | null> => {
    const server = SERVER_PATH.exec(head.url ?? "")?.[1] ?? "localhost";
    const headers: Record<string, string> = { accept: "application/json" };
    for (const h of ["x-api-key", "authorization"]) {
      const v = head.headers[h];
      if (typeof v === "string") headers[h] = v;
    }
    const r = await fetch(`${upstream}/api/v1/servers/${server}/zones/${pdnsZoneId(zone)}?rrsets=false`, { headers, signal: AbortSignal.timeout(opts.upstreamTimeoutMs) });
    if (!r.ok) throw new Error(`HTTP ${r.status}`);
    return serialOfZoneJson((await r.json()) as { serial?: unknown; edited_serial?: unknown });
  };
  return {
    async read(zone, head) {
      if (opts.dnsSerial) {
        try {
          return await opts.dnsSerial.read(zone);
        } catch (err) {
          opts.logger.debug({ zone, err: (err as Error).message }, "serial not read over DNS; asking the API");
        }
      }
      try {
        return await fromApi(zone, head);
      } catch (err) {
        opts.logger.warn({ zone, err: (err as Error).message }, "serial of the changed zone unknown; any later applied serial will count");
        return null;
      }
    },
    close: () => opts.dnsSerial?.close(),
  };
}
