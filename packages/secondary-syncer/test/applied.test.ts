// appliedMessageOf: which consumer outcomes become "applied" messages, and with which serial.
import { secondaryAppliedSchema } from "@pdns-distribute/core";
import { appliedMessageOf } from "../src/applied";

const now = new Date("2026-11-22T01:50:00.000Z");

describe("appliedMessageOf", () => {
  test.each([
    [{ result: "applied", zone: "a.", serial: 5, records: 3 }, 5],
    [{ result: "unchanged", zone: "a.", serial: 5 }, 5],
    [{ result: "stale", zone: "a.", serial: 4, heldSerial: 6 }, 6],
    [{ result: "deleted", zone: "a.", existed: true }, null],
    [{ result: "not-found", zone: "a." }, null],
  ] as const)("%o → serial %p", (outcome, serial) => {
    const msg = appliedMessageOf("ns2", outcome, now);
    expect(msg).toEqual({ type: "secondary.applied", version: 1, id: "ns2", zone: "a.", serial, time: now.toISOString() });
    expect(secondaryAppliedSchema.parse(msg)).toEqual(msg);
  });

  test("retries and rejections say nothing", () => {
    expect(appliedMessageOf("ns2", { result: "retry", zone: "a.", error: "x" }, now)).toBeUndefined();
    expect(appliedMessageOf("ns2", { result: "rejected", zone: "a.", error: "x", code: "C" }, now)).toBeUndefined();
  });
});
