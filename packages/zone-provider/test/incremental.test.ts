// Incremental transfer planning: which versions the zone-provider keeps and when it answers with a delta.
import { LtHash, zoneTextDigest } from "@pdns-distribute/core";
import { applyZoneTextDelta } from "@pdns-distribute/dns";
import { DeltaPlanner, ZoneVersionCache } from "@pdns-distribute/zone-provider";
import type { ZoneVersion } from "@pdns-distribute/zone-provider";

const Z = "example.org.";
const version = (serial: number, hosts = 20, extra = ""): ZoneVersion => {
  let text = `example.org. 3600 IN SOA ns1.example.org. h.example.org. ${serial} 10800 3600 604800 3600\n`;
  for (let i = 0; i < hosts; i++) text += `h${i}.example.org. 300 IN A 192.0.2.${i}\n`;
  text += extra;
  return { serial, sha256: zoneTextDigest(text), text };
};
const have = (v: ZoneVersion) => ({ serial: v.serial, sha256: v.sha256 });
const opts = { versionsPerZone: 3, maxBytes: 1 << 20, maxDeltaRatio: 0.5 };

describe("DeltaPlanner", () => {
  test("a requester holding a version served before gets the delta to the current one", () => {
    const planner = new DeltaPlanner(opts);
    const v1 = version(1);
    const v2 = version(2, 20, "zz.example.org. 300 IN A 198.51.100.1\n");
    expect(planner.plan(Z, v1)).toEqual({ reason: "no-base" });
    const plan = planner.plan(Z, v2, have(v1));
    expect(plan.delta).toBeDefined();
    expect(plan.delta).toMatchObject({ fromSha256: v1.sha256, fromSerial: 1 });
    expect(plan.delta!.removed).toHaveLength(1);
    expect(plan.delta!.added).toHaveLength(2);
    expect(applyZoneTextDelta(v1.text, plan.delta!)).toBe(v2.text);
    // Holding the current version already: an empty delta (a few hundred bytes instead of the zone).
    expect(planner.plan(Z, v2, have(v2)).delta).toMatchObject({ removed: [], added: [] });
  });

  test("an unknown base, another zone's base or a delta larger than the ratio gives the full zone", () => {
    const planner = new DeltaPlanner(opts);
    const v1 = version(1);
    expect(planner.plan(Z, version(2), have(version(9))).reason).toBe("unknown-base");
    planner.plan(Z, v1);
    expect(planner.plan("other.org.", version(3), have(v1)).reason).toBe("unknown-base");
    const rewritten: ZoneVersion = (() => {
      const text = v1.text.replaceAll("192.0.2.", "203.0.113.");
      return { serial: 5, sha256: zoneTextDigest(text), text };
    })();
    expect(planner.plan(Z, rewritten, have(v1)).reason).toBe("too-large");
  });

  test("only the newest versions per zone are kept", () => {
    const planner = new DeltaPlanner(opts);
    const vs = [1, 2, 3, 4, 5].map((s) => version(s, 20, `s${s}.example.org. 300 IN A 198.51.100.${s}\n`));
    for (const v of vs) planner.plan(Z, v);
    expect(planner.cache.stats()).toMatchObject({ zones: 1, versions: 3 });
    expect(planner.plan(Z, vs[4]!, have(vs[0]!)).reason).toBe("unknown-base");
    expect(planner.plan(Z, vs[4]!, have(vs[2]!)).delta).toBeDefined();
  });
});

