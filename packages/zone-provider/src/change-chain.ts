// Which read of the primary a zone needs: only the RRsets changed since the last snapshot (when the zone events
// seen since then say exactly which, and their serials chain), or the whole zone. Pure: no I/O.
//
// Each api-proxy event for a PATCH names the RRsets it touched and the serials before and after it. When those
// events chain from the snapshot's serial to the newest one, every change between the two is one of them, so the
// snapshot with those RRsets read again is the zone at the newest serial. The reader still checks that PowerDNS
// serves exactly that serial (incremental-source.ts); anything else is a full read.

/** What the chain needs of a zone event. */
export interface ChainEvent {
  /** The event id: a second copy of an event (a publish JetStream deduplicated still reaches core subscribers) is ignored. */
  id?: string;
  serial?: number;
  prevSerial?: number;
  rrsets?: ReadonlyArray<{ name: string; type: string }>;
}

/** Why a read is a full one (logs and metrics). */
export type FullReadReason =
  | "no-snapshot"
  | "no-events"
  | "event-without-rrsets"
  | "serial-not-bumped-by-one"
  | "serial-chain-broken"
  | "unseen-event"
  | "snapshot-too-old"
  | "too-many-rrsets"
  | "too-many-events"
  | "conflicting-events"
  | "no-api"
  | "signed"
  | "serial-mismatch"
  | "unexpected";

/** The read a zone needs now. `upTo` counts the events it covers (pass it back to {@link ChangeChains.install}). */
export type ReadPlan =
  | { kind: "incremental"; baseSerial: number; serial: number; rrsets: Array<{ name: string; type: string }>; events: number; upTo: number }
  | { kind: "full"; reason: FullReadReason; upTo: number };

/** Bounds of {@link ChangeChains}. */
export interface ChangeChainOptions {
  /** A snapshot whose last full read is older than this is read in full again (changes outside the API), ms. */
  maxSnapshotAgeMs: number;
  /** Most RRsets one incremental read asks for. */
  maxRRsets: number;
  /** Most events kept per zone; beyond that the next read is full. */
  maxEvents: number;
}

interface Noted extends ChainEvent {
  seq: number;
}

interface ZoneChain {
  /** The latest snapshot; `covered`: ids of the events an incremental read of it relied on (empty after a full read). */
  base?: { serial: number; upTo: number; fullAt: number; covered: Set<string> };
  pending: Noted[];
  /** Set by breakChain: the next full read planned after `at` (an event count) mends it. */
  broken?: { reason: FullReadReason; at: number };
}

/** Per zone: the serial of the latest snapshot read and the events seen since. */
export class ChangeChains {
  private readonly zones = new Map<string, ZoneChain>();
  private seq = 0;

  constructor(private readonly opts: ChangeChainOptions) {}

  /** A zone event went by (before any read it may start). */
  note(zone: string, event: ChainEvent): void {
    const chain = this.chain(zone);
    if (event.id !== undefined && (chain.base?.covered.has(event.id) || chain.pending.some((e) => e.id === event.id))) return;
    // Another event claiming the serial of a snapshot read incrementally: the events disagree about what changed
    // (e.g. a forged one raced the real one). Only a full read can tell which is true.
    if (chain.base && chain.base.covered.size > 0 && event.serial === chain.base.serial) this.breakChain(zone, "conflicting-events");
    if (chain.pending.length >= this.opts.maxEvents) this.breakChain(zone, "too-many-events");
    else chain.pending.push({ id: event.id, serial: event.serial, prevSerial: event.prevSerial, rrsets: event.rrsets, seq: ++this.seq });
  }

  /** The next read of `zone` must be a full one (e.g. a request names an event this process never saw). */
  breakChain(zone: string, reason: FullReadReason): void {
    this.chain(zone).broken = { reason, at: this.seq };
  }

  /** A zone is gone: forget it. */
  drop(zone: string): void {
    this.zones.delete(zone);
  }

  /** The read `zone` needs now (`now`: ms, any monotonic clock). */
  plan(zone: string, now: number): ReadPlan {
    const chain = this.chain(zone);
    const upTo = this.seq;
    const full = (reason: FullReadReason): ReadPlan => ({ kind: "full", reason, upTo });
    if (!chain.base) return full("no-snapshot");
    if (chain.broken) return full(chain.broken.reason);
    if (now - chain.base.fullAt > this.opts.maxSnapshotAgeMs) return full("snapshot-too-old");
    const events = chain.pending;
    const bad = events.find((e) => e.rrsets === undefined || e.serial === undefined || e.prevSerial === undefined);
    if (bad) return full("event-without-rrsets");
    // A change bumps the serial by one (SOA-EDIT-API DEFAULT or INCREASE): anything else may hide another change
    // (e.g. one made outside the API, whose serial the proxy's read before the PATCH did not see yet).
    if (events.some((e) => e.serial !== (((e.prevSerial as number) + 1) >>> 0))) return full("serial-not-bumped-by-one");
    let first = 0;
    events.forEach((e, i) => {
      if (e.serial === chain.base?.serial) first = i + 1; // already in the snapshot
    });
    const rest = events.slice(first);
    if (rest.length === 0) return full("no-events");
    let serial = chain.base.serial;
    for (const e of rest) {
      if (e.prevSerial !== serial) return full("serial-chain-broken");
      serial = e.serial as number;
    }
    const rrsets = unionOf(rest);
    if (rrsets.length > this.opts.maxRRsets) return full("too-many-rrsets");
    return { kind: "incremental", baseSerial: chain.base.serial, serial, rrsets, events: rest.length, upTo };
  }

  /**
   * A read planned with `plan` succeeded with `serial`: it is the zone's snapshot now (unless a read planned later
   * was installed already), and the events it covers are forgotten. False when it was not installed.
   */
  install(zone: string, plan: ReadPlan, serial: number, now: number): boolean {
    const chain = this.chain(zone);
    if (chain.base && chain.base.upTo > plan.upTo) return false;
    const fullAt = plan.kind === "full" ? now : (chain.base?.fullAt ?? now);
    const covered = new Set<string>();
    if (plan.kind === "incremental") for (const e of chain.pending) if (e.seq <= plan.upTo && e.id !== undefined) covered.add(e.id);
    chain.base = { serial, upTo: plan.upTo, fullAt, covered };
    chain.pending = chain.pending.filter((e) => e.seq > plan.upTo);
    if (chain.broken && plan.kind === "full" && plan.upTo >= chain.broken.at) chain.broken = undefined;
    return true;
  }

  private chain(zone: string): ZoneChain {
    let chain = this.zones.get(zone);
    if (!chain) {
      chain = { pending: [] };
      this.zones.set(zone, chain);
    }
    return chain;
  }
}

/** The RRsets of `events`, each once (names lower-case). */
function unionOf(events: readonly ChainEvent[]): Array<{ name: string; type: string }> {
  const seen = new Map<string, { name: string; type: string }>();
  for (const e of events) for (const r of e.rrsets ?? []) seen.set(`${r.name.toLowerCase()}/${r.type.toUpperCase()}`, { name: r.name.toLowerCase(), type: r.type.toUpperCase() });
  return [...seen.values()];
}
