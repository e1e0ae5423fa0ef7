// Shared helpers for the benchmarks: workspace imports, a tiny UDP DNS poller, percentiles, the output format.
"use strict";
const path = require("node:path");
const dgram = require("node:dgram");

const ROOT = path.resolve(__dirname, "..", "..");
/** Requires a dependency of one of the workspace packages (benchmarks have no node_modules of their own). */
function requireFrom(pkg, name) {
  return require(require.resolve(name, { paths: [path.join(ROOT, "packages", pkg)] }));
}
const harness = require(path.join(ROOT, "packages", "test-harness", "dist", "index.js"));
const dnsPacket = requireFrom("dns", "dns-packet");

/**
 * Health-checker config of benchmarks that measure CPU or transfer time: no content audit, whose background AXFRs
 * (one zone every 3 s, a large zone once per R / 1,000 s) would fall into the measurements at random.
 */
const NO_AUDIT_CHECKER_TOML = "[checks]\ncontent_audit_interval_s = 0\n";

/** Seconds the benchmark may run (env BENCH_SECONDS), with a default. */
function benchSeconds(def) {
  const v = Number(process.env.BENCH_SECONDS);
  return Number.isFinite(v) && v > 0 ? v : def;
}

/** One UDP query; resolves with the decoded answer or undefined on timeout. */
function queryOnce(sock, server, port, name, type, timeoutMs) {
  return new Promise((resolve) => {
    const id = Math.floor(Math.random() * 65535);
    const buf = dnsPacket.encode({ type: "query", id, questions: [{ type, name }] });
    const timer = setTimeout(() => {
      sock.off("message", onMsg);
      resolve(undefined);
    }, timeoutMs);
    function onMsg(msg) {
      if (msg.readUInt16BE(0) !== id) return;
      clearTimeout(timer);
      sock.off("message", onMsg);
      try {
        resolve(dnsPacket.decode(msg));
      } catch {
        resolve(undefined);
      }
    }
    sock.on("message", onMsg);
    sock.send(buf, port, server);
  });
}

/** A UDP socket for polling (one per target so replies do not mix). */
function udpSocket(address) {
  const sock = dgram.createSocket(address.includes(":") ? "udp6" : "udp4");
  sock.unref();
  return sock;
}

/** Polls until `match(answer)` is true or the deadline passes; returns ms since `t0` or undefined. */
async function pollUntil(sock, target, name, type, match, t0, deadlineMs, intervalMs = 1) {
  const end = t0 + deadlineMs;
  while (Date.now() < end) {
    const r = await queryOnce(sock, target.address, target.port, name, type, 200);
    if (r && match(r)) return Date.now() - t0;
    await new Promise((res) => setTimeout(res, intervalMs));
  }
  return undefined;
}

/**
 * Polls several targets in rounds until each answers `match`: every `intervalMs` one query goes to each target
 * that has not matched yet, all from one socket, and the round ends when their replies are in (or after 200 ms).
 * Resolves with the ms from `t0` at which each target first matched (undefined: not within `deadlineMs`).
 * `intervalMs` may be a function of the ms elapsed since `t0` (e.g. {@link backoffInterval}).
 * One timer and one socket per round instead of one per target: on this VM every wake-up of a process costs
 * ~0.2 ms of CPU, so independent 1 ms pollers per target would take more of the two cores than the system they
 * measure (docs/scale.md, "Propagation of one change").
 */
async function pollAll(sock, targets, name, type, match, t0, deadlineMs, intervalMs = 1) {
  const pause = typeof intervalMs === "function" ? intervalMs : () => intervalMs;
  const end = t0 + deadlineMs;
  const times = targets.map(() => undefined);
  const byKey = new Map(targets.map((t, k) => [`${t.address}:${t.port}`, k]));
  while (Date.now() < end && times.some((x) => x === undefined)) {
    const waiting = new Map(); // query id → target index
    for (let k = 0; k < targets.length; k++) {
      if (times[k] !== undefined) continue;
      let id;
      do id = Math.floor(Math.random() * 65535);
      while (waiting.has(id));
      waiting.set(id, k);
      sock.send(dnsPacket.encode({ type: "query", id, questions: [{ type, name }] }), targets[k].port, targets[k].address);
    }
    await new Promise((resolve) => {
      const timer = setTimeout(finish, 200);
      function finish() {
        clearTimeout(timer);
        sock.off("message", onMsg);
        resolve();
      }
      function onMsg(msg, rinfo) {
        const id = msg.readUInt16BE(0);
        const k = waiting.get(id);
        if (k === undefined || byKey.get(`${rinfo.address}:${rinfo.port}`) !== k) return;
        waiting.delete(id);
        let r;
        try {
          r = dnsPacket.decode(msg);
        } catch {
          r = undefined;
        }
        if (r && match(r) && times[k] === undefined) times[k] = Date.now() - t0;
        if (waiting.size === 0) finish();
      }
      sock.on("message", onMsg);
    });
    if (times.some((x) => x === undefined)) await new Promise((res) => setTimeout(res, pause(Date.now() - t0)));
  }
  return times;
}

