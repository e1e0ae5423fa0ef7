// Client of dnsdist's console (controlSocket + setKey): nonce exchange, then NaCl secretbox messages with length prefix.
import net from "node:net";
import nacl from "tweetnacl";
import { DnsdistConsoleError } from "./errors";

const NONCE_BYTES = nacl.secretbox.nonceLength; // 24, libsodium's crypto_secretbox_NONCEBYTES
const HALF = NONCE_BYTES / 2;

/** Where dnsdist's console listens and the key from its `setKey()`. */
export interface DnsdistConsoleOptions {
  host: string;
  port: number;
  /** The 32-byte key (base64-decoded `setKey` value). */
  key: Uint8Array;
  /** Time allowed for connecting plus one command, ms. */
  timeoutMs: number;
}

/** A console connection, opened on first use and again after any error; commands run one at a time. */
export interface DnsdistConsole {
  /** Runs Lua on dnsdist's console and returns what it printed; a Lua error throws DnsdistConsoleError. */
  run(command: string): Promise<string>;
  close(): void;
}

/** Decodes a `setKey()` value; throws DnsdistConsoleError when it is not base64 of 32 bytes. */
export function decodeConsoleKey(text: string): Uint8Array {
  const key = Buffer.from(text.trim().replace(/^setKey\("(.*)"\)$/, "$1"), "base64");
  if (key.length !== nacl.secretbox.keyLength) {
    throw new DnsdistConsoleError(`dnsdist console key must be base64 of ${nacl.secretbox.keyLength} bytes, got ${key.length}`);
  }
  return key;
}

/**
 * The nonces of one connection, as dnsdist's console client derives them: each side sends 24 random bytes;
 * the client reads with (its first half + the server's second half) and writes with (the server's first
 * half + its own second half); each nonce's first 4 bytes count messages, big-endian.
 */
export function sessionNonces(ours: Uint8Array, theirs: Uint8Array): { reading: Buffer; writing: Buffer } {
  return {
    reading: Buffer.concat([ours.subarray(0, HALF), theirs.subarray(HALF)]),
    writing: Buffer.concat([theirs.subarray(0, HALF), ours.subarray(HALF)]),
  };
}

/** Advances a session nonce after a message (libsodium-style counter in the first 4 bytes, big-endian). */
export function incrementNonce(nonce: Buffer): void {
  nonce.writeUInt32BE((nonce.readUInt32BE(0) + 1) >>> 0, 0);
}

/** One open, handshaken connection: `read(n)` resolves with exactly n bytes. */
interface Session {
  socket: net.Socket;
  read(n: number): Promise<Buffer>;
  reading: Buffer;
  writing: Buffer;
}

async function openSession(o: DnsdistConsoleOptions): Promise<Session> {
  const socket = net.connect({ host: o.host, port: o.port });
  socket.setNoDelay(true);
  let buffered = Buffer.alloc(0);
  let want: { n: number; resolve: (b: Buffer) => void; reject: (e: Error) => void } | undefined;
  let failure: Error | undefined;
  const deliver = () => {
    if (want && buffered.length >= want.n) {
      const w = want;
      want = undefined;
      const out = buffered.subarray(0, w.n);
      buffered = buffered.subarray(w.n);
      w.resolve(out);
    }
  };
  const fail = (err: Error) => {
    failure ??= err;
    want?.reject(failure);
    want = undefined;
  };
  socket.on("data", (d: Buffer) => {
    buffered = Buffer.concat([buffered, d]);
    deliver();
  });
  socket.on("error", (err) => fail(new DnsdistConsoleError(`dnsdist console ${o.host}:${o.port}: ${err.message}`, { cause: err })));
  socket.on("close", () => fail(new DnsdistConsoleError(`dnsdist console ${o.host}:${o.port} closed the connection (wrong key?)`)));
  const read = (n: number) =>
    new Promise<Buffer>((resolve, reject) => {
      if (failure) return reject(failure);
      want = { n, resolve, reject };
      deliver();
    });
  const ours = nacl.randomBytes(NONCE_BYTES);
  socket.write(ours);
  const theirs = await read(NONCE_BYTES);
  return { socket, read, ...sessionNonces(ours, theirs) };
}

async function exchange(s: Session, key: Uint8Array, command: string): Promise<string> {
  const box = nacl.secretbox(Buffer.from(command, "utf8"), s.writing, key);
  incrementNonce(s.writing);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(box.length, 0);
  s.socket.write(Buffer.concat([len, box]));
  const replyLen = (await s.read(4)).readUInt32BE(0);
  const reply = await s.read(replyLen);
  const plain = nacl.secretbox.open(reply, s.reading, key);
  incrementNonce(s.reading);
  if (plain === null) throw new DnsdistConsoleError("dnsdist console reply does not decrypt (wrong key?)");
  return Buffer.from(plain).toString("utf8");
}

/** Creates a console client; nothing connects until the first `run`. */
export function dnsdistConsole(o: DnsdistConsoleOptions): DnsdistConsole {
  let session: Promise<Session> | undefined;
  let queue: Promise<unknown> = Promise.resolve();
  const drop = () => {
    void session?.then((s) => s.socket.destroy()).catch(() => undefined);
    session = undefined;
  };
  const once = async (command: string): Promise<string> => {
    session ??= openSession(o);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new DnsdistConsoleError(`dnsdist console ${o.host}:${o.port}: no answer within ${o.timeoutMs} ms`)), o.timeoutMs);
    });
    try {
      const out = await Promise.race([session.then((s) => exchange(s, o.key, command)), timeout]);
      if (out.startsWith("Error: ")) throw new DnsdistConsoleError(`dnsdist console: ${out.trim()}`);
      return out;
    } catch (err) {
      if (!(err instanceof DnsdistConsoleError && err.message.startsWith("dnsdist console: Error"))) drop();
      throw err;
    } finally {
      clearTimeout(timer);
    }
  };
  return {
    run(command) {
      const result = queue.then(() => once(command));
      queue = result.catch(() => undefined);
      return result;
    },
    close: drop,
  };
}
