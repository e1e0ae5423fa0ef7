// health-checker configuration: TOML file validated with zod; every key has a default (see config.example.toml).
import { loadConfig, logConfigSchema, natsConfigSchema } from "@pdns-distribute/core";
import { z } from "zod";

/** Schema of the health-checker config file. */
export const healthCheckerConfigSchema = z
  .object({
    health: z
      .object({
        /** A secondary without a heartbeat for this long is inactive, seconds. */
        inactive_after_s: z.number().positive().default(15),
        /** How often activity is re-evaluated, seconds. */
        check_interval_s: z.number().positive().default(1),
      })
      .strict()
      .prefault({}),
    nats: natsConfigSchema,
    log: logConfigSchema,
  })
  .strict();

/** Parsed health-checker config. */
export type HealthCheckerConfig = z.infer<typeof healthCheckerConfigSchema>;

/** Loads the health-checker config file (undefined: all defaults). */
export function loadHealthCheckerConfig(file: string | undefined): HealthCheckerConfig {
  return loadConfig(healthCheckerConfigSchema, file);
}
