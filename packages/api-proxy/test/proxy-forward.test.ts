// Forwarding to PowerDNS: a kept-alive connection PowerDNS closed meanwhile is retried once on a new one.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { createLogger } from "@pdns-distribute/core";
import type { ZoneEvent } from "@pdns-distribute/core";
import { createWriteGate, startApiProxy } from "../src";

const logger = createLogger("test", "silent");

test("a request on a reused connection closed by the upstream is sent again, not answered 502", async () => {
  let served = 0;
  const seenOn = new WeakMap<object, number>();
  const upstream = http.createServer((req, res) => {
    const n = (seenOn.get(req.socket) ?? 0) + 1;
    seenOn.set(req.socket, n);
    if (n === 2) {
      req.socket.destroy(); // as if PowerDNS closed the idle connection just as the request arrived
      return;
    }
    served++;
    req.resume();
    req.on("end", () => res.end(JSON.stringify({ n: served })));
  });
  await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", () => r()));
  const proxy = await startApiProxy(
    {
      listenAddress: "127.0.0.1",
      listenPort: 0,
      upstreamUrl: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`,
      upstreamTimeoutMs: 5000,
      maxBodyBytes: 1024,
    },
    { submit: async () => true },
    logger,
  );
  try {
    const url = `http://127.0.0.1:${proxy.address().port}/api/v1/servers/localhost/zones`;
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await fetch(url)).status);
    expect(statuses).toEqual([200, 200, 200]);
    expect(served).toBe(3);
  } finally {
    await proxy.close();
    upstream.closeAllConnections();
    upstream.close();
  }
});

test("a zone change PowerDNS does not answer in time is answered 502 and still announced (it may have been applied)", async () => {
  const upstream = http.createServer((req) => {
    req.resume(); // takes the request, never answers (a PATCH of a huge zone)
  });
  await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", () => r()));
  const submitted: ZoneEvent[] = [];
  const proxy = await startApiProxy(
    {
      listenAddress: "127.0.0.1",
      listenPort: 0,
      upstreamUrl: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`,
      upstreamTimeoutMs: 300,
      maxBodyBytes: 4096,
    },
    { submit: async (e) => (submitted.push(e), true) },
    logger,
  );
  try {
    const base = `http://127.0.0.1:${proxy.address().port}/api/v1/servers/localhost/zones`;
    const patch = await fetch(`${base}/example.org.`, { method: "PATCH", body: JSON.stringify({ rrsets: [] }) });
    expect(patch.status).toBe(502);
    const patchBody = (await patch.json()) as { note?: string; detail?: string };
    expect(patchBody.note ?? patchBody.detail).toMatch(/may have been applied/);
    const create = await fetch(base, { method: "POST", body: JSON.stringify({ name: "new.example.", kind: "Native" }) });
    expect(create.status).toBe(502);
    // A delete is not announced on a timeout (the health-checker removes a zone only once PowerDNS says 404);
    // neither is a read.
    expect((await fetch(`${base}/gone.example.`, { method: "DELETE" })).status).toBe(502);
    expect((await fetch(`${base}/example.org.`)).status).toBe(502);
    expect(submitted.map((e) => [e.type, e.zone])).toEqual([
      ["zone.modified", "example.org."],
      ["zone.add", "new.example."],
    ]);
  } finally {
    await proxy.close();
    upstream.closeAllConnections();
    upstream.close();
  }
});

test("with a write gate of 1, concurrent writes reach PowerDNS one at a time (reads are not queued); a full queue is 503 and not forwarded", async () => {
  let inFlight = 0;
  let maxInFlight = 0;
  let writes = 0;
  let maxReadsWithWrites = 0;
  const upstream = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      if (req.method === "GET") {
        maxReadsWithWrites = Math.max(maxReadsWithWrites, inFlight);
        res.end("{}");
        return;
      }
      writes++;
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      setTimeout(() => {
        inFlight--;
        res.end("{}");
      }, 20);
    });
  });
  await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", () => r()));
  const refused: string[] = [];
  const proxy = await startApiProxy(
    {
      listenAddress: "127.0.0.1",
      listenPort: 0,
      upstreamUrl: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`,
      upstreamTimeoutMs: 5000,
      maxBodyBytes: 4096,
      writeGate: createWriteGate({ limit: 1, maxQueued: 8 }),
      onWriteRefused: (reason) => refused.push(reason),
    },
    { submit: async () => true },
    logger,
  );
  try {
    const base = `http://127.0.0.1:${proxy.address().port}/api/v1/servers/localhost/zones`;
    const patch = (): Promise<number> => fetch(`${base}/example.org.`, { method: "PATCH", body: JSON.stringify({ rrsets: [] }) }).then((r) => r.status);
    const [patches, read] = await Promise.all([Promise.all(Array.from({ length: 9 }, patch)), (async () => {
      await new Promise((r) => setTimeout(r, 30));
      return (await fetch(base)).status;
    })()]);
    expect(read).toBe(200);
    expect(maxReadsWithWrites).toBe(1); // the read went past the queue
    expect(maxInFlight).toBe(1);
    expect(writes).toBe(9);
    expect(patches.every((s) => s === 200)).toBe(true);
    // 1 running + 8 queued: the 10th is refused without reaching PowerDNS.
    const statuses = await Promise.all(Array.from({ length: 10 }, patch));
    expect(statuses.filter((s) => s === 503)).toHaveLength(1);
    expect(refused).toEqual(["queue_full"]);
    expect(writes).toBe(18);
  } finally {
    await proxy.close();
    upstream.closeAllConnections();
    upstream.close();
  }
});
