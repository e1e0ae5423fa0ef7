// Pure admission of one delivered zone-event message: decode and check it, say whether to apply, ack or term it.
import { MessageDecodeError, decodeMessage, zoneEventSchema } from "@pdns-distribute/core";
import { normalizeName } from "@pdns-distribute/dns";
import type { PendingZoneEvent } from "./decide";

/** Largest zone event accepted, bytes: real events are ~200 bytes, anything this big is garbage. */
export const MAX_EVENT_BYTES = 64 * 1024;

/** Where a message sits in the stream (for error texts and the pending event). */
export interface EventPosition {
  subject: string;
  seq: number;
}

/** What to do with one delivered message before any apply. */
export type Admission =
  | { action: "apply"; event: PendingZoneEvent }
  /** A targeted resync for another secondary: ack and ignore. */
  | { action: "ack" }
  /** Malformed, oversized or unknown: never applied, terminated so it never blocks the consumer. */
  | { action: "term"; error: string; code: string };

/** Decodes one message's payload and decides what to do with it; `secondaryId` is this secondary's id. */
export function admitEvent(data: Uint8Array, at: EventPosition, secondaryId: string): Admission {
  const where = `event ${at.subject}#${at.seq}`;
  try {
    if (data.byteLength > MAX_EVENT_BYTES) throw new MessageDecodeError(`${where}: ${data.byteLength} bytes exceeds ${MAX_EVENT_BYTES}`);
    const event = decodeMessage(zoneEventSchema, data, where);
    let zone: string;
    try {
      zone = normalizeName(event.zone);
    } catch (err) {
      throw new MessageDecodeError(`${where}: zone: ${(err as Error).message}`, { cause: err });
    }
    if (event.target !== undefined && event.target !== secondaryId) return { action: "ack" };
    const pending: PendingZoneEvent = { seq: at.seq, id: event.id, type: event.type, zone };
    if (event.full) pending.full = true;
    return { action: "apply", event: pending };
  } catch (err) {
    const e = err as Error & { code?: string };
    return { action: "term", error: e.message, code: e.code ?? "PDNSD_MESSAGE_INVALID" };
  }
}

/** The zone a payload names (normalized), or undefined when it does not decode; cheap, for queue bookkeeping only. */
export function zoneOfEventData(data: Uint8Array): string | undefined {
  try {
    const zone = (JSON.parse(Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString("utf8")) as { zone?: unknown }).zone;
    return typeof zone === "string" ? normalizeName(zone) : undefined;
  } catch {
    return undefined;
  }
}