/** The machine's CPU time counters (/proc/stat, all CPUs), to compare two moments with cpuShares. */
function cpuSample() {
  try {
    const f = require("node:fs").readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
    return { user: f[0] + f[1], sys: f[2] + f[5] + f[6], idle: f[3] + f[4], steal: f[7] || 0 };
  } catch {
    return undefined;
  }
}

/**
 * Percent of the machine's CPU time between two cpuSample()s that was user, system, idle and *stolen* (taken by
 * the hypervisor for other guests: on a shared VM, a run with much steal is slower for reasons outside the code).
 */
function cpuShares(a, b) {
  if (!a || !b) return undefined;
  const d = {};
  let total = 0;
  for (const k of Object.keys(a)) total += d[k] = b[k] - a[k];
  const out = {};
  for (const k of Object.keys(d)) out[`${k}_pct`] = total > 0 ? Math.round((1000 * d[k]) / total) / 10 : 0;
  return out;
}

/**
 * CPU time used so far by each live process, ms, by a short name (the daemon's package, nats-server, pdns_server,
 * "bench" for this process): the sum over its threads of /proc/<pid>/task/<tid>/schedstat (time on a CPU, ns).
 * Threads that already exited are not counted (PowerDNS runs each API connection in a thread of its own, so its
 * figure is low).
 */
function processCpu() {
  const fs = require("node:fs");
  const out = new Map();
  for (const pid of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
      let name;
      if (Number(pid) === process.pid) name = "bench";
      else if (cmd.some((a) => a.includes("nats-server"))) name = "nats-server";
      else if (cmd.some((a) => a.includes("pdns_server"))) name = "pdns_server";
      else {
        const m = cmd.map((a) => /packages\/([a-z-]+)\/dist\/cli\.js$/.exec(a)).find(Boolean);
        if (!m) continue;
        name = m[1];
      }
      out.set(pid, { name, ms: threadCpuMs(pid) });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** CPU time of every thread of process `pid` so far, ms (/proc/<pid>/task/<tid>/schedstat: time on a CPU, ns). */
function threadCpuMs(pid) {
  const fs = require("node:fs");
  let ns = 0;
  for (const t of fs.readdirSync(`/proc/${pid}/task`)) ns += Number(fs.readFileSync(`/proc/${pid}/task/${t}/schedstat`, "utf8").split(" ")[0]);
  return ns / 1e6;
}

/** CPU ms per process name between two processCpu() snapshots (processes of one name summed), largest first. */
function processCpuDelta(before, after) {
  const by = new Map();
  for (const [pid, a] of after) by.set(a.name, (by.get(a.name) || 0) + a.ms - (before.get(pid)?.ms || 0));
  return [...by].map(([name, ms]) => ({ name, ms: Math.round(ms) })).sort((x, y) => y.ms - x.ms);
}

/** p-th percentile of numbers (nearest rank). */
function percentile(values, p) {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

/** Prints rows as an aligned table. */
function printTable(header, rows) {
  const all = [header, ...rows].map((r) => r.map((c) => String(c)));
  const widths = header.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  const line = (r) => r.map((c, i) => c.padEnd(widths[i])).join("  ");
  console.log(line(all[0]));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const r of all.slice(1)) console.log(line(r));
}


/** Runs `count` tasks with at most `concurrency` at a time (each gets its index); stops starting new ones
 *  once `deadline` (epoch ms) has passed. Resolves with the number of tasks started. */
async function runPool(count, concurrency, task, deadline = Infinity) {
  let next = 0;
  const worker = async () => {
    while (next < count && Date.now() < deadline) {
      const i = next++;
      await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, count)) }, worker));
  return next;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Calls `fn` and retries it like a client when PowerDNS' sqlite backend answers 500 ("database is locked")
 * under concurrent writes: at most `attempts` tries, growing pause with jitter. `onRetry` counts the retries.
 */
