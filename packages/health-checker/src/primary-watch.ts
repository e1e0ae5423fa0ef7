// Watches the primary for changes made outside the API (pdnsutil, SQL): zones added or removed, serials and DNSSEC
// state (signed or not, DNSKEY, NSEC3PARAM), and announces each to every secondary with an ordinary zone event.
import { compareSerial } from "@pdns-distribute/core";
import type { Logger, ZoneEvent, ZoneEventType } from "@pdns-distribute/core";
import { normalizeName } from "@pdns-distribute/dns";
import type { HealthMetrics } from "./metrics";
import type { PowerDnsClient } from "./powerdns";
import { RESYNC_SOURCE } from "./resync";
import type { ResyncPublisher } from "./resync";
import { mapLimit } from "./util";

/** What one poll saw of one zone on the primary. */
export interface ZoneFingerprint {
  serial: number;
  signed: boolean;
  /** DNSSEC fingerprint of a signed zone (dns-query.ts); undefined for an unsigned zone or when it could not be read. */
  dnssec: string | undefined;
}

/** The primary as one poll saw it: zone → fingerprint. */
export type PrimarySnapshot = Map<string, ZoneFingerprint>;

/** A change to announce, and why. */
export interface PrimaryChange {
  type: ZoneEventType;
  zone: string;
  why: "new" | "gone" | "serial" | "dnssec";
}

/** The last zone event for everyone seen for a zone (from the api-proxy, say): that change needs no second event. */
export interface Announcement {
  type: ZoneEventType;
  serial: number | undefined;
  /** When it was seen, ms. */
  at: number;
}

/**
 * Whether `a` already announced the zone at `serial` (undefined: its deletion): an event with that serial or a
 * later one (RFC 1982; the secondaries fetch the current version for it), or without serial and seen since `since`.
 */
function announced(a: Announcement | undefined, serial: number | undefined, since: number): boolean {
  if (!a) return false;
  if (serial === undefined) return a.type === "zone.delete" && a.at >= since;
  if (a.type === "zone.delete") return false;
  return a.serial === undefined ? a.at >= since : compareSerial(a.serial, serial) >= 0;
}

/**
 * Changes between two polls, sorted by zone. A DNSSEC change (signed or not, or another fingerprint while both
 * polls read one) and a new signed zone are always announced; a new unsigned zone, a new serial or a zone gone is
 * left out when an event already announced it (`announcements`, events seen since `since`).
 */
export function primaryChanges(
  prev: ReadonlyMap<string, ZoneFingerprint>,
  next: ReadonlyMap<string, ZoneFingerprint>,
  announcements: ReadonlyMap<string, Announcement> = new Map(),
  since = 0,
): PrimaryChange[] {
  const out: PrimaryChange[] = [];
  for (const [zone, now] of next) {
    const was = prev.get(zone);
    const a = announcements.get(zone);
    if (!was) {
      // A signed zone may have been signed after the event that announced it (same serial): announced anyway.
      if (now.signed || !announced(a, now.serial, since)) out.push({ type: "zone.add", zone, why: "new" });
    } else if (was.signed !== now.signed || (was.dnssec !== undefined && now.dnssec !== undefined && was.dnssec !== now.dnssec)) {
      out.push({ type: "zone.modified", zone, why: "dnssec" });
    } else if (was.serial !== now.serial && !announced(a, now.serial, since)) {
      out.push({ type: "zone.modified", zone, why: "serial" });
    }
  }
  for (const zone of prev.keys()) {
    if (!next.has(zone) && !announced(announcements.get(zone), undefined, since)) out.push({ type: "zone.delete", zone, why: "gone" });
  }
  return out.sort((x, y) => (x.zone < y.zone ? -1 : x.zone > y.zone ? 1 : 0));
}

/** What the watch needs. */
export interface PrimaryWatchDeps {
  powerdns: PowerDnsClient;
  publish: ResyncPublisher;
  logger: Logger;
  metrics?: HealthMetrics;
  concurrency: number;
  /** Most events per poll (the rest are found again by the next poll). */
  maxPerPoll: number;
  /** Time between polls, ms: sets how many signed zones each poll fingerprints ({@link DNSSEC_SWEEP_S}). */
  pollIntervalMs: number;
}

/** Result of one poll. */
export interface PrimaryWatchResult {
  zones: number;
  signed: number;
  /** The first poll (after a start or takeover) only takes the baseline. */
  baseline: boolean;
  changes: PrimaryChange[];
  published: number;
  /** Serial changes and deletions first seen unexplained by this poll: announced by the next one if still unexplained. */
  deferred: number;
  /** Signed zones whose DNSSEC fingerprint was read (two DNS queries each). */
  fingerprinted: number;
  /** Signed zones whose DNSSEC fingerprint could not be read this time (kept from the previous poll). */
  unreadable: number;
  ms: number;
}

