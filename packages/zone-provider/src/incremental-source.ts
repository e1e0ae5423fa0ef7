// Reads of the primary that cost what changed: the latest snapshot of each zone with the RRsets the zone events
// since named read again from the API and patched in, or, whenever anything is unexpected, a full AXFR.
//
// Why a patched snapshot is never a wrong signed zone: it is used only when the events chain from the snapshot's
// serial to the newest (change-chain.ts), every API answer and the SOA carry exactly the newest serial, the zone is
// neither signed nor presigned, and every record renders; the text is then what rendering the zone's records gives.
import { zoneTextDigest } from "@pdns-distribute/core";
import type { Logger } from "@pdns-distribute/core";
import { patchZoneLines, zoneTextLines } from "@pdns-distribute/dns";
import type { RRsetReplacement } from "@pdns-distribute/dns";
import type { ChainEvent, ChangeChains, FullReadReason, ReadPlan } from "./change-chain";
import type { RRsetRead, RRsetReader } from "./pdns-rrsets";
import type { ZoneSnapshot } from "./zone-data";

/** A zone read that was refused on the way (the reason the full read that follows is logged with). */
class IncrementalRefused extends Error {
  constructor(readonly reason: FullReadReason, message: string) {
    super(message);
    this.name = "IncrementalRefused";
  }
}

/** Options of {@link incrementalZoneSource}. */
export interface IncrementalSourceOptions {
  /** Reads the whole zone (AXFR). */
  full: (zone: string) => Promise<ZoneSnapshot>;
  /** Reads one RRset from the API; undefined: every read is full. */
  rrsets?: RRsetReader;
  chains: ChangeChains;
  /** Memory for the latest snapshot of each zone, bytes (least recently read zones go first). */
  maxBytes: number;
  /** RRsets read at once for one zone. */
  concurrency: number;
  logger: Logger;
  /** Told of each read: incremental, or full and why. */
  onRead?: (kind: "incremental" | "full", reason: FullReadReason | "chain") => void;
  now?: () => number;
}

/** The latest snapshot of a zone, with its lines (for patching). */
interface Kept {
  snapshot: ZoneSnapshot;
  lines: string[];
}

/** Reads of zones, incremental where the change chain allows; what the service and ZoneReads need of them. */
export interface IncrementalZoneSource {
  read(zone: string): Promise<ZoneSnapshot>;
  /** A zone event went by (before any read it starts). */
  noteEvent(zone: string, type: string, event: ChainEvent): void;
  /** The zone's next read must be a full one. */
  breakChain(zone: string, reason: FullReadReason): void;
}

/** A ZoneSource that reads incrementally when the zone's change chain allows, else in full. */
export function incrementalZoneSource(opts: IncrementalSourceOptions): IncrementalZoneSource {
  const kept = new KeptSnapshots(opts.maxBytes);
  const now = opts.now ?? (() => performance.now());
  const noteEvent = (zone: string, type: string, event: ChainEvent): void => {
    if (type === "zone.delete") {
      opts.chains.drop(zone);
      kept.delete(zone);
    } else opts.chains.note(zone, event);
  };
  const read = async (zone: string): Promise<ZoneSnapshot> => {
    const key = zone.toLowerCase();
    const started = Date.now();
    const plan = opts.chains.plan(key, now());
    const base = kept.get(key);
    let reason: FullReadReason = plan.kind === "full" ? plan.reason : "no-snapshot";
    if (plan.kind === "incremental" && opts.rrsets && base && base.snapshot.serial === plan.baseSerial) {
      try {
        const snapshot = await readChanges(key, base, plan, opts.rrsets, opts.concurrency);
        finish(key, plan, snapshot, started, "incremental");
        return snapshot;
      } catch (err) {
        reason = err instanceof IncrementalRefused ? err.reason : "unexpected";
        opts.logger.info({ zone: key, reason, err: (err as Error).message }, "incremental read refused; reading the whole zone");
      }
    } else if (plan.kind === "incremental") {
      reason = opts.rrsets ? "no-snapshot" : "no-api";
    }
    const snapshot = await opts.full(zone);
    finish(key, plan, snapshot, started, "full", reason);
    return snapshot;
  };
  return { read, noteEvent, breakChain: (zone, reason) => opts.chains.breakChain(zone, reason) };

  function finish(key: string, plan: ReadPlan, snapshot: ZoneSnapshot, started: number, kind: "incremental" | "full", reason?: FullReadReason): void {
    const installed = opts.chains.install(key, plan, snapshot.serial, now());
    if (installed && opts.rrsets) kept.set(key, { snapshot, lines: snapshot.lines ?? zoneTextLines(snapshot.zoneText) });
    opts.onRead?.(kind, reason ?? "chain");
    const fields = kind === "incremental" && plan.kind === "incremental" ? { rrsets: plan.rrsets.length, events: plan.events } : { reason };
    opts.logger.info({ zone: key, read: kind, ...fields, serial: snapshot.serial, ms: Date.now() - started }, "zone read from the primary");
  }
}

