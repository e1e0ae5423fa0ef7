// Subscribes to secondaries' heartbeats, feeds the registry and logs activity changes.
import type { NatsConnection } from "@nats-io/nats-core";
import type { Logger } from "pino";
import { decodeMessage, heartbeatSchema } from "./events";
import { SUBJECTS } from "./subjects";
import { SecondaryRegistry } from "./secondary-registry";
import type { ActivityChange } from "./secondary-registry";

/** A running heartbeat monitor. */
export interface HeartbeatMonitor {
  registry: SecondaryRegistry;
  stop(): Promise<void>;
}

function logChange(logger: Logger, change: ActivityChange): void {
  const s = change.state;
  if (change.active) {
    logger.info({ secondary: s.id, name: s.name, dnsAddress: s.dnsAddress, zones: s.zoneCount, version: s.softwareVersion }, "secondary active");
  } else {
    logger.warn({ secondary: s.id, lastSeen: new Date(s.lastSeen).toISOString() }, "secondary inactive (missed heartbeats)");
  }
}

/** How often secondaries are checked for missed heartbeats, ms (their intervals are seconds). */
const EXPIRY_CHECK_MS = 1000;

/** Starts listening to heartbeats; a secondary missing 3 of its heartbeats becomes inactive (SecondaryRegistry). */
export function startHeartbeatMonitor(
  nc: NatsConnection,
  opts: {
    logger: Logger;
    /** Registry to feed (default: a new one). */
    registry?: SecondaryRegistry;
    /** Called after each activity change is logged. */
    onChange?: (change: ActivityChange) => void;
  },
): HeartbeatMonitor {
  const registry = opts.registry ?? new SecondaryRegistry();
  const report = (change: ActivityChange) => {
    logChange(opts.logger, change);
    opts.onChange?.(change);
  };
  const sub = nc.subscribe(SUBJECTS.secondaryHeartbeat);
  const loop = (async () => {
    for await (const msg of sub) {
      try {
        const hb = decodeMessage(heartbeatSchema, msg.data, "heartbeat");
        opts.logger.debug({ secondary: hb.id, zones: hb.zoneCount }, "heartbeat");
        const change = registry.heartbeat(hb, Date.now());
        if (change) report(change);
      } catch (err) {
        opts.logger.warn({ err: (err as Error).message }, "invalid heartbeat ignored");
      }
    }
  })();
  const timer = setInterval(() => {
    for (const change of registry.expire(Date.now())) report(change);
  }, EXPIRY_CHECK_MS);
  return {
    registry,
    async stop() {
      clearInterval(timer);
      await sub.drain();
      await loop;
    },
  };
}
