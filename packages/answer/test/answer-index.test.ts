// Packed zone index: canonical order of the NSEC chain, A fast path = rdataToWire, compression of synthesised owners.

import { compareCanonical, parseZoneText, rdataToWire, nameKey } from "@pdns-distribute/dns";
import type { ZoneRecord } from "@pdns-distribute/dns";
import * as dnsPacket from "dns-packet";
import { answerQuery, compileZone, createZoneSet, ZoneCompileError } from "../src";
import { WireName } from "../src/wire-name";
import { nameOf, rdatasOf } from "../src/zone-view";
import { findKey } from "../src/zone-view";

const SOA: ZoneRecord = { name: "example.", type: "SOA", ttl: 3600, rdata: "ns.example. h.example. 1 7200 3600 1209600 300" };

describe("answer engine: packed zone index", () => {
  test("the NSEC chain is in canonical order: the order of dns's compareCanonical (tested there on RFC 4034 §6.1's example)", () => {
    const shuffled = ["zABC.a.EXAMPLE.", "\\200.z.example.", "example.", "*.z.example.", "yljkjljk.a.example.", "\\001.z.example.", "a.example.", "z.example.", "Z.a.example."];
    const canonical = [...shuffled].sort(compareCanonical);
    const records = [SOA, ...shuffled.map((name) => ({ name, type: "NSEC", ttl: 300, rdata: "example. A" }))];
    const zone = compileZone("example.", records);
    const order = [...zone.denial.nsec].map((id) => nameKey(nameOf(zone, id)));
    expect(order).toEqual(canonical.map((n) => n.toLowerCase()));
  });

  test.each(["192.0.2.1", "010.000.0.1", "255.255.255.255", "0.0.0.0", " 192.0.2.7", "192.0.2.8 "])(
    "A %p compiles to the same RDATA as rdataToWire",
    (rdata) => {
      const zone = compileZone("example.", [SOA, { name: "a.example.", type: "A", ttl: 60, rdata }]);
      const id = zone.names.findName(wireOf("a.example."), 1);
      expect(rdatasOf(zone, findKey(zone, id, 1))).toEqual([rdataToWire("A", rdata)]);
    },
  );

  test.each(["256.0.0.1", "1.2.3", "1.2.3.4.5", "1..2.3", "1.2.3.0004", "a.b.c.d", ""])("A %p is refused like rdataToWire", (rdata) => {
    expect(() => rdataToWire("A", rdata)).toThrow();
    expect(() => compileZone("example.", [SOA, { name: "a.example.", type: "A", ttl: 60, rdata }])).toThrow(ZoneCompileError);
  });

  test("owners synthesised from a wildcard at the end of a CNAME chain are compressed and resolved", () => {
    const zone = compileZone(
      "example.",
      parseZoneText(
        [
          "example. 3600 IN SOA ns.example. h.example. 1 7200 3600 1209600 300",
          "alias.example. 300 IN CNAME x.wild.example.",
          "*.wild.example. 300 IN A 192.0.2.30",
          "*.wild.example. 300 IN AAAA 2001:db8::30",
        ].join("\n"),
      ),
    );
    const msg = dnsPacket.encode({ type: "query", id: 7, questions: [{ name: "ALIAS.example", type: "A" }] });
    const raw = answerQuery(msg, { zones: createZoneSet([zone]), logger: { warn: jest.fn(), error: jest.fn() }, transport: "udp" });
    const res = dnsPacket.decode(raw as Buffer);
    expect(res.answers?.map((a) => [a.name, a.type, (a as { data: string }).data])).toEqual([
      ["ALIAS.example", "CNAME", "x.wild.example"],
      ["x.wild.example", "A", "192.0.2.30"],
    ]);
    // Header 12, question 19, CNAME: pointer + 10 + RDATA "x" + "wild" + pointer to "example" (9, RFC 3597 §4:
    // CNAME RDATA compresses), A: a pointer to the CNAME's RDATA (2) + 14.
    expect((raw as Buffer).length).toBe(12 + 19 + (2 + 10 + 9) + (2 + 14));
  });
});

/** A lower-case wire name for table look-ups. */
function wireOf(text: string): WireName {
  const labels = text.split(".").filter(Boolean).map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)]));
  const name = new WireName();
  name.read(Buffer.concat([...labels, Buffer.from([0])]), 0);
  return name;
}
