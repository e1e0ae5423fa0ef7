import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import pino from "pino";
import { LtHash, generateKeyPair, newZoneEvent, signZone, signZoneAbsence, verifySignedZone, zoneTextDigest } from "@pdns-distribute/core";
import type { SignedZone, ZoneDataReply, ZoneDataWire, ZoneRequestBinding } from "@pdns-distribute/core";
import { diffZoneText, parseZoneText, renderZoneText } from "@pdns-distribute/dns";
import type { ZoneRecord } from "@pdns-distribute/dns";
import {
  REPLY_ATTEMPTS,
  RejectedZoneError,
  TransientSyncError,
  UnverifiedReplyError,
  applyZoneEvent,
  applyZonePlan,
  createServedZones,
  openZoneStore,
  withZoneTextDelta,
  zoneDataRequest,
} from "@pdns-distribute/secondary-syncer";
import type { ApplyDeps, HeldZoneText, ServedZones } from "@pdns-distribute/secondary-syncer";

const ZONE = "example.org.";
const text = (serial: number, ip = "192.0.2.1") =>
  `example.org. 3600 IN SOA ns1.example.org. h.example.org. ${serial} 10800 3600 604800 3600\n` +
  `example.org. 3600 IN NS ns1.example.org.\nwww.example.org. 300 IN A ${ip}\n`;

function fakeServed(): ServedZones & { zones: Map<string, ZoneRecord[]> } {
  const zones = new Map<string, ZoneRecord[]>();
  return {
    zones,
    prepare: (z, r) => () => void zones.set(z, [...r]),
    replace: (z, r) => void zones.set(z, [...r]),
    remove: (z) => void zones.delete(z),
    count: () => zones.size,
  };
}

