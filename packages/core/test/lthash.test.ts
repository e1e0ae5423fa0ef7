import { LTHASH_BYTES, LtHash, lthashAfterDelta, lthashElement } from "@pdns-distribute/core";

const SOA = "example.org. 3600 IN SOA ns1.example.org. hostmaster.example.org. 1 10800 3600 604800 3600";
const NS = "example.org. 3600 IN NS ns1.example.org.";
const WWW = "www.example.org. 300 IN A 192.0.2.1";

describe("LtHash16 multiset hash", () => {
  // Computed once (2026-12-07) with an independent script (SHAKE256 via createHash, readUInt16LE per lane) and pinned.
  test.each([
    ["the empty multiset", [], "e5a00aa9991ac8a5ee3109844d84a55583bd20572ad3ffcd42792f3c36b183ad"],
    ["{SOA}", [SOA], "fc98cfed3041e86e2b80355507688a85f774183f504e1183d5d540d59d723a90"],
    ["{SOA, NS, www A}", [SOA, NS, WWW], "a0b8a16c51a14603788a447dd90cbcd7ebb2fe2039a6b47545862c5f88e91f12"],
    ["{SOA, SOA, NS}", [SOA, SOA, NS], "fee41a326ff47f313f74728b2bba71b401fbfd71d610e4addb0a82a623b9a025"],
    ["{empty line}", [""], "be6457ed1504de1b85ca686f772c3cedcdef25420a10d56210f95eb186546c84"],
  ])("known answer: %s", (_what, lines, digest) => {
    expect(LtHash.ofLines(lines).digest()).toBe(digest);
  });

  test("known answer: the first lanes of an element hash", () => {
    const lanes = lthashElement(SOA);
    expect(Buffer.from(lanes.buffer, lanes.byteOffset, 8).toString("hex")).toBe("1669ccd14b92a226");
  });

  test("order does not matter", () => {
    const lines = Array.from({ length: 50 }, (_, i) => `h${i}.example.org. 300 IN A 192.0.2.${i}`);
    const shuffled = [...lines].sort(() => Math.random() - 0.5);
    expect(LtHash.ofLines(shuffled).equals(LtHash.ofLines(lines))).toBe(true);
    expect(LtHash.ofLines([...lines].reverse()).digest()).toBe(LtHash.ofLines(lines).digest());
  });

  test("remove undoes add, in any order", () => {
    const base = LtHash.ofLines([SOA, NS]);
    const h = base.clone().add(WWW).remove(NS).add(NS).remove(WWW);
    expect(h.equals(base)).toBe(true);
    expect(LtHash.empty().remove(WWW).add(WWW).equals(LtHash.empty())).toBe(true);
  });

  test("a multiset: duplicates count", () => {
    const once = LtHash.ofLines([SOA, NS]);
    const twice = LtHash.ofLines([SOA, NS, NS]);
    expect(twice.equals(once)).toBe(false);
    expect(twice.clone().remove(NS).equals(once)).toBe(true);
  });

  test("different sets differ; a changed line changes the digest", () => {
    expect(LtHash.ofLines([SOA, NS]).digest()).not.toBe(LtHash.ofLines([SOA, WWW]).digest());
    expect(LtHash.ofLines([WWW]).digest()).not.toBe(LtHash.ofLines([WWW.replace("300", "301")]).digest());
  });

  test("combine is the union, subtract the difference", () => {
    const a = LtHash.ofLines([SOA]);
    const b = LtHash.ofLines([NS, WWW]);
    expect(a.clone().combine(b).equals(LtHash.ofLines([WWW, SOA, NS]))).toBe(true);
    expect(LtHash.ofLines([SOA, NS, WWW]).subtract(b).equals(a)).toBe(true);
  });

  test("the zone text's lines are its elements (final newline optional)", () => {
    const expected = LtHash.ofLines([SOA, NS, WWW]);
    expect(LtHash.ofZoneText(`${SOA}\n${NS}\n${WWW}\n`).equals(expected)).toBe(true);
    expect(LtHash.ofZoneText(`${SOA}\n${NS}\n${WWW}`).equals(expected)).toBe(true);
    expect(LtHash.ofZoneText("").equals(LtHash.empty())).toBe(true);
  });

  test("serialize and deserialize round-trip (2048 bytes, lanes little-endian)", () => {
    const h = LtHash.ofLines([SOA, NS, WWW]);
    const bytes = h.serialize();
    expect(bytes.byteLength).toBe(LTHASH_BYTES);
    const back = LtHash.deserialize(bytes);
    expect(back.equals(h)).toBe(true);
    expect(back.digest()).toBe(h.digest());
    // An unaligned copy reads the same.
    const odd = Buffer.alloc(LTHASH_BYTES + 1);
    bytes.copy(odd, 1);
    expect(LtHash.deserialize(odd.subarray(1)).equals(h)).toBe(true);
    expect(() => LtHash.deserialize(bytes.subarray(1))).toThrow(RangeError);
  });

  test("the state is copied, not shared", () => {
    const h = LtHash.ofLines([SOA]);
    const copy = h.clone();
    h.add(NS);
    expect(copy.equals(LtHash.ofLines([SOA]))).toBe(true);
    const bytes = h.serialize();
    const back = LtHash.deserialize(bytes);
    bytes.fill(0);
    expect(back.equals(h)).toBe(true);
  });

  test("the state after a delta is the state of the new lines; the base is left as it was", () => {
    const base = LtHash.ofLines([SOA, NS]);
    const after = lthashAfterDelta(base, { removed: [NS], added: [[1, WWW]] });
    expect(after.equals(LtHash.ofLines([SOA, WWW]))).toBe(true);
    expect(base.equals(LtHash.ofLines([SOA, NS]))).toBe(true);
  });

  test("a line with a newline is no element", () => {
    expect(() => LtHash.empty().add(`${SOA}\n${NS}`)).toThrow(RangeError);
  });
});
