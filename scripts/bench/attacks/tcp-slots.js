// Attack 1 of issue 21: 40 source addresses × 50 TCP connections each trickle one byte every few seconds (and
// reconnect when cut) while a normal client from another prefix asks TCP queries; figure: the share it gets answered.
"use strict";
const net = require("node:net");
const { dnsPacket } = require("../lib");
const { secondaryDnsDefaults, startEngine } = require("../engine-server");

const ORIGIN = "slots.test.";
const ZONE = [
  `${ORIGIN} 3600 IN SOA ns1.${ORIGIN} hostmaster.${ORIGIN} 1 7200 3600 1209600 300`,
  `${ORIGIN} 3600 IN NS ns1.${ORIGIN}`,
  `ns1.${ORIGIN} 3600 IN A 192.0.2.53`,
  `www.${ORIGIN} 3600 IN A 192.0.2.80`,
].join("\n");
/** The normal client waits as long as dig does by default (+time=5). */
const QUERY_TIMEOUT_MS = 5000;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Attacker source addresses: 40 in one /24 (127.10.0.1–40), or one in each of 40 /24s (127.11.1.1 … 127.11.40.1). */
function attackerAddresses(layout, count) {
  return Array.from({ length: count }, (_, i) => (layout === "spread" ? `127.11.${i + 1}.1` : `127.10.0.${i + 1}`));
}

/** What a trickler sends, one byte at a time: the length of a 100-byte message, then its bytes. */
const TRICKLE = Buffer.concat([Buffer.from([0, 100]), Buffer.alloc(100, 0x41)]);

/** One trickling connection from `local`: a byte every `trickleMs`, reconnecting `trickleMs` after it is cut. */
function trickler(port, local, trickleMs, state) {
  if (state.stopped) return;
  const socket = net.connect({ host: "127.0.0.1", port, localAddress: local });
  state.sockets.add(socket);
  let timer = null;
  let sent = 0;
  const drip = () => {
    if (!socket.destroyed) socket.write(TRICKLE.subarray(sent % TRICKLE.length, (sent++ % TRICKLE.length) + 1));
    timer = setTimeout(drip, trickleMs).unref();
  };
  socket.on("connect", () => {
    state.connected++;
    drip();
  });
  socket.on("error", () => undefined);
  socket.on("close", () => {
    clearTimeout(timer);
    state.sockets.delete(socket);
    state.cut++;
    if (!state.stopped) setTimeout(() => trickler(port, local, trickleMs, state), trickleMs).unref();
  });
}

/** One query over a fresh TCP connection from `local`; resolves true when answered NOERROR within `timeoutMs`. */
function tcpQuery(port, local, id, timeoutMs) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port, localAddress: local });
    let buffered = Buffer.alloc(0);
    const finish = (ok) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.on("error", () => finish(false));
    socket.on("close", () => finish(false));
    socket.on("connect", () => {
      const query = dnsPacket.encode({ type: "query", id, questions: [{ name: `www.${ORIGIN}`, type: "A" }] });
      socket.write(Buffer.concat([Buffer.from([query.length >> 8, query.length & 0xff]), query]));
    });
    socket.on("data", (chunk) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) finish((buffered[5] & 0x0f) === 0 && buffered.readUInt16BE(8) > 0);
    });
  });
}

/** Asks `count` queries from `local`, spread over `spanMs`; returns how many were answered. */
async function normalClient(port, local, count, spanMs, timeoutMs) {
  let answered = 0;
  for (let i = 0; i < count; i++) {
    const started = Date.now();
    if (await tcpQuery(port, local, i + 1, timeoutMs)) answered++;
    await sleep(Math.max(0, spanMs / count - (Date.now() - started)));
  }
  return answered;
}

/**
 * Runs the attack. opts: layout ("one-prefix" | "spread", default both, one after the other), seconds (the normal
 * client's span, default 20), trickleMs (4000), messageTimeoutMs (the server's default when absent), queries (30),
 * addresses (40) × perAddress (50). The server takes max_tcp_connections(_per_client) from the config example.
 */
async function run(opts = {}) {
  const layouts = opts.layout === undefined ? ["one-prefix", "spread"] : [opts.layout];
  const figures = {};
  for (const layout of layouts) {
    const f = await runLayout(layout, opts);
    for (const [k, v] of Object.entries(f)) figures[`${layout}.${k}`] = v;
  }
  figures.answeredShare = Math.min(...layouts.map((l) => figures[`${l}.answeredShare`]));
  return { name: "tcp-slots", figures };
}

async function runLayout(layout, opts) {
  const dns = secondaryDnsDefaults();
  const trickleMs = opts.trickleMs ?? 4000;
  const queries = opts.queries ?? 30;
  const server = await startEngine(ORIGIN, ZONE, {
    maxTcpConnections: dns.max_tcp_connections,
    maxTcpConnectionsPerClient: dns.max_tcp_connections_per_client,
    ...(opts.messageTimeoutMs === undefined ? {} : { tcpMessageTimeoutMs: opts.messageTimeoutMs }),
  });
  const port = server.address().port;
  const state = { stopped: false, sockets: new Set(), connected: 0, cut: 0 };
  try {
    const baseline = await normalClient(port, "127.20.0.1", 5, 0, QUERY_TIMEOUT_MS);
    for (const local of attackerAddresses(layout, opts.addresses ?? 40)) {
      for (let i = 0; i < (opts.perAddress ?? 50); i++) trickler(port, local, trickleMs, state);
    }
    await sleep(Math.min(trickleMs, 2000)); // let the attack fill the slots
    const answered = await normalClient(port, "127.20.0.1", queries, (opts.seconds ?? 20) * 1000, QUERY_TIMEOUT_MS);
    const stats = { ...server.tcpStats };
    return {
      baselineAnswered: baseline / 5,
      queries,
      answered,
      answeredShare: Math.round((answered / queries) * 1000) / 1000,
      attackConnects: state.connected,
      refusedPrefix: stats.refusedPrefix,
      refusedFull: stats.refusedFull,
      evicted: stats.evicted,
      cutAtDeadline: stats.deadline,
    };
  } finally {
    state.stopped = true;
    for (const socket of state.sockets) socket.destroy();
    await server.close();
  }
}

module.exports = { run };
