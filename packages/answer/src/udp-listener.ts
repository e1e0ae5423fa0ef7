// UDP side of the DNS listener: Node's dgram (one callback per datagram) or the udp-batch addon (recvmmsg/sendmmsg,
// one callback per batch, answers written into one shared buffer). Both run the same steps per query: answer → RRL
// → onQuery → send.

import dgram from "node:dgram";
import net from "node:net";
import { openUdpBatchSocket, udpBatchUnavailableReason } from "@pdns-distribute/udp-batch";
import type { UdpBatchSocket } from "@pdns-distribute/udp-batch";
import { RRL_ACTION, createResponseRateLimiter, truncatedResponse } from "./rrl";
import { CachedUdpAnswers } from "./cached-answer";
import { answeredWithValidCookie, answerQuery, rateLimitSubject } from "./wire";
import type { AnswerContext, AnswerLogger } from "./wire";

/** How UDP is read and written: the batch addon, Node's dgram, or the addon when it loads ("auto"). */
export type UdpIo = "auto" | "batch" | "dgram";

/** What the UDP listener needs from the server options. */
export interface UdpListenerOptions {
  address: string;
  port: number;
  logger: AnswerLogger;
  udpIo: UdpIo;
  /** SO_REUSEPORT on the batch socket: each DNS worker process binds its own socket on the same port. */
  udpReusePort: boolean;
  udpReceiveBufferBytes: number;
  maxUdpPayload: number;
  rrl?: Parameters<typeof createResponseRateLimiter>[0];
  onQuery?: (query: Buffer, response: Buffer | null, transport: "udp" | "tcp") => void;
}

/** A bound UDP listener. */
export interface UdpListener {
  /** Which I/O path it uses. */
  readonly io: "batch" | "dgram";
  /** The address and port bound. */
  address(): { address: string; port: number };
  close(): Promise<void>;
}

/** Datagrams per recvmmsg/sendmmsg and per JS call. */
const BATCH_SIZE = 64;
/** UDP size without EDNS (RFC 1035 §4.2.1): no UDP response is shorter than this limit allows. */
const CLASSIC_UDP_SIZE = 512;

let fallbackLogged = false;

/**
 * Binds UDP on `address`/`port` and answers every query through `context("udp")`. With `udpIo` "auto" or "batch"
 * the batch addon is used when it loads; otherwise (not built, not Linux) one warning is logged per process and
 * Node's dgram is used. Rejects when the socket cannot be bound (EADDRINUSE …).
 */
export async function openUdpListener(options: UdpListenerOptions, context: () => AnswerContext): Promise<UdpListener> {
  if (options.udpIo !== "dgram") {
    const reason = udpBatchUnavailableReason();
    if (reason === null) return openBatch(options, context);
    if (!fallbackLogged) {
      fallbackLogged = true;
      options.logger.warn({ udpIo: options.udpIo, reason }, "UDP batching (recvmmsg/sendmmsg) unavailable; answering through Node's dgram");
    }
  }
  return openDgram(options, context);
}

/** The dgram path: one 'message' callback and one send per datagram. */
async function openDgram(options: UdpListenerOptions, context: () => AnswerContext): Promise<UdpListener> {
  const { logger } = options;
  const udp = await bindUdp(options.address, options.port);
  setReceiveBuffer(udp, options.udpReceiveBufferBytes, logger);
  // RRL (null when off: one comparison per query) drops over-rate responses or slips them truncated.
  const rrl = createResponseRateLimiter(options.rrl);
  const peer = context().peer; // the context object is the same for every query; the listener sets its peer
  udp.on("message", (msg, rinfo) => {
    peer?.setText(rinfo.address);
    let response = safeAnswer(msg, context, logger);
    // RFC 7873 §5.2.5: a valid server cookie proves the source address; such clients are not rate-limited (as BIND).
    if (rrl !== null && response !== null && !answeredWithValidCookie()) response = rateLimited(rrl, rinfo.address, response, Date.now(), rateLimitSubject());
    options.onQuery?.(msg, response, "udp");
    if (response === null) return;
    // No send callback: Node queues one process.nextTick per callback (about a tenth of the UDP throughput). A send
    // that fails (ENOBUFS …) is a lost datagram the client retries; the kernel counts it (`netstat -su`).
    udp.send(response, rinfo.port, rinfo.address);
  });
  udp.on("error", (err) => logger.error({ err }, "DNS UDP socket error"));
  const bound = udp.address() as net.AddressInfo;
  return {
    io: "dgram",
    address: () => ({ address: bound.address, port: bound.port }),
    close: () =>
      new Promise<void>((resolve) => {
        try {
          udp.close(() => resolve());
        } catch {
          resolve(); // already closed after a socket error
        }
      }),
  };
}

