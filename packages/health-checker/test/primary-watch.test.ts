// The primary watch: which changes made outside the API it announces, to whom, and what it remembers between polls.
import { createLogger, newZoneEvent } from "@pdns-distribute/core";
import { createPrimaryWatch, fingerprintPlan, primaryChanges } from "@pdns-distribute/health-checker";
import type { PowerDnsClient, ZoneFingerprint } from "@pdns-distribute/health-checker";

const fp = (serial: number, dnssec?: string): ZoneFingerprint => ({ serial, signed: dnssec !== undefined, dnssec });

describe("primaryChanges", () => {
  test.each<[string, Record<string, ZoneFingerprint>, Record<string, ZoneFingerprint>, string[]]>([
    ["nothing changed", { "a.": fp(1, "k1") }, { "a.": fp(1, "k1") }, []],
    ["pdnsutil create-zone", {}, { "a.": fp(1) }, ["zone.add a. new"]],
    ["pdnsutil delete-zone", { "a.": fp(1) }, {}, ["zone.delete a. gone"]],
    ["pdnsutil increase-serial", { "a.": fp(1) }, { "a.": fp(2) }, ["zone.modified a. serial"]],
    ["pdnsutil secure-zone (same serial)", { "a.": fp(1) }, { "a.": fp(1, "k1") }, ["zone.modified a. dnssec"]],
    ["pdnsutil disable-dnssec", { "a.": fp(1, "k1") }, { "a.": fp(1) }, ["zone.modified a. dnssec"]],
    ["set-nsec3 or a key rollover (another fingerprint)", { "a.": fp(1, "k1") }, { "a.": fp(1, "k2") }, ["zone.modified a. dnssec"]],
    ["a fingerprint not read this time", { "a.": fp(1, "k1") }, { "a.": { serial: 1, signed: true, dnssec: undefined } }, []],
  ])("%s", (_what, prev, next, want) => {
    const changes = primaryChanges(new Map(Object.entries(prev)), new Map(Object.entries(next)));
    expect(changes.map((c) => `${c.type} ${c.zone} ${c.why}`)).toEqual(want);
  });

  test("changes an api-proxy event already announced are left out; DNSSEC changes never are", () => {
    const prev = new Map([["a.", fp(1)], ["b.", fp(1)], ["c.", fp(1)], ["d.", fp(1)], ["gone.", fp(1)]]);
    const next = new Map([["a.", fp(2)], ["b.", fp(3)], ["c.", fp(1, "k")], ["d.", fp(2)], ["new.", fp(7)], ["new-signed.", fp(7, "k")]]);
    const announcements = new Map([
      ["a.", { type: "zone.modified" as const, serial: 3, at: 0 }], // that serial or a later one: explained
      ["b.", { type: "zone.modified" as const, serial: 2, at: 500 }], // an older serial: b changed again since
      ["c.", { type: "zone.modified" as const, serial: 1, at: 500 }], // DNSSEC: announced anyway
      ["d.", { type: "zone.modified" as const, serial: undefined, at: 1500 }], // no serial, seen since the last poll
      ["gone.", { type: "zone.delete" as const, serial: undefined, at: 1500 }],
      ["new.", { type: "zone.add" as const, serial: 7, at: 1500 }],
      ["new-signed.", { type: "zone.add" as const, serial: 7, at: 1500 }], // signed after its event, maybe
    ]);
    const changes = primaryChanges(prev, next, announcements, 1000);
    expect(changes.map((c) => `${c.type} ${c.zone} ${c.why}`)).toEqual(["zone.modified b. serial", "zone.modified c. dnssec", "zone.add new-signed. new"]);
  });
});

/** A PowerDNS whose zones the test edits; `failing` zones have an unreadable fingerprint; `notServed` are not served yet. */
function fakePrimary(zones: Map<string, ZoneFingerprint>, failing = new Set<string>(), notServed = new Set<string>()): PowerDnsClient & { lists: number } {
  const client = {
    lists: 0,
    state: async () => {
      client.lists++;
      const serials = new Map([...zones].map(([z, f]) => [z, f.serial]));
      return { serials, signed: new Set([...zones].filter(([, f]) => f.signed).map(([z]) => z)) };
    },
    zone: async (zone: string) => (zones.has(zone) ? { name: zone, serial: zones.get(zone)?.serial ?? 0 } : undefined),
    setNsec3: async () => undefined,
    soaSignature: async () => undefined,
    dnssecFingerprint: async (zone: string) => {
      if (failing.has(zone)) throw new Error("timeout");
      return zones.get(zone)?.dnssec ?? "";
    },
    servesZone: async (zone: string) => zones.has(zone) && !notServed.has(zone),
  };
  return client;
}

