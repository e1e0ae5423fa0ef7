// What RRL counts an answer by (wire.ts rateLimitSubject, after BIND's RRL): a wildcard answer by the wildcard,
// NXDOMAIN and NODATA by the zone, other answers by the question; and the limiter keyed that way (rrl.ts).
import { parseZoneText } from "@pdns-distribute/dns";
import * as dnsPacket from "dns-packet";
import { answerQuery, compileZone, createZoneSet } from "../src";
import { RRL_ACTION, createResponseRateLimiter } from "../src/rrl";
import { rateLimitSubject } from "../src/wire";

const ZONE = [
  "example.org. 3600 IN SOA ns1.example.org. hostmaster.example.org. 1 7200 3600 1209600 300",
  "example.org. 3600 IN NS ns1.example.org.",
  "ns1.example.org. 3600 IN A 192.0.2.1",
  "*.wild.example.org. 300 IN TXT \"synthesised\"",
  "*.other.example.org. 300 IN TXT \"synthesised too\"",
].join("\n");
const ctx = { zones: createZoneSet([compileZone("example.org.", parseZoneText(ZONE))]), logger: { warn: () => undefined, error: () => undefined }, transport: "udp" as const };

/** Answers `name`/`type` and returns the response with the subject RRL would count it by. */
function answer(name: string, type: dnsPacket.RecordType = "TXT"): { response: Buffer; subject: string | null } {
  const response = answerQuery(dnsPacket.encode({ type: "query", id: 1, questions: [{ name, type }] }), ctx);
  if (response === null) throw new Error("no response");
  return { response, subject: rateLimitSubject() };
}

test.each([
  ["random names under one wildcard share its subject", "a1.wild.example.org.", "zz.wild.example.org.", true],
  ["two wildcards differ", "a1.wild.example.org.", "a1.other.example.org.", false],
  ["NXDOMAIN: by the zone", "nope1.example.org.", "nope2.example.org.", true],
  ["NODATA and NXDOMAIN keep their kinds apart in the limiter, but each is by zone", "ns1.example.org.", "example.org.", true],
])("%s", (_, a, b, same) => {
  const x = answer(a);
  const y = answer(b);
  expect(x.subject).not.toBeNull();
  expect(x.subject === y.subject).toBe(same);
});

test("an answer that is neither wildcard nor negative is counted by its question (subject null)", () => {
  expect(answer("ns1.example.org.", "A").subject).toBeNull();
});

test("a refused query (no zone) is counted by its question, never by a stale subject", () => {
  answer("a1.wild.example.org.");
  expect(answer("elsewhere.test.").subject).toBeNull();
});

test("the limiter holds random names under a wildcard from one client to the rate", () => {
  const rrl = createResponseRateLimiter({ responsesPerSecond: 5, slip: 2 });
  if (rrl === null) throw new Error("RRL off");
  let sent = 0;
  for (let i = 0; i < 100; i++) {
    const { response, subject } = answer(`r${i}.wild.example.org.`);
    if (rrl.check("192.0.2.7", response, 1000, subject) === RRL_ACTION.send) sent++;
  }
  expect(sent).toBe(5);
});
