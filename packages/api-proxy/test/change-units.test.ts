// Change tracking's parts: reading GET /changes/{id} requests, waiting requests, zone serials (DNS first, then the API).
import http from "node:http";
import type { AddressInfo } from "node:net";
import { EventEmitter } from "node:events";
import { createLogger } from "@pdns-distribute/core";
import { parseChangeRequest } from "../src/change-request";
import { createChangeWaiters } from "../src/change-waiters";
import { pdnsZoneId } from "@pdns-distribute/core";
import { serialOfZoneJson } from "@pdns-distribute/core";
import { createZoneSerialReader } from "../src/zone-serial";

const logger = createLogger("test", "silent");

test.each<[string, string | undefined, string, ReturnType<typeof parseChangeRequest>]>([
  ["a status", "GET", "/changes/abc_1-2", { kind: "status", id: "abc_1-2", waitMs: 0 }],
  ["HEAD with a trailing slash", "HEAD", "/changes/abc/", { kind: "status", id: "abc", waitMs: 0 }],
  ["a wait", "GET", "/changes/abc?wait=2s", { kind: "status", id: "abc", waitMs: 2000 }],
  ["a wait over the cap", "GET", "/changes/abc?wait=1h", { kind: "status", id: "abc", waitMs: 300_000 }],
  ["a wait that is no duration", "GET", "/changes/abc?wait=soon", { kind: "error", status: 400, error: "wait: not a duration (e.g. 10s, 500ms): soon" }],
  ["another method", "POST", "/changes/abc", { kind: "error", status: 405, error: "only GET is allowed on /changes/{id}" }],
  ["the PowerDNS API", "GET", "/api/v1/servers", { kind: "other" }],
  ["a deeper path", "GET", "/changes/a/b", { kind: "other" }],
  ["an id with other characters", "GET", "/changes/a.b", { kind: "other" }],
])("parseChangeRequest: %s", (_label, method, url, want) => {
  expect(parseChangeRequest(method, url, 300_000)).toEqual(want);
});

describe("waiters", () => {
  test("a waiter ends when its check holds at a notify, when its time is up, or when the client goes away", async () => {
    const waiters = createChangeWaiters();
    let ready = false;
    const client = new EventEmitter();
    const started = Date.now();
    const byNotify = waiters.wait(() => ready, 5000, client);
    const byTime = waiters.wait(() => false, 50, new EventEmitter());
    const gone = new EventEmitter();
    const byClose = waiters.wait(() => false, 5000, gone);
    expect(waiters.size).toBe(3);
    gone.emit("close");
    await byClose;
    await byTime;
    ready = true;
    waiters.notify();
    await byNotify;
    expect(Date.now() - started).toBeLessThan(2000);
    expect(waiters.size).toBe(0);
    expect(client.listenerCount("close")).toBe(0);
  });

  test("a check true at once does not wait", async () => {
    const waiters = createChangeWaiters();
    await waiters.wait(() => true, 60_000, new EventEmitter());
    expect(waiters.size).toBe(0);
  });
});

describe("zone serials", () => {
  test.each([
    [{ serial: 4, edited_serial: 5 }, 5],
    [{ serial: 4, edited_serial: 0 }, 4],
    [{ serial: "4" }, null],
  ])("serialOfZoneJson(%j) = %p", (z, want) => {
    expect(serialOfZoneJson(z)).toBe(want);
  });

  test("zone ids are PowerDNS ids: / as =2F (RFC 2317 zones), the root as =2E", () => {
    expect(pdnsZoneId("0/25.2.0.192.in-addr.arpa.")).toBe("0=2F25.2.0.192.in-addr.arpa.");
    expect(pdnsZoneId(".")).toBe("=2E");
  });

  test("DNS first; when it fails, the API with the client's credentials on its server; unknown → null", async () => {
    const asked: Array<{ url?: string; key?: string | string[] }> = [];
    let status = 200;
    const api = http.createServer((req, res) => {
      asked.push({ url: req.url, key: req.headers["x-api-key"] });
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify({ serial: 7, edited_serial: 8 }));
    });
    await new Promise<void>((r) => api.listen(0, "127.0.0.1", () => r()));
    let dnsWorks = true;
    let closed = false;
    const reader = createZoneSerialReader({
      upstreamUrl: `http://127.0.0.1:${(api.address() as AddressInfo).port}/`,
      upstreamTimeoutMs: 2000,
      dnsSerial: { read: async () => (dnsWorks ? 42 : Promise.reject(new Error("no answer"))), close: () => void (closed = true) },
      logger,
    });
    const head = { url: "/api/v1/servers/other/zones/a.org.", headers: { "x-api-key": "k" } };
    try {
      expect(await reader.read("a.org.", head)).toBe(42);
      expect(asked).toEqual([]);
      dnsWorks = false;
      expect(await reader.read("a.org.", head)).toBe(8);
      expect(asked).toEqual([{ url: "/api/v1/servers/other/zones/a.org.?rrsets=false", key: "k" }]);
      status = 404;
      expect(await reader.read("a.org.", head)).toBeNull();
      reader.close();
      expect(closed).toBe(true);
    } finally {
      api.close();
    }
  });
});
