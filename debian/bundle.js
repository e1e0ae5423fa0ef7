#!/usr/bin/env node
// Bundles one workspace CLI with esbuild into a single CommonJS file and lists the npm modules inside it.
"use strict";
const { build } = require("esbuild");
const fs = require("node:fs");
const path = require("node:path");

/** Native modules are never bundled: build-debs copies them (with their .node file) next to the bundle. */
const EXTERNAL = ["better-sqlite3"];
/**
 * Workspace packages with a native addon: their JavaScript is bundled, their compiled .node file is copied next to
 * the bundle by build-debs (the package's loader looks there, e.g. udp-batch's src/addon.ts).
 */
const WORKSPACE_ADDONS = [{ dir: "packages/udp-batch/", file: "packages/udp-batch/build/Release/udp_batch.node" }];

/**
 * `require.main === module` is true only in the entry file of an unbundled program; inside a bundle every
 * module shares the bundle's `module`, so the check is rewritten to `false` in every file but the entry.
 */
function entryOnlyMainCheck(entry) {
  return {
    name: "entry-only-main-check",
    setup(b) {
      b.onLoad({ filter: /\.ts$/ }, (args) => {
        const text = fs.readFileSync(args.path, "utf8");
        const contents = path.resolve(args.path) === path.resolve(entry) ? text : text.replace(/require\.main === module/g, "false");
        return { contents, loader: "ts" };
      });
    },
  };
}

/** Bundles one entry; returns esbuild's metafile. */
async function bundle(entry, outfile) {
  const result = await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    external: EXTERNAL,
    legalComments: "none",
    logLevel: "warning",
    metafile: true,
    plugins: [entryOnlyMainCheck(entry)],
  });
  return result.metafile;
}

/**
 * Usage: bundle.js <package dir> <out dir>. Bundles src/cli.ts into <out>/cli.js, and every other src/*.ts that
 * runs as its own process (it checks `require.main === module`, e.g. a cluster worker) into <out>/<name>.js.
 */
async function main() {
  const [pkgDir, outDir] = process.argv.slice(2);
  if (!pkgDir || !outDir) {
    process.stderr.write("usage: bundle.js <package dir> <out dir>\n");
    process.exit(2);
  }
  const src = path.join(pkgDir, "src");
  const entries = fs
    .readdirSync(src)
    .filter((f) => f.endsWith(".ts") && (f === "cli.ts" || fs.readFileSync(path.join(src, f), "utf8").includes("require.main === module")));
  const result = { metafile: { inputs: {}, outputs: {} } };
  for (const f of entries) {
    const meta = await bundle(path.join(src, f), path.join(outDir, f.replace(/\.ts$/, ".js")));
    Object.assign(result.metafile.inputs, meta.inputs);
    Object.assign(result.metafile.outputs, meta.outputs);
    process.stdout.write(`entry ${f.replace(/\.ts$/, ".js")}\n`);
  }
  // "node_modules/.pnpm/<name>@<version>/node_modules/<name>/..." → bundled third-party modules.
  const modules = new Map();
  for (const input of Object.keys(result.metafile.inputs)) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input.split("node_modules/.pnpm/").pop().replace(/^[^/]+\//, ""));
    if (!m) continue;
    const name = m[1];
    if (modules.has(name)) continue;
    const dir = input.slice(0, input.lastIndexOf(`node_modules/${name}/`) + `node_modules/${name}`.length);
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"));
    modules.set(name, { version: pkg.version, license: typeof pkg.license === "string" ? pkg.license : "see upstream" });
  }
  for (const name of EXTERNAL) {
    if (Object.values(result.metafile.outputs).some((o) => o.imports.some((i) => i.path === name))) {
      process.stdout.write(`external ${name}\n`);
    }
  }
  for (const addon of WORKSPACE_ADDONS) {
    const used = Object.keys(result.metafile.inputs).some((input) => path.resolve(input).startsWith(path.resolve(addon.dir)));
    if (used) process.stdout.write(`addon ${addon.file}\n`);
  }
  for (const [name, m] of [...modules].sort()) process.stdout.write(`bundled ${name} ${m.version} ${m.license}\n`);
}

main().catch((err) => {
  process.stderr.write(`${err.message}\n`);
  process.exit(1);
});
