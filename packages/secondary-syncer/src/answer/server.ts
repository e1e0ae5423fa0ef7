// DNS listener: UDP and TCP (2-byte framing, pipelining, idle timeout, connection cap) on one address and port.

import dgram from "node:dgram";
import net from "node:net";
import type { AddressMatcher } from "./acl";
import { answerTcpQuery } from "./transfer";
import { answerQuery } from "./wire";
import type { AnswerContext, AnswerLogger, WireOptions } from "./wire";
import type { ZoneSet } from "./zone-index";
import { RRL_ACTION, createResponseRateLimiter, truncatedResponse } from "./rrl";
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
}

/** Defaults of {@link DnsServerOptions} (zones and logger have none). */
export function defaultDnsServerOptions(): Omit<DnsServerOptions, "zones" | "logger"> {
  return {
    address: "127.0.0.1",
    port: 53,
    tcpIdleTimeoutMs: 10000,
    maxTcpConnections: 1000,
    maxUdpPayload: 1232,
    roundRobin: true,
    transferAllowed: () => false,
    udpReceiveBufferBytes: 2 * 1024 * 1024,
  };
}

/** A running DNS server. */
export interface DnsServer {
  /** The address and port actually bound. */
  address(): { address: string; port: number };
  /** Stops both listeners and drops open TCP connections. */
  close(): Promise<void>;
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
  const initial = typeof source === "function" ? null : source;
  const contexts = {
    udp: { zones: initial as ZoneSet, logger: options.logger, transport: "udp", options: wire } satisfies AnswerContext,
    tcp: { zones: initial as ZoneSet, logger: options.logger, transport: "tcp", options: wire } satisfies AnswerContext,
  };
  const context = (transport: "udp" | "tcp"): AnswerContext => {
    const ctx = contexts[transport];
    if (typeof source === "function") ctx.zones = source();
    return ctx;
  };
  for (let attempt = 1; ; attempt++) {
    const udp = await bindUdp(options.address, options.port);
    const port = (udp.address() as net.AddressInfo).port;
    const tcp = net.createServer();
    try {
      await listenTcp(tcp, options.address, port);
    } catch (err) {
      udp.close();
      const retry = options.port === 0 && (err as NodeJS.ErrnoException).code === "EADDRINUSE";
      if (retry && attempt < PORT_ATTEMPTS) continue;
      throw err;
    }
    return serve(udp, tcp, options, context);
  }
}

/** Wires the handlers onto bound sockets and returns the server handle. */
function serve(
  udp: dgram.Socket,
  tcp: net.Server,
  options: DnsServerOptions,
  context: (transport: "udp" | "tcp") => AnswerContext,
): DnsServer {
  const { logger } = options;
  setReceiveBuffer(udp, options.udpReceiveBufferBytes, logger);
  // RRL (null when off: one comparison per query) drops over-rate responses or slips them truncated.
  const rrl = createResponseRateLimiter(options.rrl);
  udp.on("message", (msg, rinfo) => {
    let response = safeAnswer(msg, context, "udp", logger);
    if (rrl !== null && response !== null) {
      const action = rrl.check(rinfo.address, response, Date.now());
      if (action !== RRL_ACTION.send) response = action === RRL_ACTION.slip ? truncatedResponse(response) : null;
    }
    options.onQuery?.(msg, response, "udp");
    if (response === null) return;
    // No send callback: Node queues one process.nextTick per callback (about a tenth of the UDP throughput). A send
    // that fails (ENOBUFS …) is a lost datagram the client retries; the kernel counts it (`netstat -su`).
    udp.send(response, rinfo.port, rinfo.address);
  });
  udp.on("error", (err) => logger.error({ err }, "DNS UDP socket error"));
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
  const bound = udp.address() as net.AddressInfo;
  let closing: Promise<void> | null = null;
  return {
    address: () => ({ address: bound.address, port: bound.port }),
    close() {
      closing ??= new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        let pending = 2;
        const done = (): void => {
          if (--pending === 0) resolve();
        };
        try {
          udp.close(done);
        } catch {
          done(); // already closed after a socket error
        }
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

/** {@link answerQuery} guarded once more, so that a failing zone source cannot crash the listener. */
function safeAnswer(
  msg: Buffer,
  context: (transport: "udp" | "tcp") => AnswerContext,
  transport: "udp" | "tcp",
  logger: AnswerLogger,
): Buffer | null {
  try {
    return answerQuery(msg, context(transport));
  } catch (err) {
    logger.error({ err }, "DNS query dropped: the zone source failed");
    return null;
  }
}

/** TCP twin of {@link safeAnswer}: may return several messages (a zone transfer). */
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

/** Sets SO_RCVBUF (the kernel caps it at net.core.rmem_max; a failure is logged, not fatal). */
function setReceiveBuffer(udp: dgram.Socket, bytes: number, logger: AnswerLogger): void {
  if (bytes <= 0) return;
  try {
    udp.setRecvBufferSize(bytes);
  } catch (err) {
    logger.warn({ err, bytes }, "could not set the UDP receive buffer size");
  }
}

function bindUdp(address: string, port: number): Promise<dgram.Socket> {
  const socket = dgram.createSocket({ type: net.isIPv6(address) ? "udp6" : "udp4" });
  return new Promise((resolve, reject) => {
    socket.once("error", reject);
    socket.bind(port, address, () => {
      socket.off("error", reject);
      resolve(socket);
    });
  });
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
