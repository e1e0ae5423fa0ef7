// The operator commands over NATS: cluster status, zone event tail, manual resync; and signing key generation.
import { existsSync } from "node:fs";
import { DeliverPolicy, jetstream } from "@nats-io/jetstream";
import {
  SUBJECTS,
  decodeMessage,
  encodeMessage,
  generateKeyPair,
  healthStatusReplySchema,
  heartbeatSchema,
  newZoneEvent,
  subjectForZoneEvent,
  writeKeyPair,
} from "@pdns-distribute/core";
import type { Heartbeat, HealthStatus, NatsConnection } from "@pdns-distribute/core";

/** Where command output goes (stdout and stderr in the CLI, buffers in tests). */
export interface Output {
  out(line: string): void;
  err(line: string): void;
}

/** Writes a new key pair `<base>.key` / `<base>.pub`; refuses to overwrite. Returns the two paths. */
export function keygen(base: string): { secretFile: string; publicFile: string } {
  for (const f of [`${base}.key`, `${base}.pub`]) {
    if (existsSync(f)) throw new Error(`${f} exists; refusing to overwrite`);
  }
  return writeKeyPair(base, generateKeyPair());
}

/** The health-checker's report, or undefined when no health-checker answers within `timeoutMs`. */
export async function askHealthChecker(nc: NatsConnection, timeoutMs: number): Promise<HealthStatus | undefined> {
  try {
    const msg = await nc.request(SUBJECTS.healthStatus, encodeMessage({ type: "health.status.request", version: 1 }), {
      timeout: timeoutMs,
    });
    const reply = decodeMessage(healthStatusReplySchema, msg.data, "health status");
    if (reply.type === "error") throw new Error(`health-checker: ${reply.message} [${reply.code}]`);
    return reply;
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === "503" || code === "TIMEOUT" || /no responders|timeout/i.test((err as Error).message)) return undefined;
    throw err;
  }
}

/** Heartbeats heard on `pdns.secondary.heartbeat` for `ms` milliseconds, the latest per secondary. */
export async function collectHeartbeats(nc: NatsConnection, ms: number): Promise<Heartbeat[]> {
  const seen = new Map<string, Heartbeat>();
  const sub = nc.subscribe(SUBJECTS.secondaryHeartbeat);
  const timer = setTimeout(() => sub.unsubscribe(), ms);
  for await (const m of sub) {
    try {
      const hb = decodeMessage(heartbeatSchema, m.data, "heartbeat");
      seen.set(hb.id, hb);
    } catch {
      // not a heartbeat: ignored
    }
  }
  clearTimeout(timer);
  return [...seen.values()].sort((a, b) => a.id.localeCompare(b.id));
}

/** Renders the health-checker's report as a table. */
export function formatStatus(s: HealthStatus): string[] {
  const lines = [
    `health-checker ${s.checker}${s.leader ? "" : " (stand-by)"} at ${s.time}; primary zones: ${s.primary.zones ?? "?"}` +
      (s.primary.lastError ? `; last error: ${s.primary.lastError}` : ""),
    ["ID", "STATE", "ZONES", "IN SYNC", "OUTDATED", "MISSING", "LAST HEARTBEAT", "DNS", "VERSION"].join("\t"),
  ];
  for (const x of s.secondaries) {
    lines.push(
      [x.id, x.active ? "active" : "inactive", x.zoneCount, x.inSync ?? "-", x.outdated ?? "-", x.missing ?? "-", x.lastHeartbeat ?? "never", x.dnsAddress, x.softwareVersion].join("\t"),
    );
  }
  return lines;
}

/** Renders collected heartbeats as a table. */
export function formatHeartbeats(list: Heartbeat[]): string[] {
  return [
    ["ID", "NAME", "ZONES", "LAST HEARTBEAT", "DNS", "VERSION"].join("\t"),
    ...list.map((h) => [h.id, h.name, h.zoneCount, h.time, h.dnsAddress, h.softwareVersion].join("\t")),
  ];
}

/**
 * Prints every zone event as its JSON text, one per line, until `signal` aborts. `fromStart` replays the
 * stream through an ordered consumer first (then keeps following it); otherwise a core subscription.
 */
export async function tailEvents(nc: NatsConnection, stream: string, fromStart: boolean, output: Output, signal: AbortSignal): Promise<void> {
  const text = (data: Uint8Array) => new TextDecoder().decode(data);
  if (!fromStart) {
    const sub = nc.subscribe(SUBJECTS.zoneEventsWildcard);
    signal.addEventListener("abort", () => sub.unsubscribe(), { once: true });
    for await (const m of sub) output.out(text(m.data));
    return;
  }
  // The stream holds only zone events, so no filter (filter_subjects needs nats-server 2.10).
  const consumer = await jetstream(nc).consumers.get(stream, { deliver_policy: DeliverPolicy.All });
  const messages = await consumer.consume();
  signal.addEventListener("abort", () => void messages.stop(), { once: true });
  for await (const m of messages) output.out(text(m.data));
}

/** Publishes a `zone.modified` event for `zone` (only for secondary `target` when given); resolves with the stream sequence. */
export async function resync(nc: NatsConnection, zone: string, target: string | undefined, timeoutMs: number): Promise<{ seq: number; subject: string; id: string }> {
  const name = zone.endsWith(".") ? zone.toLowerCase() : `${zone.toLowerCase()}.`;
  const event = newZoneEvent("zone.modified", name, "ctl", target);
  const subject = subjectForZoneEvent("zone.modified", target);
  const ack = await jetstream(nc).publish(subject, encodeMessage(event), { msgID: event.id, timeout: timeoutMs });
  return { seq: ack.seq, subject, id: event.id };
}
