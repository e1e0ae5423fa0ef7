// A secondary with 2 DNS workers: a server cookie one worker made verifies at the other (one master secret, handed
// over IPC), replies carry NSID when asked, and pdnsd_dns_cookies_total counts the outcomes of every worker.
import { createSocket } from "node:dgram";
import { makeTempDir, removeTempDir, waitFor } from "@pdns-distribute/test-harness";
import type { Daemon } from "@pdns-distribute/test-harness";
import { startLoneSecondary } from "./lone-secondary";

const COOKIE = 10;
const NSID = 3;

/** An A query for `name` with an OPT carrying `options` ([code, data] pairs; RFC 6891 §6.1.2). */
function query(id: number, name: string, options: Array<[number, Buffer]>): Buffer {
  const labels = name.split(".").filter(Boolean);
  const qname = Buffer.concat([...labels.map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)])), Buffer.from([0])]);
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id, 0);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(1, 10);
  const rdata = Buffer.concat(options.map(([code, data]) => Buffer.concat([Buffer.from([code >> 8, code & 255, data.length >> 8, data.length & 255]), data])));
  const opt = Buffer.alloc(11);
  opt.writeUInt16BE(41, 1);
  opt.writeUInt16BE(1232, 3);
  opt.writeUInt16BE(rdata.length, 9);
  return Buffer.concat([header, qname, Buffer.from([0, 1, 0, 1]), opt, rdata]);
}

/** The options of a reply's OPT (the last record: our replies to these queries have only the question and it). */
function replyOptions(reply: Buffer): Map<number, Buffer> {
  let pos = 12;
  while (reply[pos] !== 0) pos += (reply[pos] as number) + 1;
  pos += 5; // root label, QTYPE, QCLASS
  const options = new Map<number, Buffer>();
  const end = pos + 11 + reply.readUInt16BE(pos + 9);
  for (let at = pos + 11; at + 4 <= end; ) {
    const length = reply.readUInt16BE(at + 2);
    options.set(reply.readUInt16BE(at), reply.subarray(at + 4, at + 4 + length));
    at += 4 + length;
  }
  return options;
}

/** Sends one query from a fresh socket (its own source port, so the kernel may pick either worker) and returns the reply. */
async function ask(port: number, msg: Buffer): Promise<Buffer> {
  const socket = createSocket("udp4");
  try {
    return await new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("no answer within 5 s")), 5000);
      socket.once("message", (m) => {
        clearTimeout(timer);
        resolve(m);
      });
      socket.send(msg, port, "127.0.0.1");
    });
  } finally {
    socket.close();
  }
}

describe("DNS cookies and NSID with DNS workers", () => {
  let dir: string;
  let secondary: Daemon | undefined;

  beforeAll(async () => {
    dir = await makeTempDir("dns-worker-cookies");
  });
  afterAll(async () => {
    await secondary?.stop();
    await removeTempDir(dir);
  });

  test("every worker accepts the server cookie any of them made; NSID when asked; outcomes counted", async () => {
    // No NATS and no zones: every query is answered REFUSED, with its OPT.
    const lone = await startLoneSecondary(dir, "cookies", "workers = 2\nrrl_responses_per_second = 0\nnsid = \"ns-workers\"");
    secondary = lone.daemon;
    const { dnsPort, metricsPort } = lone;

    const clientCookie = Buffer.from("a1a2a3a4a5a6a7a8", "hex");
    const first = replyOptions(await ask(dnsPort, query(1, "www.example.", [[COOKIE, clientCookie]])));
    const cookie = first.get(COOKIE);
    expect(cookie?.subarray(0, 8)).toEqual(clientCookie);
    expect(cookie?.length).toBe(24);
    expect(first.has(NSID)).toBe(false); // not asked

    // 24 queries from 24 source ports: with 2 workers on SO_REUSEPORT sockets, both answer some (all on one: 2^-23).
    for (let i = 0; i < 24; i++) {
      const options = replyOptions(await ask(dnsPort, query(2 + i, "www.example.", [[NSID, Buffer.alloc(0)], [COOKIE, cookie as Buffer]])));
      expect(options.get(COOKIE)).toEqual(cookie); // valid and fresh: sent back as it came (RFC 9018 §4.3)
      expect(options.get(NSID)?.toString()).toBe("ns-workers");
    }
    const forged = Buffer.concat([clientCookie, Buffer.from("01000000", "hex"), Buffer.alloc(12, 7)]);
    const renewed = replyOptions(await ask(dnsPort, query(40, "www.example.", [[COOKIE, forged]]))).get(COOKIE);
    expect(renewed?.subarray(0, 8)).toEqual(clientCookie);
    expect(renewed?.subarray(8).equals(forged.subarray(8))).toBe(false);

    const counted = (text: string, outcome: string): number =>
      Number(text.match(new RegExp(`pdnsd_dns_cookies_total\\{[^}]*outcome="${outcome}"[^}]*\\} (\\d+)`))?.[1] ?? 0);
    await waitFor(async () => {
      const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      return counted(text, "valid") === 24 && counted(text, "client_only") === 1 && counted(text, "invalid") === 1;
    }, { timeoutMs: 10_000 });
  }, 120_000);
});
