import {
  QUERY_TALLY_SLOTS,
  createQueryTally,
  createSecondaryMetrics,
  mergeQueryTallyDelta,
  querySlot,
  querySlotLabels,
  queryType,
  responseCode,
  takeQueryTallyDelta,
} from "../src/metrics";

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

  test("slot encoding: every slot has its own labels, and a query's slot gives its labels back", () => {
    const seen = new Set<string>();
    for (let slot = 0; slot < QUERY_TALLY_SLOTS; slot++) {
      const l = querySlotLabels(slot);
      expect(l.qtype && l.rcode && l.transport).toBeTruthy();
      seen.add(`${l.qtype}/${l.rcode}/${l.transport}`);
    }
    expect(seen.size).toBe(QUERY_TALLY_SLOTS);
    expect(querySlotLabels(querySlot(query(28), response(3), "tcp"))).toEqual({ qtype: "AAAA", rcode: "NXDOMAIN", transport: "tcp" });
    expect(querySlotLabels(querySlot(query(1), null, "udp"))).toEqual({ qtype: "A", rcode: "dropped", transport: "udp" });
    expect(querySlotLabels(querySlot(Buffer.alloc(2), response(1), "udp"))).toEqual({ qtype: "invalid", rcode: "FORMERR", transport: "udp" });
    for (const [q, r, t] of [[query(99), response(15), "tcp"], [query(255), response(5), "udp"]] as const) {
      const slot = querySlot(q, r, t);
      expect(slot).toBeGreaterThanOrEqual(0);
      expect(slot).toBeLessThan(QUERY_TALLY_SLOTS);
    }
  });

  test("a delta carries only the non-zero slots and zeroes them; merging adds it", () => {
    const worker = createQueryTally();
    for (let i = 0; i < 5; i++) worker.onQuery(query(1), response(0), "udp");
    worker.onQuery(query(28), response(3), "tcp");
    const delta = worker.take();
    expect(delta).toEqual([querySlot(query(1), response(0), "udp"), 5, querySlot(query(28), response(3), "tcp"), 1]);
    expect(worker.take()).toEqual([]);
    const primary = new Float64Array(QUERY_TALLY_SLOTS);
    primary[delta[0]] = 2;
    expect(mergeQueryTallyDelta(primary, delta)).toBe(0);
    expect(mergeQueryTallyDelta(primary, JSON.parse(JSON.stringify(delta)))).toBe(0); // as it crosses IPC
    expect(takeQueryTallyDelta(primary)).toEqual([delta[0], 12, delta[2], 2]);
    expect(primary.every((n) => n === 0)).toBe(true);
    // The largest possible delta: every slot once.
    const full = new Float64Array(QUERY_TALLY_SLOTS).fill(1);
    expect(takeQueryTallyDelta(full)).toHaveLength(2 * QUERY_TALLY_SLOTS);
  });

  test("malformed delta pairs are skipped, the rest is merged", () => {
    const t = new Float64Array(QUERY_TALLY_SLOTS);
    expect(mergeQueryTallyDelta(t, "nope")).toBe(1);
    expect(mergeQueryTallyDelta(t, [QUERY_TALLY_SLOTS, 1, -1, 1, 1.5, 1, 3, -2, 3, Infinity, 3, "4", 3, NaN, 7, 2, 9])).toBe(8);
    expect(takeQueryTallyDelta(t)).toEqual([7, 2]);
  });

  test("worker deltas are counted with the main process's queries; workers are flushed before each scrape", async () => {
    const m = createSecondaryMetrics();
    const worker = createQueryTally();
    let flushes = 0;
    m.dnsWorkers({
      running: () => 2,
      async flushQueryTallies() {
        flushes++;
        m.onWorkerQueries(worker.take()); // what the pool does with each worker's answer
      },
    });
    m.onQuery(query(1), response(0), "udp");
    for (let i = 0; i < 4; i++) worker.onQuery(query(1), response(0), "udp");
    m.onWorkerQueries([querySlot(query(6), response(5), "tcp"), 3]);
    const text = await m.registry.getSingleMetricAsString("pdnsd_dns_queries_total");
    expect(flushes).toBe(1);
    expect(text).toMatch(/qtype="A",rcode="NOERROR",transport="udp"[^\n]*\} 5(\n|$)/);
    expect(text).toMatch(/qtype="SOA",rcode="REFUSED",transport="tcp"[^\n]*\} 3(\n|$)/);
    expect(await m.registry.getSingleMetricAsString("pdnsd_dns_workers")).toMatch(/pdnsd_dns_workers\{[^}]*\} 2(\n|$)/);
    expect(await createSecondaryMetrics().registry.getSingleMetricAsString("pdnsd_dns_workers")).toMatch(/\} 0(\n|$)/);
  });

  test("DNS cookie outcomes: the main process's counts and the workers' deltas (malformed ones skipped)", async () => {
    const m = createSecondaryMetrics();
    const counts = { clientOnly: 2, valid: 5, invalid: 1 };
    m.dnsCookies(counts);
    m.onWorkerQueries([], [1, 10, 0]);
    m.onWorkerQueries([], [1, -4, "x"]); // only the 1 counts
    m.onWorkerQueries([], [7, 7]); // not three outcomes: skipped
    const first = await m.registry.getSingleMetricAsString("pdnsd_dns_cookies_total");
    expect(first).toMatch(/outcome="client_only"[^\n]*\} 4(\n|$)/);
    expect(first).toMatch(/outcome="valid"[^\n]*\} 15(\n|$)/);
    expect(first).toMatch(/outcome="invalid"[^\n]*\} 1(\n|$)/);
    counts.valid = 6;
    expect(await m.registry.getSingleMetricAsString("pdnsd_dns_cookies_total")).toMatch(/outcome="valid"[^\n]*\} 16(\n|$)/);
  });
});

