// Prometheus's promtool, built lazily from the Go module proxy like helm (./helm.ts): PROMTOOL (a
// path) first, then the version-keyed cache, then a build. The alert rules are checked and
// unit-tested with the same tool Prometheus itself loads them with.
import { join, resolve } from "node:path";
import { cacheDir, ensureGoBuilt, isExecutable, type Log } from "@vmcp/testenv";

/** The Prometheus Go module's version for Prometheus 3.16.0. */
export const PROMTOOL_VERSION = "v0.316.0";
const PROMETHEUS_VERSION = "3.16.0";
const BUILD_SCRIPT = resolve(import.meta.dirname, "../../deploy/scripts/build-promtool.sh");

export function promtoolCacheDir(): string {
  return join(cacheDir(), "bin", `promtool-${PROMTOOL_VERSION}`);
}

/** Path of a promtool binary; builds it once when neither $PROMTOOL nor the cache has one. */
export async function ensurePromtool(opts: { log?: Log } = {}): Promise<string> {
  const log = opts.log ?? (() => {});
  const fromEnv = process.env.PROMTOOL;
  if (fromEnv) {
    if (!isExecutable(fromEnv)) throw new Error(`PROMTOOL=${fromEnv} is not an executable`);
    return fromEnv;
  }
  const dir = promtoolCacheDir();
  await ensureGoBuilt({
    dir,
    names: ["promtool"],
    script: BUILD_SCRIPT,
    env: { PROMTOOL_VERSION, PROMETHEUS_VERSION },
    log: (line) => log(`promtool: ${line}`),
    noGoHint: "Set PROMTOOL=/path/to/promtool.",
    announce: () => log(`promtool: building ${PROMTOOL_VERSION} into ${dir} (once)`),
  });
  return join(dir, "promtool");
}
