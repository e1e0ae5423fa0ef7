// Shared by the engine attacks (attacks/*.js): the answer engine from the build, its server options from the secondary's config example.
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const { ROOT } = require("./lib");

const answer = require(path.join(ROOT, "packages", "answer", "dist", "index.js"));
const { parseZoneText } = require(path.join(ROOT, "packages", "dns", "dist", "index.js"));
const { parse: parseToml } = require("smol-toml");

/** The [dns] table of packages/secondary-syncer/config.example.toml: the defaults an operator starts from. */
function secondaryDnsDefaults() {
  return parseToml(fs.readFileSync(path.join(ROOT, "packages", "secondary-syncer", "config.example.toml"), "utf8")).dns;
}

/** Starts the engine's real server on 127.0.0.1 (free port) serving `zoneText` for `origin`, with `options`. */
async function startEngine(origin, zoneText, options = {}) {
  const zones = answer.createZoneSet([answer.compileZone(origin, parseZoneText(zoneText))]);
  const logger = { warn: () => undefined, error: (o, m) => console.error(m, o), debug: () => undefined, ...(options.logger ?? {}) };
  return answer.startDnsServer({ address: "127.0.0.1", port: 0, udpIo: "dgram", ...options, zones, logger });
}

module.exports = { secondaryDnsDefaults, startEngine };
