// Asks one secondary for its zone state over NATS (pdns.secondary.<id>.state), following pages (health-checker, front-sync).
import { SecondaryStateError } from "./errors";
import { decodeMessage, encodeMessage, zoneStateReplySchema } from "./events";
import type { ZoneState, ZoneStateRequest } from "./events";
import type { NatsConnection } from "./nats";
import { secondaryStateSubject } from "./subjects";

/** Counts NATS payload bytes spent on zone-state requests and replies. */
export interface ByteCounter {
  sent: number;
  received: number;
}

/** Client for secondaries' zone-state responders. */
export interface SecondaryStateClient {
  /** The secondary's full (zone → serial) map, fetched page by page. */
  fullState(id: string): Promise<{ serials: Map<string, number>; digest: string; pages: number }>;
  /** The serial of one zone on the secondary (undefined: not served). */
  zoneSerial(id: string, zone: string): Promise<number | undefined>;
  /**
   * One zone's serial there (undefined: not served) and whether its events are still being applied; with `content`,
   * also what it holds of the zone (absent from secondaries that do not report it).
   */
  zoneStatus(id: string, zone: string, content?: boolean): Promise<{ serial: number | undefined; pending: boolean; content?: ZoneState["content"] }>;
  /** Just the digest and count. */
  digest(id: string): Promise<{ digest: string; count: number }>;
  readonly bytes: ByteCounter;
}

/** Creates the client; `maxPages` bounds one full fetch (a guard against a misbehaving responder). */
export function secondaryStateClient(nc: NatsConnection, timeoutMs: number, pageSize: number, maxPages = 100_000): SecondaryStateClient {
  const bytes: ByteCounter = { sent: 0, received: 0 };
  const ask = async (id: string, req: Omit<ZoneStateRequest, "type" | "version">): Promise<ZoneState> => {
    const data = encodeMessage({ type: "zone.state.request", version: 1, ...req });
    bytes.sent += data.byteLength;
    let reply;
    try {
      reply = await nc.request(secondaryStateSubject(id), data, { timeout: timeoutMs });
    } catch (err) {
      throw new SecondaryStateError(`secondary ${id}: zone-state request failed: ${(err as Error).message}`, { cause: err });
    }
    bytes.received += reply.data.byteLength;
    const msg = decodeMessage(zoneStateReplySchema, reply.data, `zone state of ${id}`);
    if (msg.type === "error") throw new SecondaryStateError(`secondary ${id}: ${msg.code}: ${msg.message}`);
    return msg;
  };
  return {
    bytes,
    async fullState(id) {
      const serials = new Map<string, number>();
      let after: string | undefined;
      let digest = "";
      for (let pages = 1; pages <= maxPages; pages++) {
        const page = await ask(id, after === undefined ? { limit: pageSize } : { limit: pageSize, after });
        if (pages === 1) digest = page.digest;
        for (const [zone, serial] of page.zones) serials.set(zone, serial);
        if (page.next === undefined) return { serials, digest, pages };
        after = page.next;
      }
      throw new SecondaryStateError(`secondary ${id}: more than ${maxPages} zone-state pages`);
    },
    async zoneSerial(id, zone) {
      const page = await ask(id, { zone });
      return page.zones[0]?.[1];
    },
    async zoneStatus(id, zone, content) {
      const page = await ask(id, content ? { zone, content: true } : { zone });
      const status = { serial: page.zones[0]?.[1], pending: page.pending === true };
      return page.content === undefined ? status : { ...status, content: page.content };
    },
    async digest(id) {
      const page = await ask(id, { digestOnly: true });
      return { digest: page.digest, count: page.count };
    },
  };
}
