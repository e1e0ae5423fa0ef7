// LtHash16: an incremental multiset hash of a zone's canonical record lines (Bellare–Micciancio; Lewi et al. 2019).
//
// The state is 1024 lanes of uint16 (2048 bytes). An element's hash is 2048 bytes of SHAKE256 over a domain tag
// and the element, read as 1024 little-endian uint16; adding an element adds it lane-wise mod 2^16, removing one
// subtracts it. The state of a multiset is the sum of its elements' hashes, so it does not depend on order and a
// change costs what it changes. docs/security.md gives the security argument and what the signature binds.
import { createHash } from "node:crypto";

/** Lanes of the state. */
export const LTHASH_LANES = 1024;
/** Bytes of the state (and of one element's hash). */
export const LTHASH_BYTES = LTHASH_LANES * 2;
/**
 * Domain tag absorbed before every element: "pdns-distribute lthash16 v1\n". An element is one line of the
 * canonical zone text without its newline (a line never contains one), so tag + element is unambiguous.
 */
export const LTHASH_ELEMENT_TAG = "pdns-distribute lthash16 v1\n";

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The 1024 lanes of `line`'s element hash (little-endian uint16 from SHAKE256(tag ‖ UTF-8 line, 2048 bytes)). */
export function lthashElement(line: string): Uint16Array {
  if (line.includes("\n")) throw new RangeError("an LtHash element (a zone text line) cannot contain a newline");
  const bytes = createHash("shake256", { outputLength: LTHASH_BYTES }).update(LTHASH_ELEMENT_TAG, "utf8").update(line, "utf8").digest();
  return lanesOf(bytes);
}

/** 2048 little-endian bytes read as 1024 uint16 lanes (a copy when the bytes are not aligned or the host is big-endian). */
function lanesOf(bytes: Uint8Array): Uint16Array {
  if (bytes.byteLength !== LTHASH_BYTES) throw new RangeError(`expected ${LTHASH_BYTES} bytes, got ${bytes.byteLength}`);
  if (LITTLE_ENDIAN && bytes.byteOffset % 2 === 0) return new Uint16Array(bytes.buffer, bytes.byteOffset, LTHASH_LANES);
  const lanes = new Uint16Array(LTHASH_LANES);
  for (let i = 0; i < LTHASH_LANES; i++) lanes[i] = (bytes[2 * i] as number) | ((bytes[2 * i + 1] as number) << 8);
  return lanes;
}

/** The lines of a canonical zone text (each ended by "\n"; a final line without one still counts). */
function* textLines(text: string): Generator<string> {
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = text.length;
    yield text.slice(start, end);
    start = end + 1;
  }
}

/**
 * A multiset hash state (mutable: add, remove and combine change it in place and return it). Equal multisets
 * give equal states whatever the order of the operations; {@link digest} is the compact form a signature covers.
 */
export class LtHash {
  private constructor(private readonly lanes: Uint16Array) {}

  /** The state of the empty multiset (all lanes zero). */
  static empty(): LtHash {
    return new LtHash(new Uint16Array(LTHASH_LANES));
  }

  /** The state of the multiset of `lines`. */
  static ofLines(lines: Iterable<string>): LtHash {
    const h = LtHash.empty();
    for (const line of lines) h.add(line);
    return h;
  }

  /** The state of a canonical zone text's lines (one element per line, newline excluded). */
  static ofZoneText(text: string): LtHash {
    return LtHash.ofLines(textLines(text));
  }

  /** Reads a state written by {@link serialize} (2048 bytes, lanes little-endian). */
  static deserialize(bytes: Uint8Array): LtHash {
    if (bytes.byteLength !== LTHASH_BYTES) throw new RangeError(`an LtHash state has ${LTHASH_BYTES} bytes, got ${bytes.byteLength}`);
    return new LtHash(Uint16Array.from(lanesOf(bytes)));
  }

  /** Adds one element (lane-wise + mod 2^16). */
  add(line: string): this {
    const e = lthashElement(line);
    const s = this.lanes;
    for (let i = 0; i < LTHASH_LANES; i++) s[i] = (s[i] as number) + (e[i] as number);
    return this;
  }

  /** Removes one element (lane-wise − mod 2^16); removing what was never added gives a state no multiset of added lines has. */
  remove(line: string): this {
    const e = lthashElement(line);
    const s = this.lanes;
    for (let i = 0; i < LTHASH_LANES; i++) s[i] = (s[i] as number) - (e[i] as number);
    return this;
  }

  /** Adds another state: the result is the state of the union (sum) of both multisets. */
  combine(other: LtHash): this {
    const s = this.lanes;
    for (let i = 0; i < LTHASH_LANES; i++) s[i] = (s[i] as number) + (other.lanes[i] as number);
    return this;
  }

  /** Subtracts another state: the multiset difference, when `other`'s multiset is contained in this one's. */
  subtract(other: LtHash): this {
    const s = this.lanes;
    for (let i = 0; i < LTHASH_LANES; i++) s[i] = (s[i] as number) - (other.lanes[i] as number);
    return this;
  }

  /** Whether both states are equal (all 1024 lanes). */
  equals(other: LtHash): boolean {
    for (let i = 0; i < LTHASH_LANES; i++) if (this.lanes[i] !== other.lanes[i]) return false;
    return true;
  }

  /** An independent copy of this state. */
  clone(): LtHash {
    return new LtHash(Uint16Array.from(this.lanes));
  }

  /** The state as 2048 bytes, lanes little-endian (for storage, and what {@link digest} hashes). */
  serialize(): Buffer {
    const out = Buffer.alloc(LTHASH_BYTES);
    for (let i = 0; i < LTHASH_LANES; i++) out.writeUInt16LE(this.lanes[i] as number, 2 * i);
    return out;
  }

  /** The compact form to sign and compare: hex SHA-256 of the serialized 2048-byte state. */
  digest(): string {
    return createHash("sha256").update(this.serialize()).digest("hex");
  }
}

/**
 * The state after a delta (docs/scale.md, incremental transfer): `base` (left unchanged) minus the removed lines
 * plus the added ones, in O(change).
 */
export function lthashAfterDelta(base: LtHash, delta: { removed: readonly string[]; added: ReadonlyArray<readonly [number, string]> }): LtHash {
  const state = base.clone();
  for (const line of delta.removed) state.remove(line);
  for (const [, line] of delta.added) state.add(line);
  return state;
}
