// "Zone not found" replies: signed and bound to the request when it carries a nonce, so secondaries can trust them.
import { generateKeyPair, newRequestBinding, verifyZoneAbsence } from "@pdns-distribute/core";
import { notFoundReply } from "@pdns-distribute/zone-provider";

describe("notFoundReply", () => {
  const kp = generateKeyPair();

  test("a bound request gets the signed absence of the zone it asked for", () => {
    const binding = newRequestBinding("ns2");
    const reply = notFoundReply("gone.test.", kp.secretKey, binding);
    expect(reply).toMatchObject({ type: "error", code: "PDNSD_ZONE_NOT_FOUND", absence: { zone: "gone.test.", nonce: binding.nonce, requester: "ns2" } });
    const { absence } = reply;
    if (!absence) throw new Error("no signed absence");
    expect(verifyZoneAbsence(absence, kp.publicKey, { binding, maxSkewMs: 1000 })).toBe(0);
  });

  test("an unbound (v1) request gets the plain error: there is nothing to bind it to", () => {
    expect(notFoundReply("gone.test.", kp.secretKey, undefined)).toEqual({ type: "error", version: 1, code: "PDNSD_ZONE_NOT_FOUND", message: "zone gone.test. not found on the primary" });
  });
});
