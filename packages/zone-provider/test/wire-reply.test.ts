// Large zones by reference: when the zone-provider puts the zone text in the object store, and what it sends.
import { LtHash, decodeMessage, generateKeyPair, signZone, verifySignedZone, zoneDataWireSchema, zoneTextDigest } from "@pdns-distribute/core";
import type { ZoneTextRef } from "@pdns-distribute/core";
import { applyZoneTextDelta, diffZoneText } from "@pdns-distribute/dns";
import { encodeZoneDataReply, needsReference } from "@pdns-distribute/zone-provider";
import type { ZoneTextStore } from "@pdns-distribute/zone-provider";

const kp = generateKeyPair();
const text = (lines: number) =>
  Array.from({ length: lines }, (_, i) => `h${i}.example.org. 3600 IN A 192.0.2.${i % 250}`).join("\n");

/** A store keeping objects in memory. */
function memoryStore(): ZoneTextStore & { objects: Map<string, string> } {
  const objects = new Map<string, string>();
  return {
    objects,
    async put(zone, digest, zoneText): Promise<ZoneTextRef> {
      const name = `${zone}${digest}`;
      objects.set(name, zoneText);
      return { bucket: "PDNS_ZONE_TEXT", name, size: Buffer.byteLength(zoneText), sha256: digest };
    },
  };
}

describe("needsReference", () => {
  test.each([
    [100, 200, false],
    [2000, undefined, true], // over inline_max_bytes: no need to encode it
    [500, 1_100_000, true], // under the limit but the encoded reply would not fit
    [1000, 1000, false],
  ])("text %i bytes, encoded %s bytes → %s", (textBytes, encoded, expected) => {
    expect(needsReference(textBytes, encoded, 1000, 1024 * 1024)).toBe(expected);
  });
});

describe("encodeZoneDataReply", () => {
  test("a small zone stays inline, byte for byte the envelope", async () => {
    const store = memoryStore();
    const signed = signZone("example.org.", 1, text(3), kp.secretKey);
    const { data: out, transfer } = await encodeZoneDataReply(signed, zoneTextDigest(signed.zoneText), { inlineMaxBytes: 1000, maxPayload: 1 << 20, store });
    expect(transfer).toBe("inline");
    expect(JSON.parse(Buffer.from(out).toString())).toEqual(signed);
    expect(store.objects.size).toBe(0);
  });

  test("a large zone goes by reference; the reference carries the signed digest", async () => {
    const store = memoryStore();
    const binding = { nonce: "abcdefghijklmnopqrstuv", requester: "ns2" };
    const signed = signZone("example.org.", 7, text(5000), kp.secretKey, Date.now(), binding);
    const digest = zoneTextDigest(signed.zoneText);
    const { data: out, transfer } = await encodeZoneDataReply(signed, digest, { inlineMaxBytes: 1000, maxPayload: 1 << 20, store });
    expect(transfer).toBe("ref");
    const wire = decodeMessage(zoneDataWireSchema, out, "reply");
    expect(wire.zoneText).toBeUndefined();
    expect(wire.zoneTextRef).toEqual({ bucket: "PDNS_ZONE_TEXT", name: `example.org.${digest}`, size: signed.zoneText.length, sha256: digest });
    expect(wire.signature).toBe(signed.signature);
    expect(out.byteLength).toBeLessThan(1000);
    // Put back the text and the envelope verifies as if it had come inline.
    const { zoneTextRef: _r, ...rest } = wire;
    expect(verifySignedZone({ ...rest, zoneText: store.objects.get(wire.zoneTextRef!.name)! }, kp.publicKey)).toBe(0);
  });

  test("without a store every reply is inline", async () => {
    const signed = signZone("example.org.", 1, text(5000), kp.secretKey);
    const { data: out } = await encodeZoneDataReply(signed, zoneTextDigest(signed.zoneText), { inlineMaxBytes: 1000, maxPayload: 1 << 20 });
    expect(JSON.parse(Buffer.from(out).toString()).zoneText).toBe(signed.zoneText);
  });
});