/** The watch: polls on demand, remembers the last poll. */
export interface PrimaryWatch {
  /** Reads the primary, compares it with the last poll and announces the changes. */
  poll(): Promise<PrimaryWatchResult>;
  /** Notes a zone event seen on the bus (events from the health-checker itself and targeted ones are ignored). */
  seen(event: ZoneEvent, now?: number): void;
  /** Forgets the last poll (after losing the lock): the next poll takes a new baseline. */
  reset(): void;
}

/** Every signed zone's DNSSEC fingerprint is read at least once in this many seconds, spread over the polls. */
export const DNSSEC_SWEEP_S = 300;
/** Signed zones fingerprinted per poll at least: with fewer signed zones, every one at every poll. */
export const MIN_FINGERPRINTS_PER_POLL = 500;

/**
 * Which signed zones to fingerprint this poll: those new or newly signed since `prev` (their first fingerprint is
 * the base later changes are compared with), then the next `perPoll` of the sweep through all signed zones after
 * `cursor` (wrapping). `signed` is sorted. Returns the zones and where the sweep goes on next time.
 */
export function fingerprintPlan(
  signed: readonly string[],
  prev: ReadonlyMap<string, ZoneFingerprint> | undefined,
  cursor: string | undefined,
  perPoll: number,
): { zones: string[]; cursor: string | undefined } {
  const picked = new Set(prev ? signed.filter((z) => prev.get(z)?.signed !== true) : []);
  const start = cursor === undefined ? 0 : signed.findIndex((z) => z > cursor);
  let next = cursor;
  for (let i = 0; i < Math.min(perPoll, signed.length); i++) {
    const zone = signed[((start < 0 ? 0 : start) + i) % signed.length];
    if (zone === undefined) break;
    picked.add(zone);
    next = zone;
  }
  return { zones: [...picked], cursor: next };
}

/**
 * Reads the primary: the zone list, then the DNSSEC fingerprints of the signed zones in `plan`; the others keep
 * the one from `prev`, as do those that cannot be read now.
 */
async function readPrimary(
  deps: PrimaryWatchDeps,
  prev: PrimarySnapshot | undefined,
  plan: (signed: readonly string[]) => string[],
): Promise<{ snapshot: PrimarySnapshot; fingerprinted: number; unreadable: string[] }> {
  const state = await deps.powerdns.state();
  const unreadable: string[] = [];
  const zones = plan([...state.signed].sort());
  const fingerprints = await mapLimit(zones, deps.concurrency, async (zone) => {
    try {
      return await deps.powerdns.dnssecFingerprint(zone);
    } catch {
      unreadable.push(zone);
      return undefined;
    }
  });
  const read = new Map(zones.map((zone, i) => [zone, fingerprints[i]]));
  const snapshot: PrimarySnapshot = new Map();
  for (const [zone, serial] of state.serials) {
    const signed = state.signed.has(zone);
    const was = prev?.get(zone);
    const dnssec = signed ? (read.get(zone) ?? (was?.signed ? was.dnssec : undefined)) : undefined;
    snapshot.set(zone, { serial, signed, dnssec });
  }
  return { snapshot, fingerprinted: zones.length, unreadable };
}

/** Whether PowerDNS is ready for the secondaries to fetch the change: a new zone is served, a gone one is gone. */
async function ready(deps: PrimaryWatchDeps, c: PrimaryChange): Promise<boolean> {
  if (c.why === "new") return deps.powerdns.servesZone(c.zone);
  if (c.why === "gone") return (await deps.powerdns.zone(c.zone)) === undefined;
  return true;
}

/**
 * Publishes `changes` for every secondary, at most `deps.maxPerPoll`, each once PowerDNS is {@link ready} for it
 * (the others wait for the next poll). Returns the changes published; stops at the first publish that fails.
 */
async function announce(deps: PrimaryWatchDeps, changes: readonly PrimaryChange[]): Promise<{ published: PrimaryChange[]; error?: Error }> {
  const published: PrimaryChange[] = [];
  for (const c of changes) {
    if (published.length >= deps.maxPerPoll) break;
    try {
      if (!(await ready(deps, c))) continue;
      await deps.publish(c.type, c.zone);
    } catch (err) {
      return { published, error: err as Error };
    }
    deps.metrics?.resyncs.inc({ secondary: "*", type: c.type, check: "primary-watch" });
    published.push(c);
  }
  return { published };
}

