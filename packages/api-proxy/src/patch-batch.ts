// Combining concurrent PATCHes of one zone into one PowerDNS request (group commit). Behind the write gate writes
// wait for their turn anyway; PATCHes of the same zone that wait together, touch different RRsets and carry the
// same credentials go to PowerDNS as one PATCH with all their RRsets, in arrival order: one transaction, one
// serial bump, one zone event, one transfer per secondary instead of one each.
//
// Why the result is the one the requests would have had one by one, in arrival order:
// - PowerDNS applies a PATCH's RRsets in order inside one transaction, checking each against the zone as the
//   earlier ones left it: the same checks, against the same states, as the requests one after the other.
// - If PowerDNS refuses the combined PATCH (any non-2xx), nothing of it was applied (the transaction is rolled
//   back); the proxy then sends the requests one by one, in order, and each gets PowerDNS' own answer.
// - Requests that could interact otherwise are never combined: two touching the same RRset (name + type), any
//   touching the SOA (PowerDNS bumps the serial only for a PATCH that does not set the SOA itself), or a body
//   with anything but `rrsets`.
// - A batch is joined only while no other write of its zone arrived after it: any other write of the zone (or a
//   write naming no zone, e.g. a zone create) closes the zone's open batch, so a PATCH never overtakes a write of
//   its zone. It may overtake writes of other zones, which are independent of it.
import { RR_TYPE_MNEMONIC } from "@pdns-distribute/core";
import type http from "node:http";
import { decodeZoneId } from "./classify";

/** A PATCH that may be combined with others of its zone. */
export interface CombinablePatch {
  /** Server and zone (lower case): only PATCHes of one zone are combined. */
  zoneKey: string;
  /** The credentials (X-API-Key, Authorization): only PATCHes with the same ones are combined. */
  authKey: string;
  /** The body's RRsets, unchanged. */
  rrsets: unknown[];
  /** `name/TYPE` of each RRset (name in lower case). */
  keys: string[];
}

const ZONE_PATH = /^\/api\/v1\/servers\/([^/?]+)\/zones\/([^/?]+)\/?$/;
const ANY_ZONE_PATH = /^\/api\/v1\/servers\/([^/?]+)\/zones\/([^/?]+)(?:\/|$)/;

function credentials(headers: http.IncomingHttpHeaders): string {
  return JSON.stringify([headers["x-api-key"] ?? null, headers.authorization ?? null]);
}

/**
 * The request as a {@link CombinablePatch}, or undefined when it must go to PowerDNS alone: not a PATCH of a zone
 * (`/api/v1/servers/{s}/zones/{id}`, no query), a body that is not `{"rrsets": [ … ]}` with one or more RRsets each
 * naming `name`, `type` and `changetype` as strings, the same RRset twice, or an SOA.
 */
export function combinablePatch(method: string | undefined, url: string | undefined, headers: http.IncomingHttpHeaders, body: Buffer): CombinablePatch | undefined {
  if (method !== "PATCH" || url === undefined) return undefined;
  const m = ZONE_PATH.exec(url);
  if (!m) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString("utf8"));
  } catch {
    return undefined;
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return undefined;
  const fields = Object.keys(parsed);
  if (fields.length !== 1 || fields[0] !== "rrsets") return undefined;
  const rrsets = (parsed as { rrsets: unknown }).rrsets;
  if (!Array.isArray(rrsets) || rrsets.length === 0) return undefined;
  const keys: string[] = [];
  for (const r of rrsets) {
    if (typeof r !== "object" || r === null) return undefined;
    const { name, type, changetype } = r as { name?: unknown; type?: unknown; changetype?: unknown };
    if (typeof name !== "string" || typeof type !== "string" || typeof changetype !== "string") return undefined;
    const t = type.toUpperCase();
    if (t === "SOA") return undefined;
    keys.push(`${name.toLowerCase()}/${t}`);
  }
  if (new Set(keys).size !== keys.length) return undefined;
  return { zoneKey: zoneKeyOf(m), authKey: credentials(headers), rrsets, keys };
}

/** One RRset a PATCH names: lower-case absolute owner and type mnemonic (as in a zone event's `rrsets`). */
export interface TouchedRRset {
  name: string;
  type: string;
}

/**
 * The RRsets a PATCH of a zone (`/api/v1/servers/{s}/zones/{id}`, body `{"rrsets": [ … ]}`) touches, each once,
 * in body order; undefined when that is not known for sure (any other request, a body that is not such JSON, an
 * RRset without an absolute `name` or a plain `type`) or when there are more than `max`.
 */
