// Conformance: the same queries to the answer engine and to Knot DNS serving the same zones; results compared as sets.

import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseZoneText } from "@pdns-distribute/dns";
import { compileZone, createZoneSet, startDnsServer } from "@pdns-distribute/answer";
import type { DnsServer, UdpIo } from "@pdns-distribute/answer";
import { dig, makeTempDir, removeTempDir, runCommand, startKnot } from "@pdns-distribute/test-harness";
import type { DigResult, Knot } from "@pdns-distribute/test-harness";
import { CORPUS_QUERIES, CORPUS_ZONES } from "./answer-conformance-corpus";
import type { CorpusQuery } from "./answer-conformance-corpus";

/** What is compared: rcode, header flags and the three sections as sorted sets of record lines. */
interface Comparable {
  status: string;
  flags: string[];
  answer: string[];
  authority: string[];
  additional: string[];
}

/**
 * Differences from Knot that are deliberate, each justified by an RFC (also listed in docs/answer-engine.md).
 * `applies` selects the queries; `normalize` rewrites the reference's and our result so that the remaining
 * comparison is still exact.
 */
interface AllowedDifference {
  why: string;
  applies: (query: CorpusQuery) => boolean;
  normalize: (ref: Comparable, ours: Comparable) => void;
}

const ALLOWED: AllowedDifference[] = [
  {
    why:
      "RFC 4035 §3.1.6 (and RFC 6840 §5.9): a security-aware name server MUST copy the CD bit from the query " +
      "into the response; Knot clears it.",
    applies: (query) => query.extra?.includes("+cd") === true,
    normalize: (ref, ours) => {
      ours.flags = ours.flags.filter((f) => f !== "cd");
      ref.flags = ref.flags.filter((f) => f !== "cd");
    },
  },
];

const logger = { warn: () => undefined, error: (o: object, m?: string) => console.error(m, o), debug: () => undefined };

function comparable(r: DigResult): Comparable {
  const sorted = (lines: string[]): string[] => [...lines].sort();
  return {
    status: r.status,
    flags: [...r.flags].sort(),
    answer: sorted(r.answer),
    authority: sorted(r.authority),
    additional: sorted(r.additional),
  };
}

function label(query: CorpusQuery): string {
  const opts = [query.dnssec ? "+dnssec" : "", query.tcp ? "+tcp" : "", ...(query.extra ?? [])].filter(Boolean);
  return `${query.qname} ${query.qtype}${opts.length > 0 ? " " + opts.join(" ") : ""}`;
}

/** Signs a zone file with a fresh ECDSA P-256 key (ldns-keygen + ldns-signzone); returns the signed file. */
async function signZone(dir: string, origin: string, file: string, mode: "nsec" | "nsec3"): Promise<string> {
  const keygen = await runCommand("ldns-keygen", ["-a", "ECDSAP256SHA256", "-k", origin], 30_000);
  if (keygen.code !== 0) throw new Error(`ldns-keygen failed: ${keygen.stderr}`);
  const key = join(dir, keygen.stdout.trim());
  const signed = `${file}.signed`;
  const args = ["-o", origin, "-f", signed, ...(mode === "nsec3" ? ["-n", "-t", "0"] : []), file, key];
  const sign = await runCommand("ldns-signzone", args, 30_000);
  if (sign.code !== 0) throw new Error(`ldns-signzone failed: ${sign.stderr}`);
  return signed;
}

/** Both UDP paths are compared with Knot. */
const UDP_IO: readonly UdpIo[] = ["batch", "dgram"];

describe("answer engine conformance against Knot DNS", () => {
  let dir: string;
  let knot: Knot;
  // The engine once per UDP path (udp-listener.ts): the recvmmsg/sendmmsg batch addon and Node's dgram.
  const engines = new Map<UdpIo, DnsServer>();
  const results = new Map<UdpIo, Map<string, { ref: Comparable; ours: Comparable }>>(UDP_IO.map((io) => [io, new Map()]));

  beforeAll(async () => {
    dir = await makeTempDir("conf");
    const prev = process.cwd();
    process.chdir(dir); // ldns-keygen writes its key files into the working directory
    const files: string[] = [];
    try {
      for (const [i, zone] of CORPUS_ZONES.entries()) {
        const file = join(dir, `z${i}.zone`);
        await writeFile(file, zone.text.trim() + "\n");
        files.push(zone.sign === undefined ? file : await signZone(dir, zone.origin, file, zone.sign));
      }
    } finally {
      process.chdir(prev);
    }
    knot = await startKnot({ zones: CORPUS_ZONES.map((z, i) => ({ origin: z.origin, file: files[i] as string })) });
    const { readFile } = await import("node:fs/promises");
    const compiled = [];
    for (const [i, zone] of CORPUS_ZONES.entries()) {
      compiled.push(compileZone(zone.origin, parseZoneText(await readFile(files[i] as string, "utf8"))));
    }
    for (const udpIo of UDP_IO) {
      engines.set(udpIo, await startDnsServer({ address: "127.0.0.1", port: 0, zones: createZoneSet(compiled), logger, udpIo }));
    }
    // The same query to both servers, a few at a time.
    const queue = [...CORPUS_QUERIES];
    const worker = async (): Promise<void> => {
      for (let query = queue.shift(); query !== undefined; query = queue.shift()) {
        const ask = (port: number): Promise<DigResult> =>
          dig({ server: "127.0.0.1", port, qname: query.qname, qtype: query.qtype, tcp: query.tcp, dnssec: query.dnssec, extra: query.extra });
        const [ref, ...ours] = await Promise.all([ask(knot.port), ...UDP_IO.map((io) => ask((engines.get(io) as DnsServer).address().port))]);
        UDP_IO.forEach((io, i) => results.get(io)?.set(label(query), { ref: comparable(ref), ours: comparable(ours[i] as DigResult) }));
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
  });

  afterAll(async () => {
    for (const engine of engines.values()) await engine.close();
    await knot?.stop();
    if (dir !== undefined) await removeTempDir(dir);
  });

  test.each(UDP_IO)("udp_io %s: every query gets the same rcode, flags and sections, or an RFC-justified documented difference", (udpIo) => {
    expect(engines.get(udpIo)?.udpIo).toBe(udpIo);
    const differences: Record<string, { ref: Comparable; ours: Comparable; allowed: string[] }> = {};
    for (const query of CORPUS_QUERIES) {
      const entry = results.get(udpIo)?.get(label(query));
      if (entry === undefined) throw new Error(`no result for ${label(query)}`);
      const ref = structuredClone(entry.ref);
      const ours = structuredClone(entry.ours);
      const allowed = ALLOWED.filter((a) => a.applies(query));
      for (const a of allowed) a.normalize(ref, ours);
      if (JSON.stringify(ref) !== JSON.stringify(ours)) differences[label(query)] = { ref, ours, allowed: allowed.map((a) => a.why) };
    }
    if (process.env.CONFORMANCE_DUMP === "1") console.log(JSON.stringify(Object.fromEntries(results.get(udpIo) ?? []), null, 1));
    expect(differences).toEqual({});
  });

  test("the corpus exercises every kind of answer", () => {
    const batch = results.get("batch") ?? new Map();
    const statuses = new Set([...batch.values()].map((r) => r.ref.status));
    expect([...statuses].sort()).toEqual(expect.arrayContaining(["NOERROR", "NXDOMAIN", "REFUSED", "BADVERS"]));
    expect(batch.size).toBe(CORPUS_QUERIES.length);
  });
});
