// Forwarding to PowerDNS: a kept-alive connection PowerDNS closed meanwhile is retried once on a new one.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { createLogger } from "@pdns-distribute/core";
import type { ZoneEvent } from "@pdns-distribute/core";
import { createWriteGate, startApiProxy } from "../src";
import type { ApiProxyOptions } from "../src";

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
  let firstWrite: () => void = () => undefined;
  const writing = new Promise<void>((r) => (firstWrite = r));
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
      firstWrite();
      maxInFlight = Math.max(maxInFlight, inFlight);
      // 100 ms per write: the ten concurrent PATCHes below surely arrive while the first is held, even on a busy machine.
      setTimeout(() => {
        inFlight--;
        res.end("{}");
      }, 100);
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
      await writing; // a write is held upstream (100 ms): the read is sent while the others queue behind it
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

describe("combined PATCHes", () => {
  // A fake PowerDNS: each write takes `ms`; a PATCH with an RRset named bad.* is refused as a whole (422).
  const startUpstream = async (ms = 20) => {
    const seen: Array<{ method: string; url: string; names: string[] }> = [];
    const upstream = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        let names: string[] = [];
        try {
          names = ((JSON.parse(Buffer.concat(chunks).toString()) as { rrsets?: Array<{ name: string }> }).rrsets ?? []).map((r) => r.name);
        } catch {
          /* not JSON */
        }
        seen.push({ method: req.method ?? "", url: req.url ?? "", names });
        setTimeout(() => {
          if (names.some((n) => n.startsWith("bad."))) {
            res.writeHead(422, { "content-type": "application/json" });
            res.end(JSON.stringify({ error: "bad RRset" }));
            return;
          }
          res.writeHead(204);
          res.end();
        }, ms);
      });
    });
    await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", () => r()));
    return { upstream, seen, port: (upstream.address() as AddressInfo).port };
  };
  const startProxy = async (port: number, submitted: ZoneEvent[], combined: Array<[number, string]>, more: Partial<ApiProxyOptions> = {}) =>
    startApiProxy(
      {
        listenAddress: "127.0.0.1",
        listenPort: 0,
        upstreamUrl: `http://127.0.0.1:${port}`,
        upstreamTimeoutMs: 5000,
        maxBodyBytes: 4096,
        writeGate: createWriteGate({ limit: 1, maxQueued: 100 }),
        maxCombinedPatches: 50,
        onCombined: (n, outcome) => combined.push([n, outcome]),
        ...more,
      },
      { submit: async (e) => (submitted.push(e), true) },
      logger,
    );
  const rrset = (name: string) => ({ name, type: "A", ttl: 60, changetype: "REPLACE", records: [{ content: "192.0.2.1", disabled: false }] });

  test("PATCHes of one zone waiting together reach PowerDNS as one, in order; each client gets its answer and the one change id", async () => {
    // The first write takes 200 ms at the fake PowerDNS, so the other nine surely arrive while it is held, even on a busy machine.
    const { upstream, seen, port } = await startUpstream(200);
    const submitted: ZoneEvent[] = [];
    const combined: Array<[number, string]> = [];
    const proxy = await startProxy(port, submitted, combined);
    try {
      const base = `http://127.0.0.1:${proxy.address().port}/api/v1/servers/localhost/zones`;
      const patch = (zone: string, name: string) =>
        fetch(`${base}/${zone}`, { method: "PATCH", headers: { "x-api-key": "k" }, body: JSON.stringify({ rrsets: [rrset(name)] }) });
      const first = patch("example.org.", "h0.example.org."); // takes the gate; the next ones wait together
      await new Promise((r) => setTimeout(r, 5));
      const rest = Array.from({ length: 9 }, (_, i) => patch("example.org.", `h${i + 1}.example.org.`));
      const other = patch("other.org.", "x.other.org.");
      const answers = await Promise.all([first, ...rest, other]);
      expect(answers.map((r) => r.status)).toEqual(Array(11).fill(204));
      expect(seen.map((s) => [s.url, s.names.length])).toEqual([
        ["/api/v1/servers/localhost/zones/example.org.", 1],
        ["/api/v1/servers/localhost/zones/example.org.", 9],
        ["/api/v1/servers/localhost/zones/other.org.", 1],
      ]);
      expect(seen[1]?.names).toEqual(Array.from({ length: 9 }, (_, i) => `h${i + 1}.example.org.`));
      expect(submitted.map((e) => [e.type, e.zone])).toEqual([
        ["zone.modified", "example.org."],
        ["zone.modified", "example.org."],
        ["zone.modified", "other.org."],
      ]);
      const ids = answers.slice(1, 10).map((r) => r.headers.get("x-change-id"));
      expect(new Set(ids)).toEqual(new Set([submitted[1]?.id]));
      expect(combined).toEqual([[9, "combined"]]);
    } finally {
      await proxy.close();
      upstream.closeAllConnections();
      upstream.close();
    }
  });

  test("a combined PATCH PowerDNS refuses is sent again one by one: each request gets its own answer", async () => {
    const { upstream, seen, port } = await startUpstream();
    const submitted: ZoneEvent[] = [];
    const combined: Array<[number, string]> = [];
    const proxy = await startProxy(port, submitted, combined);
    try {
      const base = `http://127.0.0.1:${proxy.address().port}/api/v1/servers/localhost/zones/example.org.`;
      const patch = (name: string) => fetch(base, { method: "PATCH", body: JSON.stringify({ rrsets: [rrset(name)] }) });
      const first = patch("h0.example.org.");
      await new Promise((r) => setTimeout(r, 5));
      const answers = await Promise.all([first, patch("h1.example.org."), patch("bad.example.org."), patch("h2.example.org.")]);
      expect(answers.map((r) => r.status)).toEqual([204, 204, 422, 204]);
      expect(await answers[2]?.json()).toEqual({ error: "bad RRset" });
      expect(seen.map((s) => s.names)).toEqual([
        ["h0.example.org."],
        ["h1.example.org.", "bad.example.org.", "h2.example.org."],
        ["h1.example.org."],
        ["bad.example.org."],
        ["h2.example.org."],
      ]);
      expect(submitted).toHaveLength(3); // h0, h1, h2: one event per change PowerDNS took
      expect(answers[2]?.headers.get("x-change-id")).toBeNull();
      expect(combined).toEqual([[3, "split"]]);
    } finally {
      await proxy.close();
      upstream.closeAllConnections();
      upstream.close();
    }
  });

  test("a PATCH never overtakes another write of its zone that arrived before it", async () => {
    const { upstream, seen, port } = await startUpstream(100);
    const proxy = await startProxy(port, [], []);
    try {
      const base = `http://127.0.0.1:${proxy.address().port}/api/v1/servers/localhost/zones/example.org.`;
      const patch = (name: string) => fetch(base, { method: "PATCH", body: JSON.stringify({ rrsets: [rrset(name)] }) });
      const send = async (p: () => Promise<Response>) => {
        const r = p();
        await new Promise((res) => setTimeout(res, 10)); // arrival order
        return { r };
      };
      const all = [
        await send(() => patch("h0.example.org.")),
        await send(() => patch("h1.example.org.")),
        await send(() => fetch(`${base}/metadata/X-TEST`, { method: "PUT", body: JSON.stringify({ metadata: ["1"] }) })),
        await send(() => patch("h2.example.org.")),
        await send(() => patch("h1.example.org.")), // the same RRset as h1: after it, never with it
      ];
      await Promise.all(all.map((x) => x.r));
      expect(seen.map((s) => [s.method, s.names.join(",")])).toEqual([
        ["PATCH", "h0.example.org."],
        ["PATCH", "h1.example.org."],
        ["PUT", ""],
        ["PATCH", "h2.example.org.,h1.example.org."],
      ]);
    } finally {
      await proxy.close();
      upstream.closeAllConnections();
      upstream.close();
    }
  });
  test("requests riding on a combined PATCH count towards max_queued_writes: beyond it 503, not forwarded", async () => {
    // Each write takes 300 ms at the fake PowerDNS, so the other six surely arrive while the first is held, even on a busy machine.
    const { upstream, seen, port } = await startUpstream(300);
    const refused: string[] = [];
    const proxy = await startProxy(port, [], [], { writeGate: createWriteGate({ limit: 1, maxQueued: 4 }), onWriteRefused: (reason) => refused.push(reason) });
    try {
      const base = `http://127.0.0.1:${proxy.address().port}/api/v1/servers/localhost/zones/example.org.`;
      const patch = (name: string) => fetch(base, { method: "PATCH", body: JSON.stringify({ rrsets: [rrset(name)] }) }).then((r) => r.status);
      const first = patch("h0.example.org."); // running
      await new Promise((r) => setTimeout(r, 20));
      const statuses = await Promise.all([first, ...Array.from({ length: 6 }, (_, i) => patch(`h${i + 1}.example.org.`))]);
      // 1 running, 4 waiting (one batch and 3 riding on it); the other 2 refused.
      expect(statuses.filter((s) => s === 204)).toHaveLength(5);
      expect(statuses.filter((s) => s === 503)).toHaveLength(2);
      expect(refused).toEqual(["queue_full", "queue_full"]);
      expect(seen.map((s) => s.names.length)).toEqual([1, 4]);
    } finally {
      await proxy.close();
      upstream.closeAllConnections();
      upstream.close();
    }
  });
});

