// ZoneReads: read-ahead on zone events, and which read may answer a request that names its events.
import { ZoneReads, watchZoneEvents } from "@pdns-distribute/zone-provider";
import { encodeMessage, newZoneEvent } from "@pdns-distribute/core";
import type { ZoneReadsOptions } from "@pdns-distribute/zone-provider";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A source whose reads the test finishes by hand; each read resolves to "<zone>#<n>". */
function manualSource() {
  const reads: Array<{ zone: string; n: number; resolve: () => void; reject: (e: Error) => void }> = [];
  let n = 0;
  const source = (zone: string) =>
    new Promise<string>((resolve, reject) => {
      const k = ++n;
      reads.push({ zone, n: k, resolve: () => resolve(`${zone}#${k}`), reject });
    });
  const running = () => reads.length;
  return { source, reads, running };
}

function make(source: (zone: string) => Promise<string>, more: Partial<ZoneReadsOptions<string>> = {}) {
  const served: string[] = [];
  const reads = new ZoneReads<string>({
    source,
    coalesceWindowMs: 0,
    maxAgeMs: 1000,
    readAheadConcurrency: 4,
    onServed: (how) => served.push(how),
    ...more,
  });
  return { reads, served };
}

describe("ZoneReads", () => {
  test("an event starts a read; requests naming it share that read, even while it runs", async () => {
    const m = manualSource();
    const { reads, served } = make(m.source);
    reads.noteEvent("e1", "a.test.", "zone.modified");
    expect(m.reads.map((r) => r.zone)).toEqual(["a.test."]);
    const asks = [reads.get("a.test.", ["e1"]), reads.get("A.TEST.", ["e1"]), reads.get("a.test.", ["e1"])];
    m.reads[0]!.resolve();
    expect(await Promise.all(asks)).toEqual(["a.test.#1", "a.test.#1", "a.test.#1"]);
    expect(m.reads).toHaveLength(1);
    expect(served).toEqual(["ahead", "ahead", "ahead"]);
  });

  test("a request naming an event not seen (or no event) gets a read that starts after it", async () => {
    const m = manualSource();
    const { reads, served } = make(m.source);
    reads.noteEvent("e1", "a.test.", "zone.modified");
    m.reads[0]!.resolve();
    const unknown = reads.get("a.test.", ["e1", "e2"]);
    const none = reads.get("a.test.");
    await sleep(1);
    expect(m.reads).toHaveLength(3);
    m.reads[1]!.resolve();
    m.reads[2]!.resolve();
    expect(await unknown).toBe("a.test.#2");
    expect(await none).toBe("a.test.#3");
    expect(served).toEqual(["fresh", "fresh"]);
  });

  test("an event seen while a read runs starts one more read when it ends; a request naming it gets that one", async () => {
    const m = manualSource();
    const { reads } = make(m.source);
    reads.noteEvent("e1", "a.test.", "zone.modified");
    reads.noteEvent("e2", "a.test.", "zone.modified");
    reads.noteEvent("e3", "a.test.", "zone.modified");
    expect(m.reads).toHaveLength(1); // one read at a time per zone
    const first = reads.get("a.test.", ["e1"]);
    m.reads[0]!.resolve();
    expect(await first).toBe("a.test.#1");
    await sleep(0);
    expect(m.reads).toHaveLength(2); // e2 and e3 share the second read
    const later = reads.get("a.test.", ["e2", "e3"]);
    const old = reads.get("a.test.", ["e1"]); // the newest read covers older events too
    m.reads[1]!.resolve();
    expect(await later).toBe("a.test.#2");
    expect(await old).toBe("a.test.#2");
    expect(m.reads).toHaveLength(2);
  });

  test("a fresh read started after an event covers it: the queued read-ahead is dropped", async () => {
    const m = manualSource();
    const { reads } = make(m.source, { readAheadConcurrency: 1 });
    reads.noteEvent("b1", "b.test.", "zone.modified"); // takes the only slot
    reads.noteEvent("a1", "a.test.", "zone.modified"); // queued
    expect(reads.pending).toEqual({ running: 1, queued: 1 });
    const fresh = reads.get("a.test."); // no ids: a fresh read, which also covers a1
    await sleep(1);
    expect(m.reads.map((r) => r.zone)).toEqual(["b.test.", "a.test."]);
    expect(reads.pending).toEqual({ running: 1, queued: 0 });
    const named = reads.get("a.test.", ["a1"]);
    m.reads[1]!.resolve();
    expect(await fresh).toBe("a.test.#2");
    expect(await named).toBe("a.test.#2");
    m.reads[0]!.resolve();
    await sleep(0);
    expect(m.reads).toHaveLength(2);
  });

  test("read-ahead runs at most readAheadConcurrency reads; the others wait their turn", async () => {
    let running = 0;
    let most = 0;
    let total = 0;
    const { reads } = make(
      async (zone) => {
        running++;
        total++;
        most = Math.max(most, running);
        await sleep(5);
        running--;
        return zone;
      },
      { readAheadConcurrency: 2 },
    );
    for (let i = 0; i < 10; i++) reads.noteEvent(`e${i}`, `z${i}.test.`, "zone.add");
    while (reads.pending.running > 0 || reads.pending.queued > 0) await sleep(2);
    expect(most).toBe(2);
    expect(total).toBe(10);
    expect(await reads.get("z9.test.", ["e9"])).toBe("z9.test."); // done, and still covering
    expect(total).toBe(10);
  });

  test("beyond readAheadMaxQueued waiting zones, events start no read (a mass change reads on request)", async () => {
    const m = manualSource();
    let skipped = 0;
    const { reads } = make(m.source, { readAheadConcurrency: 1, readAheadMaxQueued: 2, onSkipped: () => skipped++ });
    for (let i = 0; i < 6; i++) reads.noteEvent(`e${i}`, `z${i}.test.`, "zone.add");
    expect(m.reads).toHaveLength(1);
    expect(reads.pending).toEqual({ running: 1, queued: 2 });
    expect(skipped).toBe(3);
    const later = reads.get("z5.test.", ["e5"]); // skipped: a fresh read
    await sleep(1);
    expect(m.reads.map((r) => r.zone)).toEqual(["z0.test.", "z5.test."]);
    m.reads[1]!.resolve();
    expect(await later).toBe("z5.test.#2");
  });

  test("a failed read serves no later request; deletes start no read", async () => {
    const m = manualSource();
    const { reads, served } = make(m.source);
    reads.noteEvent("d1", "a.test.", "zone.delete");
    expect(m.reads).toHaveLength(0);
    reads.noteEvent("e1", "a.test.", "zone.add");
    const waiting = reads.get("a.test.", ["d1", "e1"]);
    m.reads[0]!.reject(new Error("PowerDNS down"));
    await expect(waiting).rejects.toThrow("PowerDNS down"); // its own read failed: said so, the secondary retries
    const retry = reads.get("a.test.", ["e1"]);
    await sleep(1);
    expect(m.reads).toHaveLength(2);
    m.reads[1]!.resolve();
    expect(await retry).toBe("a.test.#2");
    expect(served).toEqual(["ahead", "fresh"]);
  });

  test("no read-ahead after one nobody asked for; once a read-ahead is used, reading ahead resumes", async () => {
    const m = manualSource();
    let skipped = 0;
    const { reads } = make(m.source, { onSkipped: () => skipped++ });
    reads.noteEvent("e1", "a.test.", "zone.modified");
    m.reads[0]!.resolve();
    await sleep(0);
    reads.noteEvent("e2", "a.test.", "zone.modified"); // the read for e1 was never asked for (secondaries paused)
    expect(m.reads).toHaveLength(1);
    expect(skipped).toBe(1);
    const r2 = reads.get("a.test.", ["e2"]); // not covered: a fresh read, which counts as asked for
    await sleep(1);
    expect(m.reads).toHaveLength(2);
    m.reads[1]!.resolve();
    expect(await r2).toBe("a.test.#2");
    reads.noteEvent("e3", "a.test.", "zone.modified");
    expect(m.reads).toHaveLength(3);
    const r3 = reads.get("a.test.", ["e3"]);
    m.reads[2]!.resolve();
    expect(await r3).toBe("a.test.#3");
    reads.noteEvent("e4", "a.test.", "zone.modified"); // the e3 read-ahead was used: read ahead again
    expect(m.reads).toHaveLength(4);
    expect(skipped).toBe(1);
  });

  test("a finished read serves named events only for maxAgeMs", async () => {
    let now = 0;
    const m = manualSource();
    const { reads } = make(m.source, { maxAgeMs: 100, now: () => now });
    reads.noteEvent("e1", "a.test.", "zone.modified");
    m.reads[0]!.resolve();
    await sleep(0);
    now = 100;
    const young = reads.get("a.test.", ["e1"]);
    expect(m.reads).toHaveLength(1);
    expect(await young).toBe("a.test.#1");
    now = 101;
    const old = reads.get("a.test.", ["e1"]);
    await sleep(1);
    expect(m.reads).toHaveLength(2);
    m.reads[1]!.resolve();
    expect(await old).toBe("a.test.#2");
  });

  test("only the last maxEventIds ids are remembered", async () => {
    const m = manualSource();
    const { reads } = make(m.source, { maxEventIds: 2 });
    reads.noteEvent("e1", "a.test.", "zone.delete");
    reads.noteEvent("e2", "a.test.", "zone.delete");
    reads.noteEvent("e3", "a.test.", "zone.modified");
    m.reads[0]!.resolve();
    expect(await reads.get("a.test.", ["e2", "e3"])).toBe("a.test.#1");
    const forgotten = reads.get("a.test.", ["e1", "e3"]);
    await sleep(1);
    expect(m.reads).toHaveLength(2);
    m.reads[1]!.resolve();
    expect(await forgotten).toBe("a.test.#2");
  });
});

