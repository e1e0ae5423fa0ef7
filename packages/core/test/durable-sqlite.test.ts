// openDurableSqlite: WAL + NORMAL on open, its directory created, durable commits through wal.sync() and durably().
import { createRequire } from "node:module";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fullSyncCommits, openDurableSqlite } from "@pdns-distribute/core";

// better-sqlite3 is a dependency of the daemons that store data, not of core: take the test harness's copy.
const Database = createRequire(join(__dirname, "..", "..", "test-harness", "package.json"))("better-sqlite3") as typeof import("better-sqlite3");

describe("openDurableSqlite", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "durable-sqlite-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test("creates the directory and opens in WAL mode with synchronous = NORMAL", () => {
    const path = join(dir, "a", "b", "db.sqlite3");
    const store = openDurableSqlite(path, (p) => new Database(p));
    expect(existsSync(join(dir, "a", "b"))).toBe(true);
    expect(store.db.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(store.db.pragma("synchronous", { simple: true })).toBe(1); // NORMAL
    store.close();
  });

  test("durably() commits with FULL and switches back; wal.sync() syncs NORMAL commits", async () => {
    const path = join(dir, "db.sqlite3");
    const store = openDurableSqlite(path, (p) => new Database(p));
    store.db.exec("CREATE TABLE t (v INTEGER)");
    const seen = store.durably(() => {
      store.db.prepare("INSERT INTO t VALUES (1)").run();
      return store.db.pragma("synchronous", { simple: true });
    });
    expect(seen).toBe(2); // FULL inside
    expect(store.db.pragma("synchronous", { simple: true })).toBe(1);
    store.db.prepare("INSERT INTO t VALUES (2)").run();
    await store.wal.sync();
    expect(store.wal.syncs).toBe(1);
    store.close();
    const again = new Database(path, { readonly: true });
    expect(again.prepare("SELECT count(*) AS n FROM t").get()).toEqual({ n: 2 });
    again.close();
  });

  test(":memory: needs no directory and no log sync", async () => {
    const store = openDurableSqlite(":memory:", (p) => new Database(p));
    await store.wal.sync();
    expect(store.wal.syncs).toBe(0);
    store.close();
  });
});

describe("fullSyncCommits", () => {
  test("the very first durable commit after opening runs with FULL, and every one after it", () => {
    const db = new Database(":memory:");
    db.pragma("synchronous = NORMAL");
    const durably = fullSyncCommits(db);
    const levels = [1, 2, 3].map(() => durably(() => db.pragma("synchronous", { simple: true })));
    expect(levels).toEqual([2, 2, 2]);
    expect(db.pragma("synchronous", { simple: true })).toBe(1);
    db.close();
  });
});
