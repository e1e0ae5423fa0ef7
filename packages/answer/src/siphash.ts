// SipHash-2-4 (Aumasson and Bernstein, "SipHash: a fast short-input PRF", 2012) without allocation, for DNS cookies.
// Each 64-bit word is two unsigned 32-bit halves in local variables (h: high, l: low), so V8 keeps them in
// registers. Checked against the paper's vectors, RFC 9018 Appendix A and, on random inputs, the siphash npm
// package (packages/answer/test/siphash.test.ts).

/** Little-endian 32-bit word of `data` at `at`. */
function le32(data: Uint8Array, at: number): number {
  return ((data[at] as number) | ((data[at + 1] as number) << 8) | ((data[at + 2] as number) << 16) | ((data[at + 3] as number) << 24)) >>> 0;
}

/** Reused state between {@link siphash24} and {@link sipRounds}: v0..v3 as [h, l] pairs. */
const v = new Uint32Array(8);

/**
 * `rounds` SipRounds (the paper, §2) on {@link v}. The state is read into locals once and written back once, so
 * the rounds themselves run on registers.
 */
function sipRounds(rounds: number): void {
  let v0h = v[0] as number, v0l = v[1] as number, v1h = v[2] as number, v1l = v[3] as number;
  let v2h = v[4] as number, v2l = v[5] as number, v3h = v[6] as number, v3l = v[7] as number;
  let l = 0;
  let t = 0;
  for (let r = 0; r < rounds; r++) {
    l = (v0l + v1l) >>> 0; // v0 += v1
    v0h = (v0h + v1h + (l < v0l ? 1 : 0)) >>> 0;
    v0l = l;
    t = v1h; // v1 <<<= 13
    v1h = ((v1h << 13) | (v1l >>> 19)) >>> 0;
    v1l = ((v1l << 13) | (t >>> 19)) >>> 0;
    v1h = (v1h ^ v0h) >>> 0; // v1 ^= v0
    v1l = (v1l ^ v0l) >>> 0;
    t = v0h; // v0 <<<= 32
    v0h = v0l;
    v0l = t;
    l = (v2l + v3l) >>> 0; // v2 += v3
    v2h = (v2h + v3h + (l < v2l ? 1 : 0)) >>> 0;
    v2l = l;
    t = v3h; // v3 <<<= 16
    v3h = ((v3h << 16) | (v3l >>> 16)) >>> 0;
    v3l = ((v3l << 16) | (t >>> 16)) >>> 0;
    v3h = (v3h ^ v2h) >>> 0; // v3 ^= v2
    v3l = (v3l ^ v2l) >>> 0;
    l = (v0l + v3l) >>> 0; // v0 += v3
    v0h = (v0h + v3h + (l < v0l ? 1 : 0)) >>> 0;
    v0l = l;
    t = v3h; // v3 <<<= 21
    v3h = ((v3h << 21) | (v3l >>> 11)) >>> 0;
    v3l = ((v3l << 21) | (t >>> 11)) >>> 0;
    v3h = (v3h ^ v0h) >>> 0; // v3 ^= v0
    v3l = (v3l ^ v0l) >>> 0;
    l = (v2l + v1l) >>> 0; // v2 += v1
    v2h = (v2h + v1h + (l < v2l ? 1 : 0)) >>> 0;
    v2l = l;
    t = v1h; // v1 <<<= 17
    v1h = ((v1h << 17) | (v1l >>> 15)) >>> 0;
    v1l = ((v1l << 17) | (t >>> 15)) >>> 0;
    v1h = (v1h ^ v2h) >>> 0; // v1 ^= v2
    v1l = (v1l ^ v2l) >>> 0;
    t = v2h; // v2 <<<= 32
    v2h = v2l;
    v2l = t;
  }
  v[0] = v0h; v[1] = v0l; v[2] = v1h; v[3] = v1l; v[4] = v2h; v[5] = v2l; v[6] = v3h; v[7] = v3l;
}

/** Absorbs one message word m = (h, l): v3 ^= m, two SipRounds (the "2" of 2-4), v0 ^= m. */
function compress(h: number, l: number): void {
  v[6] = (v[6] as number) ^ h;
  v[7] = (v[7] as number) ^ l;
  sipRounds(2);
  v[0] = (v[0] as number) ^ h;
  v[1] = (v[1] as number) ^ l;
}

/**
 * SipHash-2-4 of `data[start .. start + length)` under the 128-bit `key` (k0 = octets 0..7, k1 = 8..15, each read
 * little-endian, as the paper specifies); writes the 64-bit result into `out` at `at`, least significant octet
 * first (the reference implementation's output order, which RFC 9018 §4.2 uses).
 */
export function siphash24(key: Uint8Array, data: Uint8Array, start: number, length: number, out: Uint8Array, at: number): void {
  const k0l = le32(key, 0), k0h = le32(key, 4), k1l = le32(key, 8), k1h = le32(key, 12);
  // The initial state: the key XOR "somepseudorandomlygeneratedbytes" (the paper, §2).
  v[0] = k0h ^ 0x736f6d65;
  v[1] = k0l ^ 0x70736575;
  v[2] = k1h ^ 0x646f7261;
  v[3] = k1l ^ 0x6e646f6d;
  v[4] = k0h ^ 0x6c796765;
  v[5] = k0l ^ 0x6e657261;
  v[6] = k1h ^ 0x74656462;
  v[7] = k1l ^ 0x79746573;
  const whole = start + (length & ~7);
  for (let i = start; i < whole; i += 8) compress(le32(data, i + 4), le32(data, i));
  // The last word: the 0 to 7 octets left, and the length mod 256 in the most significant octet.
  let l = 0;
  let h = (length & 0xff) << 24;
  for (let i = 0; i < (length & 7); i++) {
    const b = data[whole + i] as number;
    if (i < 4) l |= b << (8 * i);
    else h |= b << (8 * (i - 4));
  }
  compress(h >>> 0, l >>> 0);
  v[5] = (v[5] as number) ^ 0xff; // v2 ^= 0xff, then the "4" of 2-4
  sipRounds(4);
  const rl = ((v[1] as number) ^ (v[3] as number) ^ (v[5] as number) ^ (v[7] as number)) >>> 0;
  const rh = ((v[0] as number) ^ (v[2] as number) ^ (v[4] as number) ^ (v[6] as number)) >>> 0;
  for (let i = 0; i < 4; i++) {
    out[at + i] = (rl >>> (8 * i)) & 0xff;
    out[at + 4 + i] = (rh >>> (8 * i)) & 0xff;
  }
}