describe("watchZoneEvents", () => {
  type Callback = (err: Error | null, msg: { data: Uint8Array }) => void;
  function fakeNats() {
    const subs: Array<{ subject: string; callback: Callback; unsubscribed: boolean }> = [];
    const nc = {
      subscribe(subject: string, opts: { callback: Callback }) {
        const sub = { subject, callback: opts.callback, unsubscribed: false };
        subs.push(sub);
        return { unsubscribe: () => void (sub.unsubscribed = true) };
      },
    };
    return { nc: nc as unknown as Parameters<typeof watchZoneEvents>[0], subs };
  }
  const logger = () => {
    const warnings: string[] = [];
    return { warnings, log: { warn: (_o: unknown, msg: string) => void warnings.push(msg) } as unknown as Parameters<typeof watchZoneEvents>[2] };
  };

  test("feeds every well-formed zone event to the reads, skips malformed ones, stops on stop()", () => {
    const { nc, subs } = fakeNats();
    const seen: string[] = [];
    const l = logger();
    const watcher = watchZoneEvents(nc, { noteEvent: (id, zone, type) => void seen.push(`${id} ${zone} ${type}`) }, l.log);
    expect(subs.map((s) => s.subject)).toEqual(["pdns.zone.events.>"]);
    const ev = newZoneEvent("zone.modified", "a.test.");
    subs[0]!.callback(null, { data: encodeMessage(ev) });
    subs[0]!.callback(null, { data: new TextEncoder().encode("{not json") });
    subs[0]!.callback(null, { data: encodeMessage({ type: "zone.modified", version: 1 }) });
    expect(seen).toEqual([`${ev.id} a.test. zone.modified`]);
    expect(l.warnings).toEqual([]);
    watcher.stop();
    expect(subs[0]!.unsubscribed).toBe(true);
  });

  test("no permission to subscribe: one warning, read-ahead off", () => {
    const { nc, subs } = fakeNats();
    const l = logger();
    watchZoneEvents(nc, { noteEvent: () => undefined }, l.log);
    subs[0]!.callback(new Error("Permissions Violation for Subscription to \"pdns.zone.events.>\""), { data: new Uint8Array() });
    expect(l.warnings).toEqual(["cannot watch zone events; read-ahead is off (zone-data requests still get fresh reads)"]);
  });
});
