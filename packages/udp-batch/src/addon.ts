// Loads the compiled udp_batch.node once: from build/Release next to the package, or next to a bundle (.deb).
import { existsSync } from "node:fs";
import { join } from "node:path";
import { UdpBatchUnavailableError } from "./errors";

/** The functions the native addon exports (native/udp_batch.c). */
export interface NativeUdpBatch {
  open(
    options: NativeOpenOptions,
    input: Uint8Array,
    inputMeta: Int32Array,
    addresses: Uint8Array,
    output: Uint8Array,
    outputMeta: Int32Array,
    onBatch: (count: number) => number,
  ): object;
  close(handle: object): void;
  address(handle: object): { address: string; port: number; family: "IPv4" | "IPv6" };
  stats(handle: object): UdpBatchStats;
  injectSendEagain(handle: object, count: number): void;
}

/** Options as the addon reads them. */
export interface NativeOpenOptions {
  family: 4 | 6;
  address: string;
  port: number;
  batch: number;
  slotSize: number;
  maxQueue: number;
  recvBufferBytes: number;
  reusePort: boolean;
}

/** Counters of one socket since it was opened. */
export interface UdpBatchStats {
  /** Datagrams received. */
  received: number;
  /** Datagrams sent. */
  sent: number;
  /** recvmmsg calls that returned datagrams (one JS call each). */
  batches: number;
  /** Datagrams longer than a slot (cut; flagged to JS). */
  truncated: number;
  /** Datagrams that met EAGAIN and waited in the send queue. */
  queued: number;
  /** Datagrams waiting now. */
  queueLength: number;
  /** Datagrams dropped because the send queue was full. */
  dropped: number;
  /** Datagrams the kernel refused (ENOBUFS, EMSGSIZE, unreachable …): lost. */
  sendErrors: number;
  /** Failed recvmmsg calls (other than EAGAIN). */
  receiveErrors: number;
  /** Responses with an out-of-range packet index, offset or length (a bug in the caller): not sent. */
  invalid: number;
  /** Batches whose JS callback threw (passed on as an uncaught exception). */
  callbackErrors: number;
}

const FILE = "udp_batch.node";
let cached: NativeUdpBatch | UdpBatchUnavailableError | undefined;

/** Where the addon may be: the package's build output (from src/ or dist/), or beside a bundled program. */
function candidates(): string[] {
  const list = [join(__dirname, "..", "build", "Release", FILE), join(__dirname, FILE)];
  const override = process.env.PDNSD_UDP_BATCH_ADDON;
  return override ? [override, ...list] : list;
}

/** The native addon, or an {@link UdpBatchUnavailableError} saying why it cannot be used (never throws). */
export function loadAddon(): NativeUdpBatch | UdpBatchUnavailableError {
  if (cached !== undefined) return cached;
  if (process.platform !== "linux") {
    cached = new UdpBatchUnavailableError(`recvmmsg/sendmmsg batching needs Linux (this is ${process.platform})`);
    return cached;
  }
  const file = candidates().find((f) => existsSync(f));
  if (file === undefined) {
    cached = new UdpBatchUnavailableError(`${FILE} not found (not built?): looked in ${candidates().join(", ")}`);
    return cached;
  }
  try {
    // process.dlopen rather than require: bundlers leave it alone, and the path is decided at run time.
    const mod = { exports: {} as NativeUdpBatch };
    process.dlopen(mod, file);
    cached = mod.exports;
  } catch (err) {
    cached = new UdpBatchUnavailableError(`${file} failed to load: ${(err as Error).message}`, { cause: err });
  }
  return cached;
}