describe("DeltaPlanner LtHash16 states", () => {
  const haveState = (v: ZoneVersion, lthash?: string) => ({ ...have(v), lthash });

  test("unknown at first; computed in the background once a requester offers what it holds; then derived from deltas", async () => {
    const planner = new DeltaPlanner(opts);
    const v1 = version(1, 300);
    // A fresh secondary (no `have`): nothing is computed for it.
    expect(planner.lthashFor(Z, v1, planner.plan(Z, v1))).toBeUndefined();
    await planner.lthashStates.idle();
    expect(planner.cache.find(Z, v1.sha256)?.lthash).toBeUndefined();
    // A requester holding an unknown version: the full zone, no state yet, computed meanwhile.
    expect(planner.lthashFor(Z, v1, planner.plan(Z, v1, have(version(0))), have(version(0)))).toBeUndefined();
    await planner.lthashStates.idle();
    expect(planner.cache.find(Z, v1.sha256)?.lthash?.equals(LtHash.ofZoneText(v1.text))).toBe(true);
    // The next version's state comes from v1's and the delta's lines; the requester holds no state: no base.
    const v2 = version(2, 300, "zz.example.org. 300 IN A 198.51.100.1\n");
    const p2 = planner.plan(Z, v2, have(v1));
    const l2 = planner.lthashFor(Z, v2, p2, have(v1));
    expect(l2?.state.equals(LtHash.ofZoneText(v2.text))).toBe(true);
    expect(l2?.base).toBeUndefined();
    // A requester holding v2's very state gets the base digest (the reply may leave the state out).
    const v3 = version(3, 300, "zz.example.org. 300 IN A 198.51.100.3\n");
    const d2 = LtHash.ofZoneText(v2.text).digest();
    const l3 = planner.lthashFor(Z, v3, planner.plan(Z, v3, have(v2)), haveState(v2, d2));
    expect(l3?.base).toBe(d2);
    expect(l3?.state.digest()).toBe(LtHash.ofZoneText(v3.text).digest());
    // A requester claiming another state for that text gets no base.
    const v4 = version(4, 300);
    expect(planner.lthashFor(Z, v4, planner.plan(Z, v4, have(v3)), haveState(v3, "e".repeat(64)))?.base).toBeUndefined();
  });

  test("a zone that moved on while its state was computed: the newest version's state follows from it by one diff", async () => {
    const planner = new DeltaPlanner(opts);
    const v1 = version(1, 2000);
    planner.lthashFor(Z, v1, planner.plan(Z, v1, have(version(0))), have(version(0)));
    const v2 = version(2, 2000, "zz.example.org. 300 IN A 198.51.100.2\n");
    planner.plan(Z, v2); // served meanwhile (to a fresh secondary: nothing scheduled for it)
    await planner.lthashStates.idle();
    expect(planner.cache.find(Z, v1.sha256)?.lthash?.equals(LtHash.ofZoneText(v1.text))).toBe(true);
    expect(planner.cache.find(Z, v2.sha256)?.lthash?.equals(LtHash.ofZoneText(v2.text))).toBe(true);
  });

  test("a version evicted while its state is computed is dropped", async () => {
    const planner = new DeltaPlanner({ ...opts, versionsPerZone: 1 });
    const v1 = version(1, 2000);
    planner.lthashFor(Z, v1, planner.plan(Z, v1, have(version(0))), have(version(0)));
    planner.plan(Z, version(2, 10)); // evicts v1 (one version per zone)
    await planner.lthashStates.idle();
    expect(v1.lthash).toBeUndefined();
  });
});

describe("ZoneVersionCache", () => {
  test("the byte budget evicts the least recently served zones first, never the newest of the zone just served", () => {
    const one = version(1, 100);
    const budget = one.text.length * 2 * 3; // room for three texts of this size
    const cache = new ZoneVersionCache({ versionsPerZone: 10, maxBytes: budget });
    cache.remember("a.", version(1, 100));
    cache.remember("b.", version(2, 100));
    cache.remember("c.", version(3, 100));
    expect(cache.stats().versions).toBe(3);
    cache.remember("a.", version(4, 100)); // a. becomes the most recently used; b. is now the oldest
    expect(cache.stats().bytes).toBeLessThanOrEqual(budget);
    expect(cache.find("b.", version(2, 100).sha256)).toBeUndefined();
    expect(cache.find("a.", version(4, 100).sha256)).toBeDefined();
    expect(cache.find("c.", version(3, 100).sha256)).toBeDefined();
  });

  test("a version larger than the whole budget is not kept", () => {
    const cache = new ZoneVersionCache({ versionsPerZone: 10, maxBytes: 100 });
    cache.remember("a.", version(1, 100));
    expect(cache.stats()).toEqual({ zones: 0, versions: 0, bytes: 0 });
  });

  test("remembering a version again does not duplicate it", () => {
    const cache = new ZoneVersionCache({ versionsPerZone: 10, maxBytes: 1 << 20 });
    const v = version(1);
    cache.remember(Z, v);
    cache.remember(Z, version(2));
    cache.remember(Z, v);
    expect(cache.stats().versions).toBe(2);
  });
});
