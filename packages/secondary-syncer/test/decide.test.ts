import { decideApply, decideFullApply } from "@pdns-distribute/secondary-syncer";

describe("decideApply", () => {
  test.each([
    ["nothing held", undefined, { serial: 1, timestamp: 1 }, "apply"],
    ["newer serial", { serial: 1, timestamp: 5 }, { serial: 2, timestamp: 1 }, "apply"],
    ["older serial (replay)", { serial: 2, timestamp: 1 }, { serial: 1, timestamp: 9 }, "stale"],
    ["serial wrapped around", { serial: 0xfffffff0, timestamp: 1 }, { serial: 5, timestamp: 2 }, "apply"],
    ["same version", { serial: 3, timestamp: 7 }, { serial: 3, timestamp: 7 }, "same"],
    ["same serial, re-signed later", { serial: 3, timestamp: 7 }, { serial: 3, timestamp: 8 }, "apply"],
    ["same serial, signed earlier", { serial: 3, timestamp: 7 }, { serial: 3, timestamp: 6 }, "stale"],
  ] as const)("%s", (_what, held, incoming, want) => {
    expect(decideApply(held, incoming)).toBe(want);
  });
});

describe("decideFullApply (the content audit's full resync)", () => {
  test.each([
    ["nothing held", undefined, { serial: 1, timestamp: 1 }, "apply"],
    ["same version: replaced all the same (what is held is in doubt)", { serial: 3, timestamp: 7 }, { serial: 3, timestamp: 7 }, "apply"],
    ["same serial, signed earlier: replaced", { serial: 3, timestamp: 7 }, { serial: 3, timestamp: 6 }, "apply"],
    ["newer serial", { serial: 3, timestamp: 7 }, { serial: 4, timestamp: 1 }, "apply"],
    ["older serial (replay)", { serial: 3, timestamp: 1 }, { serial: 2, timestamp: 9 }, "stale"],
  ] as const)("%s", (_what, held, incoming, want) => {
    expect(decideFullApply(held, incoming)).toBe(want);
  });
});
