// The host-wide record of the running node: who owns it, what it started and what it changed. It
// makes a second node fail clearly, lets `testenv down --node` stop a node another process started,
// and lets a watchdog (or the next start) clean up after an owner killed by SIGKILL.
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { z } from "zod";
import type { Log } from "./go-build.ts";
import { type NodeLayout, nodePaths } from "./node-config.ts";
import {
  cleanNftables,
  parseSysctls,
  removeCgroups,
  removeCniCache,
  removeLinks,
  restoreSysctls,
  shimPids,
  unmountAll,
} from "./node-host.ts";
import { isAlive, killGroupSync } from "./process.ts";

export const NODE_LOCK_FILE = "/run/vmcp-testenv-node.json";

const LockSchema = z.object({
  pid: z.number().int(),
  dir: z.string(),
  /** JSON of the touched sysctls' values before the node started. */
  sysctls: z.string(),
  ctr: z.string(),
  procs: z.array(z.object({ name: z.string(), pid: z.number().int() })),
  kubeconfigPath: z.string().optional(),
  server: z.string().optional(),
  startedAt: z.string(),
});
export type NodeLock = z.infer<typeof LockSchema>;

export function readNodeLock(file = NODE_LOCK_FILE): NodeLock | null {
  try {
    return LockSchema.parse(JSON.parse(readFileSync(file, "utf8")));
  } catch {
    return null;
  }
}

export function writeNodeLock(lock: NodeLock, file = NODE_LOCK_FILE): void {
  writeFileSync(`${file}.tmp`, JSON.stringify(lock));
  spawnSync("mv", [`${file}.tmp`, file]);
}

/**
 * Undoes everything a node changed on the host, synchronously and idempotently: processes,
 * containers, shims, cgroups, mounts, links, nftables, sysctls, libcni's cache, its directory and
 * the lock. Synchronous because it also runs from 'exit' handlers.
 */
export function cleanupHost(lock: NodeLock, file = NODE_LOCK_FILE): void {
  const socket = nodePaths({ dir: lock.dir } as NodeLayout).containerdSocket;
  const isCtrd = (p: { name: string }) => p.name === "containerd";
  // Everything but containerd first (apiserver last, nothing depends on it any more).
  for (const p of [...lock.procs].reverse()) if (!isCtrd(p)) killGroupSync(p.pid);
  const ctr = (...args: string[]) =>
    spawnSync(lock.ctr, ["--address", socket, "-n", "k8s.io", ...args], {
      encoding: "utf8",
      timeout: 10_000,
    });
  if (lock.procs.some((p) => isCtrd(p) && isAlive(p.pid))) {
    const tasks = (ctr("tasks", "ls", "-q").stdout ?? "").split("\n").filter(Boolean);
    for (const t of tasks) ctr("tasks", "kill", "-s", "SIGKILL", t);
    for (const t of tasks) ctr("tasks", "delete", "-f", t);
    for (const c of (ctr("containers", "ls", "-q").stdout ?? "").split("\n").filter(Boolean)) {
      ctr("containers", "delete", c);
    }
  }
  for (const p of lock.procs) if (isCtrd(p)) killGroupSync(p.pid);
  for (const pid of shimPids(lock.dir)) killGroupSync(pid, 0);
  removeCgroups();
  unmountAll([lock.dir]);
  removeLinks();
  cleanNftables();
  restoreSysctls(parseSysctls(lock.sysctls));
  removeCniCache();
  rmSync(lock.dir, { recursive: true, force: true });
  if (readNodeLock(file)?.dir === lock.dir) rmSync(file, { force: true });
}

/**
 * Takes the host lock for a new node, cleaning up first after an owner that died (which restores
 * the sysctls: read them only after this returns).
 */
export function takeHostLock(lock: NodeLock, log: Log, file = NODE_LOCK_FILE): void {
  const held = readNodeLock(file);
  // Our own pid too: a second node in the same process would share the bridge and cgroups.
  if (held && isAlive(held.pid)) {
    throw new Error(
      `another node is running on this host (pid ${held.pid}, ${held.dir}): one node per machine ` +
        "(it owns the bridge, the kubelet's cgroups and the pod network); stop it first ('testenv down --node')",
    );
  }
  if (held) {
    log(`host: a node left by pid ${held.pid} (killed?) is still set up; cleaning it up first`);
    cleanupHost(held, file);
  }
  try {
    writeFileSync(file, JSON.stringify(lock), { flag: "wx" });
  } catch {
    throw new Error(`another node started at the same moment (${file} exists); try again`);
  }
}

export function releaseHostLock(dir: string, file = NODE_LOCK_FILE): void {
  if (readNodeLock(file)?.dir === dir) rmSync(file, { force: true });
}
