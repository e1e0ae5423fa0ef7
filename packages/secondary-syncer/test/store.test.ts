import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openZoneStore } from "@pdns-distribute/secondary-syncer";
import type { SignedZone } from "@pdns-distribute/core";

const z = (zone: string, serial: number): SignedZone => ({
  type: "zone.data",
  version: 1,
  zone,
  serial,
  timestamp: serial * 10,
  zoneText: `text ${serial}`,
  signature: "sig",
});

describe("SQLite zone store", () => {
  test("put, replace, list, delete and reopen", () => {
    const path = join(mkdtempSync(join(tmpdir(), "pdnsd-store-")), "sub", "s.sqlite3");
    const store = openZoneStore(path);
    store.put(z("b.example.", 1));
    store.put(z("a.example.", 1));
    store.put(z("a.example.", 2));
    expect(store.all().map((s) => [s.zone, s.serial])).toEqual([
      ["a.example.", 2],
      ["b.example.", 1],
    ]);
    expect(store.serials()).toEqual(new Map([["a.example.", 2], ["b.example.", 1]]));
    expect(store.delete("b.example.")).toBe(true);
    expect(store.delete("b.example.")).toBe(false);
    store.close();
    const again = openZoneStore(path);
    expect(again.get("a.example.")).toMatchObject({ serial: 2, zoneText: "text 2", timestamp: 20 });
    again.close();
  });

  test("grouped puts made together commit together, and resolve only once committed", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "pdnsd-store-")), "g.sqlite3");
    const store = openZoneStore(path);
    const puts = [store.putGrouped(z("a.example.", 1)), store.putGrouped(z("b.example.", 1)), store.putGrouped(z("a.example.", 2))];
    expect(store.get("a.example.")).toBeUndefined(); // not committed yet: nobody may ack it
    await Promise.all(puts);
    expect(store.all().map((s) => [s.zone, s.serial])).toEqual([
      ["a.example.", 2],
      ["b.example.", 1],
    ]);
    const late = store.putGrouped(z("c.example.", 3));
    store.close(); // waiting puts are committed before the database closes
    await late;
    const again = openZoneStore(path);
    expect(again.get("c.example.")?.serial).toBe(3);
    again.close();
  });
});
