import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { z } from "zod";

/** packages/testenv (this file lives in packages/testenv/src). */
export const PACKAGE_DIR = resolve(import.meta.dirname, "..");
/** The repository's generated CRDs (written by packages/shared-types). */
export const DEFAULT_CRD_DIR = resolve(PACKAGE_DIR, "../../crds");
export const BUILD_SCRIPT = join(PACKAGE_DIR, "scripts", "build-binaries.sh");
export const NODE_BUILD_SCRIPT = join(PACKAGE_DIR, "scripts", "build-node-binaries.sh");

const VersionsSchema = z.object({
  kubernetes: z.string().regex(/^v1\.\d+\.\d+$/),
  etcd: z.string().regex(/^v3\.\d+\.\d+$/),
  containerd: z.string().regex(/^v2\.\d+\.\d+$/),
  cni: z.string().regex(/^v1\.\d+\.\d+$/),
  coredns: z.string().regex(/^v1\.\d+\.\d+$/),
});
export type Versions = z.infer<typeof VersionsSchema>;

/** The one place the Kubernetes and etcd versions are recorded: packages/testenv/versions.json. */
export function readVersions(): Versions {
  return VersionsSchema.parse(JSON.parse(readFileSync(join(PACKAGE_DIR, "versions.json"), "utf8")));
}

type Env = Record<string, string | undefined>;

/** `${VMCP_CACHE_DIR:-${XDG_CACHE_HOME:-~/.cache}/vmcp-k8s}`: shared with scripts/toolchain.sh. */
export function cacheDir(env: Env = process.env): string {
  if (env.VMCP_CACHE_DIR) return env.VMCP_CACHE_DIR;
  return join(env.XDG_CACHE_HOME || join(homedir(), ".cache"), "vmcp-k8s");
}

/** Version-keyed so a version bump never reuses stale binaries. */
export function binaryCacheDir(
  versions: Pick<Versions, "kubernetes" | "etcd">,
  env: Env = process.env,
): string {
  return join(cacheDir(env), "bin", `k8s-${versions.kubernetes}-etcd-${versions.etcd}`);
}

/** The node's binaries, keyed by every version that goes into them. */
export function nodeBinaryCacheDir(v: Versions, env: Env = process.env): string {
  return join(
    cacheDir(env),
    "bin",
    `node-k8s-${v.kubernetes}-containerd-${v.containerd}-cni-${v.cni}-coredns-${v.coredns}`,
  );
}

/** containerd's image store survives node restarts: imported images are not imported again. */
export function nodeImageStoreDir(env: Env = process.env): string {
  return join(cacheDir(env), "node", "containerd-root");
}

/** Where `testenv up` keeps its long-lived control plane and state file. */
export function cliStateDir(env: Env = process.env): string {
  return join(cacheDir(env), "testenv");
}
