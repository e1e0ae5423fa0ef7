// A compiled zone moved between threads as plain arrays (zone-parts.ts) answers exactly like the original.
import { parseZoneText, parseName } from "@pdns-distribute/dns";
import { compiledZoneFromParts, compiledZoneToParts, compileZone, lookup, lookupToText } from "../src";
import { nsec3Hash } from "../src/denial-nsec3";
import type { CompiledZone } from "../src";

const SIG = `20300101000000 20200101000000 4242 example. ${Buffer.alloc(64, 7).toString("base64")}`;
const PARAMS = { algorithm: 1, flags: 0, iterations: 1, salt: Buffer.from("abcd", "hex") };

/** Base32 with the extended hex alphabet, no padding (RFC 4648 §7), as NSEC3 owner labels are written. */
function base32Hex(octets: Uint8Array): string {
  const alphabet = "0123456789abcdefghijklmnopqrstuv";
  let bits = 0;
  let value = 0;
  let out = "";
  for (const o of octets) {
    value = (value << 8) | o;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return bits > 0 ? out + alphabet[(value << (5 - bits)) & 31] : out;
}

/** A zone with delegations, glue, a wildcard, CNAMEs, DNAME, many names and an NSEC3 chain (signatures fake). */
function zoneText(): string {
  const owners = ["example.", "www.example.", "mail.example.", "*.w.example.", "x.w.example.", "deep.a.b.c.example."];
  for (let i = 0; i < 300; i++) owners.push(`host-${i}.example.`);
  const lines = [
    "example. 3600 IN SOA ns1.example. hostmaster.example. 7 3600 300 3600000 300",
    `example. 3600 IN RRSIG SOA 13 1 3600 ${SIG}`,
    "example. 3600 IN NS ns1.example.",
    "example. 3600 IN NSEC3PARAM 1 0 1 abcd",
    "ns1.example. 3600 IN A 192.0.2.1",
    "www.example. 300 IN CNAME mail.example.",
    "mail.example. 300 IN A 192.0.2.25",
    "mail.example. 300 IN AAAA 2001:db8::25",
    "example. 300 IN MX 10 mail.example.",
    "*.w.example. 300 IN TXT \"wild card\"",
    "x.w.example. 300 IN A 192.0.2.9",
    "sub.example. 3600 IN NS ns.sub.example.",
    "ns.sub.example. 3600 IN A 192.0.2.53",
    "sub.example. 3600 IN DS 1 13 2 " + "ab".repeat(32),
    "old.example. 300 IN DNAME new.example.",
    "deep.a.b.c.example. 60 IN TXT deep",
  ];
  for (let i = 0; i < 300; i++) lines.push(`host-${i}.example. 60 IN A 10.0.${i >> 8}.${i & 255}`);
  const hashes = owners.map((o) => base32Hex(nsec3Hash(parseName(o), PARAMS))).sort();
  hashes.forEach((h, i) => {
    lines.push(`${h}.example. 300 IN NSEC3 1 0 1 abcd ${hashes[(i + 1) % hashes.length]} A RRSIG`);
    lines.push(`${h}.example. 300 IN RRSIG NSEC3 13 2 300 ${SIG}`);
  });
  return lines.join("\n") + "\n";
}

/** What the zone answers for a spread of names and types, with and without DNSSEC records. */
function answers(zone: CompiledZone): string[] {
  const names = ["example.", "www.example.", "mail.example.", "foo.w.example.", "x.w.example.", "a.sub.example.", "sub.example.", "q.old.example.", "b.c.example.", "nope.example.", "host-17.example.", "host-299.example."];
  const out: string[] = [];
  for (const n of names) {
    for (const t of ["A", "AAAA", "MX", "TXT", "NS", "DS", "SOA", "CNAME"]) {
      for (const dnssecOk of [false, true]) out.push(`${n} ${t} ${dnssecOk}: ${JSON.stringify(lookupToText(lookup(zone, n, t, { dnssecOk })))}`);
    }
  }
  return out;
}

describe("compiled zone parts", () => {
  test("a zone rebuilt from its transferred parts answers exactly like the original", () => {
    const text = zoneText();
    const original = compileZone("example.", parseZoneText(text));
    expect(original.denial.nsec3?.entries.length).toBeGreaterThan(300);
    const want = answers(original);
    // What postMessage does: the transferred buffers move, the rest is cloned.
    const { parts, transfer } = compiledZoneToParts(compileZone("example.", parseZoneText(text)));
    const moved = structuredClone(parts, { transfer });
    const rebuilt = compiledZoneFromParts(moved);
    expect(answers(rebuilt)).toEqual(want);
    expect(rebuilt.serial).toBe(7);
    expect(rebuilt.recordCount).toBe(original.recordCount);
    expect(rebuilt.nodes.size).toBe(original.nodes.size);
    expect(rebuilt.denial.nsec3?.entries.map((e) => e.hash.toString("hex"))).toEqual(original.denial.nsec3?.entries.map((e) => e.hash.toString("hex")));
    // The buffers were moved, not copied: the sender's views are detached.
    expect(transfer.every((b) => b.byteLength === 0)).toBe(true);
  });

  test("views into a shared buffer (Node's pool) are copied before transfer, never the pool itself", () => {
    const zone = compileZone("tiny.example.", parseZoneText("tiny.example. 60 IN SOA a.tiny.example. b.tiny.example. 1 2 3 4 5\n"));
    const { parts, transfer } = compiledZoneToParts(zone);
    const pool = Buffer.from("x"); // a small Buffer from the same shared pool
    const all = [parts.names.labels, parts.arena, parts.names.parent, parts.rrStart, parts.nsec];
    for (const v of all) expect(v.byteOffset === 0 && v.byteLength === v.buffer.byteLength).toBe(true);
    expect(transfer).not.toContain(pool.buffer);
    expect(new Set(transfer).size).toBe(transfer.length);
    const rebuilt = compiledZoneFromParts(structuredClone(parts, { transfer }));
    expect(lookupToText(lookup(rebuilt, "tiny.example.", "SOA"))).toEqual(lookupToText(lookup(zone, "tiny.example.", "SOA")));
    expect(pool.toString()).toBe("x");
  });

  test("parts that do not fit together are refused", () => {
    const { parts } = compiledZoneToParts(compileZone("example.", parseZoneText(zoneText())));
    expect(() => compiledZoneFromParts({ ...parts, rrStart: parts.rrStart.subarray(1) })).toThrow(/do not fit/);
    expect(() => compiledZoneFromParts({ ...parts, soa: parts.rrKey.length })).toThrow(/do not fit/);
    expect(() => compiledZoneFromParts({ ...parts, names: { ...parts.names, slots: new Int32Array(3) } })).toThrow(/do not fit/);
  });
});
