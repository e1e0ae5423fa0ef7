// ChangeChains: when the events since a zone's last read allow reading only their RRsets, and why not otherwise.
import { ChangeChains } from "../src/change-chain";
import type { ChainEvent } from "../src/change-chain";
import { rrsetFromZoneJson } from "../src/pdns-rrsets";
import { ZoneReads } from "../src/zone-reads";

const Z = "a.test.";
const opts = { maxSnapshotAgeMs: 60_000, maxRRsets: 4, maxEvents: 3 };
const ev = (prevSerial: number | undefined, serial: number | undefined, ...names: string[]): ChainEvent => ({
  prevSerial,
  serial,
  rrsets: names.length ? names.map((name) => ({ name, type: "A" })) : undefined,
});

/** A chain with a snapshot at serial 10 read in full at time 0. */
function withSnapshot(): ChangeChains {
  const c = new ChangeChains(opts);
  c.install(Z, c.plan(Z, 0), 10, 0);
  return c;
}

describe("ChangeChains", () => {
  test("events that chain from the snapshot's serial give an incremental read of their RRsets, each once", () => {
    const c = withSnapshot();
    c.note(Z, ev(10, 11, "x.a.test.", "y.a.test."));
    c.note(Z, ev(11, 12, "X.a.test."));
    expect(c.plan(Z, 1)).toMatchObject({ kind: "incremental", baseSerial: 10, serial: 12, events: 2, rrsets: [{ name: "x.a.test." }, { name: "y.a.test." }] });
  });

  test.each<[string, ChainEvent[], string]>([
    ["no events since the snapshot", [], "no-events"],
    ["an event without rrsets (a PUT, rectify, …)", [ev(10, 11)], "event-without-rrsets"],
    ["an event without prevSerial", [ev(undefined, 11, "x.a.test.")], "event-without-rrsets"],
    ["a serial that did not move by one (a change in between, or SOA-EDIT-API EPOCH)", [ev(10, 12, "x.a.test.")], "serial-not-bumped-by-one"],
    ["a change PowerDNS did not count (serial unchanged)", [ev(10, 10, "x.a.test.")], "serial-not-bumped-by-one"],
    ["a gap: a change without an event", [ev(11, 12, "x.a.test.")], "serial-chain-broken"],
    ["too many RRsets", [ev(10, 11, "a.a.test.", "b.a.test.", "c.a.test."), ev(11, 12, "d.a.test.", "e.a.test.")], "too-many-rrsets"],
    ["too many events", [ev(10, 11, "x.a.test."), ev(11, 12, "x.a.test."), ev(12, 13, "x.a.test."), ev(13, 14, "x.a.test.")], "too-many-events"],
  ])("full read: %s", (_label, events, reason) => {
    const c = withSnapshot();
    for (const e of events) c.note(Z, e);
    expect(c.plan(Z, 1)).toMatchObject({ kind: "full", reason });
  });

  test("no snapshot, an old snapshot, or a request naming an unseen event: full; a full read mends a broken chain", () => {
    const c = new ChangeChains(opts);
    expect(c.plan(Z, 0)).toMatchObject({ kind: "full", reason: "no-snapshot" });
    c.install(Z, c.plan(Z, 0), 10, 0);
    c.note(Z, ev(10, 11, "x.a.test."));
    expect(c.plan(Z, 60_001)).toMatchObject({ kind: "full", reason: "snapshot-too-old" });
    c.breakChain(Z, "unseen-event");
    expect(c.plan(Z, 1)).toMatchObject({ kind: "full", reason: "unseen-event" });
    const full = c.plan(Z, 2);
    c.install(Z, full, 11, 2);
    c.note(Z, ev(11, 12, "x.a.test."));
    expect(c.plan(Z, 3)).toMatchObject({ kind: "incremental", serial: 12 });
  });

  test("events already in the snapshot are skipped; a read planned earlier does not replace a later snapshot", () => {
    const c = withSnapshot();
    c.note(Z, ev(10, 11, "x.a.test."));
    const early = c.plan(Z, 1);
    c.note(Z, ev(11, 12, "y.a.test."));
    const late = c.plan(Z, 1);
    c.install(Z, late, 12, 1);
    c.install(Z, early, 11, 1); // finished last, planned first: ignored
    c.note(Z, ev(12, 13, "z.a.test."));
    expect(c.plan(Z, 2)).toMatchObject({ kind: "incremental", baseSerial: 12, serial: 13, rrsets: [{ name: "z.a.test." }] });
    // A full read that saw serial 13 already holds the event for 13, even when it is noted after it was planned.
    const c2 = withSnapshot();
    const full = { kind: "full" as const, reason: "no-snapshot" as const, upTo: 0 };
    c2.install(Z, full, 13, 0);
    c2.note(Z, ev(12, 13, "z.a.test."));
    c2.note(Z, ev(13, 14, "w.a.test."));
    expect(c2.plan(Z, 1)).toMatchObject({ kind: "incremental", baseSerial: 13, serial: 14, rrsets: [{ name: "w.a.test." }] });
  });
});

