// The address a query came from, set by the listener per message and turned into octets only when a DNS cookie needs it.

import { parseIPv4, parseIPv6 } from "@pdns-distribute/dns";
import type { UdpBatchSocket } from "@pdns-distribute/udp-batch";

/**
 * The client of the query being answered. The listener sets it before each message (a field or two, so queries
 * without a COOKIE option pay nothing more); {@link bytes} parses it when a cookie is computed over it.
 */
export class QueryPeer {
  private text = "";
  private batch: UdpBatchSocket | null = null;
  private index = 0;
  /** The last text address parsed and its octets (a client usually sends more than one query). */
  private parsedText = "";
  private parsed: Uint8Array = new Uint8Array(0);

  /** The query came from `address` (dgram, TCP: an IPv4 or IPv6 literal as Node reports it). */
  setText(address: string): void {
    this.text = address;
    this.batch = null;
  }

  /** The query is datagram `index` of `sock`'s current batch. */
  setBatch(sock: UdpBatchSocket, index: number): void {
    this.batch = sock;
    this.index = index;
  }

  /**
   * The address in network order: 4 octets for IPv4 (an IPv4-mapped IPv6 address included, so a dual-stack socket
   * and an IPv4 one agree), 16 for IPv6; empty when it cannot be read (a cookie is then made over no address).
   */
  bytes(): Uint8Array {
    if (this.batch !== null) return unmapped(this.batch.peerAddressBytes(this.index));
    if (this.text !== this.parsedText) {
      this.parsedText = this.text;
      this.parsed = parseAddress(this.text);
    }
    return this.parsed;
  }
}

/** An IPv4 or IPv6 literal in octets (IPv4-mapped IPv6 as IPv4); empty when it is neither. */
function parseAddress(text: string): Uint8Array {
  try {
    const zone = text.indexOf("%"); // a scope ("fe80::1%eth0") is not part of the address
    if (text.includes(":")) return unmapped(parseIPv6(zone < 0 ? text : text.slice(0, zone)));
    return parseIPv4(text);
  } catch {
    return new Uint8Array(0);
  }
}

/** The IPv4 address inside an IPv4-mapped IPv6 address (::ffff:a.b.c.d, RFC 4291 §2.5.5.2); others unchanged. */
function unmapped(address: Uint8Array): Uint8Array {
  if (address.length !== 16 || address[10] !== 0xff || address[11] !== 0xff) return address;
  for (let i = 0; i < 10; i++) if (address[i] !== 0) return address;
  return address.subarray(12);
}
