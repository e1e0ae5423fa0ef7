// Shares one AXFR among zone-data requests for the same zone that arrive within a short window.

/**
 * Wraps `source` so requests for the same zone arriving within `windowMs` of the first one share one
 * transfer. Every request is answered by a transfer that *started after it arrived*, so a request sent
 * after a change always sees that change: when N secondaries ask at once, PowerDNS is read once, not N
 * times. A window of 0 disables sharing.
 */
export function coalescingZoneSource<T>(source: (zone: string) => Promise<T>, windowMs: number): (zone: string) => Promise<T> {
  if (windowMs <= 0) return source;
  const pending = new Map<string, Promise<T>>();
  return (zone) => {
    const key = zone.toLowerCase();
    const waiting = pending.get(key);
    if (waiting) return waiting;
    const transfer = new Promise<void>((resolve) => setTimeout(resolve, windowMs)).then(() => {
      // From here on, new requests wait for the next transfer: this one may have begun before they arrived.
      pending.delete(key);
      return source(zone);
    });
    pending.set(key, transfer);
    return transfer;
  };
}
