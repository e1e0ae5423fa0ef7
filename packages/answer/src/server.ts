// DNS listener: UDP (udp-listener.ts) and TCP (2-byte framing, pipelining, idle timeout, connection cap) on one
// address and port.

import net from "node:net";
import type { AddressMatcher } from "./acl";
import { serveTcp } from "./tcp-server";
import type { TcpStats } from "./tcp-server";
import type { TcpRefusal } from "./tcp-slots";
import { openUdpListener } from "./udp-listener";
import type { UdpIo, UdpListener } from "./udp-listener";
import { defaultWireOptions } from "./wire";
import type { AnswerContext, AnswerLogger, WireOptions } from "./wire";
import { createZoneSet } from "./zone-set";
import type { ZoneSet } from "./zone-set";
import type { RrlOptions } from "./rrl";
import { createServerCookies } from "./cookies";
import type { CookieCounts, ServerCookies } from "./cookies";
import { QueryPeer } from "./query-peer";

/** Options of {@link startDnsServer}. */
export interface DnsServerOptions {
  /** Address to listen on (IPv4 or IPv6 literal); UDP and TCP share it. */
  address: string;
  /** Port for UDP and TCP; 0 picks a free one (the same for both). */
  port: number;
  /** The served zones, or a function returning the current set (called once per query). */
  zones: ZoneSet | (() => ZoneSet);
  logger: AnswerLogger;
  /** Close TCP connections idle this long (RFC 7766 §6.2.3). */
  tcpIdleTimeoutMs: number;
  /**
   * Most TCP connections (RFC 7766 §6.2.2); when all are taken, a new one replaces the connection idle longest
   * if that one has been idle for TCP_EVICTABLE_AFTER_MS (tcp-slots.ts), else it is refused.
   */
  maxTcpConnections: number;
  /** A TCP message must arrive whole within this long after its first byte (a trickling client is cut off). */
  tcpMessageTimeoutMs: number;
  /** Largest UDP response, advertised in OPT. */
  maxUdpPayload: number;
  /** Rotate records of multi-record RRsets between responses. */
  roundRobin: boolean;
  /** Name server identifier sent to queries that carry an NSID option (RFC 5001); null (default): NSID off. */
  nsid: Buffer | null;
  /**
   * DNS cookies (RFC 7873, RFC 9018 server cookies; cookies.ts); default on, with a random master secret of this
   * process rotated hourly. Processes answering on one address share a master (dns-workers.ts). null: off.
   */
  cookies: ServerCookies | null;
  /** Peers allowed to transfer zones (AXFR over TCP, RFC 5936 §4.1); default nobody. */
  transferAllowed: AddressMatcher;
  /** UDP socket receive buffer (SO_RCVBUF), bytes; 0 keeps the system default. Bursts overflow small buffers. */
  udpReceiveBufferBytes: number;
  /** Called after each query with the response sent (null: none), e.g. to count queries for metrics. */
  onQuery?: (query: Buffer, response: Buffer | null, transport: "udp" | "tcp") => void;
  /** Response rate limiting of UDP answers (rrl.ts); a rate of 0 (the default) turns it off. */
  rrl?: Partial<RrlOptions>;
  /** Most simultaneous TCP connections from one client prefix (IPv4 /24, IPv6 /56, as RRL); 0: no such limit. */
  maxTcpConnectionsPerClient?: number;
  /** Called for each TCP connection refused (its prefix is full, or all slots are), evicted, or cut at the deadline. */
  onTcpRefused?: (reason: TcpRefusal | "evicted" | "deadline") => void;
  /**
   * UDP I/O: "batch" (recvmmsg/sendmmsg through the udp-batch addon, one JS call per batch), "dgram" (Node's
   * dgram), "auto" (batch when the addon loads). Without the addon, batch falls back to dgram with one warning.
   */
  udpIo: UdpIo;
  /** SO_REUSEPORT on the batch UDP socket, so that each DNS worker process binds its own (dgram: ignored). */
  udpReusePort: boolean;
}

/**
 * Default time a TCP message has to arrive whole, from its first byte: a query is a few dozen bytes, so a client
 * still sending after 2 s is trickling on purpose (Knot's tcp-io-timeout is 500 ms).
 */
export const TCP_MESSAGE_TIMEOUT_MS = 2000;

