// runUdpLoad: paced UDP DNS queries at a fixed rate, each retried once after a timeout; records what failed and when.

import { createSocket } from "node:dgram";

/** Options of {@link runUdpLoad}. */
export interface UdpLoadOptions {
  server: string;
  port: number;
  /** Queries per second (paced in 10 ms ticks). */
  qps: number;
  /** How long to send, ms (the run ends `timeoutMs` × 2 later at most). */
  durationMs: number;
  /** A try without a reply within this many ms counts as failed and is retried once. */
  timeoutMs: number;
  /** The name of query number `i` (unique names miss every cache). */
  name: (i: number) => string;
  /** Query type code (1 = A). */
  qtype: number;
  /** Called about every 10 ms with the ms since the start (e.g. to kill a server mid-run). */
  onTick?: (elapsedMs: number) => void;
}

/** One query of a load run: when it was sent (ms since the start) and how its first try and retry went. */
export interface LoadQuery {
  sentMs: number;
  /** Reply to the first try: its rcode, or undefined when none came within the timeout. */
  firstRcode: number | undefined;
  /** Reply to the retry (sent only when the first try failed). */
  retryRcode: number | undefined;
  /** ms from the first send until a reply (to either try); undefined when none. */
  latencyMs: number | undefined;
}

/** A DNS query message (RFC 1035 §4.1) with RD=1 as a stub resolver sends it. */
export function encodeQuery(id: number, name: string, qtype: number): Buffer {
  const labels = name.replace(/\.$/, "").split(".").filter((l) => l !== "");
  const parts = [Buffer.from([id >> 8, id & 0xff, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0])];
  for (const l of labels) parts.push(Buffer.from([l.length]), Buffer.from(l, "ascii"));
  parts.push(Buffer.from([0, qtype >> 8, qtype & 0xff, 0, 1]));
  return Buffer.concat(parts);
}

/** Sends the load and resolves with every query once all have been answered or have timed out twice. */
export function runUdpLoad(o: UdpLoadOptions): Promise<LoadQuery[]> {
  const sock = createSocket("udp4");
  const queries: LoadQuery[] = [];
  const inFlight = new Map<number, { q: LoadQuery; retry: boolean; timer: NodeJS.Timeout; sentAt: number }>();
  let nextId = 1;
  const t0 = performance.now();
  const send = (q: LoadQuery, name: string, retry: boolean) => {
    do nextId = (nextId % 65535) + 1;
    while (inFlight.has(nextId));
    const id = nextId;
    const timer = setTimeout(() => {
      inFlight.delete(id);
      if (!retry) send(q, name, true);
    }, o.timeoutMs);
    inFlight.set(id, { q, retry, timer, sentAt: performance.now() });
    sock.send(encodeQuery(id, name, o.qtype), o.port, o.server);
  };
  sock.on("message", (msg) => {
    const id = msg.readUInt16BE(0);
    const f = inFlight.get(id);
    if (!f) return;
    inFlight.delete(id);
    clearTimeout(f.timer);
    const rcode = msg[3]! & 0x0f;
    if (f.retry) f.q.retryRcode = rcode;
    else f.q.firstRcode = rcode;
    f.q.latencyMs = performance.now() - t0 - f.q.sentMs;
  });
  return new Promise((resolve) => {
    let sent = 0;
    const tick = setInterval(() => {
      const elapsed = performance.now() - t0;
      o.onTick?.(elapsed);
      if (elapsed >= o.durationMs) {
        clearInterval(tick);
        const done = setInterval(() => {
          if (inFlight.size > 0) return;
          clearInterval(done);
          sock.close();
          resolve(queries);
        }, 20);
        return;
      }
      const due = Math.floor((elapsed / 1000) * o.qps);
      for (; sent < due; sent++) {
        const q: LoadQuery = { sentMs: performance.now() - t0, firstRcode: undefined, retryRcode: undefined, latencyMs: undefined };
        queries.push(q);
        send(q, o.name(sent), false);
      }
    }, 10);
  });
}
