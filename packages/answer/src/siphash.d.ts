// Types of the npm package "siphash" (Frank Denis's SipHash-2-4, BSD-2-Clause), which ships none; only what cookies.ts uses.
declare module "siphash" {
  /** SipHash-2-4 of `message` under `key` (4 little-endian 32-bit words); the 64-bit result as high and low words. */
  export function hash(key: Uint32Array, message: Uint8Array): { h: number; l: number };
}