describe("applyZoneEvent", () => {
  const key = generateKeyPair();
  // A reply, or a function of the request's binding (a genuine zone-provider signs bound to it).
  let reply: ZoneDataReply | Error | ((b: ZoneRequestBinding) => ZoneDataReply);
  let lastBinding: ZoneRequestBinding | undefined;
  let deps: ApplyDeps & { served: ReturnType<typeof fakeServed> };
  const bound =
    (zone: string, serial: number, zoneText: string, secret = key.secretKey, ts?: number) =>
    (b: ZoneRequestBinding): SignedZone =>
      signZone(zone, serial, zoneText, secret, ts ?? Date.now(), b);
  const signed = (serial: number, ip?: string, ts?: number) => bound(ZONE, serial, text(serial, ip), key.secretKey, ts);
  /** The zone-provider's signed "not found", bound to the request (or as `absentBy` signs it). */
  const absent =
    (zone = ZONE, secret = key.secretKey) =>
    (b: ZoneRequestBinding): ZoneDataReply => ({ type: "error", version: 1, code: "PDNSD_ZONE_NOT_FOUND", message: "gone", absence: signZoneAbsence(zone, secret, b) });
  let unverified: string[];

  beforeEach(() => {
    unverified = [];
    deps = {
      onUnverifiedReply: (_zone, err) => void unverified.push(err.code),
      fetchZone: async (_zone, b) => {
        lastBinding = b;
        if (reply instanceof Error) throw reply;
        return typeof reply === "function" ? reply(b) : reply;
      },
      store: openZoneStore(":memory:"),
      served: fakeServed(),
      publicKey: key.publicKey,
      logger: pino({ level: "silent" }),
    };
  });

  test("add stores and serves; delete removes on the zone-provider's signed word that the zone is gone", async () => {
    reply = signed(1);
    await expect(applyZoneEvent(deps, newZoneEvent("zone.add", ZONE))).resolves.toMatchObject({ result: "applied", serial: 1, records: 3 });
    expect(deps.store.get(ZONE)?.serial).toBe(1);
    expect(deps.served.zones.get(ZONE)).toHaveLength(3);
    reply = absent();
    await expect(applyZoneEvent(deps, newZoneEvent("zone.delete", ZONE))).resolves.toEqual({ result: "deleted", zone: ZONE, existed: true });
    expect(deps.store.get(ZONE)).toBeUndefined();
    expect(deps.served.zones.size).toBe(0);
  });

  test("a forged delete changes nothing: the zone-provider still has the zone, so it stays (one useless fetch)", async () => {
    reply = signed(1, undefined, Date.now() - 1000);
    await applyZoneEvent(deps, newZoneEvent("zone.add", ZONE));
    reply = signed(1); // the same version, signed for this request
    await expect(applyZoneEvent(deps, newZoneEvent("zone.delete", ZONE))).resolves.toMatchObject({ result: "unchanged", serial: 1 });
    await expect(applyZonePlan(deps, { zone: ZONE, deleted: true, sync: false, seqs: [1], eventIds: ["e1"] })).resolves.toMatchObject({ result: "unchanged" });
    expect(deps.store.get(ZONE)?.serial).toBe(1);
    expect(deps.served.zones.get(ZONE)).toHaveLength(3);
  });

  test.each([
    ["unsigned", () => ({ type: "error", version: 1, code: "PDNSD_ZONE_NOT_FOUND", message: "gone" }) as ZoneDataReply, "PDNSD_ZONE_ABSENCE_UNSIGNED"],
    ["signed by another key", absent(ZONE, generateKeyPair().secretKey), "PDNSD_ZONE_SIGNATURE_INVALID"],
    ["for another zone", absent("example.net."), "PDNSD_ZONE_MISMATCH"],
    ["bound to another request", (b: ZoneRequestBinding) => absent()({ ...b, nonce: "another-nonce-0123456789" }), "PDNSD_ZONE_REPLAYED"],
  ])("a \"not found\" %s removes nothing: unverified, asked again, then retried later", async (_what, forged, code) => {
    reply = signed(1);
    await applyZoneEvent(deps, newZoneEvent("zone.add", ZONE));
    reply = forged;
    await expect(applyZoneEvent(deps, newZoneEvent("zone.delete", ZONE))).rejects.toMatchObject({ name: "UnverifiedReplyError", code });
    expect(unverified).toEqual(Array(REPLY_ATTEMPTS).fill(code));
    expect(deps.store.get(ZONE)?.serial).toBe(1);
    expect(deps.served.zones.get(ZONE)).toHaveLength(3);
  });

  test("an older serial never replaces a newer one", async () => {
    reply = signed(5);
    await applyZoneEvent(deps, newZoneEvent("zone.add", ZONE));
    reply = signed(4, "203.0.113.1");
    await expect(applyZoneEvent(deps, newZoneEvent("zone.modified", ZONE))).resolves.toMatchObject({ result: "stale", heldSerial: 5 });
    expect(deps.store.get(ZONE)?.zoneText).toBe(text(5));
  });

  test("a forged signature is rejected and the old data kept", async () => {
    reply = signed(1);
    await applyZoneEvent(deps, newZoneEvent("zone.add", ZONE));
    const other = generateKeyPair();
    reply = bound(ZONE, 2, text(2, "203.0.113.1"), other.secretKey);
    await expect(applyZoneEvent(deps, newZoneEvent("zone.modified", ZONE))).rejects.toThrow(UnverifiedReplyError);
    expect(unverified).toEqual(Array(REPLY_ATTEMPTS).fill("PDNSD_ZONE_SIGNATURE_INVALID"));
    expect(deps.store.get(ZONE)?.serial).toBe(1);
    expect(deps.served.zones.get(ZONE)?.find((r) => r.type === "A")?.rdata).toBe("192.0.2.1");
  });

  test("a rogue responder costs a request: the next reply that verifies is applied", async () => {
    reply = signed(1);
    await applyZoneEvent(deps, newZoneEvent("zone.add", ZONE));
    const rogue = generateKeyPair();
    let calls = 0;
    reply = (b) => (++calls < REPLY_ATTEMPTS ? bound(ZONE, 9, text(9, "203.0.113.66"), rogue.secretKey)(b) : signed(2)(b));
    await expect(applyZoneEvent(deps, newZoneEvent("zone.modified", ZONE))).resolves.toMatchObject({ result: "applied", serial: 2 });
    expect(unverified).toEqual(Array(REPLY_ATTEMPTS - 1).fill("PDNSD_ZONE_SIGNATURE_INVALID"));
    expect(deps.store.get(ZONE)?.zoneText).toBe(text(2));
  });

  test.each([
    ["unparsable zone text", "example.org. 3600 IN SOA broken\n"],
    ["record outside the zone", text(2) + "www.example.com. 300 IN A 192.0.2.9\n"],
    ["no SOA", "www.example.org. 300 IN A 192.0.2.9\n"],
  ])("%s is rejected even when signed", async (_what, zoneText) => {
    reply = bound(ZONE, 2, zoneText);
    await expect(applyZoneEvent(deps, newZoneEvent("zone.add", ZONE))).rejects.toThrow(RejectedZoneError);
    expect(deps.store.get(ZONE)).toBeUndefined();
  });

  test("data the answer engine cannot compile is rejected before it is stored; the old version stays served", async () => {
    const served = createServedZones();
    deps = { ...deps, served: Object.assign(served, { zones: new Map<string, ZoneRecord[]>() }) };
    reply = signed(1);
    await applyZoneEvent(deps, newZoneEvent("zone.add", ZONE));
    // Encodable RDATA (generic form) that is no valid name for an NS target: only compiling it finds out.
    reply = bound(ZONE, 2, text(2) + "sub.example.org. 300 IN NS \\# 2 0561\n");
    await expect(applyZoneEvent(deps, newZoneEvent("zone.modified", ZONE))).rejects.toMatchObject({
      name: "RejectedZoneError",
      code: "PDNSD_ZONE_TEXT_INVALID",
      message: expect.stringContaining("bad RDATA at sub.example.org."),
    });
    expect(deps.store.get(ZONE)?.serial).toBe(1);
    expect(served.zoneSet.get(ZONE)?.serial).toBe(1);
  });

  test("data for another zone is rejected", async () => {
    reply = bound("example.net.", 1, text(1));
    await expect(applyZoneEvent(deps, newZoneEvent("zone.add", ZONE))).rejects.toThrow(/asked for example.org./);
  });

  test("primary unreachable is transient; not found is reported", async () => {
    reply = new Error("503 no responders");
    await expect(applyZoneEvent(deps, newZoneEvent("zone.add", ZONE))).rejects.toThrow(TransientSyncError);
    reply = absent();
    await expect(applyZoneEvent(deps, newZoneEvent("zone.add", ZONE))).resolves.toEqual({ result: "not-found", zone: ZONE });
    reply = { type: "error", version: 1, code: "PDNSD_AXFR_FAILED", message: "refused" };
    await expect(applyZoneEvent(deps, newZoneEvent("zone.add", ZONE))).rejects.toThrow(TransientSyncError);
  });

  test("a replayed reply (older nonce) or an unbound one is rejected even when newer and correctly signed", async () => {
    reply = signed(1);
    await applyZoneEvent(deps, newZoneEvent("zone.add", ZONE));
    const old = signed(2)(lastBinding as ZoneRequestBinding); // bound to the previous request
    reply = old;
    await expect(applyZoneEvent(deps, newZoneEvent("zone.modified", ZONE))).rejects.toMatchObject({ code: "PDNSD_ZONE_REPLAYED" });
    reply = signZone(ZONE, 3, text(3), key.secretKey); // version 1: no nonce at all
    await expect(applyZoneEvent(deps, newZoneEvent("zone.modified", ZONE))).rejects.toMatchObject({ code: "PDNSD_ZONE_REPLAYED" });
    reply = (b) => signZone(ZONE, 4, text(4), key.secretKey, Date.now(), { ...b, requester: "someone-else" });
    await expect(applyZoneEvent(deps, newZoneEvent("zone.modified", ZONE))).rejects.toMatchObject({ code: "PDNSD_ZONE_REPLAYED" });
    reply = signed(5, undefined, Date.now() - 301_000);
    await expect(applyZoneEvent(deps, newZoneEvent("zone.modified", ZONE))).rejects.toMatchObject({ code: "PDNSD_ZONE_CLOCK_SKEW" });
    expect(deps.store.get(ZONE)?.serial).toBe(1);
  });

  test("any trusted key verifies (rotation); the stored envelope keeps its binding", async () => {
    const next = generateKeyPair();
    deps.publicKey = [key.publicKey, next.publicKey];
    deps.requester = "ns9";
    reply = signed(1);
    await expect(applyZoneEvent(deps, newZoneEvent("zone.add", ZONE))).resolves.toMatchObject({ result: "applied" });
    reply = bound(ZONE, 2, text(2), next.secretKey);
    await expect(applyZoneEvent(deps, newZoneEvent("zone.modified", ZONE))).resolves.toMatchObject({ result: "applied", serial: 2 });
    const stored = deps.store.get(ZONE);
    expect(stored).toMatchObject({ version: 2, requester: "ns9", nonce: lastBinding?.nonce });
    expect(verifySignedZone(stored as SignedZone, deps.publicKey)).toBe(1);
    // The same version re-signed by the new key replaces the stored signature (the old key can then go).
    deps.publicKey = [key.publicKey, next.publicKey];
    // (Signing times apart: a reply signed in the same millisecond as the held one counts as the same version.)
    reply = bound(ZONE, 2, text(2), key.secretKey, Date.now() + 100);
    await applyZoneEvent(deps, newZoneEvent("zone.modified", ZONE));
    expect(verifySignedZone(deps.store.get(ZONE) as SignedZone, deps.publicKey)).toBe(0);
    reply = bound(ZONE, 2, text(2), next.secretKey, Date.now() + 200);
    await expect(applyZoneEvent(deps, newZoneEvent("zone.modified", ZONE))).resolves.toMatchObject({ result: "unchanged" });
    expect(verifySignedZone(deps.store.get(ZONE) as SignedZone, deps.publicKey)).toBe(1);
    deps.publicKey = [next.publicKey];
    reply = signed(3);
    await expect(applyZoneEvent(deps, newZoneEvent("zone.modified", ZONE))).rejects.toMatchObject({ code: "PDNSD_ZONE_SIGNATURE_INVALID" });
  });

  test("the same version again changes nothing", async () => {
    reply = signed(1, undefined, Date.now() - 1000); // one fixed signing time: a true repeat
    await applyZoneEvent(deps, newZoneEvent("zone.add", ZONE));
    await expect(applyZoneEvent(deps, newZoneEvent("zone.modified", ZONE))).resolves.toMatchObject({ result: "unchanged" });
  });

  describe("compiling off the main thread", () => {
    const real = () => createServedZones();
    test("zone texts from minBytes on go to the compile thread; smaller ones are compiled here", async () => {
      const served = real();
      const calls: number[] = [];
      deps.served = served as never;
      deps.offThread = {
        minBytes: text(2).length,
        compile: async (zone, zoneText) => {
          calls.push(zoneText.length);
          const { parseSignedZoneRecords } = await import("@pdns-distribute/secondary-syncer");
          const { compileZone } = await import("@pdns-distribute/answer");
          const records = parseSignedZoneRecords({ zone, zoneText });
          return { compiled: compileZone(zone, records), records: records.length };
        },
      };
      reply = bound(ZONE, 1, text(1).replace(/\n$/, ""), key.secretKey); // one byte short
      await expect(applyZoneEvent(deps, newZoneEvent("zone.add", ZONE))).resolves.toMatchObject({ result: "applied", records: 3 });
      expect(calls).toEqual([]);
      reply = signed(2, "192.0.2.99");
      await expect(applyZoneEvent(deps, newZoneEvent("zone.modified", ZONE))).resolves.toMatchObject({ result: "applied", serial: 2, records: 3 });
      expect(calls).toEqual([text(2, "192.0.2.99").length]);
      expect(served.zoneSet.size).toBe(1);
      expect(deps.store.get(ZONE)?.serial).toBe(2);
    });

    test("data the thread rejects is rejected; a failing thread falls back to compiling here", async () => {
      deps.served = real() as never;
      deps.offThread = { minBytes: 0, compile: async () => Promise.reject(new RejectedZoneError("PDNSD_ZONE_TEXT_INVALID", "no SOA")) };
      reply = signed(1);
      await expect(applyZoneEvent(deps, newZoneEvent("zone.add", ZONE))).rejects.toMatchObject({ code: "PDNSD_ZONE_TEXT_INVALID" });
      expect(deps.store.get(ZONE)).toBeUndefined();
      deps.offThread = { minBytes: 0, compile: async () => Promise.reject(new Error("zone compile thread exited (code 1)")) };
      await expect(applyZoneEvent(deps, newZoneEvent("zone.add", ZONE))).resolves.toMatchObject({ result: "applied", serial: 1, records: 3 });
      expect(deps.store.get(ZONE)?.serial).toBe(1);
    });
  });
});

