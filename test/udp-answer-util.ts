// Test helpers that ask a secondary over UDP and compare replies regardless of record order.
import dgram from "node:dgram";
import * as dnsPacket from "dns-packet";
import type { LocalSecondary } from "@pdns-distribute/test-harness";

/** One UDP exchange with a secondary, from a fresh socket (a new source port: the kernel spreads them over DNS workers). */
export function askUdp(sec: LocalSecondary, query: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const sock = dgram.createSocket("udp4");
    const timer = setTimeout(() => (sock.close(), reject(new Error(`${sec.id}: no answer`))), 2000);
    sock.once("message", (msg) => {
      clearTimeout(timer);
      sock.close();
      resolve(msg);
    });
    sock.send(query, sec.port, sec.address);
  });
}

/** A reply as comparable text: flags (rcode included) and each section's records sorted (round robin rotates them). */
export function normalizedReply(reply: Buffer): string {
  const p = dnsPacket.decode(reply);
  const section = (rs: dnsPacket.Answer[] | undefined) => (rs ?? []).map((r) => JSON.stringify(r)).sort();
  return JSON.stringify({ flags: p.flags, answers: section(p.answers), authorities: section(p.authorities), additionals: section(p.additionals) });
}
