// api-proxy configuration: TOML file validated with zod; every key has a default (see config.example.toml).
import { loadConfig, logConfigSchema, natsConfigSchema } from "@pdns-distribute/core";
import { z } from "zod";

/** Schema of the api-proxy config file. */
export const apiProxyConfigSchema = z
  .object({
    proxy: z
      .object({
        /** Address the proxy listens on. */
        listen_address: z.string().min(1).default("127.0.0.1"),
        /** Port the proxy listens on (PowerDNS' own API usually stays on 8081). */
        listen_port: z.number().int().min(0).max(65535).default(8082),
        /** Largest request body accepted, bytes. */
        max_body_bytes: z.number().int().positive().default(64 * 1024 * 1024),
      })
      .strict()
      .prefault({}),
    powerdns: z
      .object({
        /** Base URL of the PowerDNS HTTP API. */
        api_url: z.url().default("http://127.0.0.1:8081"),
        /** Time allowed for PowerDNS to answer, ms. */
        timeout_ms: z.number().int().positive().default(30_000),
      })
      .strict()
      .prefault({}),
    events: z
      .object({
        /** Time allowed for JetStream to acknowledge an event, ms. */
        publish_timeout_ms: z.number().int().positive().default(5000),
      })
      .strict()
      .prefault({}),
    nats: natsConfigSchema,
    log: logConfigSchema,
  })
  .strict();

/** Parsed api-proxy config. */
export type ApiProxyConfig = z.infer<typeof apiProxyConfigSchema>;

/** Loads the api-proxy config file (undefined: all defaults). */
export function loadApiProxyConfig(file: string | undefined): ApiProxyConfig {
  return loadConfig(apiProxyConfigSchema, file);
}
