import { spawn, spawnSync } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { BUILD_SCRIPT, binaryCacheDir, readVersions } from "./paths.ts";

export type Binaries = { dir: string; etcd: string; kubeApiserver: string; kubectl: string };
export type Log = (line: string) => void;

export const BINARY_NAMES = ["etcd", "kube-apiserver", "kubectl"] as const;

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Names from BINARY_NAMES that are not executable in dir. */
export function missingBinaries(dir: string): string[] {
  return BINARY_NAMES.filter((name) => !isExecutable(join(dir, name)));
}

function binariesIn(dir: string): Binaries {
  return {
    dir,
    etcd: join(dir, "etcd"),
    kubeApiserver: join(dir, "kube-apiserver"),
    kubectl: join(dir, "kubectl"),
  };
}

/**
 * Finds etcd, kube-apiserver and kubectl: KUBEBUILDER_ASSETS (envtest convention) first, then the
 * version-keyed cache, and only then builds them from Go modules (slow the first time: progress
 * lines go to `log`). Concurrent callers serialise on a lock file held by the build script.
 */
export async function ensureBinaries(opts: { log?: Log } = {}): Promise<Binaries> {
  const log = opts.log ?? (() => {});
  const assets = process.env.KUBEBUILDER_ASSETS;
  if (assets) {
    const missing = missingBinaries(assets);
    if (missing.length > 0) {
      throw new Error(
        `KUBEBUILDER_ASSETS=${assets} lacks ${missing.join(", ")}; it must hold etcd, kube-apiserver and kubectl (or unset it to use the cache/build)`,
      );
    }
    log(`binaries: using KUBEBUILDER_ASSETS=${assets}`);
    return binariesIn(assets);
  }
  const versions = readVersions();
  const dir = binaryCacheDir(versions);
  const missing = missingBinaries(dir);
  if (missing.length === 0) {
    log(`binaries: cached in ${dir}`);
    return binariesIn(dir);
  }
  if (spawnSync("go", ["version"], { stdio: "ignore" }).status !== 0) {
    throw new Error(
      `missing ${missing.join(", ")} in ${dir} and no usable 'go' on PATH to build them. Install Go >= 1.26 ` +
        "(Debian: a golang-1.26 package, or https://go.dev/dl) or point KUBEBUILDER_ASSETS at a directory with etcd, kube-apiserver and kubectl.",
    );
  }
  log(
    `binaries: building ${missing.join(", ")} (kubernetes ${versions.kubernetes}, etcd ${versions.etcd}) into ${dir}; the first build takes 10-30 min, later runs reuse it`,
  );
  await runBuild({ K8S_VERSION: versions.kubernetes, ETCD_VERSION: versions.etcd, OUT_DIR: dir }, (line) =>
    log(`binaries: ${line}`),
  );
  const still = missingBinaries(dir);
  if (still.length > 0) throw new Error(`build finished but ${still.join(", ")} missing in ${dir}`);
  return binariesIn(dir);
}

function runBuild(env: Record<string, string>, log: Log): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", [BUILD_SCRIPT], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const tail: string[] = [];
    const onLine = (line: string) => {
      tail.push(line);
      if (tail.length > 40) tail.shift();
      log(line);
    };
    createInterface({ input: child.stdout }).on("line", onLine);
    createInterface({ input: child.stderr }).on("line", onLine);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      if (code === 0) resolve();
      else
        reject(
          new Error(`${BUILD_SCRIPT} failed (${signal ?? `exit ${code}`}); last output:\n${tail.join("\n")}`),
        );
    });
  });
}
