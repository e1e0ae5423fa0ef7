// Answer engine with the DO bit: RRSIGs on answers, NSEC (RFC 4035 §3.1.3) and NSEC3 (RFC 5155 §7.2) denial.

import { parseZoneText, parseName } from "@pdns-distribute/dns";
import { compileZone, lookup, lookupToText } from "../src";
import { nsec3Hash } from "../src/denial-nsec3";

const SIGDATA = "20300101000000 20200101000000 4242";
const B64 = Buffer.alloc(64, 9).toString("base64");

/** A fake RRSIG line (the answer engine never verifies signatures, it only places them). */
function sig(owner: string, covered: string, labels: number, ttl: number, zone: string): string {
  return `${owner} ${ttl} IN RRSIG ${covered} 13 ${labels} ${ttl} ${SIGDATA} ${zone} ${B64}`;
}

/** Zone-file lines for a record and its RRSIG. */
function signed(owner: string, ttl: number, type: string, rdata: string, zone: string, labels?: number): string[] {
  const n = labels ?? owner.split(".").filter((l) => l !== "").length;
  return [`${owner} ${ttl} IN ${type} ${rdata}`, sig(owner, type, n, ttl, zone)];
}

interface Case {
  name: string;
  qname: string;
  qtype: string;
  result: string;
  answer?: string[];
  /** Owner and type of every authority record, e.g. "a.example.org. NSEC". */
  authority: string[];
}

/** Owner name and type of each record: enough to check which proof records were picked. */
function ownersAndTypes(lines: string[]): string[] {
  return lines.map((l) => {
    const [owner, ttl, , type, covered] = l.split(" ");
    return type === "RRSIG" ? `${owner} RRSIG ${covered} ${ttl}` : `${owner} ${type} ${ttl}`;
  });
}

describe("answer engine: NSEC denial of existence", () => {
  const Z = "example.org.";
  const ZONE = [
    ...signed(Z, 3600, "SOA", "ns1.example.org. h.example.org. 1 7200 3600 1209600 300", Z),
    `${Z} 3600 IN NS ns1.example.org.`,
    ...signed(Z, 3600, "NSEC", "a.example.org. NS SOA RRSIG NSEC", Z),
    ...signed("a.example.org.", 3600, "A", "192.0.2.1", Z),
    ...signed("a.example.org.", 3600, "NSEC", "c.example.org. A RRSIG NSEC", Z),
    `c.example.org. 3600 IN TXT "c"`,
    ...signed("c.example.org.", 3600, "NSEC", "ns1.example.org. TXT RRSIG NSEC", Z),
    `ns1.example.org. 3600 IN A 192.0.2.53`,
    ...signed("ns1.example.org.", 3600, "NSEC", "unsigned.example.org. A RRSIG NSEC", Z),
    `unsigned.example.org. 3600 IN NS ns.unsigned.example.org.`,
    `ns.unsigned.example.org. 3600 IN A 192.0.2.54`,
    ...signed("unsigned.example.org.", 3600, "NSEC", "*.w.example.org. NS RRSIG NSEC", Z),
    ...signed("*.w.example.org.", 3600, "TXT", '"wild"', Z, 3),
    ...signed("*.w.example.org.", 3600, "NSEC", "x.w.example.org. TXT RRSIG NSEC", Z),
    `x.w.example.org. 3600 IN A 192.0.2.24`,
    ...signed("x.w.example.org.", 3600, "NSEC", "z.example.org. A RRSIG NSEC", Z),
    `z.example.org. 3600 IN A 192.0.2.26`,
    ...signed("z.example.org.", 3600, "NSEC", "example.org. A RRSIG NSEC", Z),
  ].join("\n");
  const zone = compileZone(Z, parseZoneText(ZONE));
  const SOA = [`${Z} SOA 300`, `${Z} RRSIG SOA 300`];
  const nsec = (owner: string, ttl = 300): string[] => [`${owner} NSEC ${ttl}`, `${owner} RRSIG NSEC ${ttl}`];

  const cases: Case[] = [
    {
      name: "NXDOMAIN: the NSEC covering the name and the one covering the wildcard, TTLs capped (RFC 9077)",
      qname: "b.example.org.",
      qtype: "A",
      result: "nxdomain",
      authority: [...SOA, ...nsec("a.example.org."), ...nsec("example.org.")],
    },
    {
      name: "NXDOMAIN after the last name wraps to the last NSEC",
      qname: "zz.example.org.",
      qtype: "A",
      result: "nxdomain",
      authority: [...SOA, ...nsec("z.example.org."), ...nsec("example.org.")],
    },
    {
      name: "NODATA: the NSEC at the name",
      qname: "a.example.org.",
      qtype: "TXT",
      result: "nodata",
      authority: [...SOA, ...nsec("a.example.org.")],
    },
    {
      name: "NODATA at an empty non-terminal: the covering NSEC",
      qname: "w.example.org.",
      qtype: "A",
      result: "nodata",
      authority: [...SOA, ...nsec("unsigned.example.org.")],
    },
    {
      name: "wildcard answer: signed with the query name as owner, plus the NSEC covering the query name",
      qname: "y.w.example.org.",
      qtype: "TXT",
      result: "success",
      answer: ['y.w.example.org. 3600 IN TXT "wild"', sig("y.w.example.org.", "TXT", 3, 3600, Z)],
      authority: nsec("x.w.example.org.", 3600),
    },
    {
      name: "wildcard NODATA: covering NSEC for the name, matching NSEC of the wildcard",
      qname: "y.w.example.org.",
      qtype: "A",
      result: "nodata",
      authority: [...SOA, ...nsec("x.w.example.org."), ...nsec("*.w.example.org.")],
    },
    {
      name: "referral to an unsigned child: the NSEC at the cut proves there is no DS",
      qname: "www.unsigned.example.org.",
      qtype: "A",
      result: "delegation",
      authority: ["unsigned.example.org. NS 3600", ...nsec("unsigned.example.org.", 3600)],
    },
    {
      name: "DS NODATA at a cut: the NSEC at the cut",
      qname: "unsigned.example.org.",
      qtype: "DS",
      result: "nodata",
      authority: [...SOA, ...nsec("unsigned.example.org.")],
    },
    {
      name: "positive answers carry their RRSIG and no authority",
      qname: "a.example.org.",
      qtype: "A",
      result: "success",
      answer: ["a.example.org. 3600 IN A 192.0.2.1", sig("a.example.org.", "A", 3, 3600, Z)],
      authority: [],
    },
  ];

  test.each(cases)("$name", (c) => {
    const got = lookupToText(lookup(zone, c.qname, c.qtype, { dnssecOk: true }));
    expect(got.result).toBe(c.result);
    if (c.answer !== undefined) expect(got.answer).toEqual(c.answer);
    expect(ownersAndTypes(got.authority)).toEqual(c.authority);
  });

  test("without DO no RRSIG or NSEC is added", () => {
    const got = lookupToText(lookup(zone, "b.example.org.", "A"));
    expect(ownersAndTypes(got.authority)).toEqual([`${Z} SOA 300`]);
    expect(lookupToText(lookup(zone, "a.example.org.", "A")).answer).toEqual(["a.example.org. 3600 IN A 192.0.2.1"]);
  });

  test("qtype RRSIG returns every signature at the name", () => {
    const got = lookupToText(lookup(zone, "a.example.org.", "RRSIG"));
    expect(ownersAndTypes(got.answer)).toEqual(["a.example.org. RRSIG A 3600", "a.example.org. RRSIG NSEC 3600"]);
  });
});

