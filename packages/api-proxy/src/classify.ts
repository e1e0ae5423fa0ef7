// Decides which PowerDNS API requests change a zone, and which zone event a successful one produces.
import { zoneNameFromPdnsId } from "@pdns-distribute/core";
import type { ZoneEventType } from "@pdns-distribute/core";

/** A zone-changing request: the event type and how to find the zone name. */
export interface ZoneChange {
  type: ZoneEventType;
  /** Zone name from the URL (already decoded, absolute), or undefined for a create (name is in the response). */
  zone: string | undefined;
}

const ZONES_PATH = /^\/api\/v1\/servers\/[^/]+\/zones(?:\/([^/]+)(?:\/([^/]+)(?:\/.*)?)?)?\/?$/;

/** Decodes a PowerDNS zone id from a URL path segment (see {@link zoneNameFromPdnsId}). */
export const decodeZoneId: (segment: string) => string = zoneNameFromPdnsId;

/**
 * Classifies a PowerDNS API request (method + URL path, query ignored). Returns the zone event a
 * 2xx answer to it must produce, or null for read-only or non-zone requests.
 * - POST   /servers/{s}/zones                        → zone.add
 * - PUT|PATCH /servers/{s}/zones/{id}               → zone.modified
 * - DELETE /servers/{s}/zones/{id}                   → zone.delete
 * - PUT    /servers/{s}/zones/{id}/rectify|axfr-retrieve → zone.modified
 * - POST|PUT|DELETE /servers/{s}/zones/{id}/metadata[/…] or /cryptokeys[/…] → zone.modified
 */
export function classifyRequest(method: string, url: string): ZoneChange | null {
  const path = url.split("?")[0] ?? "";
  const m = ZONES_PATH.exec(path);
  if (!m) return null;
  const [, idSegment, sub] = m;
  const verb = method.toUpperCase();
  if (idSegment === undefined) {
    return verb === "POST" ? { type: "zone.add", zone: undefined } : null;
  }
  const zone = decodeZoneId(idSegment);
  if (sub === undefined) {
    if (verb === "PUT" || verb === "PATCH") return { type: "zone.modified", zone };
    if (verb === "DELETE") return { type: "zone.delete", zone };
    return null;
  }
  if ((sub === "rectify" || sub === "axfr-retrieve") && verb === "PUT") return { type: "zone.modified", zone };
  if ((sub === "metadata" || sub === "cryptokeys") && (verb === "POST" || verb === "PUT" || verb === "DELETE")) {
    return { type: "zone.modified", zone };
  }
  return null;
}

/** Reads the zone name from PowerDNS' answer to a zone create (`{"name": "example.org.", …}`). */
export function zoneNameFromCreateResponse(body: Buffer): string | undefined {
  try {
    const parsed = JSON.parse(body.toString("utf8")) as { name?: unknown; id?: unknown };
    if (typeof parsed.name === "string" && parsed.name.length > 0) {
      return parsed.name.endsWith(".") ? parsed.name : `${parsed.name}.`;
    }
    if (typeof parsed.id === "string") return decodeZoneId(parsed.id);
  } catch {
    /* not JSON */
  }
  return undefined;
}
