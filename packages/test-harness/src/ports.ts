// freePort: picks a loopback port that is currently free for TCP (and optionally UDP).

import { createSocket } from "node:dgram";
import { readFileSync } from "node:fs";
import { isIPv6 } from "node:net";
import { createServer } from "node:net";
import { HarnessError, HarnessErrorCode } from "./errors";

/** Which protocols a port from {@link freePort} must be free for. */
export type PortKind = "tcp" | "udp" | "both";

/** Ports handed out by this process: never handed out twice, so parallel starts cannot collide here. */
const handedOut = new Set<number>();

/**
 * Lowest port of the kernel's ephemeral range. We pick below it so that ports handed out are not
 * taken by outgoing connections' local ports between pick and bind.
 */
function ephemeralLow(): number {
  try {
    const low = Number(readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]);
    if (Number.isInteger(low) && low > 12_000) return low;
  } catch {
    // not Linux
  }
  return 32_768;
}

function tryTcp(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

function tryUdp(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket(isIPv6(host) ? "udp6" : "udp4");
    socket.once("error", () => {
      socket.close();
      resolve(false);
    });
    socket.bind({ address: host, port, exclusive: true }, () => socket.close(() => resolve(true)));
  });
}

async function isFree(host: string, port: number, kind: PortKind): Promise<boolean> {
  if (kind !== "udp" && !(await tryTcp(host, port))) return false;
  if (kind !== "tcp" && !(await tryUdp(host, port))) return false;
  return true;
}

/** Windows the port range is cut into: each process picks in its own first (by pid), so two rarely meet. */
const PORT_WINDOWS = 16;

/**
 * Returns a port on `host` that is free for TCP, UDP or both right now. Ports are picked at random
 * between 10000 and the start of the ephemeral range, first in this process' window of it (parallel test
 * processes then seldom pick the same port between pick and bind), and never twice by one process. Another process
 * can still take the port before the caller binds it; the server starters retry on "address in use".
 */
export async function freePort(host = "127.0.0.1", kind: PortKind = "tcp"): Promise<number> {
  const first = 10_000;
  const last = ephemeralLow();
  const size = Math.floor((last - first) / PORT_WINDOWS);
  for (let attempt = 0; attempt < 200; attempt++) {
    const [low, high] = attempt < 150 ? [first + (process.pid % PORT_WINDOWS) * size, first + ((process.pid % PORT_WINDOWS) + 1) * size] : [first, last];
    const port = low + Math.floor(Math.random() * (high - low));
    if (handedOut.has(port)) continue;
    if (await isFree(host, port, kind)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new HarnessError(HarnessErrorCode.NoFreePort, `no free ${kind} port found on ${host}`);
}
