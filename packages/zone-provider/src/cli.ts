#!/usr/bin/env node
// pdns-distribute-zone-provider: serves signed zone data read from PowerDNS by AXFR; `keygen` makes the key pair.
import { existsSync } from "node:fs";
import {
  connectNats,
  createLogger,
  daemonProgram,
  generateKeyPair,
  readKeyFile,
  runDaemon,
  startMetricsServer,
  writeKeyPair,
  SIGNING_KEY_BASE,
  ZONE_TEXT_BUCKET,
} from "@pdns-distribute/core";
import { DIGEST_CONCURRENCY, INCREMENTAL, INCREMENTAL_READS, READ_COALESCE_WINDOW_MS, READ_MAX_AGE_MS, ZONE_TEXT_TTL_S, loadZoneProviderConfig, readAheadConcurrency } from "./config";
import { createZoneProviderMetrics } from "./metrics";
import { ZoneReads } from "./zone-reads";
import { watchZoneEvents } from "./read-ahead";
import { DeltaPlanner } from "./incremental";
import { ChangeChains } from "./change-chain";
import { incrementalZoneSource } from "./incremental-source";
import { pdnsRRsetReader } from "./pdns-rrsets";
import { axfrZoneSource, startZoneDataService } from "./service";
import { createZoneTextStore } from "./zone-text-store";
import { startZoneDigestService } from "./zone-digest";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { version } = require("../package.json") as { version: string };
const NAME = "pdns-distribute-zone-provider";

const program = daemonProgram(
  NAME,
  version,
  "Answers zone-data requests over NATS with Ed25519-signed zone text read from PowerDNS by AXFR.",
).action(async (opts: { config?: string }) => {
  await runDaemon(NAME, async () => {
    const cfg = loadZoneProviderConfig(opts.config);
    const secretKey = readKeyFile(cfg.signing.private_key_file, 64);
    const logger = createLogger("zone-provider", cfg.log.level);
    const nc = await connectNats(cfg.nats, NAME, logger);
    const metrics = createZoneProviderMetrics();
    const axfr = axfrZoneSource(cfg.powerdns.dns_address, cfg.powerdns.dns_port, cfg.powerdns.axfr_timeout_ms);
    const source = incrementalZoneSource({
      full: axfr,
      rrsets: cfg.powerdns.api_key === "" ? undefined : pdnsRRsetReader({ apiUrl: cfg.powerdns.api_url, apiKey: cfg.powerdns.api_key, timeoutMs: INCREMENTAL_READS.apiTimeoutMs }),
      chains: new ChangeChains(INCREMENTAL_READS),
      maxBytes: cfg.incremental.cache_mib * 1024 * 1024,
      concurrency: INCREMENTAL_READS.concurrency,
      logger,
      onRead: metrics.observePrimaryRead,
    });
    const reads = new ZoneReads({
      source: source.read,
      onEvent: source.noteEvent,
      onUnseenEvent: (zone) => source.breakChain(zone, "unseen-event"),
      coalesceWindowMs: READ_COALESCE_WINDOW_MS,
      maxAgeMs: READ_MAX_AGE_MS,
      readAheadConcurrency: readAheadConcurrency(cfg.provider.concurrency),
      onServed: metrics.observeRead,
      onSkipped: metrics.observeReadAheadSkipped,
    });
    const watcher = watchZoneEvents(nc, reads, logger);
    const service = startZoneDataService(nc, {
      source: (zone, events) => reads.get(zone, events),
      secretKey,
      concurrency: cfg.provider.concurrency,
      wire: {
        inlineMaxBytes: cfg.zone_text.inline_max_bytes,
        maxPayload: nc.info?.max_payload ?? 1024 * 1024,
        store: createZoneTextStore(nc, { bucket: ZONE_TEXT_BUCKET, ttlS: ZONE_TEXT_TTL_S, replicas: cfg.nats.replicas, logger }),
      },
      incremental: new DeltaPlanner({ ...INCREMENTAL, maxBytes: cfg.incremental.cache_mib * 1024 * 1024 }),
      logger,
      onRequest: metrics.observeRequest,
    });
    // The content audit's digests: a whole read (AXFR) each, never the cached or patched reads above.
    const stopDigests = startZoneDigestService(nc, { source: axfr, concurrency: DIGEST_CONCURRENCY, logger, onRequest: metrics.observeDigestRequest });
    const metricsServer = await startMetricsServer(cfg.metrics, metrics.registry, logger);
    logger.info({ powerdns: `${cfg.powerdns.dns_address}:${cfg.powerdns.dns_port}`, incrementalReads: cfg.powerdns.api_key !== "" }, "zone-provider ready");
    return {
      logger,
      stop: async () => {
        watcher.stop();
        await service.stop();
        await stopDigests();
        await nc.drain();
        await metricsServer?.close();
      },
    };
  });
});

program
  .command("keygen")
  .description("write a new Ed25519 key pair: <base>.key (secret, mode 0600) and <base>.pub (public)")
  .option("-o, --out <base>", "path without extension", SIGNING_KEY_BASE)
  .action((opts: { out: string }) => {
    for (const f of [`${opts.out}.key`, `${opts.out}.pub`]) {
      if (existsSync(f)) {
        process.stderr.write(`${NAME} keygen: ${f} exists; refusing to overwrite\n`);
        process.exit(1);
      }
    }
    const files = writeKeyPair(opts.out, generateKeyPair());
    process.stdout.write(`secret key: ${files.secretFile}\npublic key: ${files.publicFile}\n`);
  });

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`${NAME}: ${(err as Error).message}\n`);
  process.exit(1);
});
