// Tests of name parsing, normalization and RFC 4034 §6.1 canonical ordering.

import { compareCanonical, isSubdomainOf, labelsOf, NameError, normalizeName, parentName } from "../src";

describe("normalizeName", () => {
  it.each([
    ["Example.ORG", "example.org."],
    ["example.org.", "example.org."],
    [".", "."],
    ["WWW.Example.Org.", "www.example.org."],
    ["a\\.b.example.", "a\\.b.example."],
    ["\\065bc.example.", "abc.example."],
    ["a\\ b.example.", "a\\032b.example."],
    ["\\200.example.", "\\200.example."],
    ["a\\\\.example.", "a\\\\.example."],
    ["_sip._udp.Example.", "_sip._udp.example."],
    ["*.example.", "*.example."],
  ])("%s → %s", (input, expected) => {
    expect(normalizeName(input)).toBe(expected);
  });

  it.each([
    ["", "empty"],
    ["a..b.", "empty label"],
    [".a.", "empty label"],
    ["a\\", "dangling"],
    ["a\\25.", "three decimal digits"],
    ["a\\256.", "out of range"],
    [`${"x".repeat(64)}.example.`, "63 octets"],
    [`${Array(50).fill("abcd").join(".")}.example.`, "255"],
  ])("rejects %j", (input, message) => {
    expect(() => normalizeName(input)).toThrow(NameError);
    expect(() => normalizeName(input)).toThrow(message);
    try {
      normalizeName(input);
    } catch (err) {
      expect((err as NameError).code).toBe("PDNSD_NAME_INVALID");
    }
  });
});

describe("labelsOf / parentName / isSubdomainOf", () => {
  it("splits labels, not on escaped dots", () => {
    expect(labelsOf("www.Example.org.")).toEqual(["www", "Example", "org"]);
    expect(labelsOf("a\\.b.example.")).toEqual(["a\\.b", "example"]);
    expect(labelsOf(".")).toEqual([]);
    expect(labelsOf("relative.name")).toEqual(["relative", "name"]);
  });

  it.each([
    ["www.example.org.", "example.org."],
    ["example.org.", "org."],
    ["org.", "."],
    ["a\\.b.example.", "example."],
    [".", null],
  ])("parentName(%s) = %s", (name, parent) => {
    expect(parentName(name)).toBe(parent);
  });

  it.each([
    ["www.example.org.", "example.org.", true],
    ["example.org.", "example.org.", true],
    ["WWW.EXAMPLE.ORG", "example.org.", true],
    ["a.b.c.example.org.", "Example.Org.", true],
    ["xexample.org.", "example.org.", false],
    ["example.org.", "www.example.org.", false],
    ["example.com.", "example.org.", false],
    ["anything.", ".", true],
    ["a\\.b.example.org.", "example.org.", true],
    ["a\\.b.example.org.", "b.example.org.", false], // "a.b" is one label
    ["a\\.example.org.", "example.org.", false], // labels "a.example" and "org"
  ])("isSubdomainOf(%s, %s) = %s", (name, zone, expected) => {
    expect(isSubdomainOf(name, zone)).toBe(expected);
  });
});

describe("compareCanonical", () => {
  // The example of RFC 4034 §6.1, in canonical order.
  const ordered = [
    "example.",
    "a.example.",
    "yljkjljk.a.example.",
    "Z.a.example.",
    "zABC.a.EXAMPLE.",
    "z.example.",
    "\\001.z.example.",
    "*.z.example.",
    "\\200.z.example.",
  ];

  it("sorts the RFC 4034 example into canonical order from any permutation", () => {
    for (let seed = 1; seed <= 20; seed++) {
      const shuffled = [...ordered].sort((a, b) => ((a.length * seed * 7919 + b.length) % 3) - 1);
      expect([...shuffled].sort(compareCanonical)).toEqual(ordered);
    }
    expect([...ordered].reverse().sort(compareCanonical)).toEqual(ordered);
  });

  it.each([
    ["example.", "example.", 0],
    ["EXAMPLE.", "example", 0],
    ["a.example.", "example.", 1],
    ["example.", "a.example.", -1],
    [".", "org.", -1],
    ["b.org.", "a.com.", 1],
    ["a.b.", "b.a.", 1],
    ["Z.example.", "[.example.", 1], // folded 'z' (0x7a) > '[' (0x5b), although 'Z' (0x5a) < '['
    ["a\\.example.", "a.example.", -1], // one label "a.example" vs "example": 'a' < 'e'
    ["a\\\\.example.", "a.example.", 1], // labels "a\\" and "example": longer label sorts after
  ])("compareCanonical(%s, %s) = %d", (a, b, expected) => {
    expect(compareCanonical(a, b)).toBe(expected);
    expect(compareCanonical(b, a)).toBe(expected === 0 ? 0 : -expected);
  });
});
