// Pure DNSSEC upkeep schedule: which signed zones to resync so refreshed RRSIGs reach secondaries before expiry.

/** Validity of a signed zone's current SOA RRSIG on the primary (seconds since the epoch). */
export interface SignatureWindow {
  zone: string;
  inception: number;
  expiration: number;
}

/** What the checker remembers of a signed zone's last resync: the expiration the secondaries got then. */
export interface SyncedSignatures {
  expiration: number;
}

/** Decision of one upkeep run. */
export interface DnssecPlan {
  /** Zones to resync now (at most `max`, most urgent first). */
  due: string[];
  /** Zones whose resync was due but was left for a later run (over `max`). */
  deferred: number;
  /** Zones whose signatures on the primary itself expire within the margin (PowerDNS should have re-signed). */
  primaryExpiring: string[];
  /** Earliest time (seconds) a not-due zone becomes due, or undefined. */
  nextDue: number | undefined;
}

/**
 * Plans a run. A zone is due when the checker does not know what the secondaries hold (first run after a
 * start or takeover), or when the signatures they got at the last resync expire within `marginS` and the
 * primary now has signatures that last longer. PowerDNS refreshes RRSIGs weekly with ~3 weeks validity, so
 * with the default 72 h margin each signed zone is resynced about once per re-sign period, never late.
 */
export function planDnssecResyncs(
  windows: readonly SignatureWindow[],
  synced: ReadonlyMap<string, SyncedSignatures>,
  nowS: number,
  marginS: number,
  max: number,
): DnssecPlan {
  const due: Array<{ zone: string; urgency: number }> = [];
  const primaryExpiring: string[] = [];
  let nextDue: number | undefined;
  for (const w of windows) {
    if (w.expiration - nowS < marginS) primaryExpiring.push(w.zone);
    const held = synced.get(w.zone);
    if (!held) {
      due.push({ zone: w.zone, urgency: 0 });
      continue;
    }
    const refreshAt = held.expiration - marginS;
    if (w.expiration <= held.expiration) continue; // nothing newer to hand out
    if (refreshAt <= nowS) due.push({ zone: w.zone, urgency: held.expiration });
    else nextDue = nextDue === undefined ? refreshAt : Math.min(nextDue, refreshAt);
  }
  due.sort((a, b) => a.urgency - b.urgency || (a.zone < b.zone ? -1 : 1));
  return {
    due: due.slice(0, max).map((d) => d.zone),
    deferred: Math.max(0, due.length - max),
    primaryExpiring: primaryExpiring.sort(),
    nextDue,
  };
}
