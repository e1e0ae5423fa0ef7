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
    return this.buf[this.offset++] as number;
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

/** Accumulates RDATA in wire form. */
export class WireWriter {
  private readonly chunks: Buffer[] = [];

  /** Appends an unsigned 8-bit integer. */
  u8(v: number): this {
    this.chunks.push(Buffer.from([v]));
    return this;
  }

  /** Appends an unsigned 16-bit big-endian integer. */
  u16(v: number): this {
    const b = Buffer.alloc(2);
    b.writeUInt16BE(v);
    this.chunks.push(b);
    return this;
  }

  /** Appends an unsigned 32-bit big-endian integer. */
  u32(v: number): this {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(v);
    this.chunks.push(b);
    return this;
  }

  /** Appends raw octets. */
  bytes(b: Buffer): this {
    this.chunks.push(b);
    return this;
  }

  /** Appends a <character-string> (length octet + octets); throws if longer than 255 octets. */
  charString(b: Buffer): this {
    if (b.length > 255) throw new RdataError(`character-string of ${b.length} octets exceeds 255`);
    return this.u8(b.length).bytes(b);
  }

  /** Appends an absolute name given in presentation form, uncompressed and case kept. */
  name(text: string): this {
    return this.bytes(nameToWire(text));
  }

  /** The accumulated octets. */
  toBuffer(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

/**
 * Converts a name in presentation form to uncompressed wire form, keeping its case. The name must be absolute
 * (trailing dot); throws {@link RdataError} otherwise or when it is not a valid name.
 */
export function nameToWire(text: string): Buffer {
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
