// Every daemon's config.example.toml parses, and documents exactly the defaults the daemon uses.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "smol-toml";
import { apiProxyConfigSchema } from "@pdns-distribute/api-proxy";
import { healthCheckerConfigSchema } from "@pdns-distribute/health-checker";
import { secondarySyncerConfigSchema } from "@pdns-distribute/secondary-syncer";
import { zoneProviderConfigSchema } from "@pdns-distribute/zone-provider";
import type { z } from "zod";

const cases: Array<[string, z.ZodType]> = [
  ["api-proxy", apiProxyConfigSchema],
  ["zone-provider", zoneProviderConfigSchema],
  ["health-checker", healthCheckerConfigSchema],
  ["secondary-syncer", secondarySyncerConfigSchema],
];

describe.each(cases)("%s config.example.toml", (pkg, schema) => {
  test("is valid and equals the built-in defaults", () => {
    const text = readFileSync(join(__dirname, "..", "packages", pkg, "config.example.toml"), "utf8");
    const fromExample = schema.parse(parse(text));
    const defaults = schema.parse({});
    expect(fromExample).toEqual(defaults);
  });
});