describe("ChangeChains and events that disagree", () => {
  const withId = (id: string, e: ChainEvent): ChainEvent => ({ ...e, id });

  test("another event claiming the serial of an incrementally read snapshot (a forged one raced the real one) forces a full read", () => {
    const c = withSnapshot();
    c.note(Z, withId("forged", ev(10, 11, "x.a.test.")));
    const plan = c.plan(Z, 1);
    expect(plan).toMatchObject({ kind: "incremental", serial: 11 });
    c.install(Z, plan, 11, 1);
    c.note(Z, withId("forged", ev(10, 11, "x.a.test."))); // the same event again: ignored
    expect(c.plan(Z, 1)).toMatchObject({ kind: "full", reason: "no-events" });
    c.note(Z, withId("real", ev(10, 11, "y.a.test.")));
    expect(c.plan(Z, 1)).toMatchObject({ kind: "full", reason: "conflicting-events" });
  });

  test("after a full read, an event for the serial it read is simply already in it", () => {
    const c = withSnapshot(); // full read at 10
    c.note(Z, withId("late", ev(9, 10, "x.a.test.")));
    c.note(Z, withId("next", ev(10, 11, "y.a.test.")));
    expect(c.plan(Z, 1)).toMatchObject({ kind: "incremental", serial: 11, rrsets: [{ name: "y.a.test." }] });
  });
});

describe("rrsetFromZoneJson", () => {
  const json = (more: object = {}) => ({
    serial: 5,
    edited_serial: 6,
    dnssec: false,
    rrsets: [
      { name: "WWW.a.test.", type: "A", ttl: 60, records: [{ content: "192.0.2.1", disabled: false }, { content: "192.0.2.2", disabled: true }] },
      { name: "www.a.test.", type: "AAAA", ttl: 60, records: [{ content: "2001:db8::1", disabled: false }] },
    ],
    ...more,
  });

  test("the asked RRset's enabled records, the edited serial, and whether the zone is signed", () => {
    expect(rrsetFromZoneJson(json(), "www.a.test.", "A")).toEqual({
      replacement: { name: "www.a.test.", type: "A", records: [{ name: "www.a.test.", type: "A", ttl: 60, rdata: "192.0.2.1" }] },
      serial: 6,
      signed: false,
    });
    expect(rrsetFromZoneJson(json({ rrsets: [] }), "gone.a.test.", "A").replacement.records).toEqual([]);
    expect(rrsetFromZoneJson(json({ dnssec: true }), "www.a.test.", "A").signed).toBe(true);
    expect(rrsetFromZoneJson(json({ presigned: true }), "www.a.test.", "A").signed).toBe(true);
  });

  test("an answer of unexpected shape throws", () => {
    expect(() => rrsetFromZoneJson({ serial: 1 }, "www.a.test.", "A")).toThrow();
    expect(() => rrsetFromZoneJson(json({ dnssec: undefined }), "www.a.test.", "A")).toThrow();
    expect(() => rrsetFromZoneJson(json({ rrsets: [{ name: "www.a.test.", type: "A", ttl: 1, records: [{}] }] }), "www.a.test.", "A")).toThrow();
  });
});

describe("ZoneReads hooks of incremental reads", () => {
  test("each event is told before its read starts; a request naming an unseen event is told", async () => {
    const told: string[] = [];
    const reads = new ZoneReads<string>({
      source: async (zone) => (told.push(`read ${zone}`), zone),
      coalesceWindowMs: 0,
      maxAgeMs: 1000,
      readAheadConcurrency: 2,
      onEvent: (zone, type, e) => told.push(`event ${zone} ${type} ${e.serial}`),
      onUnseenEvent: (zone) => told.push(`unseen ${zone}`),
    });
    reads.noteEvent("e1", "A.test.", "zone.modified", { serial: 3 });
    await reads.get("a.test.", ["e1"]);
    await reads.get("a.test.", ["e1", "never-seen"]);
    expect(told).toEqual(["event a.test. zone.modified 3", "read a.test.", "unseen a.test.", "read a.test."]);
  });
});
