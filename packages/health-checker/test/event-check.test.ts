// The event check's decision per secondary: resync the outdated, leave alone those still applying the zone.
import { SecondaryRegistry, createLogger } from "@pdns-distribute/core";
import { runEventCheck } from "@pdns-distribute/health-checker";
import { testHeartbeat } from "./heartbeat-fixture";

const ZONE = "example.org.";
const heartbeat = (id: string) => testHeartbeat(id);

test("an outdated secondary gets a resync; one still applying events for the zone does not", async () => {
  const registry = new SecondaryRegistry(60_000);
  for (const id of ["current", "behind", "busy", "silent"]) registry.heartbeat(heartbeat(id), Date.now());
  const status: Record<string, { serial: number | undefined; pending: boolean } | Error> = {
    current: { serial: 5, pending: false },
    behind: { serial: 4, pending: false },
    busy: { serial: 4, pending: true },
    silent: new Error("timeout"),
  };
  const published: string[] = [];
  const result = await runEventCheck(
    {
      powerdns: { zone: async () => ({ name: ZONE, serial: 5 }) } as never,
      states: {
        zoneStatus: async (id: string) => {
          const s = status[id];
          if (s instanceof Error) throw s;
          return s!;
        },
      } as never,
      registry,
      publish: async (type, zone, target) => {
        published.push(`${type} ${zone} ${target}`);
        return {} as never;
      },
      logger: createLogger("test", "silent"),
      maxResyncsPerSecondary: 100,
      concurrency: 4,
    },
    ZONE,
  );
  expect(published).toEqual(["zone.modified example.org. behind"]);
  const by = Object.fromEntries(result.secondaries.map((s) => [s.id, s]));
  expect(by.busy).toMatchObject({ pending: true, resync: undefined });
  expect(by.current).toMatchObject({ resync: undefined });
  expect(by.silent?.error).toBe("timeout");
});

test("when every secondary is still applying the zone, PowerDNS is not asked at all", async () => {
  const registry = new SecondaryRegistry(60_000);
  registry.heartbeat(heartbeat("busy"), Date.now());
  let asked = 0;
  const result = await runEventCheck(
    {
      powerdns: { zone: async () => (asked++, { name: ZONE, serial: 5 }) } as never,
      states: { zoneStatus: async () => ({ serial: 4, pending: true }) } as never,
      registry,
      publish: async () => ({}) as never,
      logger: createLogger("test", "silent"),
      maxResyncsPerSecondary: 100,
      concurrency: 4,
    },
    ZONE,
  );
  expect(asked).toBe(0);
  expect(result.secondaries).toEqual([{ id: "busy", secondarySerial: 4, resync: undefined, pending: true }]);
});
