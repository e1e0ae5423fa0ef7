// incrementalZoneSource with stand-ins for AXFR and the API: patched reads equal full ones; any doubt is a full read.
import { createLogger, zoneTextDigest } from "@pdns-distribute/core";
import { renderZoneText } from "@pdns-distribute/dns";
import type { ZoneRecord } from "@pdns-distribute/dns";
import { ChangeChains } from "../src/change-chain";
import { incrementalZoneSource } from "../src/incremental-source";
import type { RRsetRead } from "../src/pdns-rrsets";
import type { ZoneSnapshot } from "../src/zone-data";
import { DeltaPlanner } from "../src/incremental";

const Z = "a.test.";
const logger = createLogger("test", "silent");

/** A primary stand-in: records by `name|type`, a serial, and whether the zone is signed. */
function primary() {
  const p = { serial: 10, signed: false, apiSerialOffset: 0, apiRdata: undefined as string | undefined, rrsets: new Map<string, ZoneRecord[]>() };
  const soa = (): ZoneRecord => ({ name: Z, type: "SOA", ttl: 3600, rdata: `ns.a.test. h.a.test. ${p.serial} 1 2 3 4` });
  const set = (name: string, type: string, rdatas: string[]) => p.rrsets.set(`${name}|${type}`, rdatas.map((rdata) => ({ name, type, ttl: 300, rdata })));
  const full = async (): Promise<ZoneSnapshot> => {
    const zoneText = renderZoneText([soa(), ...[...p.rrsets.values()].flat()]);
    return { zoneText, serial: p.serial, digest: zoneTextDigest(zoneText), records: 0, read: "full" };
  };
  const rrsets = async (_zone: string, name: string, type: string): Promise<RRsetRead> => ({
    replacement: { name, type, records:
        type === "SOA"
          ? [{ ...soa(), rdata: "ns.a.test. h.a.test. 1 1 2 3 4" }]
          : (p.rrsets.get(`${name}|${type}`) ?? []).map((r) => ({ ...r, rdata: p.apiRdata ?? r.rdata })),
    },
    serial: p.serial + p.apiSerialOffset,
    signed: p.signed,
  });
  return { p, set, full, rrsets };
}

function setUp() {
  const pr = primary();
  const kinds: string[] = [];
  const chains = new ChangeChains({ maxSnapshotAgeMs: 60_000, maxRRsets: 100, maxEvents: 100 });
  const source = incrementalZoneSource({ full: pr.full, rrsets: pr.rrsets, chains, maxBytes: 1 << 20, concurrency: 2, logger, onRead: (k, r) => kinds.push(`${k}:${r}`) });
  /** A PATCH on the stand-in and its event. */
  const change = (name: string, type: string, rdatas: string[]) => {
    pr.set(name, type, rdatas);
    pr.p.serial++;
    source.noteEvent(Z, "zone.modified", { prevSerial: pr.p.serial - 1, serial: pr.p.serial, rrsets: [{ name, type }] });
  };
  return { pr, kinds, source, change };
}

describe("incrementalZoneSource", () => {
  test("after a full read, chained changes are read RRset by RRset and equal a full read, with the delta from the last one", async () => {
    const { pr, kinds, source, change } = setUp();
    for (let i = 0; i < 50; i++) pr.set(`h${i}.a.test.`, "A", [`192.0.2.${i}`]);
    const first = await source.read(Z);
    change("h3.a.test.", "A", ["198.51.100.3", "198.51.100.4"]);
    change("new.a.test.", "TXT", ['"x"']);
    change("h4.a.test.", "A", []);
    const next = await source.read(Z);
    expect(next.zoneText).toBe((await pr.full()).zoneText);
    expect(next).toMatchObject({ read: "incremental", serial: 13, digest: zoneTextDigest(next.zoneText) });
    expect(kinds).toEqual(["full:no-snapshot", "incremental:chain"]);
    // The delta to a secondary holding the first version comes from the patch, not from a diff.
    const planner = new DeltaPlanner({ versionsPerZone: 2, maxBytes: 1 << 20, maxDeltaRatio: 0.5 });
    const plan = planner.plan(Z, { serial: next.serial, sha256: next.digest, text: next.zoneText }, { serial: first.serial, sha256: first.digest }, next.patch);
    expect(plan.delta).toMatchObject({ fromSha256: first.digest, fromSerial: 10 });
    expect(plan.delta?.removed).toHaveLength(3); // SOA, h3, h4
  });

  test.each<[string, (p: ReturnType<typeof primary>["p"]) => void, string]>([
    ["the API shows another serial (a change after the last event)", (p) => (p.apiSerialOffset = 1), "serial-mismatch"],
    ["the zone is signed", (p) => (p.signed = true), "signed"],
  ])("a full read when %s", async (_label, spoil, reason) => {
    const { pr, kinds, source, change } = setUp();
    await source.read(Z);
    change("x.a.test.", "A", ["192.0.2.1"]);
    spoil(pr.p);
    const snap = await source.read(Z);
    expect(snap.read).toBe("full");
    expect(kinds).toEqual(["full:no-snapshot", `full:${reason}`]);
  });

  test("RDATA that does not render is a full read, never a wrong text", async () => {
    const { pr, kinds, source, change } = setUp();
    await source.read(Z);
    change("x.a.test.", "A", ["192.0.2.9"]);
    pr.p.apiRdata = "not an address"; // as the API shows it
    const snap = await source.read(Z);
    expect(snap.zoneText).toBe((await pr.full()).zoneText);
    expect(kinds).toEqual(["full:no-snapshot", "full:unexpected"]);
  });
});
