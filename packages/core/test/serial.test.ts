import { compareSerial } from "@pdns-distribute/core";

describe("RFC 1982 serial comparison", () => {
  test.each([
    [2, 1, 1],
    [1, 2, -1],
    [5, 5, 0],
    [0, 0xffffffff, 1],
    [0xffffffff, 0, -1],
    [2026112201, 2026112101, 1],
    [100, 100 + 2 ** 31 - 1, -1],
  ])("compareSerial(%d, %d) = %d", (a, b, want) => {
    expect(compareSerial(a, b)).toBe(want);
  });
});
