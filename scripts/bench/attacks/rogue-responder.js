// Attack: a rogue member of the zone-provider queue group answers zone-data requests with forged replies (another
// key, a garbage signature, a replayed old reply, unsigned or wrongly signed "not found") while forged zone events
// (delete of the served zone, add of a zone nobody has) are published; measures how long real changes take to be
// served by every secondary, and whether the zone ever stops answering. Loopback only, bounded in time and count.
"use strict";
const path = require("node:path");
const { randomBytes, randomUUID } = require("node:crypto");
const { ROOT, harness, requireFrom, benchSeconds, udpSocket, queryOnce, pollAll, percentile, retry500, scrapeMetrics, metricSum, logEntriesSince, sleep } =
  require("../lib");

const core = require(path.join(ROOT, "packages", "core", "dist", "index.js"));
const { jetstream } = requireFrom("secondary-syncer", "@nats-io/jetstream");

/** The figure the attack is judged by: a real change served by every secondary within this long, ms (issue 21). */
const TARGET_MS = 10_000;
/** Kinds of forged reply the rogue cycles through. */
const KINDS = ["other-key", "bad-signature", "replay", "unsigned-not-found", "other-key-not-found"];
/** How long one change may take before it counts as not served, ms. */
const CHANGE_TIMEOUT_MS = 30_000;

const SOA_SERIAL = (zone, serial) => `${zone} 3600 IN SOA ns1.${zone} hostmaster.${zone} ${serial} 10800 3600 604800 3600\n`;

/** A forged reply of `kind` to one decoded zone-data request. */
function forgedReply(kind, req, ctx) {
  const binding = { nonce: req.nonce || "x".repeat(22), requester: req.requester || "" };
  const forged = () => core.signZone(req.zone, 4_000_000_000, SOA_SERIAL(req.zone, 4_000_000_000), ctx.rogueKey.secretKey, Date.now(), binding);
  switch (kind) {
    case "other-key":
      return forged();
    case "bad-signature":
      return { ...forged(), signature: randomBytes(64).toString("base64") };
    case "replay":
      return ctx.oldReply;
    case "unsigned-not-found":
      return core.errorReply("PDNSD_ZONE_NOT_FOUND", `zone ${req.zone} not found on the primary`);
    default:
      return { ...core.errorReply("PDNSD_ZONE_NOT_FOUND", "gone"), absence: core.signZoneAbsence(req.zone, ctx.rogueKey.secretKey, binding) };
  }
}

/** Joins the zone-provider queue group and answers every request it gets with the next forged kind. */
function startRogue(nc, ctx) {
  const counts = Object.fromEntries(KINDS.map((k) => [k, 0]));
  const sub = nc.subscribe(core.SUBJECTS.zoneData, { queue: core.QUEUE_GROUPS.zoneProvider });
  let n = 0;
  void (async () => {
    for await (const m of sub) {
      let req;
      try {
        req = core.decodeMessage(core.zoneDataRequestSchema, m.data, "request");
      } catch {
        continue;
      }
      const kind = KINDS[n++ % KINDS.length];
      counts[kind]++;
      m.respond(core.encodeMessage(forgedReply(kind, req, ctx)));
    }
  })();
  return { counts, stop: () => sub.unsubscribe() };
}

/** Publishes forged events every `everyMs` until stop(): a delete of `zone`, and an add of a zone nobody has. */
function startForgedEvents(nc, zone, ghost, everyMs) {
  const js = jetstream(nc);
  const sent = { delete: 0, add: 0 };
  let stopped = false;
  const event = (type, z) => core.encodeMessage({ type, version: 1, id: randomUUID(), zone: z, time: new Date().toISOString(), source: "attacker" });
  const done = (async () => {
    while (!stopped) {
      await js.publish(core.SUBJECTS.zoneDelete, event("zone.delete", zone)).then(() => sent.delete++, () => undefined);
      await js.publish(core.SUBJECTS.zoneAdd, event("zone.add", ghost)).then(() => sent.add++, () => undefined);
      await sleep(everyMs);
    }
  })();
  return { sent, stop: () => ((stopped = true), done) };
}

/**
 * Asks every secondary for the zone's SOA and the ghost zone's every `everyMs` until stop(): counts answers
 * without the zone's SOA (the zone down) and answers with the ghost's (a forged add served).
 */
function startProbe(targets, zone, ghost, everyMs) {
  const sock = udpSocket("127.0.0.1");
  const tally = { queries: 0, zoneDown: 0, ghostServed: 0 };
  let stopped = false;
  const done = (async () => {
    while (!stopped) {
      for (const t of targets) {
        const [r, g] = await Promise.all([queryOnce(sock, t.address, t.port, zone, "SOA", 1000), queryOnce(sock, t.address, t.port, ghost, "SOA", 1000)]);
        tally.queries += 2;
        if (!r || r.rcode !== "NOERROR" || !(r.answers || []).some((a) => a.type === "SOA")) tally.zoneDown++;
        if (g && (g.answers || []).some((a) => a.type === "SOA")) tally.ghostServed++;
      }
      await sleep(everyMs);
    }
    sock.close();
  })();
  return { tally, stop: () => ((stopped = true), done) };
}

