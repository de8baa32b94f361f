// Fills a V8 compile cache (Node's NODE_COMPILE_CACHE) for a bundle that scripts/bundle.ts wrote,
// so a process started with NODE_COMPILE_CACHE=<cache dir> reads compiled code instead of
// compiling every chunk again: the runtime image builds it with its own Node binary and V8 flags
// (the cache is keyed by Node version and file path, and a mismatch only makes it unused) and
// ships it read-only (docs/performance.md has the measurements).
//   node scripts/compile-cache.ts <cache dir> <dist dir> <entry>.mjs
// The entry runs with `--version` (its static imports compile and the CLI exits at once); every
// other chunk, the ones loaded on demand (Kubernetes mode, telemetry, Redis), is imported here.
// Only plain JavaScript syntax: the image runs this file with the Node of the runtime image.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { enableCompileCache, flushCompileCache } from "node:module";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const [cacheArg, distArg, entry] = process.argv.slice(2);
if (!cacheArg || !distArg || !entry) {
  process.stderr.write("usage: node scripts/compile-cache.ts <cache dir> <dist dir> <entry>.mjs\n");
  process.exit(2);
}
const cache = resolve(cacheArg);
const dist = resolve(distArg);

const run = spawnSync(process.execPath, [...process.execArgv, join(dist, entry), "--version"], {
  env: { ...process.env, NODE_COMPILE_CACHE: cache },
  encoding: "utf8",
});
if (run.status !== 0) {
  process.stderr.write(`compile-cache: ${entry} --version failed (${run.status}): ${run.stderr}\n`);
  process.exit(1);
}

const enabled = enableCompileCache(cache);
if (!enabled.directory) {
  process.stderr.write(`compile-cache: cannot use ${cache}: ${enabled.message ?? enabled.status}\n`);
  process.exit(1);
}
const chunks = readdirSync(dist).filter((f) => f.endsWith(".mjs") && f !== entry);
for (const f of chunks) await import(pathToFileURL(join(dist, f)).href);
flushCompileCache();
process.stdout.write(`compile-cache: ${chunks.length + 1} files of ${dist} compiled into ${cache}\n`);
// A chunk's module body may have started a timer; the cache is written, nothing else is needed.
process.exit(0);