describe("createPrimaryWatch", () => {
  const logger = createLogger("test", "silent");

  test("the first poll only takes the baseline; later polls announce to every secondary", async () => {
    const zones = new Map([["a.", fp(1)], ["b.", fp(5, "k1")]]);
    const published: string[] = [];
    const watch = createPrimaryWatch({
      powerdns: fakePrimary(zones),
      publish: async (type, zone, target) => {
        published.push(`${type} ${zone} ${target ?? "*"}`);
        return newZoneEvent(type, zone, "health-checker", target);
      },
      logger,
      concurrency: 2,
      maxPerPoll: 100,
      pollIntervalMs: 30_000,
    });
    expect(await watch.poll()).toMatchObject({ baseline: true, zones: 2, signed: 1, published: 0 });
    zones.set("a.", fp(1, "k9")); // secure-zone
    zones.set("b.", fp(5, "k2")); // rollover
    zones.set("c.", fp(1)); // create-zone
    expect(await watch.poll()).toMatchObject({ baseline: false, published: 3 });
    expect(published).toEqual(["zone.modified a. *", "zone.modified b. *", "zone.add c. *"]);
    expect(await watch.poll()).toMatchObject({ published: 0 }); // remembered
    watch.reset();
    zones.delete("c.");
    expect(await watch.poll()).toMatchObject({ baseline: true, published: 0 });
  });

  test("an api-proxy event spares the second event; the watch's own events do not count", async () => {
    const zones = new Map([["a.", fp(1)], ["b.", fp(1)]]);
    const published: string[] = [];
    const watch = createPrimaryWatch({
      powerdns: fakePrimary(zones),
      publish: async (type, zone) => {
        published.push(`${type} ${zone}`);
        return newZoneEvent(type, zone, "health-checker");
      },
      logger,
      concurrency: 2,
      maxPerPoll: 100,
      pollIntervalMs: 30_000,
    });
    await watch.poll();
    zones.set("a.", fp(2));
    zones.set("b.", fp(2));
    watch.seen({ ...newZoneEvent("zone.modified", "a.", "api-proxy"), serial: 2 });
    watch.seen({ ...newZoneEvent("zone.modified", "b.", "health-checker"), serial: 2 });
    watch.seen({ ...newZoneEvent("zone.modified", "b.", "api-proxy", "sec-1"), serial: 2 }); // targeted: not for everyone
    expect(await watch.poll()).toMatchObject({ published: 0, deferred: 1 }); // b: its event may be on its way
    expect(await watch.poll()).toMatchObject({ published: 1, deferred: 0 }); // still unexplained
    expect(published).toEqual(["zone.modified b."]);
  });

  test("a serial change or deletion is announced only when two polls in a row found it unexplained (its event may be on its way)", async () => {
    const zones = new Map([["a.", fp(1)], ["b.", fp(1)], ["c.", fp(1)], ["d.", fp(1)]]);
    const published: string[] = [];
    const watch = createPrimaryWatch({
      powerdns: fakePrimary(zones),
      publish: async (type, zone) => {
        published.push(`${type} ${zone}`);
        return newZoneEvent(type, zone, "health-checker");
      },
      logger,
      concurrency: 2,
      maxPerPoll: 100,
      pollIntervalMs: 30_000,
    });
    await watch.poll();
    // a and b are being changed through the API: PowerDNS has serial 3, their events are not seen yet (the stream
    // elects a leader, say); c's serial and d's deletion come from pdnsutil.
    watch.seen({ ...newZoneEvent("zone.modified", "a.", "api-proxy"), serial: 2 });
    watch.seen({ ...newZoneEvent("zone.modified", "b.", "api-proxy"), serial: 2 });
    zones.set("a.", fp(3));
    zones.set("b.", fp(3));
    zones.set("c.", fp(2));
    zones.delete("d.");
    expect(await watch.poll()).toMatchObject({ published: 0, deferred: 4 });
    watch.seen({ ...newZoneEvent("zone.modified", "a.", "api-proxy"), serial: 3 }); // a's event arrives
    expect(await watch.poll()).toMatchObject({ published: 3, deferred: 0 });
    expect(published).toEqual(["zone.modified b.", "zone.modified c.", "zone.delete d."]); // nothing explained them
    expect(await watch.poll()).toMatchObject({ published: 0, deferred: 0 });
  });

  test("what is not published (cap, NATS down) is found again by the next poll; a gone zone needs PowerDNS' 404", async () => {
    const zones = new Map([["a.", fp(1)], ["b.", fp(1)], ["c.", fp(1)]]);
    const published: string[] = [];
    let natsDown = false;
    const powerdns = fakePrimary(zones);
    const watch = createPrimaryWatch({
      powerdns,
      publish: async (type, zone) => {
        if (natsDown) throw new Error("no responders");
        published.push(`${type} ${zone}`);
        return newZoneEvent(type, zone, "health-checker");
      },
      logger,
      concurrency: 2,
      maxPerPoll: 1,
      pollIntervalMs: 30_000,
    });
    await watch.poll();
    zones.set("a.", fp(2));
    zones.set("b.", fp(2));
    await watch.poll(); // seen once: waits
    await watch.poll();
    expect(published).toEqual(["zone.modified a."]);
    natsDown = true;
    await expect(watch.poll()).rejects.toThrow("no responders");
    natsDown = false;
    await watch.poll();
    expect(published).toEqual(["zone.modified a.", "zone.modified b."]);
    // Gone from the list but PowerDNS still has it (listed before it was created, say): no delete.
    powerdns.state = async () => ({ serials: new Map([["a.", 2], ["b.", 2]]), signed: new Set() });
    await watch.poll();
    expect(published).toHaveLength(2);
  });

  test("a fingerprint that cannot be read keeps the last one: no event, and the change is seen once it reads again", async () => {
    const zones = new Map([["a.", fp(1, "k1")]]);
    const failing = new Set<string>();
    const published: string[] = [];
    const watch = createPrimaryWatch({
      powerdns: fakePrimary(zones, failing),
      publish: async (type, zone) => {
        published.push(`${type} ${zone}`);
        return newZoneEvent(type, zone, "health-checker");
      },
      logger,
      concurrency: 1,
      maxPerPoll: 10,
      pollIntervalMs: 30_000,
    });
    await watch.poll();
    zones.set("a.", fp(1, "k2"));
    failing.add("a.");
    expect(await watch.poll()).toMatchObject({ unreadable: 1, published: 0 });
    failing.clear();
    expect(await watch.poll()).toMatchObject({ unreadable: 0, published: 1 });
    expect(published).toEqual(["zone.modified a."]);
  });
});

