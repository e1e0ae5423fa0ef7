// Attack 6 of issue 21: random names under one wildcard from one source at full speed, to an engine with the
// secondary's default RRL; figure: the share of full (non-TC) answers (target ≤ 10 %; before BIND-style keying, 100 %).
"use strict";
const dgram = require("node:dgram");
const crypto = require("node:crypto");
const { dnsPacket } = require("../lib");
const { secondaryDnsDefaults, startEngine } = require("../engine-server");

const ORIGIN = "wild.test.";
/** A wildcard TXT of about 800 bytes: a 60-byte query buys a large answer (the amplification RRL is for). */
const ZONE = [
  `${ORIGIN} 3600 IN SOA ns1.${ORIGIN} hostmaster.${ORIGIN} 1 7200 3600 1209600 300`,
  `${ORIGIN} 3600 IN NS ns1.${ORIGIN}`,
  `ns1.${ORIGIN} 3600 IN A 192.0.2.53`,
  ...Array.from({ length: 4 }, (_, i) => `*.${ORIGIN} 3600 IN TXT "${String(i).repeat(190)}"`),
].join("\n");

/** Sends `count` queries for random names under the wildcard from one socket, as fast as it can; counts replies. */
async function flood(port, count) {
  const socket = dgram.createSocket("udp4");
  await new Promise((resolve) => socket.bind(0, "127.0.0.1", resolve));
  const seen = { replies: 0, full: 0, truncated: 0 };
  socket.on("message", (reply) => {
    seen.replies++;
    if ((reply[2] & 0x02) !== 0) seen.truncated++;
    else if (reply.readUInt16BE(6) > 0) seen.full++;
  });
  for (let i = 0; i < count; i++) {
    const name = `${crypto.randomBytes(6).toString("hex")}.${ORIGIN}`;
    const additionals = [{ type: "OPT", name: ".", udpPayloadSize: 4096, flags: 0 }]; // EDNS: the whole answer fits
    socket.send(dnsPacket.encode({ type: "query", id: i & 0xffff, questions: [{ name, type: "TXT" }], additionals }), port, "127.0.0.1");
    if (i % 100 === 99) await new Promise((resolve) => setImmediate(resolve)); // let replies in, keep the pace
  }
  await new Promise((resolve) => setTimeout(resolve, 500));
  socket.close();
  return seen;
}

/** Runs the attack; `opts.names` (default 5,000) random names. */
async function run(opts = {}) {
  const names = opts.names ?? 5000;
  const dns = secondaryDnsDefaults();
  const rrl = { responsesPerSecond: dns.rrl_responses_per_second, slip: dns.rrl_slip, windowSeconds: dns.rrl_window };
  const server = await startEngine(ORIGIN, ZONE, { rrl });
  try {
    const started = Date.now();
    const seen = await flood(server.address().port, names);
    return {
      name: "rrl-wildcard",
      figures: {
        queries: names,
        seconds: Math.round((Date.now() - started) / 100) / 10,
        replies: seen.replies,
        fullAnswers: seen.full,
        truncated: seen.truncated,
        fullAnswerShare: Math.round((seen.full / names) * 10000) / 10000,
        rrlResponsesPerSecond: rrl.responsesPerSecond,
      },
    };
  } finally {
    await server.close();
  }
}

module.exports = { run };
