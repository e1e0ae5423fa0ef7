// A UDP socket that hands received datagrams to JS in batches (recvmmsg) and sends the answers in batches (sendmmsg).
import { isIPv4, isIPv6 } from "node:net";
import { loadAddon } from "./addon";
import type { NativeUdpBatch, UdpBatchStats } from "./addon";

/** Options of {@link openUdpBatchSocket}. */
export interface UdpBatchSocketOptions {
  /** IPv4 or IPv6 literal to bind ("::" also receives IPv4, as ::ffff:a.b.c.d, like Node's udp6). */
  address: string;
  /** Port to bind; 0 picks a free one. */
  port: number;
  /** Most datagrams per recvmmsg / JS call (1–1024). */
  batchSize: number;
  /** Largest datagram received whole; longer ones are cut and flagged ({@link UdpBatchSocket.packetTruncated}). */
  maxDatagramBytes: number;
  /** Size of the shared output buffer the handler writes its answers into. */
  outputBytes: number;
  /** Datagrams kept while the socket is not writable (EAGAIN); beyond it they are dropped and counted. */
  maxSendQueue: number;
  /** SO_RCVBUF in bytes (the kernel caps it at net.core.rmem_max); 0 keeps the system default. */
  receiveBufferBytes: number;
  /** SO_REUSEPORT: several processes bind the same address and port, the kernel spreads datagrams over them. */
  reusePort: boolean;
}

/** Defaults of {@link UdpBatchSocketOptions} (address and port have none). */
export function defaultUdpBatchSocketOptions(): Omit<UdpBatchSocketOptions, "address" | "port"> {
  return { batchSize: 64, maxDatagramBytes: 65535, outputBytes: 64 * 4096, maxSendQueue: 1024, receiveBufferBytes: 0, reusePort: false };
}

/**
 * Called once per received batch of `count` datagrams (indexes 0 … count-1). Read them through the socket
 * (`input`, `packetOffset`, `packetLength`, `peer…`), write answers into `output` and announce each with
 * `respond`. Everything announced is sent when the handler returns. Must not throw (an exception becomes an
 * uncaught exception, as in a dgram 'message' listener).
 */
export type UdpBatchHandler = (count: number, socket: UdpBatchSocket) => void;

/** An open batch socket. The arrays are shared with the native side and valid only during the handler. */
export interface UdpBatchSocket {
  /** Received datagrams: datagram `i` is `input[packetOffset(i) … packetOffset(i) + packetLength(i))`. */
  readonly input: Buffer;
  /** Where the handler writes answers (any layout; `respond` says where each one is). */
  readonly output: Buffer;
  /** Offset of datagram `i` in `input`. */
  packetOffset(i: number): number;
  /**
   * Datagram `i`'s whole slot of `input` as a Buffer (`maxDatagramBytes` long; the datagram is its first
   * `packetLength(i)` octets). One view per slot, made at open: reading a datagram allocates nothing.
   */
  packetSlot(i: number): Buffer;
  /** Length of datagram `i` (at most `maxDatagramBytes`). */
  packetLength(i: number): number;
  /** True when datagram `i` was longer than `maxDatagramBytes` and was cut. */
  packetTruncated(i: number): boolean;
  /** The sender's port. */
  peerPort(i: number): number;
  /** The sender's address family: 4 or 6. */
  peerFamily(i: number): 4 | 6;
  /** The sender's address as text ("192.0.2.1", "2001:db8::1", "::ffff:192.0.2.1"). Allocates a string. */
  peerAddress(i: number): string;
  /** The sender's address octets (4 or 16; a view valid during the handler). */
  peerAddressBytes(i: number): Uint8Array;
  /** Sends `output[offset … offset + length)` to the sender of datagram `i` once the handler returns. */
  respond(i: number, offset: number, length: number): void;
  /** The address and port bound. */
  address(): { address: string; port: number; family: "IPv4" | "IPv6" };
  /** Counters since open. */
  stats(): UdpBatchStats;
  /** Stops receiving, drops queued answers and frees the port at once. Idempotent. */
  close(): void;
  /** Tests only: the next `count` send attempts fail with EAGAIN (exercises the send queue). */
  injectSendEagain(count: number): void;
}

const IN_FIELDS = 4; // length, port, family, flags (native/udp_batch.c)
const OUT_FIELDS = 3; // packet, offset, length
const ADDR_SIZE = 16;

