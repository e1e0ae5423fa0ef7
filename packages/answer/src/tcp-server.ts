// DNS over TCP (RFC 7766): slots per client prefix with eviction, a deadline per message, pipelined answers.

import type net from "node:net";
import { createLogLimiter } from "./log-limit";
import { TcpSlots } from "./tcp-slots";
import type { TcpRefusal } from "./tcp-slots";
import { answerTcpQuery } from "./transfer";
import type { AnswerContext, AnswerLogger } from "./wire";

/** What the TCP side needs of the server's options. */
export interface TcpServeOptions {
  logger: AnswerLogger;
  maxTcpConnections: number;
  maxTcpConnectionsPerClient?: number;
  tcpIdleTimeoutMs: number;
  tcpMessageTimeoutMs: number;
  transferAllowed: (address: string) => boolean;
  onQuery?: (query: Buffer, response: Buffer | null, transport: "udp" | "tcp") => void;
  onTcpRefused?: (reason: TcpRefusal | "evicted" | "deadline") => void;
}

/** Counters of connections turned away or cut (tests, benchmarks; metrics get `onTcpRefused`). */
export interface TcpStats {
  refusedPrefix: number;
  refusedFull: number;
  evicted: number;
  deadline: number;
}

/** The TCP side of a running server. */
export interface TcpSide {
  stats: TcpStats;
  /** Destroys every open connection. */
  closeAll(): void;
}

/**
 * Serves DNS on the bound `tcp` listener. A connection is admitted per client prefix (/24, /56) and, when every
 * slot is taken, in place of the connection idle longest (tcp-slots.ts); each message must arrive whole within
 * `tcpMessageTimeoutMs` of its first byte, so a client trickling bytes cannot hold a slot; refusals are logged at
 * most once per interval.
 */
export function serveTcp(tcp: net.Server, options: TcpServeOptions, context: (transport: "tcp") => AnswerContext): TcpSide {
  const slots = new TcpSlots<net.Socket>(options.maxTcpConnections, options.maxTcpConnectionsPerClient ?? 0);
  const stats: TcpStats = { refusedPrefix: 0, refusedFull: 0, evicted: 0, deadline: 0 };
  const refusals = createLogLimiter(options.logger, "DNS TCP connections refused or cut (counts since the last line)");
  const sockets = new Set<net.Socket>();
  const report = (reason: TcpRefusal | "evicted" | "deadline", peer: string | undefined): void => {
    refusals.note(reason, Date.now(), { peer });
    options.onTcpRefused?.(reason);
  };
  tcp.on("connection", (socket) => {
    const peer = socket.remoteAddress ?? "";
    const admission = slots.admit(socket, peer, Date.now());
    if (!admission.admitted) {
      if (admission.reason === "prefix") stats.refusedPrefix++;
      else stats.refusedFull++;
      report(admission.reason, peer);
      socket.resetAndDestroy(); // RST: no FIN handshake or TIME_WAIT spent on a connection we refuse
      return;
    }
    if (admission.evict !== null) {
      stats.evicted++;
      report("evicted", admission.evict.remoteAddress);
      admission.evict.destroy();
    }
    sockets.add(socket);
    socket.on("close", () => {
      sockets.delete(socket);
      slots.release(socket);
    });
    handleConnection(socket, options, context, {
      answered: () => slots.active(socket, Date.now()),
      late: () => {
        stats.deadline++;
        report("deadline", peer);
      },
    });
  });
  tcp.on("error", (err) => options.logger.error({ err }, "DNS TCP listener error"));
  return {
    stats,
    closeAll: () => {
      for (const socket of sockets) socket.destroy();
    },
  };
}

/** What a connection tells its owner. */
interface ConnectionEvents {
  /** A whole message arrived and was answered (this keeps the connection from being evicted for a while). */
  answered(): void;
  /** A message did not arrive whole in time: the connection is being closed. */
  late(): void;
}

/**
 * Serves one connection: messages framed by a 2-byte length, answered in order, several per segment (pipelining).
 * Closed after `tcpIdleTimeoutMs` without traffic, or `tcpMessageTimeoutMs` after the first byte of a message that
 * has not arrived whole by then (the idle timer restarts on every byte; this deadline does not).
 */
function handleConnection(
  socket: net.Socket,
  options: TcpServeOptions,
  context: (transport: "tcp") => AnswerContext,
  events: ConnectionEvents,
): void {
  socket.setNoDelay(true);
  socket.setTimeout(options.tcpIdleTimeoutMs, () => socket.destroy());
  socket.on("error", (err) => options.logger.debug?.({ err }, "DNS TCP connection error"));
  const peerAddress = socket.remoteAddress ?? "";
  const transferAllowed = options.transferAllowed(peerAddress);
  let pending: Buffer = Buffer.alloc(0);
  let deadline: NodeJS.Timeout | null = null;
  const stopDeadline = (): void => {
    if (deadline !== null) clearTimeout(deadline);
    deadline = null;
  };
  socket.on("close", stopDeadline);
  socket.on("data", (chunk: Buffer) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    const { replies, consumed } = answerFrames(pending, context, transferAllowed, peerAddress, options);
    pending = pending.subarray(consumed);
    if (replies.length > 0) events.answered(); // frames that get no answer (shorter than a header …) do not count
    // The deadline runs from the first byte of the message still incomplete.
    if (pending.length === 0 || consumed > 0) stopDeadline();
    if (pending.length > 0 && deadline === null) {
      deadline = setTimeout(() => {
        events.late();
        socket.destroy();
      }, options.tcpMessageTimeoutMs);
    }
    if (replies.length > 0 && !socket.write(Buffer.concat(replies))) {
      socket.pause();
      socket.once("drain", () => socket.resume());
    }
  });
}

/** Answers every whole frame in `pending`; returns the length-prefixed replies and the bytes consumed. */
function answerFrames(
  pending: Buffer,
  context: (transport: "tcp") => AnswerContext,
  transferAllowed: boolean,
  peerAddress: string,
  options: TcpServeOptions,
): { replies: Buffer[]; consumed: number } {
  const replies: Buffer[] = [];
  let offset = 0;
  while (pending.length - offset >= 2) {
    const length = pending.readUInt16BE(offset);
    if (pending.length - offset - 2 < length) break;
    const msg = pending.subarray(offset + 2, offset + 2 + length);
    offset += 2 + length;
    const responses = safeAnswerTcp(msg, context, transferAllowed, peerAddress, options.logger);
    options.onQuery?.(msg, responses?.[0] ?? null, "tcp");
    for (const response of responses ?? []) {
      const prefix = Buffer.allocUnsafe(2);
      prefix.writeUInt16BE(response.length, 0);
      replies.push(prefix, response);
    }
  }
  return { replies, consumed: offset };
}

/**
 * {@link answerTcpQuery} from `peerAddress` (DNS cookies are bound to it) guarded once more (a failing zone source
 * cannot crash the listener); may return several messages.
 */
function safeAnswerTcp(
  msg: Buffer,
  context: (transport: "tcp") => AnswerContext,
  transferAllowed: boolean,
  peerAddress: string,
  logger: AnswerLogger,
): Buffer[] | null {
  try {
    const ctx = context("tcp");
    ctx.peer?.setText(peerAddress);
    return answerTcpQuery(msg, ctx, transferAllowed);
  } catch (err) {
    logger.error({ err }, "DNS query dropped: the zone source failed");
    return null;
  }
}
