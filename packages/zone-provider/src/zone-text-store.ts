// Large zone texts in a JetStream object store: put once per (zone, digest), referenced from the signed envelope.
import { Objm } from "@nats-io/obj";
import type { ObjectStore } from "@nats-io/obj";
import { nanos } from "@nats-io/nats-core";
import type { Logger, NatsConnection, ZoneTextRef } from "@pdns-distribute/core";

/** Options of the zone-text object store. */
export interface ZoneTextStoreOptions {
  /** Object store bucket name. */
  bucket: string;
  /** Bucket-wide TTL, seconds: old zone texts disappear on their own (only used when creating the bucket). */
  ttlS: number;
  /** Replicas of the bucket's stream (only used when creating the bucket). */
  replicas: number;
  logger: Logger;
}

/** Stores large zone texts and returns references to them. */
export interface ZoneTextStore {
  /** Stores `zoneText` (whose hex SHA-256 is `digest`) unless already stored; returns its reference. */
  put(zone: string, digest: string, zoneText: string): Promise<ZoneTextRef>;
}

/** Object name of a zone text: zone and digest, so one version is stored once and never overwritten. */
export function zoneTextObjectName(zone: string, digest: string): string {
  return `${zone}${digest}`;
}

/** A zone-text store in the JetStream object store `opts.bucket`, created (idempotently) on first use. */
export function createZoneTextStore(nc: NatsConnection, opts: ZoneTextStoreOptions): ZoneTextStore {
  let bucket: Promise<ObjectStore> | undefined;
  // Puts in flight in this process, by object name: concurrent requests for one version share one put.
  const inFlight = new Map<string, Promise<ZoneTextRef>>();

  const openBucket = (): Promise<ObjectStore> => {
    bucket ??= (async () => {
      const objm = new Objm(nc);
      try {
        return await objm.open(opts.bucket); // an existing bucket is never changed
      } catch {
        const os = await objm.create(opts.bucket, { ttl: nanos(opts.ttlS * 1000), replicas: opts.replicas });
        opts.logger.info({ bucket: opts.bucket, ttlS: opts.ttlS }, "created zone-text object store");
        return os;
      }
    })().catch((err: unknown) => {
      bucket = undefined; // try again on the next request
      throw err;
    });
    return bucket;
  };

  const store = async (zone: string, digest: string, zoneText: string): Promise<ZoneTextRef> => {
    const os = await openBucket();
    const name = zoneTextObjectName(zone, digest);
    const existing = await os.info(name);
    const size = Buffer.byteLength(zoneText, "utf8");
    if (!existing || existing.deleted || existing.size !== size) {
      const started = Date.now();
      await os.putBlob({ name }, Buffer.from(zoneText, "utf8"));
      opts.logger.info({ zone, bucket: opts.bucket, name, bytes: size, ms: Date.now() - started }, "zone text stored in the object store");
    }
    return { bucket: opts.bucket, name, size, sha256: digest };
  };

  return {
    put(zone, digest, zoneText) {
      const name = zoneTextObjectName(zone, digest);
      let p = inFlight.get(name);
      if (!p) {
        // Not remembered once done: the bucket's TTL may expire the object, so each request checks it (info).
        p = store(zone, digest, zoneText).finally(() => inFlight.delete(name));
        inFlight.set(name, p);
      }
      return p;
    },
  };
}
