// Combining PATCHes of one zone: which requests may be combined, and how batches form and close.
import { PatchBatcher, combinablePatch, combinedPatchBody, writeZoneKey } from "../src";
import type { CombinablePatch, PatchBatch } from "../src";

const URL = "/api/v1/servers/localhost/zones/example.org.";
const key = { "x-api-key": "secret" };
const body = (rrsets: unknown): Buffer => Buffer.from(JSON.stringify({ rrsets }));
const a = (name: string, changetype = "REPLACE"): object => ({ name, type: "A", ttl: 60, changetype, records: [{ content: "192.0.2.1", disabled: false }] });

function patch(names: string[], url = URL, headers: Record<string, string> = key): CombinablePatch {
  const p = combinablePatch("PATCH", url, headers, body(names.map((n) => a(n))));
  if (!p) throw new Error("not combinable");
  return p;
}

test("a PATCH of a zone with RRsets naming name, type and changetype is combinable; its key names server and zone", () => {
  const p = patch(["www.example.org.", "Mail.Example.org."]);
  expect(p.zoneKey).toBe("localhost/example.org.");
  expect(p.keys).toEqual(["www.example.org./A", "mail.example.org./A"]);
  expect(p.rrsets).toHaveLength(2);
  // The zone id as PowerDNS spells it, with or without the dot, in any case: one zone.
  expect(patch(["x.example.org."], "/api/v1/servers/localhost/zones/EXAMPLE.org").zoneKey).toBe("localhost/example.org.");
  expect(patch(["x.example.org."], "/api/v1/servers/localhost/zones/example.org./").zoneKey).toBe("localhost/example.org.");
});

test("anything else goes to PowerDNS alone", () => {
  const ok = body([a("www.example.org.")]);
  expect(combinablePatch("PUT", URL, key, ok)).toBeUndefined();
  expect(combinablePatch("PATCH", "/api/v1/servers/localhost/zones", key, ok)).toBeUndefined();
  expect(combinablePatch("PATCH", `${URL}/metadata`, key, ok)).toBeUndefined();
  expect(combinablePatch("PATCH", `${URL}?x=1`, key, ok)).toBeUndefined();
  expect(combinablePatch("PATCH", URL, key, Buffer.from("{not json"))).toBeUndefined();
  expect(combinablePatch("PATCH", URL, key, Buffer.from("[]"))).toBeUndefined();
  expect(combinablePatch("PATCH", URL, key, body([]))).toBeUndefined(); // nothing to combine
  expect(combinablePatch("PATCH", URL, key, Buffer.from(JSON.stringify({ rrsets: [a("w.example.org.")], kind: "Native" })))).toBeUndefined();
  expect(combinablePatch("PATCH", URL, key, body(["string"]))).toBeUndefined();
  expect(combinablePatch("PATCH", URL, key, body([{ name: "w.example.org.", type: "A" }]))).toBeUndefined(); // no changetype
  expect(combinablePatch("PATCH", URL, key, body([{ name: 1, type: "A", changetype: "DELETE" }]))).toBeUndefined();
  // PowerDNS bumps the serial only for a PATCH that does not set the SOA: never combined.
  expect(combinablePatch("PATCH", URL, key, body([{ name: "example.org.", type: "soa", changetype: "REPLACE", records: [] }]))).toBeUndefined();
  // The same RRset twice: PowerDNS refuses it ("Duplicate RRset"); alone it gets that answer.
  expect(combinablePatch("PATCH", URL, key, body([a("w.example.org."), a("W.example.org.", "DELETE")]))).toBeUndefined();
});

test("the combined body holds every request's RRsets in order, unchanged", () => {
  const p1 = patch(["a.example.org."]);
  const p2 = patch(["b.example.org.", "c.example.org."]);
  expect(JSON.parse(combinedPatchBody([p1, p2]).toString())).toEqual({ rrsets: [a("a.example.org."), a("b.example.org."), a("c.example.org.")] });
});

