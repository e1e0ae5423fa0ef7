// Moves a compiled zone between threads: its packed arrays out (transferable, not copied), the same zone back in.

import { nsec3IndexOf } from "./denial-nsec3";
import { NameTable } from "./name-table";
import type { NameTableParts } from "./name-table";
import { nameKey, dnsNameToWire, parseName } from "@pdns-distribute/dns";
import type { CompiledZone, Nsec3Entry, Nsec3Index } from "./types";
import { sealZone } from "./zone-view";

/** A compiled zone as plain data: typed arrays and numbers only, so `postMessage` can move it. */
export interface CompiledZoneParts {
  /** The origin in presentation form (lower case, trailing dot). */
  origin: string;
  names: Omit<NameTableParts, "labels"> & { labels: Uint8Array };
  rrStart: Uint32Array;
  rrKey: Uint32Array;
  rrTtl: Uint32Array;
  rrData: Uint32Array;
  rrCount: Uint32Array;
  arena: Uint8Array;
  soa: number;
  serial: number;
  negativeTtl: number;
  recordCount: number;
  nsec: Int32Array;
  /** The NSEC3 chain: entry `i` is name `ids[i]` with the hash `hashes[hashEnds[i-1] … hashEnds[i]]` (sorted). */
  nsec3: {
    params: { algorithm: number; flags: number; iterations: number; salt: Uint8Array };
    ids: Int32Array;
    hashes: Uint8Array;
    hashEnds: Uint32Array;
  } | null;
}

type View = Uint8Array | Int32Array | Uint32Array;

/**
 * The parts of `zone` and the buffers to transfer with them. Views that share a buffer with anything else (small
 * Buffers come from Node's shared pool) are copied first, so transferring never takes memory another object uses.
 * The zone must not be used afterwards when the buffers are transferred.
 */
export function compiledZoneToParts(zone: CompiledZone): { parts: CompiledZoneParts; transfer: ArrayBuffer[] } {
  if (zone.moved !== null) throw new RangeError(`compiled zone ${nameKey(zone.origin)} carries an overlay of changes: compile it whole to move it`);
  const transfer = new Set<ArrayBuffer>();
  const own = <T extends View>(view: T): T => {
    const buf = view.buffer;
    if (buf instanceof ArrayBuffer && view.byteOffset === 0 && view.byteLength === buf.byteLength && !transfer.has(buf)) {
      transfer.add(buf);
      return view;
    }
    const copy = (view instanceof Int32Array ? new Int32Array(view) : view instanceof Uint32Array ? new Uint32Array(view) : new Uint8Array(view)) as T;
    transfer.add(copy.buffer as ArrayBuffer);
    return copy;
  };
  const np = zone.names.toParts();
  const nsec3 = zone.denial.nsec3;
  let nsec3Parts: CompiledZoneParts["nsec3"] = null;
  if (nsec3) {
    const ids = new Int32Array(nsec3.entries.length);
    const hashEnds = new Uint32Array(nsec3.entries.length);
    let total = 0;
    nsec3.entries.forEach((e, i) => {
      ids[i] = e.id;
      total += e.hash.length;
      hashEnds[i] = total;
    });
    const hashes = new Uint8Array(total);
    let at = 0;
    for (const e of nsec3.entries) {
      hashes.set(e.hash, at);
      at += e.hash.length;
    }
    const { algorithm, flags, iterations, salt } = nsec3.params;
    nsec3Parts = { params: { algorithm, flags, iterations, salt: own(new Uint8Array(salt)) }, ids: own(ids), hashes: own(hashes), hashEnds: own(hashEnds) };
  }
  const parts: CompiledZoneParts = {
    origin: nameKey(zone.origin),
    names: {
      count: np.count,
      parent: own(np.parent),
      labelOff: own(np.labelOff),
      flags: own(np.flags),
      labels: own(np.labels),
      labelsUsed: np.labelsUsed,
      slots: own(np.slots),
    },
    rrStart: own(zone.rrStart),
    rrKey: own(zone.rrKey),
    rrTtl: own(zone.rrTtl),
    rrData: own(zone.rrData),
    rrCount: own(zone.rrCount),
    arena: own(zone.arena),
    soa: zone.soa,
    serial: zone.serial,
    negativeTtl: zone.negativeTtl,
    recordCount: zone.recordCount,
    nsec: own(zone.denial.nsec),
    nsec3: nsec3Parts,
  };
  return { parts, transfer: [...transfer] };
}

const asBuffer = (u8: Uint8Array): Buffer => Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength);

/** The compiled zone made of `parts` (as {@link compiledZoneToParts} made them; the arrays are used, not copied). */
export function compiledZoneFromParts(parts: CompiledZoneParts): CompiledZone {
  const origin = parseName(parts.origin);
  const names = NameTable.fromParts({ ...parts.names, labels: asBuffer(parts.names.labels) });
  const sets = parts.rrKey.length;
  if (
    parts.rrStart.length !== names.count + 1 ||
    parts.rrStart[names.count] !== sets ||
    [parts.rrTtl, parts.rrData, parts.rrCount].some((a) => a.length !== sets) ||
    !(parts.soa >= 0 && parts.soa < sets)
  ) {
    throw new RangeError(`compiled zone ${parts.origin}: parts do not fit together`);
  }
  let nsec3: Nsec3Index | null = null;
  if (parts.nsec3) {
    const { params, ids, hashes, hashEnds } = parts.nsec3;
    const all = asBuffer(hashes);
    const entries: Nsec3Entry[] = [];
    for (let i = 0; i < ids.length; i++) entries.push({ id: (ids[i] ?? 0), hash: all.subarray(i === 0 ? 0 : (hashEnds[i - 1] ?? 0), hashEnds[i] ?? 0) });
    nsec3 = nsec3IndexOf({ ...params, salt: asBuffer(params.salt) }, entries);
  }
  const partial = {
    origin,
    originWire: dnsNameToWire(origin),
    originLabels: origin.labels.length,
    names,
    rrStart: parts.rrStart,
    moved: null,
    rrKey: parts.rrKey,
    rrTtl: parts.rrTtl,
    rrData: parts.rrData,
    rrCount: parts.rrCount,
    arena: asBuffer(parts.arena),
    soa: parts.soa,
    serial: parts.serial,
    negativeTtl: parts.negativeTtl,
    recordCount: parts.recordCount,
  };
  return sealZone(partial, { nsec: parts.nsec, nsec3 });
}