async function retry500(fn, onRetry = () => {}, attempts = 40) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= attempts || !/ 500 /.test(String(err && err.message))) throw err;
      onRetry();
      await sleep(Math.min(500, 10 * attempt) + Math.floor(Math.random() * 50));
    }
  }
}

/** Scrapes a Prometheus endpoint (`<base>/metrics`); resolves with its text or "" on failure (2 s timeout). */
async function scrapeMetrics(base) {
  try {
    const res = await fetch(`${base}/metrics`, { signal: AbortSignal.timeout(2000) });
    return res.ok ? await res.text() : "";
  } catch {
    return "";
  }
}

/** Sum of the samples of metric `name` in a Prometheus text whose labels contain every `labels` pair. */
function metricSum(text, name, labels = {}) {
  let sum = 0;
  for (const line of text.split("\n")) {
    if (!line.startsWith(name) || (line[name.length] !== "{" && line[name.length] !== " ")) continue;
    const m = /^[^{\s]+(?:\{([^}]*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const have = m[1] || "";
    if (Object.entries(labels).every(([k, v]) => have.includes(`${k}="${v}"`))) sum += Number(m[2]);
  }
  return sum;
}

/** JSON log entries of a harness daemon with `msg`, from absolute line number `from` (see Daemon.lineCount). */
function logEntriesSince(daemon, from, msg) {
  const lines = daemon.logLines();
  const dropped = daemon.lineCount() - lines.length;
  const out = [];
  for (const line of lines.slice(Math.max(0, from - dropped))) {
    if (!line.startsWith("{")) continue;
    try {
      const j = JSON.parse(line);
      if (j.msg === msg) out.push(j);
    } catch {
      /* not JSON */
    }
  }
  return out;
}

/**
 * Poll pause for pollAll: 1 ms for the first second after the change, 10 ms after that. A change that takes
 * seconds (a huge zone) is then timed to 10 ms, and the poller's own queries (which the secondaries answer,
 * and whose CPU the benchmarks count) stay ~100/s per target instead of ~1,000/s.
 */
const backoffInterval = (elapsedMs) => (elapsedMs < 1000 ? 1 : 10);

/** VmRSS and VmHWM (peak) of a process, MiB. */
function memOf(pid) {
  const status = require("node:fs").readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (key) => Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN);
  return { rss: Math.round(kb("VmRSS") / 1024), peak: Math.round(kb("VmHWM") / 1024) };
}

let clockTicks;
/**
 * CPU time (user + system) of process `pid` so far, ms, from /proc/<pid>/stat: all its threads, including those
 * that already exited (a compile thread that ended), unlike threadCpuMs. Resolution one clock tick (10 ms).
 */
function procCpuMs(pid) {
  if (clockTicks === undefined) clockTicks = Number(require("node:child_process").execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" })) || 100;
  const stat = require("node:fs").readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" "); // fields from the 3rd (state) on
  return ((Number(f[11]) + Number(f[12])) * 1000) / clockTicks; // utime, stime (fields 14, 15)
}

/** procCpuMs of each pid of `pids` ({name: pid}); a process that is gone counts NaN. */
function cpuOfPids(pids) {
  const out = {};
  for (const [name, pid] of Object.entries(pids)) {
    try {
      out[name] = procCpuMs(pid);
    } catch {
      out[name] = NaN;
    }
  }
  return out;
}

/** The pids of a harness cluster's daemons (and its nats-server and PowerDNS), by short name (sec1, sec2, …). */
function clusterPids(cluster) {
  const pids = { "api-proxy": cluster.apiProxy.pid, "zone-provider": cluster.zoneProvider.pid, "health-checker": cluster.healthChecker.pid };
  if (cluster.nats.process?.pid) pids["nats-server"] = cluster.nats.process.pid;
  for (const s of cluster.secondaries) pids[s.id] = s.daemon.pid;
  return pids;
}

/** A PowerDNS SOA + NS pair of rows ([name, type, content, ttl]) for `zone` ("x.bench.", serial optional). */
function* apexRows(zone, serial = 2026112201) {
  const name = zone.slice(0, -1);
  yield [name, "SOA", `ns1.${name} hostmaster.${name} ${serial} 10800 3600 604800 3600`, 3600];
  yield [name, "NS", `ns1.${name}`, 3600];
}

/** `count` A records h0 … h<count-1> in `zone`, as rows for insertPdnsZones (address 10.x.y.z from the index). */
function* hostRows(zone, count) {
  for (let i = 0; i < count; i++) yield [`h${i}.${zone.slice(0, -1)}`, "A", hostIp(i), 300];
}

/** The address of host row `i` (hostRows). */
const hostIp = (i) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;

/** A zone for insertPdnsZones: SOA, NS, `hosts` A records (hostRows), then the `extra` rows. */
function bulkZone(zone, hosts, { extra = [], serial, kind, metadata } = {}) {
  const rows = (function* () {
    yield* apexRows(zone, serial);
    yield* hostRows(zone, hosts);
    yield* extra;
  })();
  return { name: zone, kind, metadata, rows };
}

/**
 * Writes zones straight into a PowerDNS gsqlite3 database, all in one transaction (creating 1,000,000 records
 * through the HTTP API is one ~80 MB request and minutes of PowerDNS' time; this is ~10 s). Each zone is
 * `{name: "x.bench.", kind: "NATIVE"|"MASTER"|"SLAVE", master: "ip:port" (SLAVE), rows: iterable of [name, type, content,
 * ttl], metadata: {KIND: [values]}}`.
 * Give SOA-EDIT-API DEFAULT in `metadata` for PATCHes through the API to raise the serial as for API-made zones.
 */
function insertPdnsZones(dbPath, zones) {
  const Database = requireFrom("test-harness", "better-sqlite3");
  const db = new Database(dbPath);
  db.pragma("busy_timeout = 10000");
  const dom = db.prepare("INSERT INTO domains (name, type, master) VALUES (?, ?, ?)");
  const rec = db.prepare("INSERT INTO records (domain_id, name, type, content, ttl, disabled, auth) VALUES (?, ?, ?, ?, ?, 0, 1)");
  const meta = db.prepare("INSERT INTO domainmetadata (domain_id, kind, content) VALUES (?, ?, ?)");
  try {
    db.transaction(() => {
      for (const z of zones) {
        const id = dom.run(z.name.slice(0, -1), z.kind || "NATIVE", z.master ?? null).lastInsertRowid;
        for (const [name, type, content, ttl] of z.rows) rec.run(id, name, type, content, ttl);
        for (const [kind, values] of Object.entries(z.metadata || {})) for (const v of values) meta.run(id, kind, v);
      }
    })();
  } finally {
    db.close();
  }
}

/**
 * Publishes one zone event per name (default zone.add) as the api-proxy does after a successful write (its own
 * JetStream publisher), `concurrency` at a time, until `deadline`; resolves with the number published.
 */
async function publishZoneEvents(natsUrl, names, { type = "zone.add", concurrency = 64, deadline = Infinity } = {}) {
  const core = require(path.join(ROOT, "packages", "core", "dist", "index.js"));
  const proxy = require(path.join(ROOT, "packages", "api-proxy", "dist", "index.js"));
  const natsCfg = core.natsConfigSchema.parse({ servers: [natsUrl] });
  const nc = await core.connectNats(natsCfg, "bench-publisher", core.createLogger("bench", "silent"));
  try {
    const publisher = proxy.jetStreamPublisher(nc, 10000, natsCfg);
    return await runPool(names.length, concurrency, (i) => publisher.publish(core.newZoneEvent(type, names[i], "api-proxy")), deadline);
  } finally {
    await nc.close();
  }
}

/**
 * Gives a harness cluster the patience a huge zone needs: each secondary's zone-data request timeout (AXFR,
 * render, sign and object-store put of the whole zone take the zone-provider many seconds) and the api-proxy's
 * timeout for PowerDNS (a PATCH of a 1,000,000-record zone keeps PowerDNS busy for seconds), then restarts them.
 */
async function raiseClusterTimeouts(cluster, ms = 600000) {
  const fs = require("node:fs");
  const edit = (file, from, to) => fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace(from, to));
  for (const sec of cluster.secondaries) {
    edit(sec.configFile, /request_timeout_ms = \d+/, `request_timeout_ms = ${ms}`);
    await sec.restart();
  }
  edit(path.join(cluster.dir, "api-proxy.toml"), /api_url = ("[^"]*")/, `api_url = $1\ntimeout_ms = ${ms}`);
  await cluster.restartDaemon("api-proxy");
}

/** The load averages over 1, 5 and 15 minutes (/proc/loadavg), to print beside figures taken on a shared machine. */
function loadAverage() {
  try {
    return require("node:fs").readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).map(Number);
  } catch {
    return undefined;
  }
}

/** A DNS answer matcher: true when the answer holds a TXT record whose text is `want`. */
const txtMatches = (want) => (r) => (r.answers || []).some((a) => a.type === "TXT" && a.data.map((d) => d.toString()).join("") === want);

/** CPU rate (ms per s) of each of `pids` ({name: pid}) over `ms` of idleness, to subtract with cpuPerChange. */
async function idleRates(pids, ms) {
  const a = cpuOfPids(pids);
  await sleep(ms);
  const b = cpuOfPids(pids);
  return Object.fromEntries(Object.keys(pids).map((k) => [k, ((b[k] - a[k]) * 1000) / ms]));
}

/** CPU ms per change of each process between two cpuOfPids snapshots, its idle rate over `durMs` subtracted. */
function cpuPerChange(before, after, idle, durMs, changes) {
  const out = {};
  for (const k of Object.keys(before)) out[k] = changes > 0 ? Math.max(0, after[k] - before[k] - ((idle[k] || 0) * durMs) / 1000) / changes : NaN;
  return out;
}

/** p50, p99 and max of numbers. */
const latencyStats = (v) => ({ p50: percentile(v, 50), p99: percentile(v, 99), max: v.length ? Math.max(...v) : NaN });

/**
 * Makes up to `count` changes within `budgetMs` (at least one) and times each until every target answers it:
 * `change(value)` makes it and resolves with the time (Date.now()) of the API's answer; the targets are polled for
 * TXT `name` = value in rounds (pollAll with backoffInterval), at most `timeoutMs` (three timeouts end it).
 * Resolves with latencyStats from the request (`lat`) and from the API's answer (`after_response`), the API's own
 * times, the machine's CPU shares and, for `pids`, CPU ms per change with their `idle` rates subtracted (and, as
 * `cpu_ms_per_change_raw`, without: an idle rate measured while a process still finishes earlier work can exceed its
 * rate during the changes, and clip the difference to 0); the CPU is read `tailMs` after the last change, for work
 * done later (the health-checker checks each event 5 s after it).
 */
async function measureChanges({ count, budgetMs, change, targets, name, timeoutMs, pids = {}, idle = {}, tailMs = 0 }) {
  const sock = udpSocket("127.0.0.1");
  const [lat, after, api] = [[], [], []];
  let failed = 0;
  const cpu0 = cpuSample();
  const proc0 = cpuOfPids(pids);
  const start = Date.now();
  for (let i = 0; i < count && (i === 0 || Date.now() < start + budgetMs); i++) {
    const want = `v${Date.now()}-${i}`;
    const t0 = Date.now();
    const answered = (await change(want)) - t0;
    const times = await pollAll(sock, targets, name, "TXT", txtMatches(want), t0, timeoutMs, backoffInterval);
    if (times.some((x) => x === undefined)) {
      if (++failed >= 3) break;
      continue;
    }
    lat.push(Math.max(...times));
    after.push(Math.max(...times) - answered);
    api.push(answered);
  }
  sock.close();
  await sleep(tailMs);
  const proc1 = cpuOfPids(pids);
  const cpuMs = cpuPerChange(proc0, proc1, idle, Date.now() - start, lat.length);
  const raw = cpuPerChange(proc0, proc1, {}, Date.now() - start, lat.length);
  return { changes: lat.length, failed, lat: latencyStats(lat), after_response: latencyStats(after), api_ms: latencyStats(api), cpu: cpuShares(cpu0, cpuSample()), cpu_ms_per_change: cpuMs, cpu_ms_per_change_raw: raw };
}

module.exports = {
  ROOT, harness, dnsPacket, requireFrom, NO_AUDIT_CHECKER_TOML, benchSeconds, queryOnce, udpSocket, pollUntil, pollAll, percentile, printTable,
  cpuSample, cpuShares, processCpu, processCpuDelta, threadCpuMs,
  runPool, sleep, retry500, scrapeMetrics, metricSum, logEntriesSince,
  backoffInterval, memOf, procCpuMs, cpuOfPids, clusterPids, apexRows, hostRows, hostIp, bulkZone, insertPdnsZones, publishZoneEvents,
  raiseClusterTimeouts, loadAverage, txtMatches, idleRates, cpuPerChange, latencyStats, measureChanges,
};
