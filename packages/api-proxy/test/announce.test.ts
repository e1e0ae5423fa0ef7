// Event announcing: which zone event a 2xx answer produces, uncertain changes on a timeout, an outbox that fails.
import { createLogger } from "@pdns-distribute/core";
import type { ZoneEvent } from "@pdns-distribute/core";
import { answeredChange, createAnnouncer, exchange, uncertainChange } from "../src/announce";
import type { EventSink } from "../src/announce";
import { UpstreamTimeoutError } from "../src/forward";
import type { Forwarder, RequestHead, UpstreamAnswer } from "../src/forward";

const logger = createLogger("test", "silent");
const head = (method: string, url: string): RequestHead => ({ method, url, headers: {} });
const answer = (status: number, body: unknown = ""): UpstreamAnswer => ({ status, headers: {}, body: Buffer.from(typeof body === "string" ? body : JSON.stringify(body)) });
const Z = "/api/v1/servers/localhost/zones";

test.each<[string, RequestHead, UpstreamAnswer, ReturnType<typeof answeredChange>]>([
  ["PATCH 204", head("PATCH", `${Z}/example.org.`), answer(204), { type: "zone.modified", zone: "example.org." }],
  ["POST 201 names the zone in its answer", head("POST", Z), answer(201, { name: "new.org." }), { type: "zone.add", zone: "new.org." }],
  ["POST 201 without a name", head("POST", Z), answer(201, "?"), { type: "zone.add", zone: undefined }],
  ["DELETE 204", head("DELETE", `${Z}/gone.org.`), answer(204), { type: "zone.delete", zone: "gone.org." }],
  ["PATCH 422 (refused)", head("PATCH", `${Z}/example.org.`), answer(422), null],
  ["GET 200 (a read)", head("GET", `${Z}/example.org.`), answer(200), null],
])("answeredChange: %s", (_label, h, a, want) => {
  expect(answeredChange(h, a)).toEqual(want);
});

test.each<[string, RequestHead, string, ReturnType<typeof uncertainChange>]>([
  ["a PATCH may be applied", head("PATCH", `${Z}/example.org.`), "{}", { type: "zone.modified", zone: "example.org." }],
  ["a create names its zone in the request body", head("POST", Z), JSON.stringify({ name: "new.org." }), { type: "zone.add", zone: "new.org." }],
  ["a delete is left to the health-checker", head("DELETE", `${Z}/gone.org.`), "", undefined],
  ["a read changes nothing", head("GET", `${Z}/example.org.`), "", undefined],
])("uncertainChange: %s", (_label, h, body, want) => {
  expect(uncertainChange(h, Buffer.from(body))).toEqual(want);
});

describe("the announcer", () => {
  const setUp = (submit: EventSink["submit"]) => {
    const prepared: string[] = [];
    const announcer = createAnnouncer({ events: { submit }, changes: { prepare: async (e) => void prepared.push(e.zone) }, logger });
    return { announcer, prepared };
  };

  test("a change PowerDNS took is prepared (change tracking), submitted, and its id returned", async () => {
    const submitted: ZoneEvent[] = [];
    const { announcer, prepared } = setUp(async (e) => (submitted.push(e), false));
    const id = await announcer.answered(head("PATCH", `${Z}/example.org.`), answer(204), 3);
    expect(submitted.map((e) => [e.type, e.zone, e.source])).toEqual([["zone.modified", "example.org.", "api-proxy"]]);
    expect(id).toBe(submitted[0]?.id);
    expect(prepared).toEqual(["example.org."]);
    expect(await announcer.answered(head("POST", Z), answer(201, "not json"))).toBeUndefined(); // no zone name: no event
    expect(submitted).toHaveLength(1);
  });

  test("an outbox that fails gives no id and does not throw", async () => {
    const { announcer } = setUp(async () => {
      throw new Error("disk full");
    });
    expect(await announcer.answered(head("DELETE", `${Z}/a.org.`), answer(204))).toBeUndefined();
  });

  test("a timeout announces the change in case it was applied; a refused connection does not", async () => {
    const submitted: ZoneEvent[] = [];
    const { announcer } = setUp(async (e) => (submitted.push(e), true));
    const timedOut = await announcer.failed(head("PATCH", `${Z}/example.org.`), Buffer.from("{}"), new UpstreamTimeoutError(300));
    expect(timedOut).toMatchObject({ kind: "unreachable", uncertain: true });
    const refused = await announcer.failed(head("PATCH", `${Z}/example.org.`), Buffer.from("{}"), Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }));
    expect(refused).toMatchObject({ kind: "unreachable", uncertain: false });
    expect(submitted.map((e) => e.zone)).toEqual(["example.org."]);
  });

  test("exchange: forwards, releases the turn once PowerDNS answered, announces", async () => {
    const submitted: ZoneEvent[] = [];
    const { announcer } = setUp(async (e) => (submitted.push(e), true));
    const order: string[] = [];
    const forwarder: Forwarder = { forward: async () => (order.push("forward"), answer(204)), close: () => undefined };
    const outcome = await exchange(forwarder, announcer, head("PATCH", `${Z}/example.org.`), Buffer.from("{}"), () => order.push("release"));
    expect(order).toEqual(["forward", "release"]);
    expect(outcome).toMatchObject({ kind: "answer", changeId: submitted[0]?.id });
    const failing: Forwarder = { forward: async () => Promise.reject(new Error("ECONNRESET")), close: () => undefined };
    expect(await exchange(failing, announcer, head("GET", Z), Buffer.alloc(0))).toMatchObject({ kind: "unreachable", uncertain: false });
  });
});

