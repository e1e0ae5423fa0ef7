// The native batch socket over loopback: echo over IPv4 and IPv6, bursts, odd datagrams, close/reopen, EAGAIN queue.

import dgram from "node:dgram";
import { openUdpBatchSocket, udpBatchAvailable, udpBatchUnavailableReason } from "../src";
import type { UdpBatchHandler, UdpBatchSocket } from "../src";

/** Echoes every datagram back, prefixed with one octet: the number of datagrams in its batch (capped at 255). */
const echo: UdpBatchHandler = (count, sock) => {
  let at = 0;
  for (let i = 0; i < count; i++) {
    const start = sock.packetOffset(i);
    const length = sock.packetLength(i);
    sock.output[at] = Math.min(count, 255);
    sock.input.copy(sock.output, at + 1, start, start + length);
    sock.respond(i, at, length + 1);
    at += length + 1;
  }
};

/** A client socket with a big receive buffer that collects replies. */
async function client(family: 4 | 6): Promise<{ socket: dgram.Socket; replies: Buffer[] }> {
  const socket = dgram.createSocket(family === 6 ? "udp6" : "udp4");
  const replies: Buffer[] = [];
  socket.on("message", (m) => replies.push(m));
  await new Promise<void>((resolve) => socket.bind(0, family === 6 ? "::1" : "127.0.0.1", () => resolve()));
  socket.setRecvBufferSize(4 * 1024 * 1024);
  return { socket, replies };
}

/** Waits until `done()` or `ms` pass (bounded polling). */
async function waitUntil(done: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!done() && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
}

function send(socket: dgram.Socket, msg: Buffer, port: number, address: string): Promise<void> {
  return new Promise((resolve, reject) => socket.send(msg, port, address, (err) => (err ? reject(err) : resolve())));
}

