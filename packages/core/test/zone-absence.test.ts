// A signed "zone not found": only the trusted key, for this zone, bound to this request and recent enough verifies.
import {
  LogRateLimit,
  absenceSigningMessage,
  errorReplySchema,
  generateKeyPair,
  newRequestBinding,
  signZone,
  signZoneAbsence,
  verifySignedZoneDigest,
  verifyZoneAbsence,
  zoneTextDigest,
} from "@pdns-distribute/core";
import type { ZoneAbsence } from "@pdns-distribute/core";

describe("signed zone absence", () => {
  const kp = generateKeyPair();
  const binding = newRequestBinding("ns2");
  const expected = { binding, maxSkewMs: 300_000 };

  test("verifies for the request it answers and survives the error reply's schema", () => {
    const absence = signZoneAbsence("gone.test.", kp.secretKey, binding);
    expect(verifyZoneAbsence(absence, [generateKeyPair().publicKey, kp.publicKey], expected)).toBe(1);
    const reply = errorReplySchema.parse({ type: "error", version: 1, code: "PDNSD_ZONE_NOT_FOUND", message: "gone", absence });
    expect(reply.absence).toEqual(absence);
  });

  const cases: Array<[string, (a: ZoneAbsence) => ZoneAbsence, string]> = [
    ["another zone", (a) => ({ ...a, zone: "kept.test." }), "PDNSD_ZONE_SIGNATURE_INVALID"],
    ["another time", (a) => ({ ...a, timestamp: a.timestamp + 1 }), "PDNSD_ZONE_SIGNATURE_INVALID"],
    ["another signature", (a) => ({ ...a, signature: Buffer.alloc(64, 3).toString("base64") }), "PDNSD_ZONE_SIGNATURE_INVALID"],
    ["another request (replay)", () => signZoneAbsence("gone.test.", kp.secretKey, newRequestBinding("ns2")), "PDNSD_ZONE_REPLAYED"],
    ["another requester", () => signZoneAbsence("gone.test.", kp.secretKey, { ...binding, requester: "ns3" }), "PDNSD_ZONE_REPLAYED"],
    ["too old", () => signZoneAbsence("gone.test.", kp.secretKey, binding, Date.now() - 301_000), "PDNSD_ZONE_CLOCK_SKEW"],
    ["another key", () => signZoneAbsence("gone.test.", generateKeyPair().secretKey, binding), "PDNSD_ZONE_SIGNATURE_INVALID"],
  ];
  test.each(cases)("%s does not verify", (_what, change, code) => {
    expect(() => verifyZoneAbsence(change(signZoneAbsence("gone.test.", kp.secretKey, binding)), kp.publicKey, expected)).toThrow(expect.objectContaining({ code }));
  });

  test("an absence signature never passes for zone data, nor zone data's for an absence", () => {
    const absence = signZoneAbsence("gone.test.", kp.secretKey, binding, 1000);
    const header = { type: "zone.data" as const, version: 2 as const, zone: "gone.test.", serial: 0, timestamp: 1000, ...binding, signature: absence.signature };
    expect(() => verifySignedZoneDigest(header, zoneTextDigest(""), kp.publicKey)).toThrow(/does not verify/);
    const data = signZone("gone.test.", 0, "", kp.secretKey, 1000, binding);
    expect(() => verifyZoneAbsence({ ...absence, signature: data.signature }, kp.publicKey, { ...expected, now: 1000 })).toThrow(/does not verify/);
    expect(Buffer.from(absenceSigningMessage("gone.test.", 1000, binding)).toString()).toMatch(/^pdns-distribute zone-absent v1\n/);
  });
});

describe("LogRateLimit", () => {
  test("one line per key and interval; the lines held back are counted in the next", () => {
    let now = 0;
    const limit = new LogRateLimit(1000, () => now);
    expect(limit.take("A")).toBe(0);
    expect(limit.take("A")).toBeUndefined();
    expect(limit.take("B")).toBe(0);
    now = 999;
    expect(limit.take("A")).toBeUndefined();
    now = 1000;
    expect(limit.take("A")).toBe(2);
    expect(limit.take("A")).toBeUndefined();
  });
});