/**
 * The changes to announce now. PowerDNS answers the API before the api-proxy publishes the event, and while the
 * stream elects a new leader the event waits in the api-proxy's outbox (seconds, more on a loaded machine), so a
 * poll can see a serial or a deletion whose event is still on its way. Such a change is announced only when the
 * poll before found it unexplained too (`suspects`): it stays unpublished meanwhile, so {@link remembered} keeps
 * the old state and the next poll compares again. DNSSEC changes and new zones are announced at once.
 * Returns the changes due and the suspects for the next poll.
 */
export function dueChanges(changes: readonly PrimaryChange[], suspects: ReadonlySet<string>): { due: PrimaryChange[]; suspects: Set<string> } {
  const due: PrimaryChange[] = [];
  const next = new Set<string>();
  for (const c of changes) {
    const waits = c.why === "serial" || c.why === "gone";
    if (!waits || suspects.has(c.zone)) due.push(c);
    else next.add(c.zone);
  }
  return { due, suspects: next };
}

/** `next`, except that changes not published keep their previous state, so the next poll finds them again. */
function remembered(prev: PrimarySnapshot, next: PrimarySnapshot, changes: readonly PrimaryChange[], published: readonly PrimaryChange[]): PrimarySnapshot {
  const done = new Set(published.map((c) => c.zone));
  for (const c of changes) {
    if (done.has(c.zone)) continue;
    const was = prev.get(c.zone);
    if (was) next.set(c.zone, was);
    else next.delete(c.zone);
  }
  return next;
}

/** Creates the watch (no baseline yet: the first poll takes it). */
export function createPrimaryWatch(deps: PrimaryWatchDeps): PrimaryWatch {
  let last: { snapshot: PrimarySnapshot; startedAt: number } | undefined;
  let sweep: string | undefined; // the last zone fingerprinted by the sweep
  const announcements = new Map<string, Announcement>();
  let suspects = new Set<string>();
  const plan = (signed: readonly string[]): string[] => {
    const perPoll = Math.max(MIN_FINGERPRINTS_PER_POLL, Math.ceil((signed.length * deps.pollIntervalMs) / (DNSSEC_SWEEP_S * 1000)));
    const p = fingerprintPlan(signed, last?.snapshot, sweep, perPoll);
    sweep = p.cursor;
    return p.zones;
  };
  return {
    seen(event, now = Date.now()) {
      if (event.target !== undefined || event.source === RESYNC_SOURCE) return;
      announcements.set(normalizeName(event.zone), { type: event.type, serial: event.serial, at: now });
    },
    reset() {
      last = undefined;
      suspects = new Set();
      sweep = undefined;
    },
    async poll() {
      const startedAt = Date.now();
      const { snapshot, fingerprinted, unreadable } = await readPrimary(deps, last?.snapshot, plan);
      const signed = [...snapshot.values()].filter((z) => z.signed).length;
      if (unreadable.length > 0) {
        deps.logger.warn({ count: unreadable.length, zones: unreadable.slice(0, 10) }, "DNSSEC state of signed zones not readable from PowerDNS over DNS");
      }
      const base = { zones: snapshot.size, signed, fingerprinted, unreadable: unreadable.length };
      const prev = last;
      if (!prev) {
        last = { snapshot, startedAt };
        return { ...base, baseline: true, changes: [], published: 0, deferred: 0, ms: Date.now() - startedAt };
      }
      const changes = primaryChanges(prev.snapshot, snapshot, announcements, prev.startedAt);
      for (const [zone, a] of announcements) if (a.at < prev.startedAt) announcements.delete(zone);
      const { due, suspects: nextSuspects } = dueChanges(changes, suspects);
      const { published, error } = await announce(deps, due);
      // Due but not published (the cap, NATS down): due again at the next poll.
      const done = new Set(published.map((c) => c.zone));
      for (const c of due) if ((c.why === "serial" || c.why === "gone") && !done.has(c.zone)) nextSuspects.add(c.zone);
      suspects = nextSuspects;
      last = { snapshot: remembered(prev.snapshot, snapshot, changes, published), startedAt };
      if (published.length > 0) {
        deps.logger.info({ events: published.length, changes: published.slice(0, 10).map((c) => `${c.type} ${c.zone} (${c.why})`) }, "changes made outside the API announced");
      }
      if (error) throw error;
      const deferred = changes.length - due.length;
      return { ...base, baseline: false, changes, published: published.length, deferred, ms: Date.now() - startedAt };
    },
  };
}