describe("applyZoneEvent with incremental transfer", () => {
  const key = generateKeyPair();
  const v = (serial: number, extra = "") => text(serial) + extra;
  /** What the fake zone-provider serves now, and the texts it remembers (by SHA-256) to make deltas from. */
  let current: { serial: number; zoneText: string; deltaText?: string; deltaFrom?: string } | "gone";
  let bases: Array<HeldZoneText | undefined>;
  let named: Array<readonly string[] | undefined>;
  let fallbacks: string[];
  let deps: ApplyDeps;

  beforeEach(() => {
    bases = [];
    named = [];
    fallbacks = [];
    deps = {
      // Like natsZoneFetcher + the zone-provider: a delta when the requester says what it holds.
      fetchZone: async (zone, b, base, events) => {
        bases.push(base);
        named.push(events);
        if (current === "gone") return { type: "error", version: 1, code: "PDNSD_ZONE_NOT_FOUND", message: "gone", absence: signZoneAbsence(zone, key.secretKey, b) };
        const signed = signZone(zone, current.serial, current.zoneText, key.secretKey, Date.now(), b);
        if (!base) return signed;
        const target = current.deltaText ?? current.zoneText; // deltaText: a delta towards another text (forged)
        const from = current.deltaFrom ?? base.zoneText;
        const { zoneText: _t, ...rest } = signed;
        const wire: ZoneDataWire = { ...rest, zoneTextDelta: { fromSha256: zoneTextDigest(from), fromSerial: base.serial, ...diffZoneText(from, target) } };
        return { ...withZoneTextDelta(wire, base), transfer: "delta" as const };
      },
      store: openZoneStore(":memory:"),
      served: fakeServed(),
      publicKey: key.publicKey,
      onDeltaFallback: (reason) => void fallbacks.push(reason),
      logger: pino({ level: "silent" }),
    };
  });

  test("the first transfer is whole; a change then comes as a delta from the held version", async () => {
    current = { serial: 1, zoneText: v(1) };
    await expect(applyZoneEvent(deps, newZoneEvent("zone.add", ZONE))).resolves.toMatchObject({ result: "applied", serial: 1 });
    expect(bases).toEqual([undefined]);
    current = { serial: 2, zoneText: v(2, "zz.example.org. 300 IN A 198.51.100.1\n") };
    await expect(applyZoneEvent(deps, newZoneEvent("zone.modified", ZONE))).resolves.toMatchObject({ result: "applied", serial: 2, records: 4 });
    expect(bases[1]).toEqual({ serial: 1, sha256: zoneTextDigest(v(1)), zoneText: v(1) });
    expect(deps.store.get(ZONE)?.zoneText).toBe(current.zoneText);
    expect(fallbacks).toEqual([]);
  });

  test("the held version is offered by the digest remembered when it was applied, only while the store holds that envelope", async () => {
    deps.heldDigests = new Map();
    current = { serial: 1, zoneText: v(1) };
    await applyZoneEvent(deps, newZoneEvent("zone.add", ZONE));
    const held = deps.store.get(ZONE) as SignedZone;
    expect(deps.heldDigests.get(ZONE)).toEqual({ serial: 1, signature: held.signature, sha256: zoneTextDigest(v(1)) });
    // Remembered, it is not computed again: a planted value shows it is the one offered.
    deps.heldDigests.set(ZONE, { serial: 1, signature: held.signature, sha256: "f".repeat(64) });
    current = { serial: 2, zoneText: v(2) };
    await applyZoneEvent(deps, newZoneEvent("zone.modified", ZONE));
    expect(bases[1]?.sha256).toBe("f".repeat(64));
    // (A wrong digest costs only a full transfer: the delta does not fit it.)
    expect(fallbacks).toEqual(["unusable"]);
    expect(deps.store.get(ZONE)?.serial).toBe(2);
    // A remembered digest of another envelope (another signature) is not used.
    deps.heldDigests.set(ZONE, { serial: 2, signature: "another", sha256: "e".repeat(64) });
    current = { serial: 3, zoneText: v(3) };
    await expect(applyZoneEvent(deps, newZoneEvent("zone.modified", ZONE))).resolves.toMatchObject({ result: "applied", serial: 3 });
    expect(bases.at(-1)?.sha256).toBe(zoneTextDigest(v(2)));
    expect(deps.heldDigests.get(ZONE)?.sha256).toBe(zoneTextDigest(v(3)));
    current = "gone";
    await expect(applyZoneEvent(deps, newZoneEvent("zone.delete", ZONE))).resolves.toMatchObject({ result: "deleted" });
    expect(deps.heldDigests.has(ZONE)).toBe(false);
  });

  test("a full resync offers no held version and replaces a held text altered at rest, at the same serial", async () => {
    deps.heldDigests = new Map();
    current = { serial: 1, zoneText: v(1) };
    await applyZoneEvent(deps, newZoneEvent("zone.add", ZONE));
    const held = deps.store.get(ZONE) as SignedZone;
    deps.store.put({ ...held, zoneText: v(1, "evil.example.org. 300 IN A 203.0.113.66\n") }); // altered at rest
    await expect(applyZonePlan(deps, { zone: ZONE, deleted: false, sync: true, seqs: [2], eventIds: ["e2"], full: true })).resolves.toMatchObject({
      result: "applied",
      serial: 1,
    });
    expect(bases.at(-1)).toBeUndefined();
    expect(deps.store.get(ZONE)?.zoneText).toBe(v(1));
    expect(deps.heldDigests.get(ZONE)?.sha256).toBe(zoneTextDigest(v(1)));
    // Without `full`, the same serial and text: nothing to do.
    await expect(applyZonePlan(deps, { zone: ZONE, deleted: false, sync: true, seqs: [3], eventIds: ["e3"] })).resolves.toMatchObject({ result: "unchanged" });
  });

  test("a delta made for another version is not used: the full zone is fetched and applied", async () => {
    current = { serial: 1, zoneText: v(1) };
    await applyZoneEvent(deps, newZoneEvent("zone.add", ZONE));
    // The provider answers with a delta from serial 2, which this secondary never held (e.g. its store was
    // restored from a backup): withZoneTextDelta, inside the fetcher, refuses it; apply asks for the full zone.
    current = { serial: 3, zoneText: v(3), deltaFrom: v(2) };
    await expect(applyZoneEvent(deps, newZoneEvent("zone.modified", ZONE))).resolves.toMatchObject({ result: "applied", serial: 3 });
    expect(deps.store.get(ZONE)?.zoneText).toBe(v(3));
    expect(fallbacks).toEqual(["unusable"]);
    expect(bases.at(-1)).toBeUndefined();
  });

  test("a delta whose result does not verify is never applied; the full zone is", async () => {
    current = { serial: 1, zoneText: v(1) };
    await applyZoneEvent(deps, newZoneEvent("zone.add", ZONE));
    // Signed for one text, delta towards another (a forged or broken delta).
    current = { serial: 2, zoneText: v(2), deltaText: v(2, "evil.example.org. 300 IN A 203.0.113.66\n") };
    await expect(applyZoneEvent(deps, newZoneEvent("zone.modified", ZONE))).resolves.toMatchObject({ result: "applied", serial: 2, records: 3 });
    expect(fallbacks).toEqual(["unverified"]);
    expect(deps.store.get(ZONE)?.zoneText).toBe(v(2));
  });

  test("a plan's event ids go with each of its requests, also the full-zone retry after an unusable delta", async () => {
    current = { serial: 1, zoneText: v(1) };
    await applyZonePlan(deps, { zone: ZONE, deleted: false, sync: true, seqs: [1], eventIds: ["e1"] });
    current = { serial: 3, zoneText: v(3), deltaFrom: v(2) };
    await expect(applyZonePlan(deps, { zone: ZONE, deleted: false, sync: true, seqs: [2, 3], eventIds: ["e2", "e3"] })).resolves.toMatchObject({ result: "applied", serial: 3 });
    expect(fallbacks).toEqual(["unusable"]);
    expect(named).toEqual([["e1"], ["e2", "e3"], ["e2", "e3"]]);
  });

  test("the request names at most 64 events (none beyond that) and offers the held version", () => {
    const binding = { nonce: "n".repeat(22), requester: "ns2" };
    const base = { serial: 7, sha256: "a".repeat(64), zoneText: "" };
    const ids = (n: number) => Array.from({ length: n }, (_, i) => `e${i}`);
    expect(zoneDataRequest(ZONE, binding, base, ids(2))).toEqual({
      type: "zone.data.request",
      version: 1,
      zone: ZONE,
      nonce: binding.nonce,
      requester: "ns2",
      lthash: true,
      have: { serial: 7, sha256: "a".repeat(64) },
      events: ["e0", "e1"],
    });
    // Holding an LtHash16 state (a version 3 envelope), its digest is offered too.
    const state = LtHash.ofLines(["a.example.org. 300 IN A 192.0.2.1"]);
    expect(zoneDataRequest(ZONE, binding, { ...base, lthash: state }).have).toEqual({ serial: 7, sha256: "a".repeat(64), lthash: state.digest() });
    expect(zoneDataRequest(ZONE, binding, undefined, ids(64)).events).toHaveLength(64);
    expect(zoneDataRequest(ZONE, binding, undefined, ids(65)).events).toBeUndefined();
    expect(zoneDataRequest(ZONE, binding).events).toBeUndefined();
  });

  test("with incremental = false nothing held is offered", async () => {
    deps.incremental = false;
    current = { serial: 1, zoneText: v(1) };
    await applyZoneEvent(deps, newZoneEvent("zone.add", ZONE));
    current = { serial: 2, zoneText: v(2) };
    await applyZoneEvent(deps, newZoneEvent("zone.modified", ZONE));
    expect(bases).toEqual([undefined, undefined]);
  });
});