/**
 * The batch path: the addon calls back once per recvmmsg batch; each answer is written straight into the shared
 * output buffer (no Buffer per response) and all go out with one sendmmsg. RRL, onQuery and the responses are
 * exactly those of the dgram path; RRL reads the clock once per batch. A repeated query is answered from the
 * listener's packet cache (cached-answer.ts), byte for byte what wire.ts would have written.
 */
async function openBatch(options: UdpListenerOptions, context: () => AnswerContext): Promise<UdpListener> {
  const { logger } = options;
  const rrl = createResponseRateLimiter(options.rrl);
  const onQuery = options.onQuery;
  // Largest UDP response: max(512, maxUdpPayload) (wire.ts responseLimit); one per datagram of a batch.
  const perResponse = Math.max(CLASSIC_UDP_SIZE, options.maxUdpPayload);
  const peer = context().peer;
  const answers = new CachedUdpAnswers(perResponse, rrl !== null, logger);
  const handler = (count: number, sock: UdpBatchSocket): void => {
    const out = sock.output;
    const now = rrl !== null ? Date.now() : 0;
    let at = 0;
    for (let i = 0; i < count; i++) {
      // The slot's own view (made once): a subarray per datagram would cost an allocation per query.
      const slot = sock.packetSlot(i);
      const size = sock.packetLength(i);
      peer?.setBatch(sock, i);
      let length = answers.answerInto(slot, size, context, out, at);
      if (rrl !== null && length > 0 && !answers.rrlExempt) {
        const response = out.subarray(at, at + length);
        const sent = rateLimited(rrl, sock.peerAddress(i), response, now, answers.rrlSubject);
        if (sent === null) length = -1;
        else if (sent !== response) length = sent.copy(out, at); // slipped: the truncated form, never longer
      }
      if (onQuery !== undefined) onQuery(slot.subarray(0, size), length > 0 ? out.subarray(at, at + length) : null, "udp");
      if (length <= 0) continue;
      sock.respond(i, at, length);
      at += length;
    }
  };
  const port = options.udpReusePort && options.port === 0 ? await freeUdpPort(options.address) : options.port;
  const sock = openUdpBatchSocket(
    {
      address: options.address,
      port,
      batchSize: BATCH_SIZE,
      outputBytes: BATCH_SIZE * perResponse,
      receiveBufferBytes: options.udpReceiveBufferBytes,
      reusePort: options.udpReusePort,
    },
    handler,
  );
  const bound = sock.address();
  return {
    io: "batch",
    address: () => ({ address: bound.address, port: bound.port }),
    close: () => {
      sock.close();
      return Promise.resolve();
    },
  };
}

/** What RRL lets out for `response` to `address`: the response itself, its truncated form (slip), or null (drop). */
function rateLimited(
  rrl: NonNullable<ReturnType<typeof createResponseRateLimiter>>,
  address: string,
  response: Buffer,
  now: number,
  subject: string | null,
): Buffer | null {
  const action = rrl.check(address, response, now, subject);
  if (action === RRL_ACTION.send) return response;
  return action === RRL_ACTION.slip ? truncatedResponse(response) : null;
}

/** {@link answerQuery} guarded once more, so that a failing zone source cannot crash the listener. */
export function safeAnswer(msg: Buffer, context: () => AnswerContext, logger: AnswerLogger): Buffer | null {
  try {
    return answerQuery(msg, context());
  } catch (err) {
    logger.error({ err }, "DNS query dropped: the zone source failed");
    return null;
  }
}

/**
 * A UDP port free on `address` right now, for a SO_REUSEPORT socket asked for port 0: binding port 0 with
 * SO_REUSEPORT could join another process's group on a port the kernel considers shareable.
 */
async function freeUdpPort(address: string): Promise<number> {
  const probe = await bindUdp(address, 0, true);
  const { port } = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
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

/** Binds a dgram socket; `exclusive`: not shared through the cluster primary, even in a cluster worker. */
function bindUdp(address: string, port: number, exclusive = false): Promise<dgram.Socket> {
  const socket = dgram.createSocket({ type: net.isIPv6(address) ? "udp6" : "udp4" });
  return new Promise((resolve, reject) => {
    socket.once("error", reject);
    socket.bind({ port, address, exclusive }, () => {
      socket.off("error", reject);
      resolve(socket);
    });
  });
}
