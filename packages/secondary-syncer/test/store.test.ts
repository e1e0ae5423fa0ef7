import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { openZoneStore } from "@pdns-distribute/secondary-syncer";
import { LtHash, generateKeyPair, signZone, verifySignedZone } from "@pdns-distribute/core";
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

  test("a version 3 envelope keeps its LtHash16 state, text digest and base digest, and verifies again after a reopen", () => {
    const path = join(mkdtempSync(join(tmpdir(), "pdnsd-store-")), "v3.sqlite3");
    // A database made before version 3 (no LtHash columns) is upgraded in place; its zones read as before.
    const old = new Database(path);
    old.exec(`CREATE TABLE zones (name TEXT PRIMARY KEY, serial INTEGER NOT NULL, timestamp INTEGER NOT NULL, signature TEXT NOT NULL,
      zone_text TEXT NOT NULL, stored_at INTEGER NOT NULL, nonce TEXT, requester TEXT)`);
    old.prepare("INSERT INTO zones VALUES ('old.example.', 1, 10, 'sig', 'text 1', 0, 'n', 'ns2')").run();
    old.close();
    const kp = generateKeyPair();
    const text = "example.org. 3600 IN SOA ns1.example.org. h.example.org. 1 2 3 4 5\n";
    const state = LtHash.ofZoneText(text);
    const signed = signZone("example.org.", 1, text, kp.secretKey, 1000, { nonce: "n".repeat(22), requester: "ns2" }, undefined, { state, base: "b".repeat(64) });
    const store = openZoneStore(path);
    expect(store.get("old.example.")).toMatchObject({ version: 2, nonce: "n", requester: "ns2" });
    store.put(signed);
    store.close();
    const again = openZoneStore(path);
    const back = again.get("example.org.") as SignedZone;
    expect(back).toMatchObject({ version: 3, textSha256: signed.textSha256, lthashBase: "b".repeat(64), lthashState: signed.lthashState });
    expect(verifySignedZone(back, kp.publicKey)).toBe(0);
    // Replaced by a version 2 envelope (an older zone-provider answered): the LtHash columns are cleared.
    again.put({ ...z("example.org.", 2), version: 2, nonce: "m".repeat(22), requester: "ns2" });
    expect(again.get("example.org.")).toMatchObject({ version: 2, serial: 2 });
    expect(again.get("example.org.")?.lthashState).toBeUndefined();
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