/** Reads the RRsets `plan` names (and the SOA) and patches them into `base`; throws IncrementalRefused or plain errors. */
async function readChanges(zone: string, base: Kept, plan: Extract<ReadPlan, { kind: "incremental" }>, read: RRsetReader, concurrency: number): Promise<ZoneSnapshot> {
  const wanted = plan.rrsets.filter((r) => !(r.name === zone && r.type === "SOA"));
  const reads = await mapLimited([...wanted, { name: zone, type: "SOA" }], concurrency, (r) => read(zone, r.name, r.type));
  if (reads.some((r) => r.signed)) throw new IncrementalRefused("signed", "the zone is DNSSEC-signed or presigned");
  const off = reads.find((r) => r.serial !== plan.serial);
  if (off) throw new IncrementalRefused("serial-mismatch", `PowerDNS has serial ${off.serial}, the events end at ${plan.serial}`);
  const changes = reads.map((r) => (r.replacement.type === "SOA" && r.replacement.name === zone ? servedSoa(r) : r.replacement));
  const patch = patchZoneLines(base.lines, changes);
  const zoneText = patch.lines.length === 0 ? "" : patch.lines.join("\n") + "\n";
  const digest = zoneTextDigest(zoneText);
  return {
    zoneText,
    serial: plan.serial,
    digest,
    records: patch.lines.length,
    lines: patch.lines,
    read: "incremental",
    patch: { fromSha256: base.snapshot.digest, fromSerial: base.snapshot.serial, removed: patch.removed, added: patch.added },
  };
}

/** The SOA as AXFR serves it: the stored one with the answer's serial (edited_serial, after SOA-EDIT). */
function servedSoa(r: RRsetRead): RRsetReplacement {
  const [soa, ...more] = r.replacement.records;
  if (!soa || more.length > 0) throw new IncrementalRefused("unexpected", `the zone has ${r.replacement.records.length} SOA records`);
  const fields = soa.rdata.trim().split(/\s+/);
  if (fields.length !== 7) throw new IncrementalRefused("unexpected", `SOA content "${soa.rdata}" has ${fields.length} fields`);
  fields[2] = String(r.serial);
  return { ...r.replacement, records: [{ ...soa, rdata: fields.join(" ") }] };
}

/** `fn` over `items` with at most `limit` running at once; results in order. */
async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** The latest snapshot per zone within a memory budget (about 4 bytes per character: the text and its lines). */
class KeptSnapshots {
  private readonly zones = new Map<string, Kept>();
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  get(zone: string): Kept | undefined {
    return this.zones.get(zone);
  }

  set(zone: string, k: Kept): void {
    this.remove(zone);
    if (cost(k) > this.maxBytes) return;
    this.zones.set(zone, k);
    this.bytes += cost(k);
    for (const [z] of this.zones) {
      if (this.bytes <= this.maxBytes) break;
      this.remove(z);
    }
  }

  delete(zone: string): void {
    this.remove(zone);
  }

  private remove(zone: string): void {
    const old = this.zones.get(zone);
    if (!old) return;
    this.bytes -= cost(old);
    this.zones.delete(zone);
  }
}

const cost = (k: Kept): number => k.snapshot.zoneText.length * 4;
