// Watches the zone events on the bus (a plain core subscription, like `nats sub 'pdns.zone.events.>'`) and
// tells ZoneReads about each one, so the changed zone is read from PowerDNS before the secondaries ask.
import { SUBJECTS, subscribeZoneEvents } from "@pdns-distribute/core";
import type { Logger, NatsConnection } from "@pdns-distribute/core";
import type { ZoneReads } from "./zone-reads";

/** A running event watcher. */
export interface ZoneEventWatcher {
  stop(): void;
}

/**
 * Feeds every well-formed zone event to `reads.noteEvent`. Malformed ones are not ours to judge (the secondaries
 * reject them; a request naming one gets a fresh read). Without permission to subscribe (an older NATS
 * authorization block) read-ahead is off, with one warning: requests still get fresh reads, as before.
 */
export function watchZoneEvents(nc: NatsConnection, reads: Pick<ZoneReads<unknown>, "noteEvent">, logger: Logger): ZoneEventWatcher {
  const sub = subscribeZoneEvents(nc, {
    onEvent: (event) => reads.noteEvent(event.id, event.zone, event.type, event),
    onError: (err) =>
      logger.warn({ err: err.message, subject: SUBJECTS.zoneEventsWildcard }, "cannot watch zone events; read-ahead is off (zone-data requests still get fresh reads)"),
  });
  return {
    stop() {
      sub.unsubscribe();
    },
  };
}
