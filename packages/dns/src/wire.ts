// Byte-level reader and writer for RDATA in wire form (uncompressed names, character-strings, integers).

import { RdataError } from "./errors";
import { formatNameLabels, parseNameText } from "./names";

/** Sequential reader over one RDATA buffer; every read is bounds-checked and throws {@link RdataError}. */
export class WireReader {
  private offset = 0;
  constructor(private readonly buf: Buffer) {}

  /** Number of octets not read yet. */
  get remaining(): number {
    return this.buf.length - this.offset;
  }

  private need(n: number, what: string): void {
    if (this.remaining < n) throw new RdataError(`RDATA truncated while reading ${what}`);
  }

  /** Reads an unsigned 8-bit integer. */
  u8(): number {
    this.need(1, "an 8-bit field");
    return (this.buf[this.offset++] ?? 0);
  }

  /** Reads an unsigned 16-bit big-endian integer. */
  u16(): number {
    this.need(2, "a 16-bit field");
    const v = this.buf.readUInt16BE(this.offset);
    this.offset += 2;
    return v;
  }

  /** Reads an unsigned 32-bit big-endian integer. */
  u32(): number {
    this.need(4, "a 32-bit field");
    const v = this.buf.readUInt32BE(this.offset);
    this.offset += 4;
    return v;
  }

  /** Reads `n` octets (a copy). */
  bytes(n: number): Buffer {
    this.need(n, `${n} octets`);
    const v = Buffer.from(this.buf.subarray(this.offset, this.offset + n));
    this.offset += n;
    return v;
  }

  /** Reads all remaining octets. */
  rest(): Buffer {
    return this.bytes(this.remaining);
  }

  /** Reads a <character-string>: one length octet then that many octets. */
  charString(): Buffer {
    return this.bytes(this.u8());
  }

  /** Reads an uncompressed domain name and returns it in presentation form (absolute, case kept). */
  name(): string {
    const labels: Buffer[] = [];
    let total = 1;
    for (;;) {
      const len = this.u8();
      if (len === 0) break;
      if (len > 63) throw new RdataError(`compressed or invalid label length ${len} in an RDATA name`);
      total += len + 1;
      if (total > 255) throw new RdataError("name in RDATA longer than 255 octets");
      labels.push(this.bytes(len));
    }
    return formatNameLabels(labels);
  }

  /** Throws unless every octet has been read. */
  end(): void {
    if (this.remaining !== 0) throw new RdataError(`${this.remaining} unexpected trailing octet(s) in RDATA`);
  }
}

/** Accumulates RDATA in wire form (one growing buffer; {@link WireWriter.toBuffer} copies the octets out). */
export class WireWriter {
  private used = 0;

  /** `buf`: a buffer to start writing into, when the caller has one no other writer uses meanwhile. */
  constructor(private buf: Buffer = Buffer.allocUnsafe(128)) {}

  /** Makes room for `n` more octets. */
  private room(n: number): void {
    if (this.used + n <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.used + n));
    this.buf.copy(bigger, 0, 0, this.used);
    this.buf = bigger;
  }

  /** Appends an unsigned 8-bit integer. */
  u8(v: number): this {
    this.room(1);
    this.buf[this.used++] = v;
    return this;
  }

  /** Appends an unsigned 16-bit big-endian integer. */
  u16(v: number): this {
    this.room(2);
    this.used = this.buf.writeUInt16BE(v, this.used);
    return this;
  }

  /** Appends an unsigned 32-bit big-endian integer. */
  u32(v: number): this {
    this.room(4);
    this.used = this.buf.writeUInt32BE(v, this.used);
    return this;
  }

  /** Appends raw octets. */
  bytes(b: Buffer): this {
    this.room(b.length);
    this.buf.set(b, this.used);
    this.used += b.length;
    return this;
  }

  /** Appends a <character-string> (length octet + octets); throws if longer than 255 octets. */
  charString(b: Buffer): this {
    if (b.length > 255) throw new RdataError(`character-string of ${b.length} octets exceeds 255`);
    return this.u8(b.length).bytes(b);
  }

  /** Appends an absolute name given in presentation form, uncompressed and case kept. */
  name(text: string): this {
    this.room(text.length + 1);
    const end = writePlainName(text, this.buf, this.used);
    if (end >= 0) this.used = end;
    else this.bytes(nameToWire(text));
    return this;
  }

  /** The accumulated octets (a copy). */
  toBuffer(): Buffer {
    const out = Buffer.allocUnsafe(this.used);
    out.set(this.buf.subarray(0, this.used));
    return out;
  }
}

/**
 * Writes an absolute name of plain ASCII text (no escapes, labels of 1..63 octets, at most 255 octets in wire form)
 * in wire form at `out[at]`, which must have room for `text.length + 1` octets; returns the offset after it, or -1
 * (nothing meaningful written) for any other text, which {@link nameToWire} then handles or refuses.
 */
function writePlainName(text: string, out: Buffer, at: number): number {
  const n = text.length;
  if (n < 2 || n > 254 || text.charCodeAt(n - 1) !== 0x2e) return -1;
  let lengthAt = at;
  let pos = at + 1;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x2e) {
      const len = pos - lengthAt - 1;
      if (len === 0 || len > 63) return -1;
      out[lengthAt] = len;
      lengthAt = pos++;
    } else {
      if (c === 0x5c || c >= 0x80) return -1;
      out[pos++] = c;
    }
  }
  out[lengthAt] = 0;
  return pos;
}

/**
 * Converts a name in presentation form to uncompressed wire form, keeping its case. The name must be absolute
 * (trailing dot); throws {@link RdataError} otherwise or when it is not a valid name.
 */
export function nameToWire(text: string): Buffer {
  if (text.length <= 254) {
    const plain = Buffer.allocUnsafe(text.length + 1);
    if (writePlainName(text, plain, 0) === plain.length) return plain;
  }
  let parsed;
  try {
    parsed = parseNameText(text);
  } catch (err) {
    throw new RdataError(`invalid domain name "${text}": ${(err as Error).message}`, { cause: err });
  }
  if (!parsed.absolute) throw new RdataError(`domain name "${text}" must be absolute (end with a dot)`);
  const parts: Buffer[] = [];
  for (const l of parsed.labels) parts.push(Buffer.from([l.length]), l);
  parts.push(Buffer.from([0]));
  return Buffer.concat(parts);
}
