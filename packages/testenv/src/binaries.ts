import { join } from "node:path";
import { ensureGoBuilt, type Log, missingIn } from "./go-build.ts";
import {
  BUILD_SCRIPT,
  binaryCacheDir,
  NODE_BUILD_SCRIPT,
  nodeBinaryCacheDir,
  readVersions,
} from "./paths.ts";

export type Binaries = { dir: string; etcd: string; kubeApiserver: string; kubectl: string };
export type { Log };

export const BINARY_NAMES = ["etcd", "kube-apiserver", "kubectl"] as const;

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
    const missing = missingIn(assets, BINARY_NAMES);
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
  const how = await ensureGoBuilt({
    dir,
    names: BINARY_NAMES,
    script: BUILD_SCRIPT,
    env: { K8S_VERSION: versions.kubernetes, ETCD_VERSION: versions.etcd },
    log: (line) => log(`binaries: ${line}`),
    noGoHint:
      "Install Go >= 1.26 (Debian: a golang-1.26 package, or https://go.dev/dl) or point KUBEBUILDER_ASSETS at a directory with etcd, kube-apiserver and kubectl.",
    announce: (missing) =>
      log(
        `binaries: building ${missing.join(", ")} (kubernetes ${versions.kubernetes}, etcd ${versions.etcd}) into ${dir}; the first build takes 10-30 min, later runs reuse it`,
      ),
  });
  if (how === "cached") log(`binaries: cached in ${dir}`);
  return binariesIn(dir);
}

export const NODE_BINARY_NAMES = [
  "kubelet",
  "kube-controller-manager",
  "kube-scheduler",
  "kube-proxy",
  "containerd",
  "containerd-shim-runc-v2",
  "ctr",
  "bridge",
  "host-local",
  "loopback",
  "portmap",
  "coredns",
] as const;

/** The node's binaries from the version-keyed cache, built from Go modules the first time (8-10 min). */
export async function ensureNodeBinaries(opts: { log?: Log } = {}): Promise<string> {
  const log = opts.log ?? (() => {});
  const v = readVersions();
  const dir = nodeBinaryCacheDir(v);
  const how = await ensureGoBuilt({
    dir,
    names: NODE_BINARY_NAMES,
    script: NODE_BUILD_SCRIPT,
    env: {
      K8S_VERSION: v.kubernetes,
      CONTAINERD_VERSION: v.containerd,
      CNI_VERSION: v.cni,
      COREDNS_VERSION: v.coredns,
    },
    log: (line) => log(`node binaries: ${line}`),
    noGoHint: "Install Go >= 1.26 (Debian: a golang-1.26 package, or https://go.dev/dl).",
    announce: (missing) =>
      log(
        `node binaries: building ${missing.join(", ")} into ${dir}; the first build takes 8-15 min, later runs reuse it`,
      ),
  });
  if (how === "cached") log(`node binaries: cached in ${dir}`);
  return dir;
}
