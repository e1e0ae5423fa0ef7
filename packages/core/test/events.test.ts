import {
  MessageDecodeError,
  PROTOCOL_ERROR_CODES,
  errorReply,
  decodeMessage,
  encodeMessage,
  newZoneEvent,
  subjectForZoneEvent,
  ZONE_DATA_REQUEST_MAX_EVENTS,
  zoneDataReplySchema,
  zoneDataRequestSchema,
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

describe("zone-data request events", () => {
  const base = { type: "zone.data.request", version: 1, zone: "example.org." };
  const ids = (n: number) => Array.from({ length: n }, (_, i) => `e${i}`);
  test("up to ZONE_DATA_REQUEST_MAX_EVENTS event ids; more, or empty ones, are refused", () => {
    expect(zoneDataRequestSchema.parse({ ...base, events: ids(ZONE_DATA_REQUEST_MAX_EVENTS) }).events).toHaveLength(64);
    expect(zoneDataRequestSchema.safeParse({ ...base, events: ids(ZONE_DATA_REQUEST_MAX_EVENTS + 1) }).success).toBe(false);
    expect(zoneDataRequestSchema.safeParse({ ...base, events: [""] }).success).toBe(false);
    expect(zoneDataRequestSchema.parse(base).events).toBeUndefined();
  });
});

describe("PROTOCOL_ERROR_CODES", () => {
  test("are the stable PDNSD_ codes the daemons exchange in error replies", () => {
    expect(PROTOCOL_ERROR_CODES).toEqual({
      zoneNotFound: "PDNSD_ZONE_NOT_FOUND",
      zoneDataFailed: "PDNSD_ZONE_DATA_FAILED",
      messageInvalid: "PDNSD_MESSAGE_INVALID",
      zoneStateFailed: "PDNSD_ZONE_STATE_FAILED",
    });
    expect(new MessageDecodeError("x").code).toBe(PROTOCOL_ERROR_CODES.messageInvalid);
    expect(errorReply(PROTOCOL_ERROR_CODES.zoneNotFound, "m")).toEqual({ type: "error", version: 1, code: "PDNSD_ZONE_NOT_FOUND", message: "m" });
  });
});