/** Formats 16 address octets as IPv6 text (RFC 5952: lower case, longest zero run as "::", IPv4-mapped dotted). */
function ipv6Text(a: Uint8Array, at: number): string {
  const groups: number[] = [];
  for (let g = 0; g < 8; g++) groups.push(((a[at + 2 * g] as number) << 8) | (a[at + 2 * g + 1] as number));
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return `::ffff:${a[at + 12]}.${a[at + 13]}.${a[at + 14]}.${a[at + 15]}`;
  }
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j;
  }
  const hex = (from: number, to: number): string => groups.slice(from, to).map((g) => g.toString(16)).join(":");
  return best < 0 ? hex(0, 8) : `${hex(0, best)}::${hex(best + bestLen, 8)}`;
}

/**
 * Opens a batch socket and starts receiving. Throws {@link UdpBatchUnavailableError} when the native addon cannot
 * be used, and an Error with the errno name as `code` (EADDRINUSE …) when the socket cannot be bound.
 */
export function openUdpBatchSocket(
  init: Pick<UdpBatchSocketOptions, "address" | "port"> & Partial<UdpBatchSocketOptions>,
  handler: UdpBatchHandler,
): UdpBatchSocket {
  const addon = loadAddon();
  if (addon instanceof Error) throw addon;
  const o: UdpBatchSocketOptions = { ...defaultUdpBatchSocketOptions(), ...init };
  const family = isIPv4(o.address) ? 4 : isIPv6(o.address.split("%")[0] as string) ? 6 : 0;
  if (family === 0) throw Object.assign(new Error(`not an IP address: ${o.address}`), { code: "EINVAL" });
  const batch = o.batchSize;
  const slot = o.maxDatagramBytes;
  // Not zero-filled: the kernel writes only what it receives, and untouched pages of the 4 MiB input stay unmapped.
  const input = Buffer.allocUnsafeSlow(batch * slot);
  const inputMeta = new Int32Array(batch * IN_FIELDS);
  const addresses = new Uint8Array(batch * ADDR_SIZE);
  const slots = Array.from({ length: batch }, (_, i) => input.subarray(i * slot, (i + 1) * slot));
  const output = Buffer.allocUnsafeSlow(o.outputBytes);
  const outputMeta = new Int32Array(batch * OUT_FIELDS);
  let responses = 0;
  let received = 0;
  let handle: object | null = null;
  const native: NativeUdpBatch = addon;

  const socket: UdpBatchSocket = {
    input,
    output,
    packetOffset: (i) => i * slot,
    packetSlot: (i) => slots[i] as Buffer,
    packetLength: (i) => inputMeta[i * IN_FIELDS] as number,
    packetTruncated: (i) => ((inputMeta[i * IN_FIELDS + 3] as number) & 1) !== 0,
    peerPort: (i) => inputMeta[i * IN_FIELDS + 1] as number,
    peerFamily: (i) => (inputMeta[i * IN_FIELDS + 2] === 6 ? 6 : 4),
    peerAddress(i) {
      const at = i * ADDR_SIZE;
      if (inputMeta[i * IN_FIELDS + 2] === 6) return ipv6Text(addresses, at);
      return `${addresses[at]}.${addresses[at + 1]}.${addresses[at + 2]}.${addresses[at + 3]}`;
    },
    peerAddressBytes: (i) => addresses.subarray(i * ADDR_SIZE, i * ADDR_SIZE + (inputMeta[i * IN_FIELDS + 2] === 6 ? 16 : 4)),
    respond(i, offset, length) {
      if (i < 0 || i >= received || responses >= received) throw new RangeError(`respond: no datagram ${i} in this batch`);
      const at = responses++ * OUT_FIELDS;
      outputMeta[at] = i;
      outputMeta[at + 1] = offset;
      outputMeta[at + 2] = length;
    },
    address: () => native.address(handle as object),
    stats: () => native.stats(handle as object),
    close() {
      if (handle !== null) native.close(handle);
    },
    injectSendEagain: (count) => native.injectSendEagain(handle as object, count),
  };
  const onBatch = (count: number): number => {
    responses = 0;
    received = count;
    handler(count, socket);
    return responses;
  };
  handle = native.open(
    { family, address: o.address, port: o.port, batch, slotSize: slot, maxQueue: o.maxSendQueue, recvBufferBytes: o.receiveBufferBytes, reusePort: o.reusePort },
    input,
    inputMeta,
    addresses,
    output,
    outputMeta,
    onBatch,
  );
  return socket;
}

/** True when the native addon loads here (Linux, built); {@link openUdpBatchSocket} can then be used. */
export function udpBatchAvailable(): boolean {
  return !(loadAddon() instanceof Error);
}

/** Why the native addon cannot be used, or null when it can. */
export function udpBatchUnavailableReason(): string | null {
  const r = loadAddon();
  return r instanceof Error ? r.message : null;
}
