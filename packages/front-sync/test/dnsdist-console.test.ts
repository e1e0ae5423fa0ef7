// dnsdist console framing: key decoding, session nonces as dnsdist's client derives them, the message counter.
import { decodeConsoleKey, incrementNonce, sessionNonces } from "../src/dnsdist-console";

describe("dnsdist console framing", () => {
  test("a setKey value decodes to 32 bytes; anything else names the problem", () => {
    const key = Buffer.alloc(32, 7).toString("base64");
    expect(decodeConsoleKey(`${key}\n`)).toHaveLength(32);
    expect(decodeConsoleKey(`setKey("${key}")`)).toHaveLength(32);
    expect(() => decodeConsoleKey("c2hvcnQ=")).toThrow(/32 bytes, got 5/);
  });

  test("reading nonce = our first half + their second half; writing = theirs + ours", () => {
    const ours = Buffer.alloc(24, 1);
    const theirs = Buffer.alloc(24, 2);
    const { reading, writing } = sessionNonces(ours, theirs);
    expect([...reading]).toEqual([...Array(12).fill(1), ...Array(12).fill(2)]);
    expect([...writing]).toEqual([...Array(12).fill(2), ...Array(12).fill(1)]);
  });

  test("the counter is the first 4 bytes, big-endian, wrapping", () => {
    const n = Buffer.alloc(24);
    n.writeUInt32BE(0xfffffffe, 0);
    incrementNonce(n);
    expect(n.readUInt32BE(0)).toBe(0xffffffff);
    incrementNonce(n);
    expect(n.readUInt32BE(0)).toBe(0);
    expect(n.subarray(4)).toEqual(Buffer.alloc(20));
  });
});