test("writeZoneKey names the zone of any write below /zones/{id}, or none", () => {
  expect(writeZoneKey(`${URL}/metadata/SOA-EDIT`)).toBe("localhost/example.org.");
  expect(writeZoneKey("/api/v1/servers/localhost/zones/example.org/rectify")).toBe("localhost/example.org.");
  expect(writeZoneKey(URL)).toBe("localhost/example.org.");
  expect(writeZoneKey("/api/v1/servers/localhost/zones")).toBeUndefined();
  expect(writeZoneKey("/api/v1/servers/localhost/config/x")).toBeUndefined();
});

describe("PatchBatcher", () => {
  const make = (maxRequests = 10, maxBytes = 10_000) => {
    const started: Array<PatchBatch<string>> = [];
    const batcher = new PatchBatcher<string>({ maxRequests, maxBytes }, (b) => started.push(b));
    const members = (b: PatchBatch<string> | undefined) => b?.members.map((m) => m.member);
    return { batcher, started, members };
  };

  test("PATCHes of one zone join its open batch; another zone has its own; a closed batch takes no more", () => {
    const { batcher, started, members } = make();
    batcher.add(patch(["a.example.org."]), 10, "a");
    batcher.add(patch(["b.example.org."]), 10, "b");
    batcher.add(patch(["x.other."], "/api/v1/servers/localhost/zones/other."), 10, "x");
    expect(started).toHaveLength(2);
    expect(members(started[0])).toEqual(["a", "b"]);
    expect(members(started[1])).toEqual(["x"]);
    batcher.close(started[0] as PatchBatch<string>); // its turn came
    batcher.add(patch(["c.example.org."]), 10, "c");
    expect(started).toHaveLength(3);
    expect(members(started[2])).toEqual(["c"]);
  });

  test("the same RRset, other credentials, a full batch or too many bytes start a new batch, which closes the old one", () => {
    const { batcher, started, members } = make(3, 100);
    batcher.add(patch(["a.example.org."]), 10, "a");
    batcher.add(patch(["a.example.org."]), 10, "a2"); // the same RRset again: must come after
    batcher.add(patch(["b.example.org."]), 10, "b"); // joins a2's batch, not a's: it must not overtake a2
    batcher.add(patch(["c.example.org."], URL, { "x-api-key": "other" }), 10, "c");
    batcher.add(patch(["d.example.org."], URL, { "x-api-key": "other" }), 10, "d");
    batcher.add(patch(["e.example.org."], URL, { "x-api-key": "other" }), 10, "e");
    batcher.add(patch(["f.example.org."], URL, { "x-api-key": "other" }), 10, "f"); // 3 already
    batcher.add(patch(["g.example.org."], URL, { "x-api-key": "other" }), 95, "g"); // 10 + 95 > 100
    expect(started.map(members)).toEqual([["a"], ["a2", "b"], ["c", "d", "e"], ["f"], ["g"]]);
    expect(started.map((b) => b.open)).toEqual([false, false, false, false, true]);
  });

  test("another write of the zone closes its open batch; a write naming no zone closes all", () => {
    const { batcher, started, members } = make();
    batcher.add(patch(["a.example.org."]), 10, "a");
    batcher.add(patch(["x.other."], "/api/v1/servers/localhost/zones/other."), 10, "x");
    batcher.barrier(writeZoneKey(`${URL}/metadata/X`));
    batcher.add(patch(["b.example.org."]), 10, "b");
    batcher.add(patch(["y.other."], "/api/v1/servers/localhost/zones/other."), 10, "y");
    expect(started.map(members)).toEqual([["a"], ["x", "y"], ["b"]]);
    batcher.barrier(undefined);
    expect(batcher.openBatches).toBe(0);
    batcher.add(patch(["c.example.org."]), 10, "c");
    expect(started.map(members)).toEqual([["a"], ["x", "y"], ["b"], ["c"]]);
  });

  test("with maxRequests 1 every PATCH is a batch of its own", () => {
    const { batcher, started, members } = make(1);
    batcher.add(patch(["a.example.org."]), 10, "a");
    batcher.add(patch(["b.example.org."]), 10, "b");
    expect(started.map(members)).toEqual([["a"], ["b"]]);
    expect(batcher.openBatches).toBe(0);
  });
});