test("with checkCredentials, a write whose key PowerDNS refuses gets its 401 at once: body not read, no write slot; bodies over the limit 413 before reading", async () => {
  const seen: string[] = [];
  const upstream = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      seen.push(`${req.method} ${req.url}`);
      if (req.headers["x-api-key"] !== "good") return void res.writeHead(401, { "content-type": "text/plain" }).end("Unauthorized");
      if (req.method === "GET") return void res.end("[]");
      setTimeout(() => res.writeHead(204).end(), 300); // a slow write holding the only slot
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
      checkCredentials: true,
      onRefused: (reason) => refused.push(reason),
      writeGate: createWriteGate({ limit: 1, maxQueued: 1 }),
    },
    { submit: async () => true },
    logger,
  );
  try {
    const url = `http://127.0.0.1:${proxy.address().port}/api/v1/servers/localhost/zones/a.org.`;
    const patch = (key: string, body = "{}") => fetch(url, { method: "PATCH", headers: { "x-api-key": key }, body });
    const valid = patch("good");
    await new Promise((r) => setTimeout(r, 100)); // checked, now at PowerDNS holding the slot
    const t0 = Date.now();
    const bad = await Promise.all([patch("bad"), patch("bad"), patch("bad")]);
    expect(bad.map((r) => r.status)).toEqual([401, 401, 401]);
    expect(await bad[0]?.text()).toBe("Unauthorized");
    expect(Date.now() - t0).toBeLessThan(250); // not queued behind the slow write (a full queue would say 503)
    expect((await patch("good", "x".repeat(5000))).status).toBe(413);
    expect((await valid).status).toBe(204);
    expect(seen.filter((s) => s.startsWith("PATCH"))).toHaveLength(1); // only the valid write reached PowerDNS
    expect(seen.filter((s) => s === "GET /api/v1/servers")).toHaveLength(2); // the good key once (remembered), the three concurrent bad ones share one
    expect(refused).toEqual(["credentials", "credentials", "credentials", "body_too_large"]);
  } finally {
    await proxy.close();
    upstream.closeAllConnections();
    upstream.close();
  }
});
