// walSync: syncs of a WAL database's log on the thread pool, shared by callers that come while one runs.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { walSync } from "@pdns-distribute/core";

describe("walSync", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "wal-sync-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test("syncs the log after NORMAL commits; callers during a sync share the next one", async () => {
    const path = join(dir, "db.sqlite3");
    const db = new Database(path);
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    db.exec("CREATE TABLE t (v INTEGER)");
    const wal = walSync(path);
    db.prepare("INSERT INTO t VALUES (1)").run();
    const first = wal.sync();
    const during = [wal.sync(), wal.sync(), wal.sync()];
    await Promise.all([first, ...during]);
    expect(wal.syncs).toBe(2);
    await wal.sync();
    expect(wal.syncs).toBe(3);
    db.close();
    wal.close();
    const again = new Database(path);
    expect(again.prepare("SELECT count(*) AS n FROM t").get()).toEqual({ n: 1 });
    again.close();
  });

  test("without a log file it syncs the database file; :memory: needs nothing", async () => {
    const path = join(dir, "plain.sqlite3");
    const db = new Database(path); // rollback journal: no -wal file
    db.exec("CREATE TABLE t (v INTEGER)");
    const wal = walSync(path);
    await expect(wal.sync()).resolves.toBeUndefined();
    wal.close();
    db.close();
    await expect(walSync(":memory:").sync()).resolves.toBeUndefined();
  });

  test("a missing database is an error, not a silent success", async () => {
    await expect(walSync(join(dir, "nope", "x.sqlite3")).sync()).rejects.toThrow(/ENOENT/);
  });
});
