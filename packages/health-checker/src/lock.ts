// Single active health-checker: a lock key in a JetStream KV bucket whose max_age is the lock's TTL.
import { Kvm } from "@nats-io/kv";
import type { KV } from "@nats-io/kv";
import type { Logger, NatsConnection } from "@pdns-distribute/core";

/** The lock as seen by this instance. */
export interface LeaderLock {
  isLeader(): boolean;
  /** Releases the lock (if held) so a stand-by takes over at once, and stops trying. */
  stop(): Promise<void>;
}

/** Options of {@link startLeaderLock}. */
export interface LeaderLockOptions {
  bucket: string;
  ttlMs: number;
  /** JetStream replicas of the bucket when it is created (`nats.replicas`; default 1). */
  replicas?: number;
  instanceId: string;
  logger: Logger;
  onChange(leader: boolean): void;
}

const LOCK_KEY = "leader";

/**
 * Tries to take the lock now and every ttl/3. The holder renews it with an update that names the revision
 * it wrote last (compare-and-set), which also moves the message's age back to zero; when the holder stops
 * renewing, the server ages the key out after ttl (bucket max_age) and the next create by a stand-by wins.
 * nats-server 2.9 has no per-key TTL, hence the bucket-wide max_age.
 */
export function startLeaderLock(nc: NatsConnection, opts: LeaderLockOptions): LeaderLock {
  let kv: KV | undefined;
  let revision = 0;
  let leader = false;
  let stopped = false;
  const setLeader = (next: boolean, why: string) => {
    if (next === leader) return;
    leader = next;
    opts.logger.info({ instance: opts.instanceId, why }, next ? "health-checker lock taken: acting" : "health-checker lock lost: standing by");
    opts.onChange(next);
  };
  const tick = async () => {
    kv ??= await new Kvm(nc).create(opts.bucket, { ttl: opts.ttlMs, history: 1, replicas: opts.replicas ?? 1 });
    if (leader) {
      try {
        revision = await kv.update(LOCK_KEY, opts.instanceId, revision);
      } catch {
        const e = await kv.get(LOCK_KEY).catch(() => null);
        if (e && e.operation === "PUT" && e.string() === opts.instanceId) revision = e.revision;
        else setLeader(false, "renewal refused");
      }
      return;
    }
    try {
      revision = await kv.create(LOCK_KEY, opts.instanceId);
      setLeader(true, "lock free");
    } catch {
      // Held: by another instance, or still by us after a renewal failed on a broken connection.
      const e = await kv.get(LOCK_KEY).catch(() => null);
      if (e && e.operation === "PUT" && e.string() === opts.instanceId) {
        revision = e.revision;
        setLeader(true, "lock still ours");
      }
    }
  };
  let running: Promise<void> = Promise.resolve();
  const run = () => {
    running = tick().catch((err: unknown) => {
      opts.logger.warn({ err: (err as Error).message }, "health-checker lock check failed");
      if (leader) setLeader(false, "lock unreachable");
    });
  };
  run();
  const timer = setInterval(() => {
    if (!stopped) void running.then(run);
  }, Math.max(200, opts.ttlMs / 3));
  return {
    isLeader: () => leader,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
      if (leader && kv) {
        await kv.delete(LOCK_KEY, { previousSeq: revision }).catch(() => undefined);
        setLeader(false, "stopping");
      }
    },
  };
}
