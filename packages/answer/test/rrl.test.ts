// Response rate limiting: buckets per client prefix and response kind, refill, debt window, slip, truncation.
import * as dnsPacket from "dns-packet";
import { RRL_ACTION, clientPrefix, createResponseRateLimiter, responseKindKey, truncatedResponse } from "../src/rrl";

type Rcode = "NOERROR" | "NXDOMAIN" | "REFUSED";
const response = (name: string, rcode: Rcode = "NOERROR", answers = 1, type: "A" | "TXT" = "A"): Buffer =>
  dnsPacket.encode({
    type: "response",
    id: 7,
    flags: dnsPacket.AUTHORITATIVE_ANSWER | (rcode === "NXDOMAIN" ? 3 : rcode === "REFUSED" ? 5 : 0),
    questions: [{ name, type, class: "IN" }],
    answers: Array.from({ length: answers }, () => ({ name, type: "A" as const, ttl: 60, data: "192.0.2.1" })),
  });

/** Sends `n` responses at time `t` and counts the actions. */
function burst(rrl: NonNullable<ReturnType<typeof createResponseRateLimiter>>, addr: string, res: Buffer, n: number, t: number) {
  const counts = { send: 0, drop: 0, slip: 0 };
  for (let i = 0; i < n; i++) {
    const a = rrl.check(addr, res, t);
    if (a === RRL_ACTION.send) counts.send++;
    else if (a === RRL_ACTION.slip) counts.slip++;
    else counts.drop++;
  }
  return counts;
}