describe("the RRsets and serial before a PATCH (rrsets, prevSerial)", () => {
  const patchBody = (rrsets: unknown[]) => Buffer.from(JSON.stringify({ rrsets }));

  test("exchange: the serial is read before forwarding, and the event names the PATCH's RRsets and that serial", async () => {
    const submitted: ZoneEvent[] = [];
    const order: string[] = [];
    const announcer = createAnnouncer({
      events: { submit: async (e) => (submitted.push(e), true) },
      changes: { prepare: async (e) => void (e.serial = 8), serialNow: async (zone) => (order.push(`serial ${zone}`), 7) },
      logger,
    });
    const forwarder: Forwarder = { forward: async () => (order.push("forward"), answer(204)), close: () => undefined };
    const body = patchBody([
      { name: "WWW.Example.org.", type: "a", changetype: "REPLACE", records: [] },
      { name: "www.example.org.", type: "A", changetype: "DELETE" },
      { name: "mail.example.org.", type: "MX", changetype: "DELETE" },
    ]);
    await exchange(forwarder, announcer, head("PATCH", `${Z}/Example.org.`), body, () => order.push("release"));
    expect(order).toEqual(["serial example.org.", "forward", "release"]);
    expect(submitted[0]).toMatchObject({ serial: 8, prevSerial: 7, rrsets: [{ name: "www.example.org.", type: "A" }, { name: "mail.example.org.", type: "MX" }] });
  });

  test("no serial before: rrsets without prevSerial; a PUT or a refused PATCH: neither", async () => {
    const submitted: ZoneEvent[] = [];
    const announcer = createAnnouncer({ events: { submit: async (e) => (submitted.push(e), true) }, changes: { prepare: async () => undefined, serialNow: async () => null }, logger });
    const ok: Forwarder = { forward: async () => answer(204), close: () => undefined };
    await exchange(ok, announcer, head("PATCH", `${Z}/example.org.`), patchBody([{ name: "a.example.org.", type: "TXT" }]));
    await exchange(ok, announcer, head("PUT", `${Z}/example.org.`), patchBody([{ name: "a.example.org.", type: "TXT" }]));
    expect(submitted[0]?.rrsets).toEqual([{ name: "a.example.org.", type: "TXT" }]);
    expect(submitted[0]?.prevSerial).toBeUndefined();
    expect(submitted[1]?.rrsets).toBeUndefined();
  });

  test.each<[string, string, string, string | undefined]>([
    ["not JSON", "PATCH", `${Z}/example.org.`, "{"],
    ["a relative name", "PATCH", `${Z}/example.org.`, JSON.stringify({ rrsets: [{ name: "www", type: "A" }] })],
    ["a type that is not a mnemonic", "PATCH", `${Z}/example.org.`, JSON.stringify({ rrsets: [{ name: "w.example.org.", type: "A B" }] })],
    ["no rrsets", "PATCH", `${Z}/example.org.`, JSON.stringify({ kind: "Native" })],
    ["a sub-path", "PATCH", `${Z}/example.org./metadata`, JSON.stringify({ rrsets: [{ name: "w.example.org.", type: "A" }] })],
    ["more RRsets than the cap", "PATCH", `${Z}/example.org.`, JSON.stringify({ rrsets: Array.from({ length: 257 }, (_, i) => ({ name: `h${i}.example.org.`, type: "A" })) })],
  ])("touchedRRsets is unknown for %s", async (_label, method, url, body) => {
    const { touchedRRsets } = await import("../src/patch-batch");
    expect(touchedRRsets(method, url, Buffer.from(body ?? ""), 256)).toBeUndefined();
  });
});
