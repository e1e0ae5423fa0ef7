// GET /changes/{id} without NATS: 404 / 400 / 405, PENDING with no active secondary, ?wait= bounded, serial from PowerDNS.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { createLogger, newZoneEvent } from "@pdns-distribute/core";
import { startChangeTracking } from "../src/changes";
import type { ChangeTracking } from "../src/changes";

let upstream: http.Server;
let server: http.Server;
let tracking: ChangeTracking;
let base: string;
const seenKeys: Array<string | undefined> = [];

beforeAll(async () => {
  // A stand-in for PowerDNS' zone endpoint: edited_serial 2026112205.
  upstream = http.createServer((req, res) => {
    seenKeys.push(req.headers["x-api-key"] as string | undefined);
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ name: "example.org.", serial: 2026112204, edited_serial: 2026112205 }));
  });
  await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", r));
  tracking = startChangeTracking({
    upstreamUrl: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`,
    upstreamTimeoutMs: 2000,
    maxChanges: 100,
    retentionMs: 60_000,
    maxWaitMs: 300,
    maxWaiting: 10,
    logger: createLogger("test", "silent"),
  });
  server = http.createServer((req, res) => {
    void tracking.route(req, res).then((handled) => {
      if (!handled) res.writeHead(418).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await tracking.stop();
  server.close();
  upstream.close();
});

test("prepare reads edited_serial with the client's API key and records the change", async () => {
  const event = newZoneEvent("zone.modified", "Example.ORG.", "api-proxy");
  const req = { url: "/api/v1/servers/localhost/zones/example.org.", headers: { "x-api-key": "k1" } } as unknown as http.IncomingMessage;
  await tracking.prepare(event, req);
  expect(event.serial).toBe(2026112205);
  expect(seenKeys).toEqual(["k1"]);

  const res = await fetch(`${base}/changes/${event.id}`);
  expect(res.status).toBe(200);
  const body = (await res.json()) as { status: string; zone: string; serial: number; secondaries: unknown[] };
  expect(body).toMatchObject({ status: "PENDING", zone: "example.org.", serial: 2026112205, secondaries: [] });

  const started = Date.now();
  const waited = await fetch(`${base}/changes/${event.id}?wait=10s`); // capped by maxWaitMs (300 ms)
  expect(((await waited.json()) as { status: string }).status).toBe("PENDING");
  expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  expect(Date.now() - started).toBeLessThan(2000);
});

test("a delete needs no serial", async () => {
  const event = newZoneEvent("zone.delete", "gone.org.", "api-proxy");
  await tracking.prepare(event, { url: "/api/v1/servers/localhost/zones/gone.org.", headers: {} } as unknown as http.IncomingMessage);
  expect(event.serial).toBeUndefined();
  expect(tracking.status(event.id)).toMatchObject({ type: "zone.delete", serial: null, status: "PENDING" });
});

test("unknown id 404, bad wait 400, other methods 405, other paths not handled", async () => {
  expect((await fetch(`${base}/changes/nope`)).status).toBe(404);
  expect((await fetch(`${base}/changes/nope?wait=later`)).status).toBe(400);
  expect((await fetch(`${base}/changes/nope`, { method: "POST" })).status).toBe(405);
  expect((await fetch(`${base}/api/v1/servers`)).status).toBe(418);
  expect((await fetch(`${base}/changes/a/b`)).status).toBe(418);
});