/** Makes real changes one after another and measures when every secondary serves each (ms after the PATCH). */
async function realChanges(cluster, zone, targets, count, deadline) {
  const sock = udpSocket("127.0.0.1");
  const served = [];
  let notServed = 0;
  for (let i = 0; i < count && Date.now() < deadline; i++) {
    const want = `real-${Date.now()}-${i}`;
    const t0 = Date.now();
    await retry500(() => cluster.api.patchRRset(zone, { name: `ver.${zone}`, type: "TXT", ttl: 60, changetype: "REPLACE", records: [`"${want}"`] }));
    const match = (r) => (r.answers || []).some((a) => a.type === "TXT" && a.data.map((d) => d.toString()).join("") === want);
    const times = await pollAll(sock, targets, `ver.${zone}`, "TXT", match, t0, CHANGE_TIMEOUT_MS, 5);
    if (times.some((t) => t === undefined)) notServed++;
    else served.push(Math.max(...times));
    await sleep(500);
  }
  sock.close();
  return { served, notServed };
}

/** Starts a cluster for the attack (response rate limiting off: the probes ask often from one address). */
function startCluster() {
  return harness.startLocalCluster({ secondaryAddresses: ["127.0.0.2", "127.0.0.3"], secondaryDnsToml: "rrl_responses_per_second = 0" });
}

/**
 * Runs the attack for about `opts.seconds` (default BENCH_SECONDS or 40) with at most `opts.changes` real changes
 * (default 20). `opts.cluster`: a running local cluster to use (its secondaries with rrl_responses_per_second = 0),
 * else one is started and stopped. Resolves with `{ name, figures }`.
 */
async function run(opts = {}) {
  const seconds = opts.seconds ?? benchSeconds(40);
  const own = !opts.cluster;
  const cluster = opts.cluster ?? (await startCluster());
  const zone = `rogue-${Date.now().toString(36)}.test.`;
  const ghost = `ghost-${Date.now().toString(36)}.test.`;
  const targets = cluster.secondaries.map((s) => ({ address: s.address, port: s.port }));
  const nc = await core.connectNats(core.natsConfigSchema.parse({ servers: [cluster.nats.url] }), "rogue-responder", core.createLogger("rogue", "silent"));
  try {
    await retry500(() => cluster.api.createZone(zone, { nameservers: [`ns1.${zone}`], rrsets: [{ name: `ver.${zone}`, type: "TXT", ttl: 60, records: ['"0"'] }] }));
    const probeSock = udpSocket("127.0.0.1");
    const up = await pollAll(probeSock, targets, zone, "SOA", (r) => (r.answers || []).some((a) => a.type === "SOA"), Date.now(), 30_000, 20);
    probeSock.close();
    if (up.some((t) => t === undefined)) throw new Error(`${zone} not served by every secondary before the attack`);
    // A genuine reply bound to a request of the attacker's own: replayed later, its nonce is not the secondary's.
    const replayReq = { type: "zone.data.request", version: 1, zone, nonce: randomBytes(16).toString("base64url"), requester: "attacker" };
    const oldReply = JSON.parse(Buffer.from((await nc.request(core.SUBJECTS.zoneData, core.encodeMessage(replayReq), { timeout: 10_000 })).data).toString());
    const lines = cluster.secondaries.map((s) => s.daemon.lineCount());
    const before = await Promise.all(cluster.secondaries.map((s) => scrapeMetrics(s.metricsUrl)));

    const rogue = startRogue(nc, { rogueKey: core.generateKeyPair(), oldReply });
    const events = startForgedEvents(nc, zone, ghost, 1000);
    const probe = startProbe(targets, zone, ghost, 200);
    const started = Date.now();
    const changes = await realChanges(cluster, zone, targets, opts.changes ?? 20, started + seconds * 1000);
    await Promise.all([events.stop(), probe.stop()]);
    rogue.stop();

    const after = await Promise.all(cluster.secondaries.map((s) => scrapeMetrics(s.metricsUrl)));
    const unverified = after.reduce((n, text, i) => n + metricSum(text, "pdnsd_zone_replies_unverified_total") - metricSum(before[i], "pdnsd_zone_replies_unverified_total"), 0);
    const alertLines = cluster.secondaries.reduce(
      (n, s, i) => n + logEntriesSince(s.daemon, lines[i], "zone-data reply does not verify (forged or replayed?); asking again").length,
      0,
    );
    const forgedReplies = Object.values(rogue.counts).reduce((a, b) => a + b, 0);
    const figures = {
      secondaries: targets.length,
      seconds: Math.round((Date.now() - started) / 100) / 10,
      changes: changes.served.length + changes.notServed,
      changesNotServed: changes.notServed,
      servedP50Ms: percentile(changes.served, 50),
      servedMaxMs: changes.served.length ? Math.max(...changes.served) : null,
      targetMs: TARGET_MS,
      met: changes.notServed === 0 && changes.served.length > 0 && Math.max(...changes.served) < TARGET_MS && probe.tally.zoneDown === 0 && probe.tally.ghostServed === 0,
      forgedReplies,
      forgedByKind: rogue.counts,
      forgedDeleteEvents: events.sent.delete,
      forgedAddEvents: events.sent.add,
      probeQueries: probe.tally.queries,
      zoneDownAnswers: probe.tally.zoneDown,
      ghostServedAnswers: probe.tally.ghostServed,
      unverifiedCounted: unverified,
      alertLogLines: alertLines,
    };
    return { name: "rogue-responder", figures };
  } finally {
    await nc.close().catch(() => undefined);
    if (own) await cluster.stop();
  }
}

module.exports = { run, TARGET_MS };

if (require.main === module) {
  run().then(
    (r) => console.log(JSON.stringify(r)),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
