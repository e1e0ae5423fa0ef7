// Event announcing: which zone event PowerDNS' answer to a forwarded request produces, and handing it to the outbox.
import { ZONE_EVENT_MAX_RRSETS, newZoneEvent } from "@pdns-distribute/core";
import type { Logger, ZoneEvent } from "@pdns-distribute/core";
import { redactUrl } from "./api-paths";
import { classifyRequest, zoneNameFromCreateResponse } from "./classify";
import { UpstreamTimeoutError } from "./forward";
import type { Forwarder, RequestHead, UpstreamAnswer } from "./forward";
import { touchedRRsets } from "./patch-batch";
import type { TouchedRRset } from "./patch-batch";
import type { WriteGateError } from "./write-gate";

/** Publishes a zone event; resolves once the broker acknowledged it. */
export interface EventPublisher {
  publish(event: ZoneEvent): Promise<void>;
}

/**
 * Takes a zone event for delivery (the durable outbox): resolves true once the broker acknowledged it,
 * false when it is kept and published later. Rejects only when the event could not be written to disk (the
 * write, or its fsync, failed): the proxy then logs it and still relays PowerDNS' answer.
 */
export interface EventSink {
  submit(event: ZoneEvent): Promise<boolean>;
}

/** What change tracking needs to see of each event before it is submitted (changes.ts). */
export interface EventPreparer {
  /** May set `event.serial`; records the change. Must not reject. */
  prepare(event: ZoneEvent, head: RequestHead): Promise<void>;
  /** The serial PowerDNS serves for `zone` now (null: unknown). Must not reject. */
  serialNow?(zone: string, head: RequestHead): Promise<number | null>;
}

/** What the proxy knew of a PATCH right before forwarding it: the RRsets it names and the zone's serial then. */
export interface ChangeContext {
  rrsets: TouchedRRset[];
  prevSerial: number | null;
}

/** Log message of an event JetStream acknowledged before the answer. */
export const ZONE_EVENT_PUBLISHED = "zone event published";
/** Log message of an event answered once stored in the outbox (published from there later). */
export const ZONE_EVENT_STORED = "zone event stored in the outbox, published from there";

/** What a forwarded request comes to, for the client. */
export type Outcome =
  | { kind: "answer"; answer: UpstreamAnswer; changeId?: string }
  | { kind: "refused"; err: WriteGateError }
  | { kind: "unreachable"; err: Error; uncertain: boolean };

/** A zone change the proxy announces: event type and zone. */
export interface AnnouncedChange {
  type: ZoneEvent["type"];
  zone: string;
}

/**
 * The change a request PowerDNS answered with `answer` made: null for a read, a failure or a non-zone request;
 * `zone` undefined when a create's answer does not name the zone.
 */
export function answeredChange(head: RequestHead, answer: UpstreamAnswer): { type: ZoneEvent["type"]; zone: string | undefined } | null {
  if (answer.status < 200 || answer.status >= 300) return null;
  const change = classifyRequest(head.method ?? "GET", head.url ?? "/");
  if (!change) return null;
  return { type: change.type, zone: change.zone ?? zoneNameFromCreateResponse(answer.body) };
}

/**
 * The zone event to publish for a zone-changing request whose outcome is unknown (PowerDNS timed out): a
 * change or create → zone.modified / zone.add (harmless if nothing changed). Not for deletes: removing a zone
 * the primary may still have is left to the health-checker, which asks PowerDNS first.
 */
export function uncertainChange(head: RequestHead, body: Buffer): AnnouncedChange | undefined {
  const change = classifyRequest(head.method ?? "GET", head.url ?? "/");
  if (!change || change.type === "zone.delete") return undefined;
  const zone = change.zone ?? zoneNameFromCreateResponse(body); // a create names the zone in its request body too
  return zone === undefined ? undefined : { type: change.type, zone };
}

/** Announces zone changes. */
export interface Announcer {
  /** After PowerDNS' answer: submits the zone event of a successful change (made of `requests` requests); its id. */
  answered(head: RequestHead, answer: UpstreamAnswer, requests?: number, context?: ChangeContext): Promise<string | undefined>;
  /**
   * Inside the write gate, right before forwarding `body`: for a PATCH of a zone, the RRsets it names and the
   * serial PowerDNS serves before it (for the event's `rrsets` and `prevSerial`); undefined for anything else.
   */
  before(head: RequestHead, body: Buffer): Promise<ChangeContext | undefined>;
  /** PowerDNS could not be reached or did not answer: logged, and an event submitted when the change may be applied. */
  failed(head: RequestHead, body: Buffer, err: Error): Promise<Outcome>;
}

