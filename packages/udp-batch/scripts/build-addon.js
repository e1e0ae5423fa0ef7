#!/usr/bin/env node
// Install step of @pdns-distribute/udp-batch: compiles the native addon with node-gyp (Linux only). A failed build
// is a warning, not an install failure: the secondary then answers through Node's dgram (udp_io = "auto").
"use strict";
const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");

const root = path.resolve(__dirname, "..");

/** node-gyp: the one the package manager put on PATH, else the copy bundled with npm. */
function nodeGyp() {
  if (process.env.npm_config_node_gyp) return [process.execPath, [process.env.npm_config_node_gyp]];
  const bundled = path.join(path.dirname(process.execPath), "..", "lib", "node_modules", "npm", "node_modules", "node-gyp", "bin", "node-gyp.js");
  const onPath = spawnSync("sh", ["-c", "command -v node-gyp"], { encoding: "utf8" }).stdout.trim();
  if (onPath) return [onPath, []];
  if (fs.existsSync(bundled)) return [process.execPath, [bundled]];
  return null;
}

function main() {
  if (process.platform !== "linux") {
    console.warn("udp-batch: not Linux, native addon not built (the secondary uses Node's dgram)");
    return;
  }
  const gyp = nodeGyp();
  if (gyp === null) {
    console.warn("udp-batch: node-gyp not found, native addon not built (the secondary uses Node's dgram)");
    return;
  }
  // Local Node.js headers (Debian's nodejs ships them in /usr/include/node) instead of a download.
  const env = { ...process.env };
  if (!env.npm_config_nodedir && fs.existsSync("/usr/include/node/node_api.h")) env.npm_config_nodedir = "/usr";
  const [cmd, pre] = gyp;
  const r = spawnSync(cmd, [...pre, "rebuild", "--release", "--loglevel=warn"], { cwd: root, env, stdio: "inherit", timeout: 300_000 });
  if (r.status !== 0) {
    console.warn(`udp-batch: native addon build failed (${r.error?.message ?? `exit ${r.status}`}); the secondary uses Node's dgram`);
  }
}

main();
