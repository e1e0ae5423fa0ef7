// SipHash-2-4 (siphash.ts) against the SipHash paper's vectors and, on random keys and messages of every length
// from 0 to 64 octets, against the siphash npm package (Frank Denis's implementation, a dev dependency only).

import { randomBytes } from "node:crypto";
import { siphash24 } from "../src/siphash";

// The package ships no types: required with the one function used.
const reference = require("siphash") as { hash(key: Uint32Array, message: Uint8Array): { h: number; l: number } };

/** Our result as 16 hex digits, least significant octet first (what goes on the wire in a cookie). */
function ours(key: Uint8Array, message: Uint8Array): string {
  const out = Buffer.alloc(8);
  siphash24(key, message, 0, message.length, out, 0);
  return out.toString("hex");
}

/** The package's result in the same order (it takes the key as four little-endian words, returns high/low words). */
function theirs(key: Buffer, message: Uint8Array): string {
  const h = reference.hash(new Uint32Array([key.readUInt32LE(0), key.readUInt32LE(4), key.readUInt32LE(8), key.readUInt32LE(12)]), message);
  const out = Buffer.alloc(8);
  out.writeUInt32LE(h.l >>> 0, 0);
  out.writeUInt32LE(h.h >>> 0, 4);
  return out.toString("hex");
}

const counting = (length: number): Buffer => Buffer.from(Array.from({ length }, (_, i) => i));

describe("SipHash-2-4", () => {
  test("the paper's example (Appendix A): key 00..0f, message 00..0e → the 64-bit value 0xa129ca6149be45e5", () => {
    expect(ours(counting(16), counting(15))).toBe("e545be4961ca29a1"); // that value, least significant octet first
  });

  test("the reference implementation's first vector: the empty message → 310e0edd47db6f72", () => {
    expect(ours(counting(16), counting(0))).toBe("310e0edd47db6f72");
  });

  test("a message inside a larger buffer hashes like the message alone", () => {
    const big = Buffer.concat([Buffer.from([9, 9, 9]), counting(15), Buffer.from([7])]);
    const out = Buffer.alloc(10);
    siphash24(counting(16), big, 3, 15, out, 1);
    expect(out.subarray(1, 9).toString("hex")).toBe("e545be4961ca29a1");
  });

  test("equal to the siphash package on 20,000 random keys and messages of 0 to 64 octets", () => {
    for (let i = 0; i < 20_000; i++) {
      const key = randomBytes(16);
      const message = randomBytes(i % 65);
      const [a, b] = [ours(key, message), theirs(key, message)];
      if (a !== b) throw new Error(`key ${key.toString("hex")} message ${message.toString("hex")}: ${a} ≠ ${b}`);
    }
  });
});