/** Defaults of {@link DnsServerOptions} (zones and logger have none). */
export function defaultDnsServerOptions(): Omit<DnsServerOptions, "zones" | "logger"> {
  return {
    address: "127.0.0.1",
    port: 53,
    tcpIdleTimeoutMs: 10000,
    maxTcpConnections: 1000,
    tcpMessageTimeoutMs: TCP_MESSAGE_TIMEOUT_MS,
    ...defaultWireOptions(),
    cookies: createServerCookies(),
    transferAllowed: () => false,
    udpReceiveBufferBytes: 2 * 1024 * 1024,
    udpIo: "auto",
    udpReusePort: false,
  };
}

/** A running DNS server. */
export interface DnsServer {
  /** The address and port actually bound. */
  address(): { address: string; port: number };
  /** Stops both listeners and drops open TCP connections. */
  close(): Promise<void>;
  /** The UDP I/O path in use (absent for a pool of worker processes). */
  readonly udpIo?: "batch" | "dgram";
  /** TCP connections refused, evicted and cut so far (absent for a pool of worker processes). */
  readonly tcpStats?: Readonly<TcpStats>;
  /** DNS cookie outcomes so far (absent when cookies are off, and for a pool of worker processes). */
  readonly cookieCounts?: Readonly<CookieCounts>;
}

/** Attempts at finding a port free for both UDP and TCP when port 0 is asked for. */
const PORT_ATTEMPTS = 10;

/**
 * Starts answering DNS over UDP and TCP on `address`/`port`. Resolves once both listen; rejects when either
 * cannot be bound.
 */
export async function startDnsServer(
  init: Pick<DnsServerOptions, "zones" | "logger"> & Partial<DnsServerOptions>,
): Promise<DnsServer> {
  const options: DnsServerOptions = { ...defaultDnsServerOptions(), ...init };
  const source = options.zones;
  const wire: Partial<WireOptions> = { maxUdpPayload: options.maxUdpPayload, roundRobin: options.roundRobin, nsid: options.nsid, cookies: options.cookies };
  // One context per transport, reused by every query; a zone source function is asked again for each query.
  const initial = typeof source === "function" ? createZoneSet() : source;
  const contexts = {
    udp: { zones: initial, logger: options.logger, transport: "udp", options: wire, peer: new QueryPeer() } satisfies AnswerContext,
    tcp: { zones: initial, logger: options.logger, transport: "tcp", options: wire, peer: new QueryPeer() } satisfies AnswerContext,
  };
  const context = (transport: "udp" | "tcp"): AnswerContext => {
    const ctx = contexts[transport];
    if (typeof source === "function") ctx.zones = source();
    return ctx;
  };
  for (let attempt = 1; ; attempt++) {
    const udp = await openUdpListener(options, () => context("udp"));
    const port = udp.address().port;
    const tcp = net.createServer();
    try {
      await listenTcp(tcp, options.address, port);
    } catch (err) {
      await udp.close();
      const retry = options.port === 0 && (err as NodeJS.ErrnoException).code === "EADDRINUSE";
      if (retry && attempt < PORT_ATTEMPTS) continue;
      throw err;
    }
    return serve(udp, tcp, options, context);
  }
}

/** Wires the TCP handlers onto the bound listener and returns the server handle. */
function serve(
  udp: UdpListener,
  tcp: net.Server,
  options: DnsServerOptions,
  context: (transport: "udp" | "tcp") => AnswerContext,
): DnsServer {
  const tcpSide = serveTcp(tcp, options, context);
  const bound = udp.address();
  let closing: Promise<void> | null = null;
  return {
    address: () => ({ address: bound.address, port: bound.port }),
    udpIo: udp.io,
    tcpStats: tcpSide.stats,
    ...(options.cookies === null ? {} : { cookieCounts: options.cookies.counts }),
    close() {
      closing ??= new Promise<void>((resolve) => {
        tcpSide.closeAll();
        let pending = 2;
        const done = (): void => {
          if (--pending === 0) resolve();
        };
        void udp.close().then(done);
        tcp.close(() => done());
      });
      return closing;
    },
  };
}

/**
 * Accept queue of the TCP listener (Node's default is 511; Linux caps it at net.core.somaxconn). Under a connection
 * flood a short queue drops the SYNs of real clients before the slot logic ever sees them.
 */
const TCP_LISTEN_BACKLOG = 4096;

function listenTcp(server: net.Server, address: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host: address, port, backlog: TCP_LISTEN_BACKLOG }, () => {
      server.off("error", reject);
      resolve();
    });
  });
}