describe("answer engine: NSEC3 denial of existence (RFC 5155)", () => {
  const PARAMS = { algorithm: 1, flags: 0, iterations: 12, salt: Buffer.from("aabbccdd", "hex") };
  // RFC 5155 Appendix A: hashes of the example zone with salt aabbccdd and 12 iterations.
  const HASHES: Record<string, string> = {
    "example.": "0p9mhaveqvm6t7vbl5lop2u3t2rp3tom",
    "a.example.": "35mthgpgcu1qg68fab165klnsnk3dpvl",
    "ai.example.": "gjeqe526plbf1g8mklp59enfd789njgi",
    "ns1.example.": "2t7b4g4vsa5smi47k61mv5bv1a22bojr",
    "w.example.": "k8udemvp1j2f7eg6jebps17vp3n8i58h",
    "*.w.example.": "r53bq7cc2uvmubfu5ocmm6pers9tk9en",
    "x.w.example.": "b4um86eghhds6nea196smvmlo4ors995",
    "y.w.example.": "ji6neoaepv8b5o6k4ev33abha8ht9fgc",
    "x.y.w.example.": "2vptu5timamqttgl4luu9kg21e0aor3s",
    "xx.example.": "t644ebqk9bibcna874givr6joj62mlhv",
  };

  test("hashes match RFC 5155 Appendix A", () => {
    for (const [name, hash] of Object.entries(HASHES)) {
      const got = nsec3Hash(parseName(name), PARAMS);
      expect(Buffer.from(got).toString("hex")).toBe(Buffer.from(base32HexDecode(hash)).toString("hex"));
    }
  });

  // The chain in hash order (c.example., an insecure delegation, is left out under opt-out).
  const CHAIN: [string, string][] = [
    ["example.", "NS SOA RRSIG NSEC3PARAM"],
    ["ns1.example.", "A RRSIG"],
    ["x.y.w.example.", "MX RRSIG"],
    ["a.example.", "NS DS RRSIG"],
    ["x.w.example.", "MX RRSIG"],
    ["ai.example.", "A RRSIG"],
    ["y.w.example.", ""],
    ["w.example.", ""],
    ["*.w.example.", "MX RRSIG"],
    ["xx.example.", "A RRSIG"],
  ];
  const h = (name: string): string => `${HASHES[name]}.example.`;
  const nsec3Lines = CHAIN.flatMap(([name, types], i) => {
    const next = HASHES[(CHAIN[(i + 1) % CHAIN.length] as [string, string])[0]];
    return signed(h(name), 300, "NSEC3", `1 1 12 aabbccdd ${next} ${types}`.trim(), "example.", 2);
  });
  const ZONE = [
    ...signed("example.", 3600, "SOA", "ns1.example. bugs.x.w.example. 1 3600 300 3600000 3600", "example."),
    "example. 3600 IN NS ns1.example.",
    "example. 3600 IN NSEC3PARAM 1 0 12 aabbccdd",
    "a.example. 3600 IN NS ns1.a.example.",
    "a.example. 3600 IN DS 58470 5 1 3079F1593EBAD6DC121E202A8B766A6A4837206C",
    "ns1.a.example. 3600 IN A 192.0.2.5",
    "ai.example. 3600 IN A 192.0.2.9",
    "c.example. 3600 IN NS ns1.c.example.",
    "ns1.c.example. 3600 IN A 192.0.2.7",
    "ns1.example. 3600 IN A 192.0.2.1",
    "*.w.example. 3600 IN MX 1 ai.example.",
    "x.w.example. 3600 IN MX 1 xx.example.",
    "x.y.w.example. 3600 IN MX 1 xx.example.",
    "xx.example. 3600 IN A 192.0.2.10",
    ...nsec3Lines,
  ].join("\n");
  const zone = compileZone("example.", parseZoneText(ZONE));
  const SOA = ["example. SOA 3600", "example. RRSIG SOA 3600"];
  const n3 = (name: string, ttl = 300): string[] => [`${h(name)} NSEC3 ${ttl}`, `${h(name)} RRSIG NSEC3 ${ttl}`];

  const cases: Case[] = [
    {
      name: "NXDOMAIN (§7.2.2): CE x.w matches, next closer c.x.w and wildcard *.x.w are covered",
      qname: "a.c.x.w.example.",
      qtype: "A",
      result: "nxdomain",
      authority: [...SOA, ...n3("x.w.example."), ...n3("example."), ...n3("a.example.")],
    },
    {
      name: "NXDOMAIN at the apex level: covering NSEC3 proofs are not repeated",
      qname: "b.example.",
      qtype: "A",
      result: "nxdomain",
      authority: [...SOA, ...n3("example."), ...n3("ai.example.")],
    },
    {
      name: "NODATA (§7.2.3): the matching NSEC3",
      qname: "ns1.example.",
      qtype: "MX",
      result: "nodata",
      authority: [...SOA, ...n3("ns1.example.")],
    },
    {
      name: "NODATA at an empty non-terminal: its matching NSEC3",
      qname: "y.w.example.",
      qtype: "A",
      result: "nodata",
      authority: [...SOA, ...n3("y.w.example.")],
    },
    {
      name: "DS NODATA under opt-out (§7.2.4): closest provable encloser proof",
      qname: "c.example.",
      qtype: "DS",
      result: "nodata",
      authority: [...SOA, ...n3("example."), ...n3("a.example.")],
    },
    {
      name: "wildcard answer (§7.2.6): the NSEC3 covering the next closer name",
      qname: "a.z.w.example.",
      qtype: "MX",
      result: "success",
      authority: n3("w.example."),
    },
    {
      name: "wildcard NODATA (§7.2.5): CE proof plus the NSEC3 matching the wildcard",
      qname: "a.z.w.example.",
      qtype: "AAAA",
      result: "nodata",
      authority: [...SOA, ...n3("w.example."), ...n3("*.w.example.")],
    },
    {
      name: "referral under opt-out (§7.2.7): closest provable encloser proof",
      qname: "www.c.example.",
      qtype: "A",
      result: "delegation",
      authority: ["c.example. NS 3600", ...n3("example."), ...n3("a.example.")],
    },
    {
      name: "referral with DS: the DS RRset, no NSEC3",
      qname: "www.a.example.",
      qtype: "A",
      result: "delegation",
      authority: ["a.example. NS 3600", "a.example. DS 3600"],
    },
  ];

  test.each(cases)("$name", (c) => {
    const got = lookupToText(lookup(zone, c.qname, c.qtype, { dnssecOk: true }));
    expect(got.result).toBe(c.result);
    expect(ownersAndTypes(got.authority)).toEqual(c.authority);
  });

  test("an NSEC3 owner name does not exist for queries (§7.2.8)", () => {
    const got = lookupToText(lookup(zone, h("xx.example."), "NSEC3", { dnssecOk: true }));
    expect(got.result).toBe("nxdomain");
    expect(got.answer).toEqual([]);
    expect(ownersAndTypes(got.authority).slice(0, 4)).toEqual([...SOA, ...n3("example.")]);
  });

  test("the index holds the chain sorted by hash with the NSEC3PARAM parameters", () => {
    const index = zone.denial.nsec3;
    expect(index?.params.iterations).toBe(12);
    expect(index?.entries).toHaveLength(CHAIN.length);
    expect(zone.nodes.has(h("example."))).toBe(false);
  });
});

/** Base32hex decoding for the test vectors (RFC 4648 §7). */
function base32HexDecode(text: string): Buffer {
  const alphabet = "0123456789abcdefghijklmnopqrstuv";
  let bits = "";
  for (const ch of text) bits += alphabet.indexOf(ch).toString(2).padStart(5, "0");
  const out: number[] = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) out.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(out);
}
