// DNS listener: UDP (udp-listener.ts) and TCP (2-byte framing, pipelining, idle timeout, connection cap) on one
// address and port.

import net from "node:net";
import type { AddressMatcher } from "./acl";
import { answerTcpQuery } from "./transfer";
import { openUdpListener } from "./udp-listener";
import type { UdpIo, UdpListener } from "./udp-listener";
import { defaultWireOptions } from "./wire";
import type { AnswerContext, AnswerLogger, WireOptions } from "./wire";
import { createZoneSet } from "./zone-set";
import type { ZoneSet } from "./zone-set";
import type { RrlOptions } from "./rrl";

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
  /** Refuse TCP connections beyond this many (RFC 7766 §6.2.2). */
  maxTcpConnections: number;
  /** Largest UDP response, advertised in OPT. */
  maxUdpPayload: number;
  /** Rotate records of multi-record RRsets between responses. */
  roundRobin: boolean;
  /** Peers allowed to transfer zones (AXFR over TCP, RFC 5936 §4.1); default nobody. */
  transferAllowed: AddressMatcher;
  /** UDP socket receive buffer (SO_RCVBUF), bytes; 0 keeps the system default. Bursts overflow small buffers. */
  udpReceiveBufferBytes: number;
  /** Called after each query with the response sent (null: none), e.g. to count queries for metrics. */
  onQuery?: (query: Buffer, response: Buffer | null, transport: "udp" | "tcp") => void;
  /** Response rate limiting of UDP answers (rrl.ts); a rate of 0 (the default) turns it off. */
  rrl?: Partial<RrlOptions>;
  /** Most simultaneous TCP connections from one client address; 0: no per-client limit. */
  maxTcpConnectionsPerClient?: number;
  /**
   * UDP I/O: "batch" (recvmmsg/sendmmsg through the udp-batch addon, one JS call per batch), "dgram" (Node's
   * dgram), "auto" (batch when the addon loads). Without the addon, batch falls back to dgram with one warning.
   */
  udpIo: UdpIo;
  /** SO_REUSEPORT on the batch UDP socket, so that each DNS worker process binds its own (dgram: ignored). */
  udpReusePort: boolean;
}

/** Defaults of {@link DnsServerOptions} (zones and logger have none). */
export function defaultDnsServerOptions(): Omit<DnsServerOptions, "zones" | "logger"> {
  return {
    address: "127.0.0.1",
    port: 53,
    tcpIdleTimeoutMs: 10000,
    maxTcpConnections: 1000,
    ...defaultWireOptions(),
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
  const wire: Partial<WireOptions> = { maxUdpPayload: options.maxUdpPayload, roundRobin: options.roundRobin };
  // One context per transport, reused by every query; a zone source function is asked again for each query.
  const initial = typeof source === "function" ? createZoneSet() : source;
  const contexts = {
    udp: { zones: initial, logger: options.logger, transport: "udp", options: wire } satisfies AnswerContext,
    tcp: { zones: initial, logger: options.logger, transport: "tcp", options: wire } satisfies AnswerContext,
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
  const { logger } = options;
  const sockets = new Set<net.Socket>();
  tcp.maxConnections = options.maxTcpConnections;
  const perClient = new Map<string, number>(); // open TCP connections per client address
  const perClientMax = options.maxTcpConnectionsPerClient ?? 0;
  tcp.on("connection", (socket) => {
    const peer = socket.remoteAddress ?? "";
    const open = perClient.get(peer) ?? 0;
    if (perClientMax > 0 && open >= perClientMax) {
      logger.debug?.({ peer }, "DNS TCP connection refused: too many from this client");
      socket.destroy();
      return;
    }
    perClient.set(peer, open + 1);
    sockets.add(socket);
    socket.on("close", () => {
      sockets.delete(socket);
      const left = (perClient.get(peer) ?? 1) - 1;
      if (left > 0) perClient.set(peer, left);
      else perClient.delete(peer);
    });
    handleTcpConnection(socket, options, context);
  });
  tcp.on("drop", (info) => logger.warn({ peer: info?.remoteAddress }, "DNS TCP connection refused: too many open"));
  tcp.on("error", (err) => logger.error({ err }, "DNS TCP listener error"));
  const bound = udp.address();
  let closing: Promise<void> | null = null;
  return {
    address: () => ({ address: bound.address, port: bound.port }),
    udpIo: udp.io,
    close() {
      closing ??= new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
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
 * Serves one TCP connection (RFC 7766): messages framed by a 2-byte length, answered in order, several
 * per segment (pipelining); closed after `tcpIdleTimeoutMs` without traffic.
 */
function handleTcpConnection(
  socket: net.Socket,
  options: DnsServerOptions,
  context: (transport: "udp" | "tcp") => AnswerContext,
): void {
  socket.setNoDelay(true);
  socket.setTimeout(options.tcpIdleTimeoutMs, () => socket.destroy());
  socket.on("error", (err) => options.logger.debug?.({ err }, "DNS TCP connection error"));
  const transferAllowed = options.transferAllowed(socket.remoteAddress ?? "");
  let pending: Buffer = Buffer.alloc(0);
  socket.on("data", (chunk: Buffer) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    const replies: Buffer[] = [];
    let offset = 0;
    while (pending.length - offset >= 2) {
      const length = pending.readUInt16BE(offset);
      if (pending.length - offset - 2 < length) break;
      const msg = pending.subarray(offset + 2, offset + 2 + length);
      offset += 2 + length;
      const responses = safeAnswerTcp(msg, context, transferAllowed, options.logger);
      options.onQuery?.(msg, responses?.[0] ?? null, "tcp");
      for (const response of responses ?? []) {
        const prefix = Buffer.allocUnsafe(2);
        prefix.writeUInt16BE(response.length, 0);
        replies.push(prefix, response);
      }
    }
    pending = pending.subarray(offset);
    if (replies.length > 0 && !socket.write(Buffer.concat(replies))) {
      socket.pause();
      socket.once("drain", () => socket.resume());
    }
  });
}

/** {@link answerTcpQuery} guarded once more (a failing zone source cannot crash the listener); may return several messages. */
function safeAnswerTcp(
  msg: Buffer,
  context: (transport: "udp" | "tcp") => AnswerContext,
  transferAllowed: boolean,
  logger: AnswerLogger,
): Buffer[] | null {
  try {
    return answerTcpQuery(msg, context("tcp"), transferAllowed);
  } catch (err) {
    logger.error({ err }, "DNS query dropped: the zone source failed");
    return null;
  }
}

function listenTcp(server: net.Server, address: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host: address, port }, () => {
      server.off("error", reject);
      resolve();
    });
  });
}
