// Zone-state of a secondary: the (zone, serial) digest for heartbeats, one zone's held content, the responder on pdns.secondary.<id>.state.
import {
  MessageDecodeError,
  decodeMessage,
  encodeMessage,
  errorReply,
  secondaryStateSubject,
  zoneSetDigest,
  zoneStateRequestSchema,
  zoneTextDigest,
} from "@pdns-distribute/core";
import type { Logger, NatsConnection, ZoneState, ZoneStateRequest } from "@pdns-distribute/core";
import { normalizeName } from "@pdns-distribute/dns";
import type { CompiledZone, ZoneSet } from "@pdns-distribute/answer";
import type { HeldDigest } from "./apply";
import type { ZoneStore } from "./store";

/** Largest reply we build, bytes: well under NATS' default 1 MiB max_payload. */
export const ZONE_STATE_PAGE_BYTES = 900 * 1024;
/** Zones per page when the request gives no limit. */
export const ZONE_STATE_DEFAULT_LIMIT = 10_000;

/** A sorted snapshot of what is served. */
export interface ZoneStateSnapshot {
  /** [zone, serial], sorted by zone (JS string order, as zoneSetDigest). */
  entries: Array<[string, number]>;
  digest: string;
}

/** Keeps the sorted (zone, serial) list and its digest, recomputed only when the served set changed. */
export interface ZoneStateTracker {
  snapshot(): ZoneStateSnapshot;
  digest(): string;
}

/**
 * Tracks `zoneSet`. Zones are replaced by swapping objects, so comparing the served zone objects by
 * identity (O(n) pointer compares) tells whether anything changed since the last snapshot.
 */
export function createZoneStateTracker(zoneSet: ZoneSet): ZoneStateTracker {
  let lastZones: CompiledZone[] = [];
  let last: ZoneStateSnapshot = { entries: [], digest: zoneSetDigest([]) };
  const snapshot = (): ZoneStateSnapshot => {
    const zones = zoneSet.list();
    if (zones.length === lastZones.length && zones.every((z, i) => z === lastZones[i])) return last;
    const entries = zones.map((z): [string, number] => [z.origin.keys[0], z.serial]);
    entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    lastZones = zones;
    last = { entries, digest: zoneSetDigest(entries) };
    return last;
  };
  return { snapshot, digest: () => snapshot().digest };
}

/** First index in sorted `entries` whose zone is > `after` (binary search). */
function indexAfter(entries: ReadonlyArray<[string, number]>, after: string): number {
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (entries[mid][0] <= after) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** What a secondary holds of one zone for the content audit (the zone-state reply's `content`; null: nothing stored). */
export type HeldContent = (zone: string) => ZoneState["content"];

/**
 * The version of a zone the store holds: its serial, the SHA-256 of its stored text read and hashed now (so a text
 * altered at rest shows), and the digest the served version was applied with (`heldDigests`, when remembered).
 * Null when nothing usable is stored (no row, or a change log that no longer applies to its base).
 */
export function heldContentOf(store: Pick<ZoneStore, "get">, heldDigests: ReadonlyMap<string, HeldDigest>): HeldContent {
  return (zone) => {
    let held;
    try {
      held = store.get(zone);
    } catch {
      return null;
    }
    if (!held) return null;
    const content: NonNullable<ZoneState["content"]> = { serial: held.serial, sha256: zoneTextDigest(held.zoneText) };
    const served = heldDigests.get(zone);
    if (served) content.served = served.sha256;
    return content;
  };
}

/**
 * Builds the reply to a zone-state request from a snapshot (pure but for `contentOf`; pages by count and by bytes).
 * `isPending` tells, for a single-zone request, whether events for the zone wait to be applied; `contentOf` what
 * is held of it (asked only by requests with `content`).
 */
export function buildZoneState(
  id: string,
  snap: ZoneStateSnapshot,
  req: ZoneStateRequest,
  isPending?: (zone: string) => boolean,
  contentOf?: HeldContent,
): ZoneState {
  const base: ZoneState = { type: "zone.state", version: 1, id, digest: snap.digest, count: snap.entries.length, zones: [] };
  if (req.digestOnly) return base;
  if (req.zone !== undefined) {
    const zone = normalizeName(req.zone);
    const i = indexAfter(snap.entries, zone) - 1;
    const hit = i >= 0 ? snap.entries[i] : undefined;
    if (hit && hit[0] === zone) base.zones.push([hit[0], hit[1]]);
    if (isPending?.(zone)) base.pending = true;
    if (req.content && contentOf) base.content = contentOf(zone);
    return base;
  }
  const limit = req.limit ?? ZONE_STATE_DEFAULT_LIMIT;
  let i = req.after === undefined ? 0 : indexAfter(snap.entries, req.after);
  let bytes = 200 + id.length;
  while (i < snap.entries.length && base.zones.length < limit) {
    const e = snap.entries[i];
    bytes += e[0].length * 2 + 16; // JSON escapes at most double a name; serial ≤ 10 digits plus punctuation
    if (bytes > ZONE_STATE_PAGE_BYTES && base.zones.length > 0) break;
    base.zones.push([e[0], e[1]]);
    i++;
  }
  if (i < snap.entries.length && base.zones.length > 0) base.next = base.zones[base.zones.length - 1][0];
  return base;
}

/** Answers zone-state requests for secondary `id` until the returned stop function is called. */
export function startZoneStateResponder(
  nc: NatsConnection,
  id: string,
  tracker: ZoneStateTracker,
  logger: Logger,
  isPending?: (zone: string) => boolean,
  contentOf?: HeldContent,
): () => void {
  const sub = nc.subscribe(secondaryStateSubject(id), {
    callback: (err, msg) => {
      if (err) return;
      try {
        const req = decodeMessage(zoneStateRequestSchema, msg.data, "zone-state request");
        msg.respond(encodeMessage(buildZoneState(id, tracker.snapshot(), req, isPending, contentOf)));
      } catch (e) {
        const code = e instanceof MessageDecodeError ? e.code : "PDNSD_ZONE_STATE_FAILED";
        logger.warn({ err: (e as Error).message, code }, "zone-state request failed");
        msg.respond(encodeMessage(errorReply(code, (e as Error).message)));
      }
    },
  });
  return () => sub.unsubscribe();
}
