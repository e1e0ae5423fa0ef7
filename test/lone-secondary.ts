// A secondary-syncer alone, without NATS and without zones (every query is answered REFUSED), for tests of its DNS side.
import { randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { daemonCli, freePort, spawnDaemon } from "@pdns-distribute/test-harness";
import type { Daemon } from "@pdns-distribute/test-harness";

/** A started lone secondary and the ports it answers DNS and metrics on. */
export interface LoneSecondary {
  daemon: Daemon;
  dnsPort: number;
  metricsPort: number;
}

/**
 * Starts a secondary with id `id` in `dir` on 127.0.0.1, with `dnsToml` lines in its `[dns]` section, and waits until
 * it answers DNS. Its NATS server does not exist: it keeps retrying in the background.
 */
export async function startLoneSecondary(dir: string, id: string, dnsToml: string): Promise<LoneSecondary> {
  const dnsPort = await freePort("127.0.0.1", "both");
  const metricsPort = await freePort("127.0.0.1");
  const config = join(dir, "secondary.toml");
  const keyFile = join(dir, "zone-signing.pub");
  await writeFile(keyFile, `${randomBytes(32).toString("base64")}\n`);
  await writeFile(
    config,
    `[secondary]\nid = "${id}"\n\n` +
      `[dns]\nlisten_address = "127.0.0.1"\nlisten_port = ${dnsPort}\n${dnsToml}\n\n` +
      `[storage]\ndatabase = "${join(dir, "secondary.sqlite3")}"\n\n` +
      `[signing]\npublic_key_files = ["${keyFile}"]\n\n` +
      `[metrics]\nlisten_address = "127.0.0.1"\nlisten_port = ${metricsPort}\n\n` +
      `[nats]\nservers = ["nats://127.0.0.1:1"]\n`,
  );
  const daemon = spawnDaemon({ name: "secondary", command: ["node", daemonCli("secondary-syncer"), "--config", config] });
  await daemon.waitForLog(/answering DNS/, 60_000);
  return { daemon, dnsPort, metricsPort };
}
