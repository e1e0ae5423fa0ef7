// Admission of delivered zone-event messages: what is applied, acked for another secondary, or terminated.
import { MAX_EVENT_BYTES, admitEvent, zoneOfEventData } from "../src";
import type { Admission } from "../src";

const at = { subject: "pdns.zone.events.modified", seq: 7 };
const bytes = (v: unknown) => Buffer.from(typeof v === "string" ? v : JSON.stringify(v));
const event = (extra: Record<string, unknown> = {}) => ({ type: "zone.modified", version: 1, id: "e1", zone: "Example.TEST.", time: "2026-12-07T00:00:00Z", ...extra });

describe("admitEvent", () => {
  const cases: Array<{ name: string; data: Uint8Array; want: Admission | { action: "term"; code: string } }> = [
    { name: "a valid event is applied, zone normalized", data: bytes(event()), want: { action: "apply", event: { seq: 7, id: "e1", type: "zone.modified", zone: "example.test." } } },
    { name: "a resync for this secondary is applied", data: bytes(event({ target: "ns2" })), want: { action: "apply", event: { seq: 7, id: "e1", type: "zone.modified", zone: "example.test." } } },
    { name: "a resync for another secondary is acked", data: bytes(event({ target: "ns3" })), want: { action: "ack" } },
    {
      name: "a full resync (content audit) says so",
      data: bytes(event({ target: "ns2", full: true })),
      want: { action: "apply", event: { seq: 7, id: "e1", type: "zone.modified", zone: "example.test.", full: true } },
    },
    { name: "full other than true", data: bytes(event({ target: "ns2", full: false })), want: { action: "term", code: "PDNSD_MESSAGE_INVALID" } },
    { name: "not JSON", data: bytes("{nope"), want: { action: "term", code: "PDNSD_MESSAGE_INVALID" } },
    { name: "unknown type", data: bytes(event({ type: "zone.explode" })), want: { action: "term", code: "PDNSD_MESSAGE_INVALID" } },
    { name: "wrong version", data: bytes(event({ version: 2 })), want: { action: "term", code: "PDNSD_MESSAGE_INVALID" } },
    { name: "zone not a name", data: bytes(event({ zone: "a..b." })), want: { action: "term", code: "PDNSD_MESSAGE_INVALID" } },
    { name: "oversized", data: bytes({ ...event(), pad: "x".repeat(MAX_EVENT_BYTES) }), want: { action: "term", code: "PDNSD_MESSAGE_INVALID" } },
  ];
  test.each(cases)("$name", ({ data, want }) => {
    const got = admitEvent(data, at, "ns2");
    if (want.action === "term") {
      expect(got).toMatchObject(want);
      expect(got.action === "term" && got.error).toContain("pdns.zone.events.modified#7");
    } else {
      expect(got).toEqual(want);
    }
  });
});

describe("zoneOfEventData", () => {
  test("the normalized zone, or undefined when the payload has none", () => {
    expect(zoneOfEventData(bytes(event()))).toBe("example.test.");
    expect(zoneOfEventData(bytes("garbage"))).toBeUndefined();
    expect(zoneOfEventData(bytes({ zone: 5 }))).toBeUndefined();
  });
});
