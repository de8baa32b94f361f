// The helm CLI, built lazily from the Go module proxy like the control-plane binaries
// (packages/testenv/src/binaries.ts): HELM (a path) first, then the version-keyed cache, then a build.
import { join, resolve } from "node:path";
import { cacheDir, ensureGoBuilt, isExecutable, type Log } from "@vmcp/testenv";

export const HELM_VERSION = "v3.22.0";
const BUILD_SCRIPT = resolve(import.meta.dirname, "../../deploy/scripts/build-helm.sh");

export function helmCacheDir(): string {
  return join(cacheDir(), "bin", `helm-${HELM_VERSION}`);
}

/** Path of a helm binary; builds helm once (3-10 min cold) when neither $HELM nor the cache has one. */
export async function ensureHelm(opts: { log?: Log } = {}): Promise<string> {
  const log = opts.log ?? (() => {});
  const fromEnv = process.env.HELM;
  if (fromEnv) {
    if (!isExecutable(fromEnv)) throw new Error(`HELM=${fromEnv} is not an executable`);
    return fromEnv;
  }
  const dir = helmCacheDir();
  await ensureGoBuilt({
    dir,
    names: ["helm"],
    script: BUILD_SCRIPT,
    env: { HELM_VERSION },
    log: (line) => log(`helm: ${line}`),
    noGoHint: "Set HELM=/path/to/helm.",
    announce: () => log(`helm: building ${HELM_VERSION} into ${dir} (once)`),
  });
  return join(dir, "helm");
}