describe("udp-batch native socket", () => {
  const open: UdpBatchSocket[] = [];
  const start = (init: Parameters<typeof openUdpBatchSocket>[0], handler: UdpBatchHandler = echo): UdpBatchSocket => {
    const s = openUdpBatchSocket({ receiveBufferBytes: 4 * 1024 * 1024, ...init }, handler);
    open.push(s);
    return s;
  };
  afterEach(() => {
    for (const s of open.splice(0)) s.close();
  });

  test("the addon is built and loads here (Linux)", () => {
    expect(udpBatchUnavailableReason()).toBeNull();
    expect(udpBatchAvailable()).toBe(true);
  });

  test.each([
    [4, "127.0.0.1"],
    [6, "::1"],
  ] as const)("echoes datagrams over IPv%s with the peer's address and port", async (family, address) => {
    const peers: string[] = [];
    const server = start({ address, port: 0 }, (count, sock) => {
      for (let i = 0; i < count; i++) peers.push(`${sock.peerFamily(i)} ${sock.peerAddress(i)} ${sock.peerPort(i)} ${sock.peerAddressBytes(i).length}`);
      echo(count, sock);
    });
    const bound = server.address();
    expect(bound).toMatchObject({ address, family: family === 6 ? "IPv6" : "IPv4" });
    expect(bound.port).toBeGreaterThan(0);
    const { socket, replies } = await client(family);
    const me = socket.address();
    await send(socket, Buffer.from("hello"), bound.port, address);
    await waitUntil(() => replies.length === 1, 2000);
    socket.close();
    expect(replies[0]?.subarray(1).toString()).toBe("hello");
    expect(peers).toEqual([`${family} ${address} ${me.port} ${family === 6 ? 16 : 4}`]);
    expect(server.stats()).toMatchObject({ received: 1, sent: 1, batches: 1, dropped: 0, sendErrors: 0, invalid: 0 });
  });

  test("a dual-stack socket on :: sees IPv4 peers as ::ffff:a.b.c.d", async () => {
    const peers: string[] = [];
    const server = start({ address: "::", port: 0 }, (count, sock) => {
      for (let i = 0; i < count; i++) peers.push(sock.peerAddress(i));
      echo(count, sock);
    });
    const { socket, replies } = await client(4);
    await send(socket, Buffer.from("v4"), server.address().port, "127.0.0.1");
    await waitUntil(() => replies.length === 1, 2000);
    socket.close();
    expect(peers).toEqual(["::ffff:127.0.0.1"]);
    expect(replies).toHaveLength(1);
  });

  test("a burst of 5,000 datagrams is answered in batches of up to 64", async () => {
    const server = start({ address: "127.0.0.1", port: 0 });
    const { port } = server.address();
    const { socket, replies } = await client(4);
    const N = 5000;
    for (let i = 0; i < N; i += 250) {
      const burst: Promise<void>[] = [];
      for (let k = i; k < i + 250; k++) burst.push(send(socket, Buffer.from(`q${k}`), port, "127.0.0.1"));
      await Promise.all(burst);
    }
    await waitUntil(() => replies.length === N, 10_000);
    socket.close();
    const stats = server.stats();
    expect(stats.received).toBe(N);
    expect(stats.sent).toBe(N);
    expect(replies).toHaveLength(N);
    expect(new Set(replies.map((r) => r.subarray(1).toString())).size).toBe(N);
    // Datagrams arrive faster than one callback each: most batches hold several (at most 64).
    expect(stats.batches).toBeLessThan(N);
    expect(Math.max(...replies.map((r) => r[0] as number))).toBeLessThanOrEqual(64);
    expect(Math.max(...replies.map((r) => r[0] as number))).toBeGreaterThan(1);
  });

  test("odd datagrams: empty, binary, one octet over the slot (cut and flagged), and a handler that answers none", async () => {
    const seen: Array<[number, boolean]> = [];
    const slots: boolean[] = [];
    const heads: boolean[] = [];
    const server = start({ address: "127.0.0.1", port: 0, maxDatagramBytes: 512 }, (count, sock) => {
      for (let i = 0; i < count; i++) {
        seen.push([sock.packetLength(i), sock.packetTruncated(i)]);
        // The slot view: the same object for the same slot, the slot's octets of `input`.
        slots.push(sock.packetSlot(i) === sock.packetSlot(i) && sock.packetSlot(i).length === 512);
        const start = sock.packetOffset(i);
        heads.push(sock.packetSlot(i).subarray(0, sock.packetLength(i)).equals(sock.input.subarray(start, start + sock.packetLength(i))));
        if (sock.packetLength(i) === 3) continue; // no answer for this one
        sock.output.fill(0xab, 0, 2);
        sock.respond(i, 0, 2);
      }
    });
    const { port } = server.address();
    const { socket, replies } = await client(4);
    for (const msg of [Buffer.alloc(0), Buffer.from([0, 0xff, 0x80]), Buffer.alloc(513, 7), Buffer.alloc(512, 1)]) {
      await send(socket, msg, port, "127.0.0.1");
    }
    await waitUntil(() => seen.length === 4 && replies.length === 3, 2000);
    socket.close();
    expect(seen).toEqual([
      [0, false],
      [3, false],
      [512, true],
      [512, false],
    ]);
    expect(slots).toEqual([true, true, true, true]);
    expect(heads).toEqual([true, true, true, true]);
    expect(replies.map((r) => r.toString("hex"))).toEqual(["abab", "abab", "abab"]);
    expect(server.stats()).toMatchObject({ received: 4, sent: 3, truncated: 1 });
  });

  test("respond() outside the batch throws; out-of-range output is refused by the addon and counted", async () => {
    let thrown = "";
    const server = start({ address: "127.0.0.1", port: 0, outputBytes: 16 }, (count, sock) => {
      try {
        sock.respond(count, 0, 1);
      } catch (err) {
        thrown = (err as Error).message;
      }
      sock.respond(0, 10, 100); // past the 16-octet output buffer
    });
    const { socket, replies } = await client(4);
    await send(socket, Buffer.from("x"), server.address().port, "127.0.0.1");
    await waitUntil(() => server.stats().invalid === 1, 2000);
    socket.close();
    expect(thrown).toMatch(/no datagram/);
    expect(replies).toHaveLength(0);
    expect(server.stats()).toMatchObject({ received: 1, sent: 0, invalid: 1 });
  });

  test("close frees the port at once (reopen on it), is idempotent, and a closed socket gets nothing", async () => {
    const first = start({ address: "127.0.0.1", port: 0 });
    const { port } = first.address();
    first.close();
    first.close();
    expect(() => start({ address: "127.0.0.1", port })).not.toThrow();
    const { socket, replies } = await client(4);
    await send(socket, Buffer.from("again"), port, "127.0.0.1");
    await waitUntil(() => replies.length === 1, 2000);
    socket.close();
    expect(replies[0]?.subarray(1).toString()).toBe("again");
    expect(first.stats().received).toBe(0);
  });

  test("closing from inside the handler stops the batch", async () => {
    let calls = 0;
    const server = start({ address: "127.0.0.1", port: 0 }, (count, sock) => {
      calls++;
      echo(count, sock);
      sock.close();
    });
    const { socket, replies } = await client(4);
    await Promise.all(Array.from({ length: 20 }, (_, i) => send(socket, Buffer.from(`c${i}`), server.address().port, "127.0.0.1")));
    await new Promise((r) => setTimeout(r, 100));
    socket.close();
    expect(calls).toBe(1);
    expect(replies).toHaveLength(0); // closed before the answers were sent
  });

  test("binding a port in use fails with EADDRINUSE; SO_REUSEPORT sockets share one", async () => {
    const a = start({ address: "127.0.0.1", port: 0 });
    expect(() => start({ address: "127.0.0.1", port: a.address().port })).toThrow(expect.objectContaining({ code: "EADDRINUSE" }));
    const r1 = start({ address: "127.0.0.1", port: 0, reusePort: true });
    const port = r1.address().port;
    const r2 = start({ address: "127.0.0.1", port, reusePort: true });
    expect(r2.address().port).toBe(port);
    // The kernel spreads datagrams from different source ports over the group.
    const clients = await Promise.all(Array.from({ length: 16 }, () => client(4)));
    await Promise.all(clients.map(({ socket }) => send(socket, Buffer.from("r"), port, "127.0.0.1")));
    await waitUntil(() => clients.every((c) => c.replies.length === 1), 2000);
    for (const c of clients) c.socket.close();
    expect(r1.stats().received + r2.stats().received).toBe(16);
    expect(clients.every((c) => c.replies.length === 1)).toBe(true);
  });

  test("bad addresses and options are refused", () => {
    expect(() => openUdpBatchSocket({ address: "localhost", port: 0 }, echo)).toThrow(/not an IP address/);
    expect(() => openUdpBatchSocket({ address: "127.0.0.1", port: 0, batchSize: 0 }, echo)).toThrow(/out of range/);
  });

  test("EAGAIN: answers wait in the queue until the socket is writable, in order; a full queue drops and counts", async () => {
    const server = start({ address: "127.0.0.1", port: 0, maxSendQueue: 8 });
    const { port } = server.address();
    const { socket, replies } = await client(4);
    server.injectSendEagain(1); // the first send attempt would block: everything goes through the queue
    for (let i = 0; i < 5; i++) await send(socket, Buffer.from(`e${i}`), port, "127.0.0.1");
    await waitUntil(() => replies.length === 5, 2000);
    expect(replies.map((r) => r.subarray(1).toString())).toEqual(["e0", "e1", "e2", "e3", "e4"]);
    let stats = server.stats();
    expect(stats.queued).toBeGreaterThanOrEqual(1);
    expect(stats).toMatchObject({ sent: 5, queueLength: 0, dropped: 0 });
    // Many failing attempts in a row: 20 answers, room for 8 in the queue.
    server.injectSendEagain(1_000_000);
    await Promise.all(Array.from({ length: 20 }, (_, i) => send(socket, Buffer.from(`f${i}`), port, "127.0.0.1")));
    await waitUntil(() => server.stats().received === 25, 2000);
    stats = server.stats();
    expect(stats.queueLength).toBe(8);
    expect(stats.dropped).toBe(12);
    server.injectSendEagain(0); // writable again: the queue drains
    await send(socket, Buffer.from("g"), port, "127.0.0.1");
    await waitUntil(() => replies.length === 5 + 8 + 1, 2000);
    socket.close();
    expect(server.stats()).toMatchObject({ queueLength: 0, sent: 14, dropped: 12 });
  });
});
