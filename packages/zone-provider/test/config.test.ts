// zone-provider keys that became derived or moved: old files keep their meaning or are refused.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "@pdns-distribute/core";
import { retiredZoneProviderKeys, zoneProviderConfigSchema } from "@pdns-distribute/zone-provider";

const dir = mkdtempSync(join(tmpdir(), "pdnsd-provider-config-"));
let n = 0;
function load(text: string): { replicas: number; concurrency: number; warnings: string[] } {
  const path = join(dir, `c${n++}.toml`);
  writeFileSync(path, text);
  const warnings: string[] = [];
  const cfg = loadConfig(zoneProviderConfigSchema, path, retiredZoneProviderKeys, (w) => warnings.push(w));
  return { replicas: cfg.nats.replicas, concurrency: cfg.provider.concurrency, warnings };
}

describe("zone-provider retired keys", () => {
  test("zone_text.replicas and nats.stream_replicas both become nats.replicas when they agree", () => {
    const r = load("[zone_text]\nreplicas = 3\n\n[nats]\nstream_replicas = 3\n");
    expect(r.replicas).toBe(3);
    expect(r.warnings).toHaveLength(2);
  });

  test("they disagree: refused, naming the one key left", () => {
    expect(() => load("[zone_text]\nreplicas = 1\n\n[nats]\nstream_replicas = 3\n")).toThrow(/zone_text\.replicas is now nats\.replicas, which is set to 3 already/);
  });

  test("read_ahead_concurrency is accepted only where it equals half of concurrency", () => {
    expect(load("[provider]\nread_ahead_concurrency = 4\n").warnings).toHaveLength(1);
    expect(load("[provider]\nconcurrency = 16\nread_ahead_concurrency = 8\n").concurrency).toBe(16);
    expect(() => load("[provider]\nconcurrency = 16\nread_ahead_concurrency = 4\n")).toThrow(/read_ahead_concurrency = 4 is no longer supported: read-ahead runs on half of provider\.concurrency/);
  });

  test("read_ahead = false cannot keep its meaning", () => {
    expect(() => load("[provider]\nread_ahead = false\n")).toThrow(/provider\.read_ahead = false is no longer supported/);
  });
});
