import pino from "pino";
import { generateKeyPair, newZoneEvent, signZone, verifySignedZone } from "@pdns-distribute/core";
import type { SignedZone, ZoneDataReply, ZoneRequestBinding } from "@pdns-distribute/core";
import type { ZoneRecord } from "@pdns-distribute/dns";
import { RejectedZoneError, TransientSyncError, applyZoneEvent, openZoneStore } from "@pdns-distribute/secondary-syncer";
import type { ApplyDeps, ServedZones } from "@pdns-distribute/secondary-syncer";

const ZONE = "example.org.";
const text = (serial: number, ip = "192.0.2.1") =>
  `example.org. 3600 IN SOA ns1.example.org. h.example.org. ${serial} 10800 3600 604800 3600\n` +
  `example.org. 3600 IN NS ns1.example.org.\nwww.example.org. 300 IN A ${ip}\n`;

function fakeServed(): ServedZones & { zones: Map<string, ZoneRecord[]> } {
  const zones = new Map<string, ZoneRecord[]>();
  return {
    zones,
    replace: (z, r) => void zones.set(z, r),
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

  beforeEach(() => {
    deps = {
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

  test("add stores and serves; delete removes", async () => {
    reply = signed(1);
    await expect(applyZoneEvent(deps, newZoneEvent("zone.add", ZONE))).resolves.toMatchObject({ result: "applied", serial: 1, records: 3 });
    expect(deps.store.get(ZONE)?.serial).toBe(1);
    expect(deps.served.zones.get(ZONE)).toHaveLength(3);
    await expect(applyZoneEvent(deps, newZoneEvent("zone.delete", ZONE))).resolves.toEqual({ result: "deleted", zone: ZONE, existed: true });
    expect(deps.store.get(ZONE)).toBeUndefined();
    expect(deps.served.zones.size).toBe(0);
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
    await expect(applyZoneEvent(deps, newZoneEvent("zone.modified", ZONE))).rejects.toThrow(RejectedZoneError);
    expect(deps.store.get(ZONE)?.serial).toBe(1);
    expect(deps.served.zones.get(ZONE)?.find((r) => r.type === "A")?.rdata).toBe("192.0.2.1");
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

  test("data for another zone is rejected", async () => {
    reply = bound("example.net.", 1, text(1));
    await expect(applyZoneEvent(deps, newZoneEvent("zone.add", ZONE))).rejects.toThrow(/asked for example.org./);
  });

  test("primary unreachable is transient; not found is reported", async () => {
    reply = new Error("503 no responders");
    await expect(applyZoneEvent(deps, newZoneEvent("zone.add", ZONE))).rejects.toThrow(TransientSyncError);
    reply = { type: "error", version: 1, code: "PDNSD_ZONE_NOT_FOUND", message: "gone" };
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
    reply = bound(ZONE, 2, text(2), key.secretKey);
    await applyZoneEvent(deps, newZoneEvent("zone.modified", ZONE));
    expect(verifySignedZone(deps.store.get(ZONE) as SignedZone, deps.publicKey)).toBe(0);
    reply = bound(ZONE, 2, text(2), next.secretKey);
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
});