describe("response rate limiting", () => {
  test("off when the rate is 0: no limiter at all", () => {
    expect(createResponseRateLimiter({ responsesPerSecond: 0 })).toBeNull();
    expect(createResponseRateLimiter()).toBeNull();
  });

  test.each([
    ["192.0.2.77", "192.0.2"],
    ["::ffff:198.51.100.4", "198.51.100"],
    ["2001:db8:aa:bbcc:1::1", "20010db800aabb"],
    ["2001:db8:aa:bb00::", "20010db800aabb"],
    ["fe80::1%eth0", "fe800000000000"],
  ])("client prefix of %s is %s", (addr, prefix) => {
    expect(clientPrefix(addr)).toBe(prefix);
  });

  test("response kinds: answers keyed by question (case-insensitive), NXDOMAIN and errors by prefix only", () => {
    expect(responseKindKey(response("www.example.org"))).toBe(responseKindKey(response("WWW.Example.ORG")));
    expect(responseKindKey(response("www.example.org"))).not.toBe(responseKindKey(response("ftp.example.org")));
    expect(responseKindKey(response("www.example.org"))).not.toBe(responseKindKey(response("www.example.org", "NOERROR", 1, "TXT")));
    expect(responseKindKey(response("www.example.org", "NOERROR", 0))).not.toBe(responseKindKey(response("www.example.org")));
    expect(responseKindKey(response("a.example.org", "NXDOMAIN", 0))).toBe(responseKindKey(response("b.example.org", "NXDOMAIN", 0)));
    expect(responseKindKey(response("a.example.org", "REFUSED", 0))).toBe("E");
    expect(responseKindKey(Buffer.alloc(12))).toBe("D"); // no question: still a key
  });

  test("a flood gets the rate per second, with every 2nd limited response slipped as TC", () => {
    const rrl = createResponseRateLimiter({ responsesPerSecond: 10, slip: 2, windowSeconds: 5 })!;
    const res = response("www.example.org");
    // 1000 queries in the first second: 10 answered, the other 990 limited, half of those truncated.
    expect(burst(rrl, "127.0.0.9", res, 1000, 0)).toEqual({ send: 10, drop: 495, slip: 495 });
    // Another prefix and another question are not affected.
    expect(burst(rrl, "127.0.1.10", res, 10, 0).send).toBe(10);
    expect(burst(rrl, "127.0.0.9", response("other.example.org"), 10, 0).send).toBe(10);
    // The same /24 is one client.
    expect(burst(rrl, "127.0.0.200", res, 1, 0).send).toBe(0);
  });

  test("debt: a flood must stop for about the window before answers resume; then the rate holds again", () => {
    const rrl = createResponseRateLimiter({ responsesPerSecond: 10, slip: 0, windowSeconds: 5 })!;
    const res = response("www.example.org");
    burst(rrl, "192.0.2.1", res, 1000, 0); // debt capped at -50
    expect(burst(rrl, "192.0.2.1", res, 1, 4000).send).toBe(0); // -50 + 40 < 1
    expect(burst(rrl, "192.0.2.1", res, 100, 7000)).toEqual({ send: 10, drop: 90, slip: 0 }); // refilled, capped at 10
    // Steady traffic at the rate is always answered.
    const steady = createResponseRateLimiter({ responsesPerSecond: 10, slip: 2, windowSeconds: 5 })!;
    let sent = 0;
    for (let t = 0; t < 10_000; t += 100) sent += burst(steady, "192.0.2.1", res, 1, t).send;
    expect(sent).toBe(100);
  });

  test("slip 1 truncates every limited response; slip 0 drops them all", () => {
    const res = response("www.example.org");
    expect(burst(createResponseRateLimiter({ responsesPerSecond: 5, slip: 1 })!, "192.0.2.1", res, 20, 0)).toEqual({ send: 5, drop: 0, slip: 15 });
    expect(burst(createResponseRateLimiter({ responsesPerSecond: 5, slip: 0 })!, "192.0.2.1", res, 20, 0)).toEqual({ send: 5, drop: 15, slip: 0 });
  });

  test("the bucket table stays bounded under sprayed source addresses", () => {
    const rrl = createResponseRateLimiter({ responsesPerSecond: 5, maxBuckets: 1000 })!;
    const res = response("www.example.org");
    for (let i = 0; i < 20_000; i++) rrl.check(`10.${(i >> 8) & 255}.${i & 255}.1`, res, i);
    expect(rrl.size()).toBeLessThanOrEqual(1000);
  });

  test("a truncated response keeps id and question, sets TC, has no records", () => {
    const tc = dnsPacket.decode(truncatedResponse(response("www.example.org", "NOERROR", 3)));
    expect(tc.id).toBe(7);
    expect(tc.flags! & dnsPacket.TRUNCATED_RESPONSE).toBeTruthy();
    expect(tc.questions).toEqual([{ name: "www.example.org", type: "A", class: "IN" }]);
    expect(tc.answers).toEqual([]);
    expect(truncatedResponse(Buffer.alloc(12)).length).toBe(12);
  });

  test("a truncated response keeps the OPT record, options included, as its only record (RFC 6891 §6.1.1)", () => {
    const res = dnsPacket.encode({
      type: "response",
      id: 9,
      flags: dnsPacket.AUTHORITATIVE_ANSWER,
      questions: [{ name: "www.example.org", type: "A", class: "IN" }],
      answers: [{ name: "www.example.org", type: "A", ttl: 60, data: "192.0.2.1" }],
      additionals: [
        { name: "ns.example.org", type: "A", ttl: 60, data: "192.0.2.2" },
        { type: "OPT", name: ".", udpPayloadSize: 1232, flags: 0x8000, options: [{ code: 3, data: Buffer.from("ns1") }] } as unknown as dnsPacket.Answer,
      ],
    });
    const tc = dnsPacket.decode(truncatedResponse(res));
    expect(tc.flags! & dnsPacket.TRUNCATED_RESPONSE).toBeTruthy();
    expect(tc.answers).toEqual([]);
    expect(tc.additionals).toHaveLength(1);
    const opt = tc.additionals![0] as unknown as { type: string; udpPayloadSize: number; flags: number; options: { code: number; data: Buffer }[] };
    expect(opt.type).toBe("OPT");
    expect(opt.udpPayloadSize).toBe(1232);
    expect(opt.flags & 0x8000).toBe(0x8000); // DO kept
    expect(opt.options.map((o) => [o.code, o.data.toString()])).toEqual([[3, "ns1"]]);
  });

  test("exempt prefixes are never limited (a dnsdist front's address, docs/front.md); others still are", () => {
    const rrl = createResponseRateLimiter({ responsesPerSecond: 5, slip: 2, exempt: ["192.0.2.0/28", "2001:db8::/32"] })!;
    const res = response("www.example.org");
    expect(burst(rrl, "192.0.2.1", res, 50, 0)).toEqual({ send: 50, drop: 0, slip: 0 });
    expect(burst(rrl, "::ffff:192.0.2.2", res, 50, 0)).toEqual({ send: 50, drop: 0, slip: 0 }); // IPv4-mapped
    expect(burst(rrl, "2001:db8:1::53", res, 50, 0)).toEqual({ send: 50, drop: 0, slip: 0 });
    // 192.0.2.16 is outside the /28 though in the same /24 bucket: limited as usual.
    expect(burst(rrl, "192.0.2.16", res, 20, 0)).toEqual({ send: 5, drop: 8, slip: 7 });
    expect(() => createResponseRateLimiter({ responsesPerSecond: 5, exempt: ["not-a-prefix"] })).toThrow(/not an IP address/);
  });
});

