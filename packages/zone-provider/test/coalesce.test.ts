import { coalescingZoneSource } from "@pdns-distribute/zone-provider";
import type { ZoneRecord } from "@pdns-distribute/dns";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("coalescingZoneSource", () => {
  test("requests within the window share one transfer; later ones get a new one", async () => {
    let transfers = 0;
    const source = coalescingZoneSource(async (zone) => {
      transfers++;
      const n = transfers;
      await sleep(20);
      return [{ name: zone, type: "TXT", ttl: 1, rdata: `"${n}"` }] as ZoneRecord[];
    }, 5);
    const a = source("example.org.");
    const b = source("EXAMPLE.org.");
    const other = source("example.net.");
    await sleep(10); // first transfer has started: a request now must not join it
    const c = source("example.org.");
    const [ra, rb, rc] = await Promise.all([a, b, c]);
    await other;
    expect(ra).toBe(rb);
    expect(rc).not.toBe(ra);
    expect(transfers).toBe(3);
  });

  test("window 0 passes every request through", async () => {
    let transfers = 0;
    const source = coalescingZoneSource(async () => {
      transfers++;
      return [];
    }, 0);
    await Promise.all([source("a."), source("a.")]);
    expect(transfers).toBe(2);
  });

  test("a failed transfer fails all sharers and does not stick", async () => {
    let fail = true;
    const source = coalescingZoneSource(async () => {
      if (fail) throw new Error("PowerDNS down");
      return [];
    }, 2);
    await expect(Promise.all([source("a."), source("a.")])).rejects.toThrow(/down/);
    fail = false;
    await expect(source("a.")).resolves.toEqual([]);
  });
});
