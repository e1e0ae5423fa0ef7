// Domain names as lookup values (answer engine, zone origins): lower-case wire labels plus a key for every suffix.

import { NameError } from "./errors";
import { MAX_LABEL, MAX_NAME_WIRE, formatLabel, lowerLabel, parseNameText } from "./names";

/**
 * A domain name prepared for lookups and name compression.
 * `labels` are lower-cased wire labels, leftmost first (root excluded). `keys[i]` is the lower-case
 * presentation form (trailing dot) of the name with its first `i` labels removed: `keys[0]` is the name
 * itself, `keys[labels.length]` is ".". Keys are the lookup keys of zone nodes and compression entries.
 */
export interface DnsName {
  readonly labels: readonly Buffer[];
  readonly keys: readonly string[];
}

/** Builds a {@link DnsName} from wire labels (lower-cased). Throws {@link NameError} when a label or the name is too long. */
export function nameFromLabels(labels: readonly Buffer[]): DnsName {
  const lower = labels.map(lowerLabel);
  const keys = new Array<string>(lower.length + 1);
  let rest = ".";
  keys[lower.length] = rest;
  let wire = 1;
  for (let i = lower.length - 1; i >= 0; i--) {
    const label = lower[i];
    if (label === undefined || label.length === 0 || label.length > MAX_LABEL) throw new NameError("bad label length");
    wire += label.length + 1;
    rest = formatLabel(label) + "." + (rest === "." ? "" : rest);
    keys[i] = rest;
  }
  if (wire > MAX_NAME_WIRE) throw new NameError("name longer than 255 octets");
  return { labels: lower, keys };
}

/** Parses an absolute name in presentation form into a {@link DnsName} ("" is the root; a missing trailing dot is tolerated). */
export function parseName(text: string): DnsName {
  if (text === "") return nameFromLabels([]);
  return nameFromLabels(parseNameText(text).labels);
}

/** The key (lower-case presentation form, trailing dot) of a name. */
export function nameKey(name: DnsName): string {
  return name.keys[0] ?? ".";
}

/** Length of a name in uncompressed wire form, root octet included. */
export function nameWireLength(name: DnsName): number {
  let n = 1;
  for (const l of name.labels) n += l.length + 1;
  return n;
}

/** Uncompressed wire form of a {@link DnsName} (lower case, so also its RFC 4034 §6.2 canonical form). */
export function dnsNameToWire(name: DnsName): Buffer {
  const out = Buffer.alloc(nameWireLength(name));
  let pos = 0;
  for (const l of name.labels) {
    out[pos++] = l.length;
    l.copy(out, pos);
    pos += l.length;
  }
  return out;
}

/**
 * Reads an uncompressed name from wire data (names inside RDATA of signed zones are uncompressed,
 * RFC 3597 §4). Returns the name and the offset after it; throws {@link NameError} on pointers or overruns.
 */
export function readUncompressedName(buf: Buffer, offset: number): { name: DnsName; end: number } {
  const labels: Buffer[] = [];
  let pos = offset;
  for (;;) {
    const len = buf[pos];
    if (len === undefined) throw new NameError("name runs past the end of the data");
    if (len === 0) return { name: nameFromLabels(labels), end: pos + 1 };
    if (len > MAX_LABEL || pos + 1 + len > buf.length) throw new NameError("bad label in wire name");
    labels.push(buf.subarray(pos + 1, pos + 1 + len));
    pos += 1 + len;
  }
}
