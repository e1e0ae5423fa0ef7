// Checks a write's credentials with PowerDNS before the write reads its body or takes a write slot: one cheap,
// read-only, authenticated GET, remembered (by a hash of the credentials, never the key itself) for a short time.
import { createHash } from "node:crypto";
import type { Forwarder, RequestHead, UpstreamAnswer } from "./forward";

/** How long a key PowerDNS accepted is taken without asking again, ms. */
export const ACCEPTED_KEY_TTL_MS = 60_000;
/** Most accepted credentials remembered (the oldest are forgotten first). */
const ACCEPTED_KEYS_MAX = 1000;
/** The read-only request that needs the same credentials as a write. */
const CHECK_PATH = "/api/v1/servers";

/** The outcome of a check: accepted (now or recently), refused with PowerDNS' own answer, or unknown (PowerDNS decides on the write). */
export type CredentialVerdict = { kind: "accepted" } | { kind: "refused"; answer: UpstreamAnswer } | { kind: "unknown" };

/** The credentials of a request as PowerDNS reads them: X-API-Key, Authorization, and an `api-key` query parameter. */
export function credentialsOf(head: RequestHead): { headers: Record<string, string>; query: string } {
  const headers: Record<string, string> = {};
  for (const h of ["x-api-key", "authorization"]) {
    const v = head.headers[h];
    if (typeof v === "string") headers[h] = v;
  }
  const q = (head.url ?? "").indexOf("?");
  const key = q < 0 ? null : new URLSearchParams((head.url ?? "").slice(q + 1)).get("api-key");
  return { headers, query: key === null ? "" : `?api-key=${encodeURIComponent(key)}` };
}

/** A fingerprint of the credentials (SHA-256): what is remembered instead of the key. */
export function credentialFingerprint(head: RequestHead): string {
  const c = credentialsOf(head);
  return createHash("sha256").update(JSON.stringify([c.headers["x-api-key"] ?? null, c.headers.authorization ?? null, c.query])).digest("hex");
}

/** Fingerprints of accepted credentials, each until it expires (insertion order = age). */
export class AcceptedCredentials {
  private readonly until = new Map<string, number>();
  constructor(
    private readonly ttlMs = ACCEPTED_KEY_TTL_MS,
    private readonly max = ACCEPTED_KEYS_MAX,
  ) {}

  /** Whether `fingerprint` was accepted less than ttlMs before `now`. */
  has(fingerprint: string, now: number): boolean {
    const t = this.until.get(fingerprint);
    if (t === undefined) return false;
    if (t > now) return true;
    this.until.delete(fingerprint);
    return false;
  }

  /** Remembers `fingerprint` as accepted at `now`. */
  add(fingerprint: string, now: number): void {
    this.until.delete(fingerprint);
    this.until.set(fingerprint, now + this.ttlMs);
    for (const oldest of this.until.keys()) {
      if (this.until.size <= this.max) break;
      this.until.delete(oldest);
    }
  }

  /** Credentials remembered. */
  get size(): number {
    return this.until.size;
  }
}

/** Checks credentials with PowerDNS. */
export interface CredentialCheck {
  check(head: RequestHead): Promise<CredentialVerdict>;
}

/**
 * A check through `forwarder`: credentials accepted recently pass at once; others are checked with `GET /api/v1/servers`
 * (2xx: accepted and remembered; 401/403: refused; anything else, or no answer: unknown). Concurrent checks of the
 * same credentials share one request.
 */
export function createCredentialCheck(forwarder: Forwarder, accepted = new AcceptedCredentials(), now: () => number = Date.now): CredentialCheck {
  const inFlight = new Map<string, Promise<CredentialVerdict>>();
  const ask = async (head: RequestHead, fingerprint: string): Promise<CredentialVerdict> => {
    const { headers, query } = credentialsOf(head);
    let answer: UpstreamAnswer;
    try {
      answer = await forwarder.forward({ method: "GET", url: CHECK_PATH + query, headers: { ...headers, accept: "application/json" } }, Buffer.alloc(0));
    } catch {
      return { kind: "unknown" };
    }
    if (answer.status >= 200 && answer.status < 300) {
      accepted.add(fingerprint, now());
      return { kind: "accepted" };
    }
    return answer.status === 401 || answer.status === 403 ? { kind: "refused", answer } : { kind: "unknown" };
  };
  return {
    async check(head) {
      const fingerprint = credentialFingerprint(head);
      if (accepted.has(fingerprint, now())) return { kind: "accepted" };
      let pending = inFlight.get(fingerprint);
      if (!pending) {
        pending = ask(head, fingerprint).finally(() => inFlight.delete(fingerprint));
        inFlight.set(fingerprint, pending);
      }
      return pending;
    },
  };
}
