import {
  MessageDecodeError,
  decodeMessage,
  encodeMessage,
  newZoneEvent,
  subjectForZoneEvent,
  zoneDataReplySchema,
  zoneEventSchema,
} from "@pdns-distribute/core";

describe("zone events", () => {
  test("round trip", () => {
    const ev = newZoneEvent("zone.add", "example.org.", "test");
    expect(decodeMessage(zoneEventSchema, encodeMessage(ev), "ev")).toEqual(ev);
    expect(subjectForZoneEvent("zone.add")).toBe("pdns.zone.events.add");
    expect(subjectForZoneEvent("zone.modified")).toBe("pdns.zone.events.modified");
    expect(subjectForZoneEvent("zone.delete")).toBe("pdns.zone.events.delete");
  });

  test.each([
    ["not json", "{"],
    ["unknown type", JSON.stringify({ type: "zone.explode", version: 1, id: "x", zone: "a.", time: "t" })],
    ["wrong version", JSON.stringify({ type: "zone.add", version: 2, id: "x", zone: "a.", time: "t" })],
    ["relative zone", JSON.stringify({ type: "zone.add", version: 1, id: "x", zone: "a", time: "t" })],
  ])("rejects %s", (_what, text) => {
    expect(() => decodeMessage(zoneEventSchema, Buffer.from(text), "ev")).toThrow(MessageDecodeError);
  });

  test("rejects oversized messages", () => {
    expect(() => decodeMessage(zoneEventSchema, Buffer.alloc(2 * 1024 * 1024), "ev")).toThrow(/exceeds/);
  });

  test("zone data reply is a discriminated union", () => {
    const err = decodeMessage(
      zoneDataReplySchema,
      encodeMessage({ type: "error", version: 1, code: "PDNSD_ZONE_NOT_FOUND", message: "no" }),
      "r",
    );
    expect(err.type).toBe("error");
  });
});
