// A secondary's heartbeat for the health-checker's unit tests.
import type { Heartbeat } from "@pdns-distribute/core";

/** A heartbeat from secondary `id` (one zone, sent now), with `extra` fields over it. */
export function testHeartbeat(id: string, extra: Partial<Heartbeat> = {}): Heartbeat {
  return {
    type: "secondary.heartbeat",
    version: 1,
    id,
    name: id,
    dnsAddress: "127.0.0.2:53",
    softwareVersion: "test",
    zoneCount: 1,
    time: new Date().toISOString(),
    ...extra,
  };
}
