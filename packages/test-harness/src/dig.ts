// dig / kdig: query a DNS server with the real tools and parse their text output into sections.

import { runCommand } from "./command";
import { HarnessError, HarnessErrorCode } from "./errors";

/** A query for {@link dig} / {@link kdig}. */
export interface DigQuery {
  /** Server address (loopback). */
  server: string;
  /** Server port. */
  port: number;
  /** Name to query. */
  qname: string;
  /** Type mnemonic, e.g. "A", "SOA", "DNSKEY". */
  qtype: string;
  /** Query over TCP instead of UDP. */
  tcp?: boolean;
  /** Set the DO bit (`+dnssec`). */
  dnssec?: boolean;
  /** Further raw arguments, e.g. `["+bufsize=512"]`. */
  extra?: string[];
}

/** Parsed answer of {@link dig} / {@link kdig}. */
export interface DigResult {
  /** Response code mnemonic: "NOERROR", "NXDOMAIN", "SERVFAIL", "REFUSED", ... */
  status: string;
  /** Header flags in lower case, e.g. `["qr", "aa"]`. */
  flags: string[];
  /** Answer records as `name ttl IN TYPE rdata`, single-spaced (quoted strings kept intact). */
  answer: string[];
  /** Authority records, same format. */
  authority: string[];
  /** Additional records (without the OPT pseudo-record), same format. */
  additional: string[];
  /** The tool's complete output. */
  raw: string;
}

/** Splits a record line on whitespace outside double-quoted strings. */
function tokenize(line: string): string[] {
  const tokens: string[] = [];
  let current = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (c === "\\" && i + 1 < line.length) {
      current += c + line[++i];
    } else if (c === '"') {
      quoted = !quoted;
      current += c;
    } else if (!quoted && (c === " " || c === "\t")) {
      if (current) tokens.push(current);
      current = "";
    } else {
      current += c;
    }
  }
  if (current) tokens.push(current);
  return tokens;
}

/** Normalises one record line of dig/kdig output to `name ttl IN TYPE rdata` with single spaces. */
export function normalizeRecordLine(line: string): string {
  return tokenize(line).join(" ");
}

/**
 * Parses dig (bind9) or kdig (knot) output. When dig retried over TCP after a truncated UDP answer,
 * the last response printed wins.
 */
export function parseDigOutput(raw: string): DigResult {
  const result: DigResult = { status: "", flags: [], answer: [], authority: [], additional: [], raw };
  let section: string[] | undefined;
  for (const line of raw.split("\n")) {
    const status = /->>HEADER<<-.*status: ([A-Z0-9]+)/.exec(line);
    if (status) {
      result.status = status[1] as string;
      result.flags = [];
      result.answer = [];
      result.authority = [];
      result.additional = [];
      section = undefined;
      continue;
    }
    const flags = /^;;\s*flags:([^;]*);/i.exec(line);
    if (flags) {
      result.flags = (flags[1] as string).trim().split(/\s+/).filter(Boolean);
      continue;
    }
    const header = /^;;\s*([A-Z]+) SECTION:/.exec(line);
    if (header) {
      const name = header[1];
      section =
        name === "ANSWER" ? result.answer : name === "AUTHORITY" ? result.authority : name === "ADDITIONAL" ? result.additional : undefined;
      continue;
    }
    if (!line.trim()) {
      section = undefined;
      continue;
    }
    if (section && !line.startsWith(";")) section.push(normalizeRecordLine(line));
  }
  return result;
}

async function runDigTool(tool: "dig" | "kdig", args: string[], q: DigQuery): Promise<DigResult> {
  const res = await runCommand(tool, args, 15_000);
  const parsed = parseDigOutput(res.stdout);
  if (res.code !== 0 || !parsed.status) {
    throw new HarnessError(
      HarnessErrorCode.CommandFailed,
      `${tool} ${q.qname}/${q.qtype} @${q.server}:${q.port} failed (exit ${res.code}):\n${res.stdout}${res.stderr}`,
    );
  }
  return parsed;
}

/**
 * Runs bind9's `dig` with `+norecurse +time=2 +tries=1 +nosplit` (and `+tcp` / `+dnssec` on request)
 * and parses the answer. Throws when no answer arrives.
 */
export function dig(q: DigQuery): Promise<DigResult> {
  const args = [`@${q.server}`, "-p", String(q.port), "-q", q.qname, "-t", q.qtype];
  args.push("+norecurse", "+time=2", "+tries=1", "+nosplit");
  if (q.tcp) args.push("+tcp");
  if (q.dnssec) args.push("+dnssec");
  args.push(...(q.extra ?? []));
  return runDigTool("dig", args, q);
}

/** Like {@link dig} but with Knot's `kdig` (`+norecurse +time=2 +retry=0`). */
export function kdig(q: DigQuery): Promise<DigResult> {
  const args = [`@${q.server}`, "-p", String(q.port), "-q", q.qname, "-t", q.qtype];
  args.push("+norecurse", "+time=2", "+retry=0");
  if (q.tcp) args.push("+tcp");
  if (q.dnssec) args.push("+dnssec");
  args.push(...(q.extra ?? []));
  return runDigTool("kdig", args, q);
}
