// A large zone's text read by reference: only once the envelope verifies against the referenced digest; size and digest checked.
import { generateKeyPair, signZone, verifySignedZone, verifySignedZoneDigest, zoneTextDigest } from "@pdns-distribute/core";
import type { ZoneDataWire, ZoneTextRef } from "@pdns-distribute/core";
import { UnverifiedReplyError, resolveZoneText } from "@pdns-distribute/secondary-syncer";

const kp = generateKeyPair();
const zoneText = "example.org. 3600 IN SOA ns1.example.org. h.example.org. 5 1 1 1 1\nexample.org. 3600 IN A 192.0.2.1";

/** The signed envelope sent by reference, and the object's bytes. */
function byReference(): { wire: ZoneDataWire; ref: ZoneTextRef; bytes: Uint8Array } {
  const signed = signZone("example.org.", 5, zoneText, kp.secretKey);
  const bytes = Buffer.from(zoneText, "utf8");
  const ref = { bucket: "PDNS_ZONE_TEXT", name: "example.org.x", size: bytes.length, sha256: zoneTextDigest(zoneText) };
  const { zoneText: _t, ...rest } = signed;
  return { wire: { ...rest, zoneTextRef: ref }, ref, bytes };
}

describe("resolveZoneText", () => {
  test("inline text is passed through", async () => {
    const signed = signZone("example.org.", 5, zoneText, kp.secretKey);
    const read = jest.fn();
    expect(await resolveZoneText(signed, read)).toEqual(signed);
    expect(read).not.toHaveBeenCalled();
  });

  test("a referenced text is read, checked and verifies", async () => {
    const { wire, ref, bytes } = byReference();
    const resolved = await resolveZoneText(wire, async (r) => (r.name === ref.name ? bytes : undefined));
    expect(resolved.zoneText).toBe(zoneText);
    expect("zoneTextRef" in resolved).toBe(false);
    expect(verifySignedZone(resolved, kp.publicKey)).toBe(0);
  });

  test("an object that does not match the digest or size is not what was signed: unverified", async () => {
    const { wire } = byReference();
    const forged = Buffer.from(zoneText.replace("192.0.2.1", "192.0.2.9"), "utf8");
    await expect(resolveZoneText(wire, async () => forged)).rejects.toThrow(UnverifiedReplyError);
    await expect(resolveZoneText(wire, async () => forged)).rejects.toThrow(/sha256/);
    await expect(resolveZoneText(wire, async () => Buffer.from("short"))).rejects.toThrow(/bytes/);
  });

  test("a missing object is a transient failure (not a rejection)", async () => {
    const { wire } = byReference();
    const err = await resolveZoneText(wire, async () => undefined).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(UnverifiedReplyError);
  });

  test("the envelope is verified against the referenced digest before anything is read; a forgery is never read", async () => {
    const { wire, ref, bytes } = byReference();
    const read = jest.fn(async () => bytes);
    const checked: string[] = [];
    const verify = (header: Parameters<typeof verifySignedZoneDigest>[0], sha256: string) => {
      checked.push(sha256);
      verifySignedZoneDigest(header, sha256, kp.publicKey);
    };
    await expect(resolveZoneText(wire, read, undefined, verify)).resolves.toMatchObject({ zoneText });
    expect(checked).toEqual([ref.sha256]);
    expect(read).toHaveBeenCalledTimes(1);
    const forged = { ...wire, signature: Buffer.alloc(64, 1).toString("base64"), zoneTextRef: { ...ref, size: 200 * 1024 * 1024 } };
    await expect(resolveZoneText(forged, read, undefined, verify)).rejects.toMatchObject({ code: "PDNSD_ZONE_SIGNATURE_INVALID" });
    expect(read).toHaveBeenCalledTimes(1);
  });
});
