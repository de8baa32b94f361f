// The helm CLI, built lazily from the Go module proxy like the control-plane binaries
// (packages/testenv/src/binaries.ts): HELM (a path) first, then the version-keyed cache, then a build.
import { spawn, spawnSync } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { cacheDir } from "@vmcp/testenv";

export const HELM_VERSION = "v3.22.0";
const BUILD_SCRIPT = resolve(import.meta.dirname, "../../deploy/scripts/build-helm.sh");

type Log = (line: string) => void;

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

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
  const helm = join(dir, "helm");
  if (isExecutable(helm)) return helm;
  if (spawnSync("go", ["version"], { stdio: "ignore" }).status !== 0) {
    throw new Error(`no helm in ${dir} and no 'go' on PATH to build it; set HELM=/path/to/helm`);
  }
  log(`helm: building ${HELM_VERSION} into ${dir} (once)`);
  await new Promise<void>((done, fail) => {
    const child = spawn("bash", [BUILD_SCRIPT], {
      env: { ...process.env, HELM_VERSION, OUT_DIR: dir },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const tail: string[] = [];
    const onLine = (line: string) => {
      tail.push(line);
      if (tail.length > 30) tail.shift();
      log(`helm: ${line}`);
    };
    createInterface({ input: child.stdout }).on("line", onLine);
    createInterface({ input: child.stderr }).on("line", onLine);
    child.on("error", fail);
    child.on("close", (code) =>
      code === 0 ? done() : fail(new Error(`${BUILD_SCRIPT} failed (exit ${code}):\n${tail.join("\n")}`)),
    );
  });
  if (!isExecutable(helm)) throw new Error(`helm build finished but ${helm} is missing`);
  return helm;
}
