// Address allow-lists (CIDR) for zone transfers, checked per TCP connection with node:net's BlockList.

import net from "node:net";
import { AnswerError } from "./errors";

/** Answers "is this peer address in the list?"; IPv4-mapped IPv6 peers (::ffff:a.b.c.d) match IPv4 entries. */
export type AddressMatcher = (address: string) => boolean;

/** Parses one CIDR ("10.0.0.0/8", "2001:db8::/32") or bare address (a /32 or /128); throws PDNSD_ANSWER_BAD_CIDR. */
export function parseCidr(text: string): { address: string; prefix: number; family: "ipv4" | "ipv6" } {
  const [address = "", prefixText, extra] = text.trim().split("/");
  const version = net.isIP(address);
  const max = version === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (version === 0 || extra !== undefined || !/^[0-9]{1,3}$/.test(prefixText ?? "0") || prefix > max) {
    throw new AnswerError("PDNSD_ANSWER_BAD_CIDR", `"${text}" is not an IP address or CIDR prefix`);
  }
  return { address, prefix, family: version === 4 ? "ipv4" : "ipv6" };
}

/** Builds a matcher for a list of CIDRs; an empty list matches nobody. Throws on an invalid entry. */
export function createAddressMatcher(cidrs: readonly string[]): AddressMatcher {
  if (cidrs.length === 0) return () => false;
  const list = new net.BlockList();
  for (const cidr of cidrs) {
    const { address, prefix, family } = parseCidr(cidr);
    list.addSubnet(address, prefix, family);
  }
  return (address) => {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    const peer = mapped?.[1] ?? address;
    const version = net.isIP(peer);
    if (version === 0) return false;
    return list.check(peer, version === 4 ? "ipv4" : "ipv6");
  };
}
