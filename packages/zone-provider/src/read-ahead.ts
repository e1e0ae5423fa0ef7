// Watches the zone events on the bus (a plain core subscription, like `nats sub 'pdns.zone.events.>'`) and
// tells ZoneReads about each one, so the changed zone is read from PowerDNS before the secondaries ask.
import { SUBJECTS, decodeMessage, zoneEventSchema } from "@pdns-distribute/core";
import type { Logger, NatsConnection } from "@pdns-distribute/core";
import type { ZoneReads } from "./zone-reads";

/** A running event watcher. */
export interface ZoneEventWatcher {
  stop(): void;
}

/**
 * Subscribes to `pdns.zone.events.>` and feeds every well-formed event to `reads.noteEvent`. Without permission
 * to subscribe (an older NATS authorization block) read-ahead is off, with one warning: requests still get fresh
 * reads, as before.
 */
export function watchZoneEvents(nc: NatsConnection, reads: Pick<ZoneReads<unknown>, "noteEvent">, logger: Logger): ZoneEventWatcher {
  const sub = nc.subscribe(SUBJECTS.zoneEventsWildcard, {
    callback: (err, msg) => {
      if (err) {
        logger.warn({ err: err.message, subject: SUBJECTS.zoneEventsWildcard }, "cannot watch zone events; read-ahead is off (zone-data requests still get fresh reads)");
        return;
      }
      try {
        const event = decodeMessage(zoneEventSchema, msg.data, "zone event");
        reads.noteEvent(event.id, event.zone, event.type);
      } catch {
        // Not ours to judge: the secondaries reject malformed events; a request naming it gets a fresh read.
      }
    },
  });
  return {
    stop() {
      sub.unsubscribe();
    },
  };
}