export function touchedRRsets(method: string | undefined, url: string | undefined, body: Buffer, max: number): TouchedRRset[] | undefined {
  if (method !== "PATCH" || url === undefined || !ZONE_PATH.test(url)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString("utf8"));
  } catch {
    return undefined;
  }
  const rrsets = (parsed as { rrsets?: unknown } | null)?.rrsets;
  if (!Array.isArray(rrsets) || rrsets.length === 0) return undefined;
  const seen = new Map<string, TouchedRRset>();
  for (const r of rrsets) {
    const { name, type } = (r ?? {}) as { name?: unknown; type?: unknown };
    if (typeof name !== "string" || typeof type !== "string" || !name.endsWith(".") || name.length > 255) return undefined;
    const t = type.toUpperCase();
    if (!RR_TYPE_MNEMONIC.test(t)) return undefined;
    const touched = { name: name.toLowerCase(), type: t };
    seen.set(`${touched.name}/${t}`, touched);
    if (seen.size > max) return undefined;
  }
  return [...seen.values()];
}

/** `server/zone` from a match of ZONE_PATH or ANY_ZONE_PATH (both groups always take part in a match). */
function zoneKeyOf([, server = "", idSegment = ""]: RegExpExecArray): string {
  return `${server}/${decodeZoneId(idSegment).toLowerCase()}`;
}

/**
 * The zone a write request acts on, as {@link CombinablePatch.zoneKey} (`/zones/{id}` and anything below it), or
 * undefined when it names none (a zone create, any other path): such a write closes every open batch.
 */
export function writeZoneKey(url: string | undefined): string | undefined {
  const m = ANY_ZONE_PATH.exec(url ?? "");
  return m ? zoneKeyOf(m) : undefined;
}

/** The body of one PATCH with the RRsets of all `patches`, in their order. */
export function combinedPatchBody(patches: readonly CombinablePatch[]): Buffer {
  return Buffer.from(JSON.stringify({ rrsets: patches.flatMap((p) => p.rrsets) }));
}

/** PATCHes of one zone that go to PowerDNS together. */
export interface PatchBatch<M> {
  readonly zoneKey: string;
  readonly authKey: string;
  /** In arrival order; the first one's request is the one forwarded (URL and headers). */
  readonly members: Array<{ patch: CombinablePatch; member: M }>;
  /** False once its turn came (or a later write of its zone arrived): nothing joins it any more. */
  open: boolean;
  keys: Set<string>;
  bytes: number;
}

/** Options of {@link PatchBatcher}. */
export interface PatchBatcherOptions {
  /** Most requests in one batch; 1: none are combined. */
  maxRequests: number;
  /** Most bytes of the requests' bodies in one batch (a request alone may be larger). */
  maxBytes: number;
  /** Asked before a request joins a batch: false → it starts a batch of its own instead (e.g. the queue is full). */
  admit?: () => boolean;
}

/**
 * Forms batches: {@link add} puts a PATCH in its zone's open batch when it may join it, or starts a new batch
 * (then `start` is called with it: it waits for its turn at the gate and calls {@link close} when it has come).
 */
export class PatchBatcher<M> {
  private readonly open = new Map<string, PatchBatch<M>>();

  constructor(
    private readonly opts: PatchBatcherOptions,
    private readonly start: (batch: PatchBatch<M>) => void,
  ) {}

  /** Adds a PATCH of `bytes` bytes; returns its batch. */
  add(patch: CombinablePatch, bytes: number, member: M): PatchBatch<M> {
    const batch = this.open.get(patch.zoneKey);
    if (
      batch &&
      batch.authKey === patch.authKey &&
      batch.members.length < this.opts.maxRequests &&
      batch.bytes + bytes <= this.opts.maxBytes &&
      !patch.keys.some((k) => batch.keys.has(k)) &&
      (this.opts.admit?.() ?? true)
    ) {
      batch.members.push({ patch, member });
      for (const k of patch.keys) batch.keys.add(k);
      batch.bytes += bytes;
      return batch;
    }
    if (batch) this.close(batch);
    const fresh: PatchBatch<M> = { zoneKey: patch.zoneKey, authKey: patch.authKey, members: [{ patch, member }], open: true, keys: new Set(patch.keys), bytes };
    if (this.opts.maxRequests > 1) this.open.set(patch.zoneKey, fresh);
    else fresh.open = false;
    this.start(fresh);
    return fresh;
  }

  /** Nothing joins `batch` any more. */
  close(batch: PatchBatch<M>): void {
    batch.open = false;
    if (this.open.get(batch.zoneKey) === batch) this.open.delete(batch.zoneKey);
  }

  /** Another write arrived for `zoneKey` (undefined: for no zone in particular): later PATCHes must not overtake it. */
  barrier(zoneKey: string | undefined): void {
    if (zoneKey === undefined) {
      for (const b of [...this.open.values()]) this.close(b);
      return;
    }
    const b = this.open.get(zoneKey);
    if (b) this.close(b);
  }

  /** Batches still open (for tests and metrics). */
  get openBatches(): number {
    return this.open.size;
  }
}
