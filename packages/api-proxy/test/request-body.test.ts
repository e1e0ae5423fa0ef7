// Request bodies: a declared length over the limit, a streamed body cut off at the limit, a refused request
// answered without its body being kept.
import http from "node:http";
import net from "node:net";
import type { AddressInfo } from "node:net";
import { BodyTooLargeError, declaredTooLarge, readBody, refuseUnread } from "../src/request-body";

test.each([
  [{ "content-length": "2097153" }, true],
  [{ "content-length": "2097152" }, false],
  [{}, false],
  [{ "content-length": "x" }, false],
])("declaredTooLarge(%j) with 2 MiB", (headers, want) => {
  expect(declaredTooLarge(headers, 2 * 1024 * 1024)).toBe(want);
});

/** A server that reads bodies up to 1000 bytes; over that 413 without reading on (refuseUnread). */
async function server(): Promise<{ port: number; seen: Array<number | string>; close(): void }> {
  const seen: Array<number | string> = [];
  const s = http.createServer((req, res) => {
    readBody(req, 1000).then(
      (body) => {
        seen.push(body.length);
        res.end("ok");
      },
      (err: Error) => {
        seen.push(err instanceof BodyTooLargeError ? "too large" : err.message);
        refuseUnread(req, res, () => res.writeHead(413).end("too large"));
      },
    );
  });
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  return { port: (s.address() as AddressInfo).port, seen, close: () => (s.closeAllConnections(), s.close()) };
}

test("a body within the limit is read whole; a chunked body is cut off at the limit and answered 413", async () => {
  const s = await server();
  try {
    expect((await fetch(`http://127.0.0.1:${s.port}/`, { method: "POST", body: "x".repeat(1000) })).status).toBe(200);
    // Chunked (no Content-Length), 64 KiB: refused once 1000 bytes came, before the client finished sending.
    const answer = await new Promise<string>((resolve) => {
      const sock = net.connect(s.port, "127.0.0.1", () => {
        sock.write("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
        sock.write(`10000\r\n${"y".repeat(0x10000)}\r\n`);
      });
      let got = "";
      sock.on("data", (d: Buffer) => (got += d.toString()));
      sock.on("close", () => resolve(got));
      sock.on("error", () => undefined);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 413/);
    expect(answer).toMatch(/connection: close/i);
    expect(s.seen).toEqual([1000, "too large"]);
  } finally {
    s.close();
  }
});

test("a client that keeps sending after the answer gets the answer and is cut off", async () => {
  const s = await server();
  try {
    const started = Date.now();
    let got = "";
    const closed = await new Promise<number>((resolve) => {
      const sock = net.connect(s.port, "127.0.0.1", () => {
        sock.write("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\n" + "z".repeat(2000));
        const more = setInterval(() => sock.write("z".repeat(1000)), 20); // never finishes its 100 MB
        sock.on("close", () => {
          clearInterval(more);
          resolve(Date.now() - started);
        });
      });
      sock.on("data", (d: Buffer) => (got += d.toString()));
      sock.on("error", () => undefined);
    });
    expect(got).toMatch(/^HTTP\/1\.1 413/);
    expect(closed).toBeLessThan(3000);
  } finally {
    s.close();
  }
});
