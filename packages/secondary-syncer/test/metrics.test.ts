import { createSecondaryMetrics, queryType, responseCode } from "../src/metrics";

/** A query for `a.` of type `qtype` with QDCOUNT 1 (RFC 1035 §4.1.1/§4.1.2). */
function query(qtype: number): Buffer {
  const b = Buffer.alloc(12 + 3 + 4);
  b.writeUInt16BE(1, 4);
  b.set([1, 0x61, 0], 12);
  b.writeUInt16BE(qtype, 15);
  b.writeUInt16BE(1, 17);
  return b;
}
function response(rcode: number): Buffer {
  const b = Buffer.alloc(12);
  b[3] = 0x80 | rcode;
  return b;
}

describe("secondary DNS query metrics", () => {
  test("labels from the wire", () => {
    expect(queryType(query(28))).toBe("AAAA");
    expect(queryType(query(99))).toBe("other");
    expect(queryType(Buffer.alloc(5))).toBeUndefined();
    expect(responseCode(response(3))).toBe("NXDOMAIN");
    expect(responseCode(null)).toBe("dropped");
  });

  test("queries tallied on the answer path appear, by label, at every scrape", async () => {
    const m = createSecondaryMetrics();
    for (let i = 0; i < 3; i++) m.onQuery(query(1), response(0), "udp");
    m.onQuery(query(28), response(3), "tcp");
    m.onQuery(query(99), null, "udp");
    m.onQuery(Buffer.alloc(3), response(1), "udp");
    m.onQuery(query(1), response(15), "udp");
    const first = await m.registry.getSingleMetricAsString("pdnsd_dns_queries_total");
    expect(first).toMatch(/qtype="A",rcode="NOERROR",transport="udp"[^\n]*\} 3(\n|$)/);
    expect(first).toMatch(/qtype="AAAA",rcode="NXDOMAIN",transport="tcp"[^\n]*\} 1(\n|$)/);
    expect(first).toMatch(/qtype="other",rcode="dropped",transport="udp"[^\n]*\} 1(\n|$)/);
    expect(first).toMatch(/qtype="invalid",rcode="FORMERR",transport="udp"[^\n]*\} 1(\n|$)/);
    expect(first).toMatch(/qtype="A",rcode="other",transport="udp"[^\n]*\} 1(\n|$)/);
    m.onQuery(query(1), response(0), "udp");
    const second = await m.registry.getSingleMetricAsString("pdnsd_dns_queries_total");
    expect(second).toMatch(/qtype="A",rcode="NOERROR",transport="udp"[^\n]*\} 4(\n|$)/);
    expect(second).toMatch(/qtype="AAAA",rcode="NXDOMAIN",transport="tcp"[^\n]*\} 1(\n|$)/);
  });
});
