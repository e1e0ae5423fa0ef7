// Reads a GET /changes/{id}[?wait=10s] request (pure): which change, how long to wait, or the error to answer.
import { parseDuration } from "@pdns-distribute/core";

/** What to do with a request: not a change-status request, an error to answer, or a change's status to give. */
export type ChangeRequest =
  | { kind: "other" }
  | { kind: "error"; status: 400 | 405; error: string }
  | { kind: "status"; id: string; waitMs: number };

const CHANGE_PATH = /^\/changes\/([A-Za-z0-9_-]{1,128})\/?$/;

/** Reads `method` and `url`; `?wait=` is capped at `maxWaitMs`. */
export function parseChangeRequest(method: string | undefined, url: string | undefined, maxWaitMs: number): ChangeRequest {
  const [path = "/", query = ""] = (url ?? "/").split("?", 2);
  const id = CHANGE_PATH.exec(path)?.[1];
  if (id === undefined) return { kind: "other" };
  if (method !== "GET" && method !== "HEAD") return { kind: "error", status: 405, error: "only GET is allowed on /changes/{id}" };
  const waitText = new URLSearchParams(query).get("wait");
  if (waitText === null) return { kind: "status", id, waitMs: 0 };
  const parsed = parseDuration(waitText);
  if (parsed === undefined) return { kind: "error", status: 400, error: `wait: not a duration (e.g. 10s, 500ms): ${waitText}` };
  return { kind: "status", id, waitMs: Math.min(parsed, maxWaitMs) };
}