/** Options of {@link createAnnouncer}. */
export interface AnnouncerOptions {
  events: EventSink;
  changes?: EventPreparer;
  logger: Logger;
}

/** Creates the announcer; an event that cannot be stored is logged, never thrown (PowerDNS' answer is relayed anyway). */
export function createAnnouncer(opts: AnnouncerOptions): Announcer {
  const { events, logger } = opts;
  const submit = async (event: ZoneEvent, head: RequestHead, requests: number): Promise<string | undefined> => {
    try {
      await opts.changes?.prepare(event, head);
      const published = await events.submit(event);
      const fields = requests > 1 ? { event: event.type, zone: event.zone, id: event.id, requests } : { event: event.type, zone: event.zone, id: event.id };
      // Not acknowledged within OUTBOX_STORE_AFTER_MS (NATS slow, down or dropping): answered once stored instead.
      logger.info(fields, published ? ZONE_EVENT_PUBLISHED : ZONE_EVENT_STORED);
      return event.id;
    } catch (err) {
      // The outbox itself failed (disk full, …): the change is done on PowerDNS but no event exists.
      logger.error({ err: (err as Error).message, event }, "zone event could not be stored or published");
      return undefined;
    }
  };
  return {
    async answered(head, answer, requests = 1, context) {
      const change = answeredChange(head, answer);
      if (!change) return undefined;
      if (change.zone === undefined) {
        logger.error({ url: redactUrl(head.url) }, "zone created but its name is not in PowerDNS' answer; no event published");
        return undefined;
      }
      const event = newZoneEvent(change.type, change.zone, "api-proxy");
      if (context && change.type === "zone.modified") {
        event.rrsets = context.rrsets;
        if (context.prevSerial !== null) event.prevSerial = context.prevSerial;
      }
      return submit(event, head, requests);
    },
    async before(head, body) {
      const rrsets = touchedRRsets(head.method, head.url, body, ZONE_EVENT_MAX_RRSETS);
      const zone = rrsets && classifyRequest(head.method ?? "GET", head.url ?? "/")?.zone;
      if (!rrsets || zone === undefined) return undefined;
      return { rrsets, prevSerial: (await opts.changes?.serialNow?.(zone.toLowerCase(), head)) ?? null };
    },
    async failed(head, body, err) {
      logger.error({ err: err.message, method: head.method, url: redactUrl(head.url) }, "PowerDNS API unreachable");
      // A change PowerDNS took but did not answer in time (e.g. a PATCH of a huge zone) may well be applied:
      // announce the zone so the secondaries look (they fetch what PowerDNS has; nothing changes if it is not).
      const uncertain = err instanceof UpstreamTimeoutError ? uncertainChange(head, body) : undefined;
      if (uncertain) {
        const event = newZoneEvent(uncertain.type, uncertain.zone, "api-proxy");
        try {
          await events.submit(event);
          logger.warn({ event: event.type, zone: uncertain.zone, id: event.id }, "PowerDNS did not answer a zone change in time; zone event published in case it was applied");
        } catch (e) {
          logger.error({ err: (e as Error).message, event }, "zone event could not be stored or published");
        }
      }
      return { kind: "unreachable", err, uncertain: uncertain !== undefined };
    },
  };
}

/** Forwards `head` (`release` called once PowerDNS answered or failed, e.g. the write gate's) and announces the change. */
export async function exchange(forwarder: Forwarder, announcer: Announcer, head: RequestHead, body: Buffer, release?: () => void): Promise<Outcome> {
  let answer: UpstreamAnswer;
  let context: ChangeContext | undefined;
  try {
    context = await announcer.before(head, body);
    answer = await forwarder.forward(head, body).finally(() => release?.());
  } catch (err) {
    return announcer.failed(head, body, err as Error);
  }
  return { kind: "answer", answer, changeId: await announcer.answered(head, answer, 1, context) };
}
