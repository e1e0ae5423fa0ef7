// The per-type RDATA codec contract and a cursor over presentation fields used by the codecs.

import { RdataError } from "./errors";
import type { Token } from "./presentation";
import { parseUint, unescapeOctets } from "./presentation";
import type { WireReader, WireWriter } from "./wire";

/** Converts one record type's RDATA between presentation fields and wire form. */
export interface RdataCodec {
  /** Writes the wire form of the presentation fields; throws {@link RdataError} on invalid input. */
  encode(fields: Fields, out: WireWriter): void;
  /**
   * Reads the whole RDATA and returns its presentation form. Throws {@link RdataError} when the octets are not
   * valid for the type or would not re-encode to exactly the same octets.
   */
  decode(input: WireReader): string;
}

/** Cursor over the presentation fields of one RDATA. */
export class Fields {
  private index = 0;
  constructor(private readonly tokens: readonly Token[]) {}

  /** The next field; throws if there is none. */
  next(what: string): Token {
    const t = this.tokens[this.index];
    if (t === undefined) throw new RdataError(`missing ${what}`);
    this.index++;
    return t;
  }

  /** The next field as an unsigned integer of at most `max`. */
  uint(max: number, what: string): number {
    return parseUint(this.next(what), max, what);
  }

  /** The next field as the text of a domain name (must not be quoted). */
  name(what: string): string {
    const t = this.next(what);
    if (t.quoted) throw new RdataError(`${what} must not be quoted`);
    return t.text;
  }

  /** The next field as octets, escapes resolved (quoted or not). */
  octets(what: string): Buffer {
    return unescapeOctets(this.next(what).text);
  }

  /** True when fields remain. */
  get more(): boolean {
    return this.index < this.tokens.length;
  }

  /** All remaining fields concatenated without separators (for base64/hex split over several fields). */
  joinRest(what: string): string {
    const rest = this.tokens.slice(this.index);
    this.index = this.tokens.length;
    if (rest.some((t) => t.quoted || t.text.includes("\\"))) throw new RdataError(`${what} must not be quoted or escaped`);
    return rest.map((t) => t.text).join("");
  }

  /** The remaining fields, consumed. */
  rest(): Token[] {
    const rest = this.tokens.slice(this.index);
    this.index = this.tokens.length;
    return rest;
  }

  /** Throws unless every field was consumed. */
  end(): void {
    if (this.more) throw new RdataError(`unexpected extra field "${this.tokens[this.index]?.text ?? ""}"`);
  }
}