describe("applyZoneEvent with version 3 envelopes (LtHash16 zone digest)", () => {
  const key = generateKeyPair();
  /** Canonical zone text, as the zone-provider renders it (lines in canonical order). */
  const v = (serial: number, extra = "") => renderZoneText(parseZoneText(text(serial) + extra));
  /**
   * What the fake zone-provider serves: `mode` "v3" (a current one, to a requester that asks for version 3) or "v2"
   * (an older one); `deltaText`: a delta towards another text than the signed one (forged lines, signed digests
   * unchanged); `base`: the LtHash16 base digest it signs for a delta (default: the requester's held state).
   */
  let current: { serial: number; zoneText: string; mode: "v2" | "v3"; deltaText?: string; base?: string };
  let bases: Array<HeldZoneText | undefined>;
  let fallbacks: string[];
  let warnings: Array<Record<string, unknown>>;
  /** The text digest each delta reply came with: set, apply does not hash the rebuilt text (the state binds its lines). */
  let digestsGiven: Array<string | undefined>;
  let servedTexts: Map<string, string>;
  let deps: ApplyDeps;

  beforeEach(() => {
    servedTexts = new Map();
    bases = [];
    fallbacks = [];
    warnings = [];
    digestsGiven = [];
    const lines = { write: (line: string) => void warnings.push(JSON.parse(line) as Record<string, unknown>) };
    deps = {
      // Like natsZoneFetcher + the zone-provider: a delta when the requester says what it holds.
      fetchZone: async (zone, b, base) => {
        bases.push(base);
        const c = current;
        // Like the zone-provider: a delta only from a version it served (known by its SHA-256), made from that text.
        servedTexts.set(zoneTextDigest(c.zoneText), c.zoneText);
        if (base && !servedTexts.has(base.sha256)) base = undefined;
        const held = base?.lthash?.digest();
        const lthash = c.mode === "v3" ? { state: LtHash.ofZoneText(c.zoneText), base: base ? (c.base ?? held) : undefined } : undefined;
        const signed = signZone(zone, c.serial, c.zoneText, key.secretKey, Date.now(), b, undefined, lthash);
        if (!base) return signed;
        const { zoneText: _t, ...rest } = signed;
        const from = servedTexts.get(base.sha256) as string;
        const wire: ZoneDataWire = { ...rest, zoneTextDelta: { fromSha256: base.sha256, fromSerial: base.serial, ...diffZoneText(from, c.deltaText ?? c.zoneText) } };
        if (wire.lthashBase !== undefined) delete wire.lthashState; // as encodeZoneDataReply does
        // As natsZoneFetcher: the delta goes along (a version rebuilt as lines is then logged as that delta).
        const fetched = { ...withZoneTextDelta(wire, base), transfer: "delta" as const, delta: wire.zoneTextDelta };
        digestsGiven.push(fetched.sha256);
        return fetched;
      },
      store: openZoneStore(":memory:"),
      served: fakeServed(),
      publicKey: key.publicKey,
      onDeltaFallback: (reason) => void fallbacks.push(reason),
      logger: pino({ level: "warn" }, lines),
    };
  });

  const heldState = () => {
    const held = deps.store.get(ZONE);
    return held?.lthashState === undefined ? undefined : LtHash.deserialize(Buffer.from(held.lthashState, "base64"));
  };

  test("the state comes with the first (full) transfer, is stored with the zone and updated from each delta's lines", async () => {
    current = { serial: 1, zoneText: v(1), mode: "v3" };
    await expect(applyZoneEvent(deps, newZoneEvent("zone.add", ZONE))).resolves.toMatchObject({ result: "applied", serial: 1 });
    expect(deps.store.get(ZONE)).toMatchObject({ version: 3, textSha256: zoneTextDigest(v(1)) });
    expect(heldState()?.equals(LtHash.ofZoneText(v(1)))).toBe(true);
    for (let serial = 2; serial <= 4; serial++) {
      current = { serial, zoneText: v(serial, `h${serial}.example.org. 300 IN A 198.51.100.${serial}\n`), mode: "v3" };
      await expect(applyZoneEvent(deps, newZoneEvent("zone.modified", ZONE))).resolves.toMatchObject({ result: "applied", serial });
      // Offered with its state; the delta came without one (from that state), and the state now is the new text's.
      expect(bases.at(-1)?.lthash?.digest()).toBe(LtHash.ofZoneText(v(serial - 1, serial > 2 ? `h${serial - 1}.example.org. 300 IN A 198.51.100.${serial - 1}\n` : "")).digest());
      const stored = deps.store.get(ZONE) as SignedZone;
      expect(stored.zoneText).toBe(current.zoneText);
      expect(stored).toMatchObject({ version: 3, textSha256: zoneTextDigest(current.zoneText), lthashBase: bases.at(-1)?.lthash?.digest() });
      expect(heldState()?.equals(LtHash.ofZoneText(current.zoneText))).toBe(true);
      // What is stored verifies again as it is (at start-up).
      expect(verifySignedZone(stored, key.publicKey)).toBe(0);
      // The rebuilt text was not hashed: its digest is the signed one, bound through the state.
      expect(digestsGiven.at(-1)).toBe(zoneTextDigest(current.zoneText));
    }
    expect(fallbacks).toEqual([]);
  });

  test("a change from a version 3 delta is logged in the store (not the whole text), kept as lines, and compacted past the bound", async () => {
    deps.heldDigests = new Map();
    deps.storeLogMaxChanges = 3;
    const reads = jest.spyOn(deps.store, "get");
    current = { serial: 1, zoneText: v(1), mode: "v3" };
    await applyZoneEvent(deps, newZoneEvent("zone.add", ZONE));
    let extra = "";
    for (let serial = 2; serial <= 6; serial++) {
      extra += `h${serial}.example.org. 300 IN A 198.51.100.${serial}\n`;
      current = { serial, zoneText: v(serial, extra), mode: "v3" };
      await expect(applyZoneEvent(deps, newZoneEvent("zone.modified", ZONE))).resolves.toMatchObject({ result: "applied", serial });
      // Changes 1 and 2 are logged; the third reaches the bound and the base is rewritten (log emptied); then again.
      expect(deps.store.changeCount(ZONE)).toBe([1, 2, 0, 1, 2][serial - 2]);
      expect(deps.heldDigests.get(ZONE)?.kept?.lines.text()).toBe(current.zoneText);
    }
    // The store was read for the zone twice: for the add (nothing held) and the first delta (after the full
    // transfer); later ones used the lines kept.
    expect(reads.mock.calls.filter(([z]) => z === ZONE)).toHaveLength(2);
    reads.mockRestore();
    const stored = deps.store.get(ZONE) as SignedZone;
    expect(stored.zoneText).toBe(current.zoneText);
    expect(verifySignedZone(stored, key.publicKey)).toBe(0);
    expect(fallbacks).toEqual([]);
  });

  test("a change log altered at rest (it no longer applies to its base) is not offered: the full zone replaces it", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "pdnsd-apply-")), "s.sqlite3");
    deps.store = openZoneStore(path);
    current = { serial: 1, zoneText: v(1), mode: "v3" };
    await applyZoneEvent(deps, newZoneEvent("zone.add", ZONE));
    current = { serial: 2, zoneText: v(2, "zz.example.org. 300 IN A 198.51.100.1\n"), mode: "v3" };
    await applyZoneEvent(deps, newZoneEvent("zone.modified", ZONE));
    expect(deps.store.changeCount(ZONE)).toBe(1);
    const db = new Database(path);
    db.prepare("UPDATE zone_changes SET removed = ? WHERE name = ?").run(JSON.stringify(["nope.example.org. 300 IN A 192.0.2.9"]), ZONE);
    db.close();
    current = { serial: 3, zoneText: v(3), mode: "v3" };
    await expect(applyZoneEvent(deps, newZoneEvent("zone.modified", ZONE))).resolves.toMatchObject({ result: "applied", serial: 3 });
    expect(bases.at(-1)).toBeUndefined(); // nothing offered: the full zone came
    expect(warnings.find((w) => w.msg === "stored zone unreadable; asking for the full zone")).toBeDefined();
    expect(deps.store.changeCount(ZONE)).toBe(0);
    expect(deps.store.get(ZONE)?.zoneText).toBe(v(3));
    deps.store.close();
  });

  test("a forged delta (lines changed, signed digests unchanged) is never applied: rejected as today, then the full zone", async () => {
    current = { serial: 1, zoneText: v(1), mode: "v3" };
    await applyZoneEvent(deps, newZoneEvent("zone.add", ZONE));
    current = { serial: 2, zoneText: v(2), mode: "v3", deltaText: v(2, "evil.example.org. 300 IN A 203.0.113.66\n") };
    await expect(applyZoneEvent(deps, newZoneEvent("zone.modified", ZONE))).resolves.toMatchObject({ result: "applied", serial: 2, records: 3 });
    expect(fallbacks).toEqual(["unverified"]);
    expect(warnings.find((w) => w.msg === "zone delta did not verify; asking for the full zone")).toMatchObject({ code: "PDNSD_ZONE_SIGNATURE_INVALID" });
    expect(deps.store.get(ZONE)?.zoneText).toBe(v(2));
    expect(heldState()?.equals(LtHash.ofZoneText(v(2)))).toBe(true);
    // A forged delta adding a line twice (65,536 times would wrap the count) is not even tried.
    const twice = `a.example.org. 300 IN A 192.0.2.9`;
    const base = { serial: 2, sha256: zoneTextDigest(v(2)), zoneText: v(2), lthash: LtHash.ofZoneText(v(2)) };
    const signed = signZone(ZONE, 3, v(3), key.secretKey, Date.now(), { nonce: "n".repeat(22), requester: "" }, undefined, { state: LtHash.ofZoneText(v(3)), base: base.lthash.digest() });
    const { zoneText: _t, lthashState: _s, ...rest } = signed;
    const forged: ZoneDataWire = { ...rest, zoneTextDelta: { fromSha256: base.sha256, fromSerial: 2, removed: [], added: [[0, twice], [1, twice]] } };
    expect(() => withZoneTextDelta(forged, base)).toThrow(/adds the same line twice/);
    // Nor one that puts the right lines in the wrong place (the state binds lines, canonical order their places).
    const misplaced: ZoneDataWire = { ...rest, zoneTextDelta: { fromSha256: base.sha256, fromSerial: 2, ...diffZoneText(v(2), v(3)) } };
    const soaAt = misplaced.zoneTextDelta!.added.findIndex(([, line]) => line.includes(" SOA "));
    misplaced.zoneTextDelta!.added[soaAt] = [2, misplaced.zoneTextDelta!.added[soaAt]![1]];
    expect(() => withZoneTextDelta(misplaced, base)).toThrow(/out of canonical order/);
    expect(withZoneTextDelta({ ...misplaced, zoneTextDelta: { fromSha256: base.sha256, fromSerial: 2, ...diffZoneText(v(2), v(3)) } }, base).zoneText).toBe(v(3));
  });

  test("a delta made from another LtHash state is not used: the full zone is fetched and applied", async () => {
    current = { serial: 1, zoneText: v(1), mode: "v3" };
    await applyZoneEvent(deps, newZoneEvent("zone.add", ZONE));
    current = { serial: 2, zoneText: v(2), mode: "v3", base: "e".repeat(64) };
    await expect(applyZoneEvent(deps, newZoneEvent("zone.modified", ZONE))).resolves.toMatchObject({ result: "applied", serial: 2 });
    expect(fallbacks).toEqual(["unusable"]);
    expect(bases.at(-1)).toBeUndefined(); // the retry asked for the full zone
    expect(deps.store.get(ZONE)?.zoneText).toBe(v(2));
    expect(heldState()?.equals(LtHash.ofZoneText(v(2)))).toBe(true);
  });

  test("a held text altered at rest is offered by its own digest (not the signed one): the full zone replaces it", async () => {
    current = { serial: 1, zoneText: v(1), mode: "v3" };
    await applyZoneEvent(deps, newZoneEvent("zone.add", ZONE));
    // Altered behind the secondary's back (its state and signed textSha256 untouched), not remembered in this process.
    const held = deps.store.get(ZONE) as SignedZone;
    const altered = held.zoneText.replace("192.0.2.1", "198.51.100.66");
    deps.store.put({ ...held, zoneText: altered });
    current = { serial: 2, zoneText: v(2), mode: "v3" };
    await expect(applyZoneEvent(deps, newZoneEvent("zone.modified", ZONE))).resolves.toMatchObject({ result: "applied", serial: 2 });
    // Offered by the altered text's digest, which the zone-provider never served: the full zone came.
    expect(bases.at(-1)?.sha256).toBe(zoneTextDigest(altered));
    expect(digestsGiven).toEqual([]);
    expect(deps.store.get(ZONE)?.zoneText).toBe(v(2));
    expect(deps.store.get(ZONE)?.zoneText).not.toContain("198.51.100.66");
  });

  test("mixed versions: an older zone-provider's version 2 replies are accepted as before, and a version 3 one after them", async () => {
    current = { serial: 1, zoneText: v(1), mode: "v2" };
    await expect(applyZoneEvent(deps, newZoneEvent("zone.add", ZONE))).resolves.toMatchObject({ result: "applied", serial: 1 });
    expect(deps.store.get(ZONE)?.version).toBe(2);
    current = { serial: 2, zoneText: v(2, "zz.example.org. 300 IN A 198.51.100.1\n"), mode: "v2" };
    await expect(applyZoneEvent(deps, newZoneEvent("zone.modified", ZONE))).resolves.toMatchObject({ result: "applied", serial: 2 });
    expect(deps.store.get(ZONE)?.version).toBe(2);
    expect(bases.at(-1)?.lthash).toBeUndefined();
    // An upgraded zone-provider: a delta with the new state (the secondary held none), checked by the whole text.
    current = { serial: 3, zoneText: v(3), mode: "v3" };
    await expect(applyZoneEvent(deps, newZoneEvent("zone.modified", ZONE))).resolves.toMatchObject({ result: "applied", serial: 3 });
    expect(deps.store.get(ZONE)?.version).toBe(3);
    expect(heldState()?.equals(LtHash.ofZoneText(v(3)))).toBe(true);
    expect(digestsGiven.at(-1)).toBeUndefined(); // hashed whole, as for version 2
    // Back to an older zone-provider (a mixed queue group): version 2 again, the state is no longer held.
    current = { serial: 4, zoneText: v(4), mode: "v2" };
    await expect(applyZoneEvent(deps, newZoneEvent("zone.modified", ZONE))).resolves.toMatchObject({ result: "applied", serial: 4 });
    expect(bases.at(-1)?.lthash).toBeDefined();
    expect(deps.store.get(ZONE)?.version).toBe(2);
    expect(heldState()).toBeUndefined();
    expect(fallbacks).toEqual([]);
  });
});
