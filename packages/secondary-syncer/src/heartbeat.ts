// Publishes this secondary's heartbeat (id, name, DNS address, zone count, zone-set digest, interval) on core NATS every few seconds.
import { SUBJECTS, encodeMessage } from "@pdns-distribute/core";
import type { Heartbeat, NatsConnection } from "@pdns-distribute/core";

/** What the heartbeat reports. */
export interface HeartbeatSource {
  id: string;
  name: string;
  dnsAddress: string;
  softwareVersion: string;
  zoneCount(): number;
  /** zoneSetDigest of the served (zone, serial) set (see zone-state.ts); omitted when absent. */
  digest?(): string;
}

/** Builds one heartbeat message; `intervalMs` (when given) tells receivers how often the next ones come. */
export function buildHeartbeat(src: HeartbeatSource, now = new Date(), intervalMs?: number): Heartbeat {
  const hb: Heartbeat = {
    type: "secondary.heartbeat",
    version: 1,
    id: src.id,
    name: src.name,
    dnsAddress: src.dnsAddress,
    softwareVersion: src.softwareVersion,
    zoneCount: src.zoneCount(),
    time: now.toISOString(),
  };
  if (src.digest) hb.digest = src.digest();
  if (intervalMs !== undefined) hb.intervalMs = intervalMs;
  return hb;
}

/** Publishes a heartbeat now and every `intervalMs`; returns a stop function. */
export function startHeartbeat(nc: NatsConnection, src: HeartbeatSource, intervalMs: number): () => void {
  const beat = () => {
    try {
      nc.publish(SUBJECTS.secondaryHeartbeat, encodeMessage(buildHeartbeat(src, new Date(), intervalMs)));
    } catch {
      /* connection closed or reconnecting: the next beat tries again */
    }
  };
  beat();
  const timer = setInterval(beat, intervalMs);
  return () => clearInterval(timer);
}
