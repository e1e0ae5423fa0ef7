// Primary side of the DNS workers: forks N cluster workers sharing the UDP/TCP sockets and tells them about zone changes.
import cluster from "node:cluster";
import { randomBytes } from "node:crypto";
import type { Worker } from "node:cluster";
import { join } from "node:path";
import type { Logger } from "@pdns-distribute/core";
import type { DnsServer } from "@pdns-distribute/answer";
import type { SecondarySyncerConfig } from "./config";
import { DNS_WORKER_ENV } from "./dns-worker";
import type { DnsWorkerMessage, DnsWorkerSetup } from "./dns-worker";
import type { DnsWorkerSource } from "./metrics";
import type { ServedChanges } from "./served-zones";

/** DNS served by worker processes: the {@link DnsServer} interface plus change notifications and query tallies. */
export interface DnsWorkerPool extends DnsServer, DnsWorkerSource {
  /**
   * Tells every worker that `zone` changed (call after the store has committed it): to apply `changes` to the
   * version it serves when given and it serves the version they come from, else to reload the zone from SQLite.
   */
  zoneChanged(zone: string, changes?: ServedChanges): void;
  /** Tells every worker to stop serving `zone`. */
  zoneRemoved(zone: string): void;
}

/** A worker that dies is replaced after this delay (not in a tight loop). */
const RESPAWN_DELAY_MS = 1000;
/** Time a worker has to start listening. */
const START_TIMEOUT_MS = 60_000;
/** Time the workers have to answer a flush of their query tallies before a scrape goes on without them. */
const TALLY_FLUSH_TIMEOUT_MS = 1000;

/**
 * Forks `cfg.dns.workers` DNS worker processes (Node's cluster module shares the listening sockets between them,
 * so the kernel spreads queries over the processes; with udp_io batch each worker binds its own SO_REUSEPORT UDP
 * socket instead, see dns-options.ts). Each worker reads the zones from SQLite itself. The first
 * worker picks the port when `listen_port` is 0; the others use it. A dead worker is replaced. Each worker sends
 * its query tally every second (and when flushed before a scrape); `onQueryTally` receives the deltas (and those
 * of the DNS cookie outcomes, when any).
 */
export async function startDnsWorkers(
  cfg: SecondarySyncerConfig,
  publicKey: Uint8Array | readonly Uint8Array[],
  logger: Logger,
  onQueryTally?: (delta: unknown, cookies?: unknown) => void,
): Promise<DnsWorkerPool> {
  cluster.setupPrimary({ exec: join(__dirname, "dns-worker.js"), args: [], silent: false });
  const workers = new Set<Worker>();
  let stopping = false;
  let bound = { address: cfg.dns.listen_address, port: cfg.dns.listen_port };
  const keys = publicKey instanceof Uint8Array ? [publicKey] : publicKey;
  const listening = new Set<Worker>();
  // The flush in progress: the workers that have not answered it yet.
  let flushSeq = 0;
  let flushing: { seq: number; waiting: Set<Worker>; done: () => void; promise: Promise<void> } | null = null;
  const answered = (worker: Worker, seq?: number): void => {
    if (flushing === null || (seq !== undefined && seq !== flushing.seq)) return;
    flushing.waiting.delete(worker);
    if (flushing.waiting.size === 0) flushing.done();
  };
  // DNS cookies: one master secret for all workers, so a cookie one made verifies at any other (the kernel spreads
  // a client's queries over the workers). Random per start, in memory, handed over IPC on each worker's request.
  const cookieSecret = randomBytes(32).toString("base64");
  const setup = (): DnsWorkerSetup => ({ cfg, publicKeys: keys.map((k) => Buffer.from(k).toString("base64")), port: bound.port });

  const fork = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const worker = cluster.fork({ [DNS_WORKER_ENV]: JSON.stringify(setup()) });
      workers.add(worker);
      const timer = setTimeout(() => reject(new Error("a DNS worker did not start listening in time")), START_TIMEOUT_MS);
      worker.on("message", (msg: DnsWorkerMessage) => {
        if (msg.type === "query-tally") {
          onQueryTally?.(msg.delta, msg.cookies);
          if (msg.flush !== undefined) answered(worker, msg.flush);
          return;
        }
        if (msg.type === "cookie-secret-request") {
          worker.send({ type: "cookie-secret", secret: cookieSecret } satisfies DnsWorkerMessage);
          return;
        }
        if (msg.type !== "listening") return;
        listening.add(worker);
        clearTimeout(timer);
        bound = { address: msg.address, port: msg.port };
        logger.info({ worker: worker.id, pid: worker.process.pid, zones: msg.zones }, "DNS worker listening");
        resolve();
      });
      worker.once("exit", (code, signal) => {
        clearTimeout(timer);
        workers.delete(worker);
        listening.delete(worker);
        answered(worker); // its unsent queries (at most the last second's) are lost
        if (stopping) return;
        logger.error({ worker: worker.id, code, signal }, "DNS worker exited; starting a new one");
        reject(new Error(`DNS worker exited during startup (code ${code}, signal ${signal})`));
        setTimeout(() => {
          if (!stopping) fork().catch((err: unknown) => logger.error({ err: (err as Error).message }, "DNS worker restart failed"));
        }, RESPAWN_DELAY_MS).unref();
      });
    });

  await fork(); // the first one fixes the port
  await Promise.all(Array.from({ length: cfg.dns.workers - 1 }, fork));
  const broadcast = (msg: DnsWorkerMessage): void => {
    for (const worker of workers) if (worker.isConnected()) worker.send(msg);
  };
  let closing: Promise<void> | null = null;
  return {
    address: () => ({ ...bound }),
    zoneChanged: (zone, changes) => broadcast({ type: "zone-changed", zone, ...(changes ? { changes: plainChanges(changes) } : {}) }),
    zoneRemoved: (zone) => broadcast({ type: "zone-removed", zone }),
    running: () => listening.size,
    flushQueryTallies() {
      if (flushing !== null) return flushing.promise; // a concurrent scrape waits for the same flush
      const waiting = new Set([...listening].filter((w) => w.isConnected()));
      if (waiting.size === 0) return Promise.resolve();
      const seq = ++flushSeq;
      let done!: () => void;
      const promise = new Promise<void>((resolve) => (done = resolve));
      const timer = setTimeout(() => done(), TALLY_FLUSH_TIMEOUT_MS);
      flushing = { seq, waiting, done, promise };
      void promise.then(() => {
        clearTimeout(timer);
        flushing = null;
      });
      for (const worker of waiting) worker.send({ type: "flush-query-tally", flush: seq } satisfies DnsWorkerMessage);
      return promise;
    },
    close() {
      stopping = true;
      closing ??= Promise.all(
        [...workers].map(
          (worker) =>
            new Promise<void>((resolve) => {
              const kill = setTimeout(() => worker.process.kill("SIGKILL"), 5000);
              worker.once("exit", () => {
                clearTimeout(kill);
                resolve();
              });
              worker.process.kill("SIGTERM");
            }),
        ),
      ).then(() => undefined);
      return closing;
    },
  };
}

/** The changes as plain JSON for the IPC channel: each record in presentation form (the worker encodes its RDATA). */
function plainChanges(c: ServedChanges): ServedChanges {
  const changes = c.changes.map((ch) => ({ name: ch.name, type: ch.type, records: ch.records.map((r) => ({ name: r.name, type: r.type, ttl: r.ttl, rdata: r.rdata })) }));
  return { fromSerial: c.fromSerial, serial: c.serial, changes };
}
