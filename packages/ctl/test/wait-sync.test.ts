// wait-sync helpers: --timeout parsing and the one-line summary of a change status.
import type { ChangeStatus } from "@pdns-distribute/core";
import { formatChangeStatus, parseTimeout } from "../src/wait-sync";

const status: ChangeStatus = {
  id: "c1",
  status: "PENDING",
  zone: "example.org.",
  type: "zone.modified",
  serial: 2026112202,
  time: "2026-11-22T01:50:00.000Z",
  syncedAt: null,
  propagationMs: null,
  secondaries: [
    { id: "ns2", servedSerial: 2026112202, inSync: true, syncedAt: "2026-11-22T01:50:00.040Z", propagationMs: 40 },
    { id: "ns3", servedSerial: 2026112201, inSync: false, syncedAt: null, propagationMs: null },
  ],
};

test("parseTimeout takes 30s, 500ms, 2m and bare seconds; refuses nonsense", () => {
  expect(parseTimeout("30s")).toBe(30_000);
  expect(parseTimeout("500ms")).toBe(500);
  expect(parseTimeout("2m")).toBe(120_000);
  expect(parseTimeout("5")).toBe(5000);
  expect(() => parseTimeout("soon")).toThrow(/--timeout: not a duration/);
});

test("formatChangeStatus: one line with every active secondary", () => {
  expect(formatChangeStatus(status)).toBe("c1 PENDING: example.org. serial 2026112202; ns2=in sync, ns3=serving 2026112201");
  expect(formatChangeStatus({ ...status, status: "INSYNC", propagationMs: 75, secondaries: [] })).toBe(
    "c1 INSYNC after 75 ms: example.org. serial 2026112202; no active secondary",
  );
});
