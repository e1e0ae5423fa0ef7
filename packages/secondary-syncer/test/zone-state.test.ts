import { generateKeyPair, signZone, zoneSetDigest, zoneTextDigest } from "@pdns-distribute/core";
import { compileZone, createZoneSet } from "@pdns-distribute/answer";
import { buildZoneState, createZoneStateTracker, heldContentOf, openZoneStore } from "@pdns-distribute/secondary-syncer";
import type { HeldDigest } from "@pdns-distribute/secondary-syncer";
import { parseZoneText } from "@pdns-distribute/dns";

const zone = (name: string, serial: number) =>
  compileZone(name, parseZoneText(`${name} 3600 IN SOA ns1.${name} h.${name} ${serial} 1 1 1 1\n${name} 3600 IN NS ns1.${name}\n`));

describe("zone state of a secondary", () => {
  test("digest equals zoneSetDigest of the sorted (zone, serial) pairs, and follows changes", () => {
    const set = createZoneSet([zone("b.example.", 2), zone("a.example.", 1)]);
    const tracker = createZoneStateTracker(set);
    expect(tracker.digest()).toBe(zoneSetDigest([["a.example.", 1], ["b.example.", 2]]));
    const first = tracker.snapshot();
    expect(tracker.snapshot()).toBe(first); // unchanged set: cached
    set.put(zone("a.example.", 3));
    expect(tracker.digest()).toBe(zoneSetDigest([["b.example.", 2], ["a.example.", 3]]));
    set.remove("b.example.");
    expect(tracker.snapshot().entries).toEqual([["a.example.", 3]]);
  });

  test("pages follow `next` and cover every zone once; one zone; digest only", () => {
    const set = createZoneSet(Array.from({ length: 25 }, (_, i) => zone(`z${String(i).padStart(2, "0")}.example.`, i)));
    const snap = createZoneStateTracker(set).snapshot();
    const seen: string[] = [];
    let after: string | undefined;
    for (let guard = 0; guard < 10; guard++) {
      const page = buildZoneState("s1", snap, { type: "zone.state.request", version: 1, limit: 10, ...(after ? { after } : {}) });
      expect(page.count).toBe(25);
      seen.push(...page.zones.map(([z]) => z));
      if (!page.next) break;
      after = page.next;
    }
    expect(seen).toEqual(snap.entries.map(([z]) => z));
    expect(buildZoneState("s1", snap, { type: "zone.state.request", version: 1, zone: "Z07.Example." }).zones).toEqual([["z07.example.", 7]]);
    expect(buildZoneState("s1", snap, { type: "zone.state.request", version: 1, zone: "nope.example." }).zones).toEqual([]);
    expect(buildZoneState("s1", snap, { type: "zone.state.request", version: 1, digestOnly: true })).toMatchObject({ zones: [], digest: snap.digest });
  });

  test("a page stays under NATS' max_payload whatever the limit", () => {
    const entries = Array.from({ length: 20_000 }, (_, i): [string, number] => [`${"x".repeat(60)}-${String(i).padStart(6, "0")}.example.`, 4_000_000_000]);
    const page = buildZoneState("s1", { entries, digest: "d" }, { type: "zone.state.request", version: 1, limit: 100_000 });
    expect(Buffer.byteLength(JSON.stringify(page))).toBeLessThan(1024 * 1024);
    expect(page.next).toBeDefined();
  });
});

describe("zone-state: pending events", () => {
  test("a single-zone reply says whether events for the zone wait to be applied", () => {
    const tracker = createZoneStateTracker(createZoneSet());
    const req = { type: "zone.state.request" as const, version: 1 as const, zone: "Busy.Example." };
    expect(buildZoneState("s1", tracker.snapshot(), req, (z) => z === "busy.example.").pending).toBe(true);
    expect(buildZoneState("s1", tracker.snapshot(), req, () => false).pending).toBeUndefined();
    expect(buildZoneState("s1", tracker.snapshot(), { type: "zone.state.request", version: 1 }, () => true).pending).toBeUndefined();
  });
});

describe("held content for the content audit", () => {
  const text = (name: string, serial: number, extra = "") => `${name} 3600 IN SOA ns1.${name} h.${name} ${serial} 1 1 1 1\n${name} 3600 IN NS ns1.${name}\n${extra}`;
  const key = generateKeyPair();

  test("asked with `content`: the stored text hashed now, and the digest the served version was applied with", () => {
    const store = openZoneStore(":memory:");
    const signed = signZone("a.example.", 1, text("a.example.", 1), key.secretKey, Date.now());
    store.put(signed);
    const digests = new Map<string, HeldDigest>([["a.example.", { serial: 1, signature: signed.signature, sha256: zoneTextDigest(signed.zoneText) }]]);
    const snap = createZoneStateTracker(createZoneSet([zone("a.example.", 1)])).snapshot();
    const contentOf = heldContentOf(store, digests);
    const ask = (extra: object) => buildZoneState("s1", snap, { type: "zone.state.request", version: 1, zone: "a.example.", ...extra }, undefined, contentOf);
    expect(ask({}).content).toBeUndefined(); // only when asked
    expect(ask({ content: true }).content).toEqual({ serial: 1, sha256: zoneTextDigest(signed.zoneText), served: zoneTextDigest(signed.zoneText) });
    // Altered at rest (same serial): the stored digest shows it, the served one stays what was applied.
    store.put({ ...signed, zoneText: text("a.example.", 1, "x.a.example. 60 IN A 192.0.2.9\n") });
    expect(ask({ content: true }).content).toEqual({
      serial: 1,
      sha256: zoneTextDigest(text("a.example.", 1, "x.a.example. 60 IN A 192.0.2.9\n")),
      served: zoneTextDigest(signed.zoneText),
    });
    // Nothing stored (served or not): null, so the audit can tell it from a secondary that does not report content.
    store.delete("a.example.");
    expect(ask({ content: true }).content).toBeNull();
    expect(buildZoneState("s1", snap, { type: "zone.state.request", version: 1, zone: "b.example.", content: true }, undefined, contentOf).content).toBeNull();
    store.close();
  });

  test("a stored zone that cannot be read (its change log no longer applies to its base) counts as nothing stored", () => {
    const unreadable = {
      get: () => {
        throw new Error("change 3 does not apply");
      },
    };
    expect(heldContentOf(unreadable, new Map())("a.example.")).toBeNull();
  });
});
