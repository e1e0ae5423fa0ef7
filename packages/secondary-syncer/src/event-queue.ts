// Pure bookkeeping of the consumer's delivered, unsettled messages: the queue, the batch being applied, zones pending.

/**
 * Messages delivered and not yet settled: queued, or taken as the batch being applied. The zones of queued
 * messages are counted as they are queued (decoded once), so `hasPending` stays cheap: the health-checker may
 * ask about thousands of zones while thousands of events wait.
 */
export class EventQueue<M> {
  private queued: Array<{ msg: M; zone: string | undefined }> = [];
  private readonly queuedZones = new Map<string, number>();
  private batchZones = new Set<string>();
  private inBatch = 0;

  /** Queues a delivered message; `zone` (normalized) is undefined when its payload does not decode. */
  push(msg: M, zone: string | undefined): void {
    this.queued.push({ msg, zone });
    if (zone !== undefined) this.queuedZones.set(zone, (this.queuedZones.get(zone) ?? 0) + 1);
  }

  /** Messages queued (not counting the batch). */
  get length(): number {
    return this.queued.length;
  }

  /** Takes everything queued as the batch being applied (pending until {@link batchDone}). */
  takeBatch(): M[] {
    const taken = this.take();
    this.inBatch = taken.length;
    this.batchZones = new Set(taken.flatMap((t) => (t.zone === undefined ? [] : [t.zone])));
    return taken.map((t) => t.msg);
  }

  /** The batch is settled. */
  batchDone(): void {
    this.inBatch = 0;
    this.batchZones = new Set();
  }

  /** Takes everything queued without making it a batch (to nak it at stop). */
  drain(): M[] {
    return this.take().map((t) => t.msg);
  }

  /** Messages delivered and not settled: queued plus the batch. */
  backlog(): number {
    return this.queued.length + this.inBatch;
  }

  /** Whether messages for `zone` (normalized) are queued or in the batch. */
  hasPending(zone: string): boolean {
    return this.batchZones.has(zone) || this.queuedZones.has(zone);
  }

  /** Zones of the queued messages (not the batch) → how many are queued for each. */
  waitingZones(): ReadonlyMap<string, number> {
    return this.queuedZones;
  }

  private take(): Array<{ msg: M; zone: string | undefined }> {
    const taken = this.queued;
    this.queued = [];
    this.queuedZones.clear();
    return taken;
  }
}