describe("encodeZoneDataReply with a delta", () => {
  const binding = { nonce: "abcdefghijklmnopqrstuv", requester: "ns2" };
  const held = text(5000) + "\n";
  const next = held + "zzz.example.org. 300 IN A 192.0.2.200\n";
  const signed = signZone("example.org.", 8, next, kp.secretKey, Date.now(), binding);
  const delta = { fromSha256: zoneTextDigest(held), fromSerial: 7, ...diffZoneText(held, next) };

  test("the delta replaces the text; applied to the held text it verifies with the same signature", async () => {
    const store = memoryStore();
    const { data, transfer } = await encodeZoneDataReply(signed, zoneTextDigest(next), { inlineMaxBytes: 1000, maxPayload: 1 << 20, store }, delta);
    expect(transfer).toBe("delta");
    expect(data.byteLength).toBeLessThan(1000);
    expect(store.objects.size).toBe(0);
    const wire = decodeMessage(zoneDataWireSchema, data, "reply");
    expect(wire.zoneText).toBeUndefined();
    expect(wire.zoneTextDelta).toEqual(delta);
    const { zoneTextDelta: _d, ...rest } = wire;
    expect(verifySignedZone({ ...rest, zoneText: applyZoneTextDelta(held, wire.zoneTextDelta!) }, kp.publicKey)).toBe(0);
  });

  test("a delta that would not fit in one message falls back to the full zone", async () => {
    const store = memoryStore();
    const { transfer } = await encodeZoneDataReply(signed, zoneTextDigest(next), { inlineMaxBytes: 1000, maxPayload: 4096 + 100, store }, delta);
    expect(transfer).toBe("ref");
  });

  test("version 3: a delta from the requester's own state leaves the state out; other replies carry it", async () => {
    const base = LtHash.ofZoneText(held);
    const state = LtHash.ofZoneText(next);
    const fromBase = signZone("example.org.", 8, next, kp.secretKey, Date.now(), binding, undefined, { state, base: base.digest() });
    const small = await encodeZoneDataReply(fromBase, zoneTextDigest(next), { inlineMaxBytes: 1000, maxPayload: 1 << 20 }, delta);
    const wire = decodeMessage(zoneDataWireSchema, small.data, "reply");
    expect(small.data.byteLength).toBeLessThan(1000);
    expect(wire).toMatchObject({ version: 3, lthashBase: base.digest(), lthash: state.digest(), textSha256: zoneTextDigest(next) });
    expect(wire.lthashState).toBeUndefined();
    // Without a base (the requester holds no state) the delta carries the state; so does a full reply.
    const withState = signZone("example.org.", 8, next, kp.secretKey, Date.now(), binding, undefined, { state });
    const carried = decodeMessage(zoneDataWireSchema, (await encodeZoneDataReply(withState, zoneTextDigest(next), { inlineMaxBytes: 1 << 20, maxPayload: 1 << 20 }, delta)).data, "reply");
    expect(carried.zoneTextDelta).toBeDefined();
    expect(carried.lthashState).toBe(state.serialize().toString("base64"));
    const full = decodeMessage(zoneDataWireSchema, (await encodeZoneDataReply(fromBase, zoneTextDigest(next), { inlineMaxBytes: 1 << 20, maxPayload: 1 << 20 })).data, "reply");
    expect(full.zoneText).toBe(next);
    expect(full.lthashState).toBeDefined();
  });
});

describe("zoneDataWireSchema", () => {
  const base = { type: "zone.data", version: 1, zone: "example.org.", serial: 1, timestamp: 1, signature: "x" };
  const ref = { bucket: "B", name: "n", size: 1, sha256: "a".repeat(64) };
  test("exactly one of zoneText, zoneTextRef and zoneTextDelta", () => {
    expect(zoneDataWireSchema.safeParse({ ...base, zoneText: "t" }).success).toBe(true);
    expect(zoneDataWireSchema.safeParse({ ...base, zoneTextRef: ref }).success).toBe(true);
    expect(zoneDataWireSchema.safeParse({ ...base, zoneText: "t", zoneTextRef: ref }).success).toBe(false);
    expect(zoneDataWireSchema.safeParse(base).success).toBe(false);
    expect(zoneDataWireSchema.safeParse({ ...base, zoneTextRef: { ...ref, sha256: "xyz" } }).success).toBe(false);
    const delta = { fromSha256: "b".repeat(64), fromSerial: 1, removed: ["a. 1 IN A 192.0.2.1"], added: [[0, "a. 1 IN A 192.0.2.2"]] };
    expect(zoneDataWireSchema.safeParse({ ...base, zoneTextDelta: delta }).success).toBe(true);
    expect(zoneDataWireSchema.safeParse({ ...base, zoneText: "t", zoneTextDelta: delta }).success).toBe(false);
    expect(zoneDataWireSchema.safeParse({ ...base, zoneTextDelta: { ...delta, added: [[-1, "x"]] } }).success).toBe(false);
    expect(zoneDataWireSchema.safeParse({ ...base, zoneTextDelta: { ...delta, fromSha256: "nothex" } }).success).toBe(false);
  });
});
