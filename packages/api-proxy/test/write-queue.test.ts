// The write queue with a stand-in forwarder: turns at the gate, PATCHes of one zone combined, split when refused.
import { createLogger } from "@pdns-distribute/core";
import type { ZoneEvent } from "@pdns-distribute/core";
import { createAnnouncer } from "../src/announce";
import type { Forwarder, RequestHead, UpstreamAnswer } from "../src/forward";
import { createWriteGate } from "../src/write-gate";
import { createWriteQueue } from "../src/write-queue";

const logger = createLogger("test", "silent");
const URL_A = "/api/v1/servers/localhost/zones/a.org.";

/** A PowerDNS stand-in: each write takes `ms`; a body naming bad.* is refused (422) as a whole. */
function fakeForwarder(ms = 10) {
  const sent: Array<{ method?: string; names: string[] }> = [];
  let running = 0;
  let maxRunning = 0;
  const forwarder: Forwarder = {
    async forward(head: RequestHead, body: Buffer): Promise<UpstreamAnswer> {
      const names = ((JSON.parse(body.toString() || "{}") as { rrsets?: Array<{ name: string }> }).rrsets ?? []).map((r) => r.name);
      sent.push({ method: head.method, names });
      maxRunning = Math.max(maxRunning, ++running);
      await new Promise((r) => setTimeout(r, ms));
      running--;
      const bad = names.some((n) => n.startsWith("bad."));
      return { status: bad ? 422 : 204, headers: {}, body: Buffer.from(bad ? '{"error":"bad"}' : "") };
    },
    close: () => undefined,
  };
  return { forwarder, sent, maxRunning: () => maxRunning };
}

const patch = (name: string): [RequestHead, Buffer] => [
  { method: "PATCH", url: URL_A, headers: { "x-api-key": "k" } },
  Buffer.from(JSON.stringify({ rrsets: [{ name, type: "A", changetype: "REPLACE", records: [] }] })),
];

function setUp(opts: { maxCombined?: number; maxQueued?: number } = {}) {
  const fake = fakeForwarder();
  const submitted: ZoneEvent[] = [];
  const combined: Array<[number, string]> = [];
  const queue = createWriteQueue({
    gate: createWriteGate({ limit: 1, maxQueued: opts.maxQueued ?? 100 }),
    turnTimeoutMs: 2000,
    maxCombinedPatches: opts.maxCombined ?? 50,
    forwarder: fake.forwarder,
    announcer: createAnnouncer({ events: { submit: async (e) => (submitted.push(e), true) }, logger }),
    logger,
    onCombined: (n, outcome) => combined.push([n, outcome]),
  });
  return { ...fake, queue, submitted, combined };
}

test("writes reach PowerDNS one at a time; PATCHes of a zone waiting together go as one, with one event", async () => {
  const { queue, sent, submitted, combined, maxRunning } = setUp();
  const first = queue.send(...patch("h0.a.org."));
  await new Promise((r) => setTimeout(r, 1)); // its turn came: the next ones wait together
  const rest = ["h1.a.org.", "h2.a.org.", "h3.a.org."].map((n) => queue.send(...patch(n)));
  const outcomes = await Promise.all([first, ...rest]);
  expect(outcomes.map((o) => o.kind === "answer" && o.answer.status)).toEqual([204, 204, 204, 204]);
  expect(sent.map((s) => s.names)).toEqual([["h0.a.org."], ["h1.a.org.", "h2.a.org.", "h3.a.org."]]);
  expect(maxRunning()).toBe(1);
  expect(submitted).toHaveLength(2);
  expect(new Set(outcomes.slice(1).map((o) => o.kind === "answer" && o.changeId))).toEqual(new Set([submitted[1]?.id]));
  expect(combined).toEqual([[3, "combined"]]);
  // The combined PATCH's event names the union of its requests' RRsets.
  expect(submitted[1]?.rrsets?.map((r) => r.name)).toEqual(["h1.a.org.", "h2.a.org.", "h3.a.org."]);
  expect(submitted[0]?.rrsets?.map((r) => r.name)).toEqual(["h0.a.org."]);
});

test("a combined PATCH refused as a whole is sent one by one; each gets its own answer", async () => {
  const { queue, sent, submitted, combined } = setUp();
  const first = queue.send(...patch("h0.a.org."));
  await new Promise((r) => setTimeout(r, 1)); // its turn came: the next ones wait together
  const outcomes = await Promise.all([first, ...["h1.a.org.", "bad.a.org.", "h2.a.org."].map((n) => queue.send(...patch(n)))]);
  expect(outcomes.map((o) => o.kind === "answer" && o.answer.status)).toEqual([204, 204, 422, 204]);
  expect(sent.map((s) => s.names.join(","))).toEqual(["h0.a.org.", "h1.a.org.,bad.a.org.,h2.a.org.", "h1.a.org.", "bad.a.org.", "h2.a.org."]);
  expect(submitted).toHaveLength(3);
  expect(combined).toEqual([[3, "split"]]);
});

test("maxCombinedPatches 1: each alone; another write of the zone is never overtaken", async () => {
  const { queue, sent } = setUp({ maxCombined: 1 });
  await Promise.all([queue.send(...patch("h0.a.org.")), queue.send(...patch("h1.a.org.")), queue.send({ method: "DELETE", url: URL_A, headers: {} }, Buffer.alloc(0))]);
  expect(sent.map((s) => s.method)).toEqual(["PATCH", "PATCH", "DELETE"]);
});

test("a full queue refuses at once, without forwarding", async () => {
  const { queue, sent } = setUp({ maxCombined: 1, maxQueued: 1 });
  const outcomes = await Promise.all(["h0.a.org.", "h1.a.org.", "h2.a.org."].map((n) => queue.send(...patch(n))));
  expect(outcomes.map((o) => (o.kind === "refused" ? o.err.reason : o.kind))).toEqual(["answer", "answer", "queue_full"]);
  expect(sent).toHaveLength(2);
});