test("a zone PowerDNS lists but does not serve yet (zone cache) is announced once it serves it", async () => {
  const zones = new Map([["a.", fp(1)]]);
  const notServed = new Set<string>();
  const published: string[] = [];
  const watch = createPrimaryWatch({
    powerdns: fakePrimary(zones, new Set(), notServed),
    publish: async (type, zone) => {
      published.push(`${type} ${zone}`);
      return newZoneEvent(type, zone, "health-checker");
    },
    logger: createLogger("test", "silent"),
    concurrency: 1,
    maxPerPoll: 10,
    pollIntervalMs: 30_000,
  });
  await watch.poll();
  zones.set("new.", fp(1));
  notServed.add("new.");
  expect(await watch.poll()).toMatchObject({ published: 0 });
  notServed.clear();
  expect(await watch.poll()).toMatchObject({ published: 1 });
  expect(published).toEqual(["zone.add new."]);
});

describe("fingerprintPlan", () => {
  const signed = ["a.", "b.", "c.", "d.", "e."];
  const known = new Map(signed.map((z) => [z, fp(1, "k")]));

  test("sweeps the signed zones in slices, wrapping around", () => {
    const first = fingerprintPlan(signed, known, undefined, 2);
    expect(first).toEqual({ zones: ["a.", "b."], cursor: "b." });
    const second = fingerprintPlan(signed, known, first.cursor, 2);
    expect(second).toEqual({ zones: ["c.", "d."], cursor: "d." });
    expect(fingerprintPlan(signed, known, second.cursor, 2)).toEqual({ zones: ["e.", "a."], cursor: "a." });
  });

  test("a zone new or newly signed since the last poll is read at once, besides the slice", () => {
    const prev = new Map(known);
    prev.set("d.", fp(1)); // was unsigned
    prev.delete("e."); // is new
    expect(fingerprintPlan(signed, prev, undefined, 1).zones.sort()).toEqual(["a.", "d.", "e."]);
  });

  test("a cursor past the last zone (it was deleted) starts again from the first; with few zones, all each time", () => {
    expect(fingerprintPlan(signed, known, "z.", 2).zones).toEqual(["a.", "b."]);
    expect(fingerprintPlan(signed, known, "c.", 500).zones).toEqual(["d.", "e.", "a.", "b.", "c."]);
  });
});
