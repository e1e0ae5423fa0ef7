#!/usr/bin/env node
// Benchmark: in-process answerQuery loop (no sockets) over the answer-qps zone and query mix; for profiling the hot path.
// Env: BENCH_SECONDS (default 5, split between DO=0 and DO=1). Prints µs/query and queries/s, then one JSON line.
"use strict";
const path = require("node:path");
const { dnsPacket, benchSeconds, printTable } = require("./lib");

const ROOT = path.resolve(__dirname, "..", "..");
const { parseZoneText } = require(path.join(ROOT, "packages", "dns", "dist", "index.js"));
const { answerQuery, compileZone, createZoneSet } = require(path.join(ROOT, "packages", "answer", "dist", "index.js"));
const { zoneText, queryList, ORIGIN } = require("./answer-mix");

const zones = createZoneSet([compileZone(ORIGIN, parseZoneText(zoneText()))]);
const logger = { warn: () => undefined, error: (o, m) => console.error(m, o) };
const ctx = { zones, logger, transport: "udp", options: { maxUdpPayload: 1232, roundRobin: true } };

function packets(dnssec) {
  return queryList().map(([name, type], i) =>
    dnsPacket.encode({
      type: "query", id: i, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type }],
      additionals: [{ type: "OPT", name: ".", udpPayloadSize: 1232, flags: dnssec ? dnsPacket.DNSSEC_OK : 0 }],
    }),
  );
}

function run(msgs, seconds) {
  let n = 0;
  const end = Date.now() + seconds * 1000;
  const t0 = process.hrtime.bigint();
  while (Date.now() < end) {
    for (let i = 0; i < msgs.length; i++) answerQuery(msgs[i], ctx);
    n += msgs.length;
  }
  const ns = Number(process.hrtime.bigint() - t0);
  return { usPerQuery: Math.round((ns / n / 1000) * 100) / 100, qps: Math.round(n / (ns / 1e9)) };
}

const seconds = benchSeconds(5) / 2;
run(packets(false), 0.5); // warm-up (JIT)
const plain = run(packets(false), seconds);
const dnssec = run(packets(true), seconds);
printTable(["mix", "µs/query", "queries/s"], [["DO=0", plain.usPerQuery, plain.qps], ["DO=1", dnssec.usPerQuery, dnssec.qps]]);
console.log(JSON.stringify({ benchmark: "answer-loop", plain, dnssec }));
