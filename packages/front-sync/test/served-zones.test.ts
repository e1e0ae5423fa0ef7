// ServedZones: the routed set is the union of what the watched secondaries serve; listings and applied messages combine.
import { ServedZones } from "../src/served-zones";

describe("ServedZones", () => {
  test("a zone is routed while at least one watched secondary serves it", () => {
    const s = new ServedZones(["ns2", "ns3"]);
    expect(s.applied("ns2", "a.example.", 1)).toBe(true);
    expect(s.applied("ns3", "a.example.", 1)).toBe(false); // already routed
    expect(s.routed()).toEqual(["a.example."]);
    expect(s.applied("ns2", "a.example.", null)).toBe(false); // ns3 still serves it
    expect(s.applied("ns3", "a.example.", null)).toBe(true);
    expect(s.routed()).toEqual([]);
  });

  test("secondaries that are not watched are ignored", () => {
    const s = new ServedZones(["ns2"]);
    expect(s.applied("other", "a.example.", 1)).toBe(false);
    expect(s.routed()).toEqual([]);
    expect(s.watches("other")).toBe(false);
  });

  test("a listing replaces what we held; messages received during it are replayed on top", () => {
    const s = new ServedZones(["ns2"]);
    s.applied("ns2", "stale.example.", 1);
    s.listingStarted("ns2");
    s.applied("ns2", "new.example.", 5); // applied after the listing's snapshot
    s.applied("ns2", "gone.example.", null);
    expect(s.replace("ns2", new Map([["gone.example.", 1], ["kept.example.", 2]]))).toBe(true);
    expect(s.routed()).toEqual(["kept.example.", "new.example."]);
  });

  test("an unchanged listing reports no change; the digest matches the secondaries' zoneSetDigest", () => {
    const s = new ServedZones(["ns2"]);
    s.applied("ns2", "a.example.", 7);
    s.listingStarted("ns2");
    expect(s.replace("ns2", new Map([["a.example.", 7]]))).toBe(false);
    const other = new ServedZones(["ns2"]);
    other.applied("ns2", "a.example.", 8);
    expect(s.digestOf("ns2")).not.toBe(other.digestOf("ns2"));
    expect(s.digestOf("ns2")).toMatch(/^[0-9a-f]{64}$/);
  });
});
