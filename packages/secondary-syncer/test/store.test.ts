import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { StaleChangeError, openZoneStore, storedZoneReader } from "@pdns-distribute/secondary-syncer";
import type { ZoneStore } from "@pdns-distribute/secondary-syncer";
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

  describe("change log", () => {
    const kp = generateKeyPair();
    const ZONE = "log.example.";
    const line = (i: number) => `h${i}.log.example. 300 IN A 192.0.2.${i}`;
    const soaLine = (serial: number) => `log.example. 3600 IN SOA ns1.log.example. h.log.example. ${serial} 2 3 4 5`;
    /** The canonical text of version `serial`: the SOA and hosts 1..serial. */
    const text = (serial: number) => [soaLine(serial), ...Array.from({ length: serial }, (_, i) => line(i + 1))].join("\n") + "\n";
    const version = (serial: number) =>
      signZone(ZONE, serial, text(serial), kp.secretKey, serial * 1000, { nonce: "n".repeat(22), requester: "ns2" }, undefined, { state: LtHash.ofZoneText(text(serial)), base: "b".repeat(64) });
    /** The delta from version `serial - 1`: its SOA replaced, host `serial` added last. */
    const delta = (serial: number) => ({ removed: [soaLine(serial - 1)], added: [[0, soaLine(serial)], [serial, line(serial)]] as Array<[number, string]> });
    const change = (store: ZoneStore, serial: number) => {
      const held = version(serial - 1);
      const { zoneText: _t, ...envelope } = version(serial);
      return store.putChangeGrouped(envelope, held, delta(serial));
    };

    test("a change writes a row, not the zone; the zone reads as base plus log, verifies, and survives a reopen", async () => {
      const path = join(mkdtempSync(join(tmpdir(), "pdnsd-store-")), "log.sqlite3");
      const store = openZoneStore(path);
      store.put(version(1));
      for (let serial = 2; serial <= 4; serial++) await change(store, serial);
      expect(store.changeCount(ZONE)).toBe(3);
      expect(store.serials().get(ZONE)).toBe(4);
      const held = store.get(ZONE) as SignedZone;
      expect(held).toMatchObject({ serial: 4, version: 3, zoneText: text(4), lthashState: version(4).lthashState });
      expect(verifySignedZone(held, kp.publicKey)).toBe(0);
      store.close();
      const db = new Database(path, { readonly: true });
      // The base row is untouched: still version 1, its text whole.
      expect(db.prepare("SELECT serial, zone_text FROM zones").get()).toEqual({ serial: 1, zone_text: text(1) });
      expect(db.prepare("SELECT COUNT(*) AS n FROM zone_changes").get()).toEqual({ n: 3 });
      expect(storedZoneReader(db).all().map((z) => [z.zone, z.serial, z.zoneText])).toEqual([[ZONE, 4, text(4)]]);
      db.close();
      const again = openZoneStore(path);
      expect(again.all()).toHaveLength(1);
      expect(again.get(ZONE)?.zoneText).toBe(text(4));
      again.close();
    });

    test("a change to a version no longer held is refused and writes nothing; the others of its group commit", async () => {
      const store = openZoneStore(":memory:");
      store.put(version(1));
      store.put(z("other.example.", 1));
      const stale = store.putChangeGrouped(version(3), version(2), delta(3)); // held is 1, not 2
      const fine = store.putGrouped(z("other.example.", 2));
      await expect(stale).rejects.toThrow(StaleChangeError);
      await fine;
      expect(store.changeCount(ZONE)).toBe(0);
      expect(store.get(ZONE)?.serial).toBe(1);
      expect(store.get("other.example.")?.serial).toBe(2);
      store.close();
    });

    test("compaction makes the held text the base and empties the log; a whole put or a delete empties it too", async () => {
      const store = openZoneStore(":memory:");
      store.put(version(1));
      await change(store, 2);
      await change(store, 3);
      expect(store.compact(ZONE, version(2), text(2))).toBe(false); // not the version held: nothing
      expect(store.changeCount(ZONE)).toBe(2);
      expect(store.compact(ZONE, version(3), text(3))).toBe(true);
      expect(store.changeCount(ZONE)).toBe(0);
      expect(store.get(ZONE)).toMatchObject({ serial: 3, zoneText: text(3), lthashState: version(3).lthashState });
      expect(verifySignedZone(store.get(ZONE) as SignedZone, kp.publicKey)).toBe(0);
      await change(store, 4);
      store.put(version(5));
      expect(store.changeCount(ZONE)).toBe(0);
      expect(store.get(ZONE)?.zoneText).toBe(text(5));
      await change(store, 6);
      expect(store.delete(ZONE)).toBe(true);
      expect(store.changeCount(ZONE)).toBe(0);
      expect(store.get(ZONE)).toBeUndefined();
      store.close();
    });

    test("a log that does not apply to its base leaves that zone out at start-up, named; the other zones load", async () => {
      const path = join(mkdtempSync(join(tmpdir(), "pdnsd-store-")), "bad.sqlite3");
      const store = openZoneStore(path);
      store.put(version(1));
      store.put(z("other.example.", 1));
      await change(store, 2);
      store.close();
      const db = new Database(path);
      db.prepare("UPDATE zone_changes SET removed = ? WHERE name = ?").run(JSON.stringify([line(99)]), ZONE);
      db.close();
      const again = openZoneStore(path);
      const unreadable: string[] = [];
      expect(again.all((zone) => void unreadable.push(zone)).map((s) => s.zone)).toEqual(["other.example."]);
      expect(unreadable).toEqual([ZONE]);
      expect(() => again.get(ZONE)).toThrow(/does not have/);
      again.close();
    });

    test("a database of the release before the log is upgraded in place: its zones read as before, then take changes", async () => {
      const path = join(mkdtempSync(join(tmpdir(), "pdnsd-store-")), "old.sqlite3");
      const old = new Database(path);
      old.exec(`CREATE TABLE zones (name TEXT PRIMARY KEY, serial INTEGER NOT NULL, timestamp INTEGER NOT NULL, signature TEXT NOT NULL,
        zone_text TEXT NOT NULL, stored_at INTEGER NOT NULL, nonce TEXT, requester TEXT, text_sha256 TEXT, lthash_base TEXT, lthash_state BLOB)`);
      const v1 = version(1);
      old.prepare("INSERT INTO zones VALUES (?, 1, ?, ?, ?, 0, ?, ?, ?, ?, ?)").run(
        ZONE, v1.timestamp, v1.signature, v1.zoneText, v1.nonce, v1.requester, v1.textSha256, v1.lthashBase, Buffer.from(v1.lthashState as string, "base64"),
      );
      old.close();
      const store = openZoneStore(path);
      expect(store.all().map((s) => [s.zone, s.serial])).toEqual([[ZONE, 1]]);
      expect(verifySignedZone(store.get(ZONE) as SignedZone, kp.publicKey)).toBe(0);
      await change(store, 2);
      store.close();
      const again = openZoneStore(path);
      expect(again.get(ZONE)).toMatchObject({ serial: 2, zoneText: text(2) });
      expect(verifySignedZone(again.get(ZONE) as SignedZone, kp.publicKey)).toBe(0);
      again.close();
    });
  });
});
