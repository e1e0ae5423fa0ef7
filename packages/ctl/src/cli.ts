#!/usr/bin/env node
// pdns-distribute: the operator CLI (keygen, status, events tail, resync over NATS; wait-sync over the api-proxy's HTTP).
import { Command } from "commander";
import { ZONE_EVENT_STREAM, connectNats, createLogger, natsConfigSchema } from "@pdns-distribute/core";
import type { NatsConnection } from "@pdns-distribute/core";
import { askHealthChecker, collectHeartbeats, formatHeartbeats, formatStatus, keygen, resync, tailEvents } from "./commands";
import { formatChangeStatus, parseTimeout, waitSync } from "./wait-sync";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { version } = require("../package.json") as { version: string };

interface GlobalOptions {
  server: string;
  user?: string;
  password?: string;
  token?: string;
  creds?: string;
  nkey?: string;
  tlsca?: string;
  tlscert?: string;
  tlskey?: string;
}

const program = new Command("pdns-distribute")
  .description("Operator tool for a pdns-distribute cluster (talks to it through NATS).")
  .version(version, "-V, --version", "print the version and exit")
  .option("-s, --server <urls>", "NATS server URLs, comma separated", process.env.NATS_URL ?? "nats://127.0.0.1:4222")
  .option("--user <name>", "NATS user", process.env.NATS_USER)
  .option("--password <secret>", "NATS password", process.env.NATS_PASSWORD)
  .option("--token <token>", "NATS token", process.env.NATS_TOKEN)
  .option("--creds <file>", "NATS credentials file (JWT + NKey seed, mode 0600)", process.env.NATS_CREDS)
  .option("--nkey <file>", "NATS NKey seed file (mode 0600)", process.env.NATS_NKEY)
  .option("--tlsca <file>", "CA certificate (PEM) to verify the NATS servers; turns TLS on", process.env.NATS_CA)
  .option("--tlscert <file>", "client certificate (PEM) for mutual TLS", process.env.NATS_CERT)
  .option("--tlskey <file>", "client certificate key (PEM, mode 0600)", process.env.NATS_KEY);

/** How long the first connection to NATS may take before the command gives up (exit 1). */
const CONNECT_TIMEOUT_MS = 5000;

const out = { out: (l: string) => process.stdout.write(`${l}\n`), err: (l: string) => process.stderr.write(`${l}\n`) };

/** Connects with the global options (as the daemons do: core's natsAuthOptions), runs `fn`, drains the connection. */
async function withNats<T>(fn: (nc: NatsConnection, g: GlobalOptions) => Promise<T>): Promise<T> {
  const g = program.opts<GlobalOptions>();
  const cfg = natsConfigSchema.parse({
    servers: g.server.split(",").map((s) => s.trim()).filter(Boolean),
    user: g.user ?? "",
    password: g.password ?? "",
    token: g.token ?? "",
    creds_file: g.creds ?? "",
    nkey_seed_file: g.nkey ?? "",
    tls_ca_file: g.tlsca ?? "",
    tls_cert_file: g.tlscert ?? "",
    tls_key_file: g.tlskey ?? "",
  });
  const servers = cfg.servers.join(",");
  const nc = await connectNats(cfg, `pdns-distribute ctl ${version}`, createLogger("ctl", "silent"), { firstConnectTimeoutMs: CONNECT_TIMEOUT_MS }).catch((err: unknown) => {
    throw new Error(`cannot connect to NATS at ${servers}: ${(err as Error).message}`);
  });
  try {
    return await fn(nc, g);
  } finally {
    await nc.drain().catch(() => undefined);
  }
}

program
  .command("keygen")
  .description("write a new Ed25519 signing key pair <base>.key (mode 0600) and <base>.pub")
  .option("-o, --out <base>", "path without extension", "zone-signing")
  .action((opts: { out: string }) => {
    const files = keygen(opts.out);
    out.out(`secret key: ${files.secretFile}\npublic key: ${files.publicFile}`);
  });

program
  .command("status")
  .description("show the secondaries (asks the health-checker; else listens to heartbeats)")
  .option("--wait <seconds>", "how long to listen to heartbeats when no health-checker answers", "6")
  .option("--json", "print JSON")
  .action(async (opts: { wait: string; json?: boolean }) => {
    await withNats(async (nc) => {
      const status = await askHealthChecker(nc, 2000);
      if (status) {
        for (const l of opts.json ? [JSON.stringify(status)] : formatStatus(status)) out.out(l);
        return;
      }
      out.err(`no health-checker answered on pdns.health.status; listening to heartbeats for ${opts.wait} s`);
      const beats = await collectHeartbeats(nc, Number(opts.wait) * 1000);
      for (const l of opts.json ? [JSON.stringify(beats)] : formatHeartbeats(beats)) out.out(l);
    });
  });

program
  .command("events")
  .description("zone events")
  .command("tail")
  .description("print every zone event as JSON, one per line (Ctrl-C stops)")
  .option("--from-start", "replay the events stored in the stream first")
  .action(async (opts: { fromStart?: boolean }) => {
    await withNats(async (nc) => {
      const abort = new AbortController();
      process.once("SIGINT", () => abort.abort());
      process.once("SIGTERM", () => abort.abort());
      await tailEvents(nc, ZONE_EVENT_STREAM, opts.fromStart === true, out, abort.signal);
    });
  });

program
  .command("resync <zone>")
  .description("publish zone.modified for <zone>: every secondary (or only --secondary) fetches it again")
  .option("--secondary <id>", "only this secondary")
  .option("--timeout <ms>", "time allowed for JetStream's acknowledgement", "5000")
  .action(async (zone: string, opts: { secondary?: string; timeout: string }) => {
    await withNats(async (nc) => {
      const r = await resync(nc, zone, opts.secondary, Number(opts.timeout));
      out.out(`published ${r.subject} (id ${r.id}, stream sequence ${r.seq})`);
    });
  });

program
  .command("wait-sync <change-id>")
  .description("wait until the change (X-Change-Id of an api-proxy answer) is served by every active secondary; exit 0 when INSYNC, 1 otherwise")
  .option("--timeout <duration>", "give up after this long (30s, 500ms, 2m)", "30s")
  .option("--url <url>", "base URL of the api-proxy", process.env.PDNS_DISTRIBUTE_API_URL ?? "http://127.0.0.1:8082")
  .option("-q, --quiet", "print nothing, only the exit status")
  .action(async (id: string, opts: { timeout: string; url: string; quiet?: boolean }) => {
    const r = await waitSync(id, { url: opts.url, timeoutMs: parseTimeout(opts.timeout) });
    if (r.result === "error") {
      out.err(`pdns-distribute wait-sync: ${r.message}`);
      process.exit(1);
    }
    if (!opts.quiet && r.status) out.out(formatChangeStatus(r.status));
    if (r.result === "timeout") {
      if (!opts.quiet) out.err(`pdns-distribute wait-sync: still PENDING after ${opts.timeout}`);
      process.exit(1);
    }
  });

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`pdns-distribute: ${(err as Error).message}\n`);
  process.exit(1);
});
