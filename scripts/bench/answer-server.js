#!/usr/bin/env node
// Benchmark target: serves one zone file with the answer engine (N cluster workers) or as a bare dgram ceiling.
// Usage: answer-server.js engine <zone-file> <origin> <port> <workers> [udp_io]   |   answer-server.js bare <port>
// udp_io: auto (default), batch or dgram; with workers > 1 each worker binds its own SO_REUSEPORT batch socket.
// Prints "ready <port>" on stdout once listening. Not a daemon: it is started and killed by answer-qps.
"use strict";
const cluster = require("node:cluster");
const dgram = require("node:dgram");
const fs = require("node:fs");
const path = require("node:path");

const ROOT = path.resolve(__dirname, "..", "..");
const [mode, ...args] = process.argv.slice(2);

/** Bare Node ceiling: one socket, every query answered with the same precompiled response (only the ID copied). */
function bare(port) {
  const reply = Buffer.from("0000818000010001000000000377777704626e6368000001000103777777" + "04626e636800000100010000012c0004c0000201", "hex");
  const sock = dgram.createSocket("udp4");
  sock.on("message", (msg, rinfo) => {
    if (msg.length < 2) return;
    reply[0] = msg[0];
    reply[1] = msg[1];
    sock.send(reply, rinfo.port, rinfo.address);
  });
  sock.bind(port, "127.0.0.1", () => {
    sock.setRecvBufferSize(2 * 1024 * 1024);
    console.log(`ready ${port}`);
  });
}

/** The answer engine, as the secondary runs it (compiled zone, startDnsServer; cluster workers share the sockets). */
async function engine(file, origin, port, workers, udpIo) {
  if (workers > 1 && cluster.isPrimary) {
    let ready = 0;
    for (let i = 0; i < workers; i++) {
      cluster.fork().on("message", (m) => {
        if (m === "ready" && ++ready === workers) console.log(`ready ${port}`);
      });
    }
    return;
  }
  const { parseZoneText } = require(path.join(ROOT, "packages", "dns", "dist", "index.js"));
  const { compileZone, createZoneSet, startDnsServer } = require(path.join(ROOT, "packages", "answer", "dist", "index.js"));
  const zones = createZoneSet([compileZone(origin, parseZoneText(fs.readFileSync(file, "utf8")))]);
  const logger = { warn: () => undefined, error: (o, m) => console.error(m, o), debug: () => undefined };
  const server = await startDnsServer({ address: "127.0.0.1", port, zones, logger, udpIo, udpReusePort: workers > 1 });
  if (server.udpIo !== udpIo && udpIo !== "auto") throw new Error(`asked for udp_io ${udpIo}, got ${server.udpIo}`);
  if (cluster.isWorker) process.send("ready");
  else console.log(`ready ${port}`);
}

if (mode === "bare") bare(Number(args[0]));
else if (mode === "engine") void engine(args[0], args[1], Number(args[2]), Number(args[3]), args[4] ?? "auto");
else {
  console.error("usage: answer-server.js engine <zone-file> <origin> <port> <workers> [auto|batch|dgram] | bare <port>");
  process.exit(2);
}
