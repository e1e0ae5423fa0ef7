// Attack (issue 21 item 2): unauthenticated 50 MB request bodies against the api-proxy while a client with the right
// key writes. Figures: the valid write's answer and time, the proxy's peak RSS, what the attackers got.
// Loopback only, bounded: each attacker sends at most `bodyMb` MB once and gives up after `deadlineMs`.
"use strict";
const http = require("node:http");
const fs = require("node:fs");
const path = require("node:path");
const { harness, sleep } = require("../lib.js");

const ZONE = "attack.example.";

/** Resident set size of process `pid` now, MB (Linux /proc). */
function rssMb(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : 0;
}

/** Samples `pid`'s RSS every `ms` until stopped; returns the peak, MB. */
function rssPeak(pid, ms = 50) {
  let peak = rssMb(pid);
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, rssMb(pid));
    } catch {
      /* exited */
    }
  }, ms);
  return { stop: () => (clearInterval(timer), peak) };
}

/** One PATCH with a body of `bytes` bytes (declared, or chunked) and a wrong key; resolves with what came back. */
function bigBody(url, bytes, chunked, deadlineMs) {
  return new Promise((resolve) => {
    const u = new URL(url);
    const headers = { "x-api-key": "not-the-key", "content-type": "application/json", ...(chunked ? {} : { "content-length": bytes }) };
    const req = http.request({ host: u.hostname, port: u.port, path: u.pathname, method: "PATCH", headers, agent: false });
    const chunk = Buffer.alloc(1 << 20, 0x20);
    let sent = 0;
    let done = false;
    const finish = (outcome) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      req.destroy();
      resolve({ ...outcome, sentMb: Math.round(sent / 1048576) });
    };
    const timer = setTimeout(() => finish({ outcome: "deadline" }), deadlineMs);
    const pump = () => {
      while (!done && sent < bytes) {
        const n = Math.min(chunk.length, bytes - sent);
        sent += n;
        if (!req.write(n === chunk.length ? chunk : chunk.subarray(0, n))) return void req.once("drain", pump);
      }
      if (!done) req.end();
    };
    req.on("response", (res) => {
      res.resume();
      finish({ outcome: String(res.statusCode) });
    });
    req.on("error", (err) => finish({ outcome: err.code ?? "error" }));
    pump();
  });
}

/** A valid PATCH (the right key) through the proxy; resolves with its status and time, ms. */
async function validWrite(proxyUrl, apiKey, value) {
  const t0 = performance.now();
  const res = await fetch(`${proxyUrl}/api/v1/servers/localhost/zones/${ZONE}`, {
    method: "PATCH",
    headers: { "x-api-key": apiKey, "content-type": "application/json" },
    body: JSON.stringify({ rrsets: [{ name: `www.${ZONE}`, type: "A", ttl: 60, changetype: "REPLACE", records: [{ content: value, disabled: false }] }] }),
    signal: AbortSignal.timeout(30_000),
  }).catch((err) => ({ status: err.name }));
  return { status: res.status, ms: Math.round(performance.now() - t0) };
}

/** PowerDNS with one zone and an api-proxy in front of it (NATS unreachable: events wait in its outbox). */
async function startTarget(maxBodyBytes) {
  const dir = await harness.makeTempDir("pdnsd-attack-body-");
  const pdns = await harness.startPdns({});
  await harness.pdnsApi(pdns).createZone(ZONE, { nameservers: [`ns1.${ZONE}`], rrsets: [{ name: `www.${ZONE}`, type: "A", ttl: 60, records: ["192.0.2.1"] }] });
  const port = await harness.freePort("127.0.0.1");
  const conf = path.join(dir, "api-proxy.toml");
  fs.writeFileSync(
    conf,
    `[proxy]\nlisten_address = "127.0.0.1"\nlisten_port = ${port}\ntls = false\n${maxBodyBytes ? `max_body_bytes = ${maxBodyBytes}\n` : ""}\n` +
      `[powerdns]\napi_url = "${pdns.apiUrl}"\n\n[outbox]\ndatabase = "${path.join(dir, "outbox.sqlite3")}"\n\n` +
      `[metrics]\nlisten_address = ""\n\n[nats]\nservers = ["nats://127.0.0.1:1"]\n\n[log]\nlevel = "info"\n`,
  );
  const proxy = harness.spawnDaemon({ name: "api-proxy", command: ["node", harness.daemonCli("api-proxy"), "--config", conf] });
  await proxy.waitForLog(/api-proxy listening/, 20_000);
  return {
    proxyUrl: `http://127.0.0.1:${port}`,
    apiKey: pdns.apiKey,
    pid: proxy.pid,
    async stop() {
      await proxy.stop();
      await pdns.stop();
      await harness.removeTempDir(dir);
    },
  };
}

/**
 * Runs the attack: `attackers` (5) concurrent `bodyMb` (50) MB bodies with a wrong key, declared (Content-Length)
 * then chunked; valid writes 0.3 s and 2 s after each wave starts. `maxBodyBytes` sets [proxy] max_body_bytes (default:
 * the proxy's). Resolves with `{name, figures}`.
 */
async function run(opts = {}) {
  const attackers = opts.attackers ?? 5;
  const bytes = (opts.bodyMb ?? 50) * 1048576;
  const target = await startTarget(opts.maxBodyBytes);
  try {
    const reference = await validWrite(target.proxyUrl, target.apiKey, "192.0.2.2"); // no attack; also warms the key check
    const sampler = rssPeak(target.pid);
    const waves = {};
    for (const chunked of [false, true]) {
      const wave = Array.from({ length: attackers }, () => bigBody(`${target.proxyUrl}/api/v1/servers/localhost/zones/${ZONE}`, bytes, chunked, 60_000));
      // Valid writes 0.3 s and 2 s into the wave: while the bodies are still coming, and once they could have been read.
      const valid = [];
      for (const [at, value] of [[300, 3], [2000, 4]]) {
        await sleep(at - (valid.length ? 300 : 0));
        valid.push(await validWrite(target.proxyUrl, target.apiKey, `192.0.2.${value + (chunked ? 10 : 0)}`));
      }
      const answers = await Promise.all(wave);
      waves[chunked ? "chunked" : "declared"] = { valid, attackers: answers.map((a) => a.outcome), attackerMbSent: answers.map((a) => a.sentMb) };
    }
    const peak = sampler.stop();
    await sleep(500);
    const figures = {
      attackers,
      bodyMb: bytes / 1048576,
      maxBodyBytes: opts.maxBodyBytes ?? "default",
      referenceWriteMs: reference.ms,
      validWriteStatus: [...waves.declared.valid, ...waves.chunked.valid].map((v) => v.status),
      validWriteMs: Math.max(...[...waves.declared.valid, ...waves.chunked.valid].map((v) => v.ms)),
      proxyPeakRssMb: Math.round(peak),
      proxyIdleRssMb: Math.round(rssMb(target.pid)),
      waves,
    };
    return { name: "big-body", figures };
  } finally {
    await target.stop();
  }
}

module.exports = { run };
