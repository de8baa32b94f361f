import { existsSync } from "node:fs";
import { mountsUnder, nodeCgroups, nodeLinks, nodeNftObjects, readSysctls } from "./node-host.ts";
import { NODE_LOCK_FILE } from "./node-lock.ts";
import { groupMembers, isAlive } from "./process.ts";

/** Harness processes (or members of their process groups) still running; [] when clean. */
export function leftoverProcesses(pids: number[]): number[] {
  const left = new Set<number>();
  for (const pid of pids) {
    if (isAlive(pid)) left.add(pid);
    for (const member of groupMembers(pid)) left.add(member);
  }
  return [...left];
}

/** Throws if any harness process survived or the working directory is still there. */
export function assertNothingLeft(pids: number[], dir: string): void {
  const left = leftoverProcesses(pids);
  if (left.length > 0) throw new Error(`testenv leaked processes after teardown: ${left.join(", ")}`);
  if (existsSync(dir)) throw new Error(`testenv left its directory behind: ${dir}`);
}

/**
 * What a stopped node left on the host, one line per leftover ([] when clean): processes, its
 * directory, mounts, links, nftables objects, cgroups, changed sysctls and the host lock.
 */
export function nodeLeftovers(o: {
  pids: number[];
  dir: string;
  sysctlsBefore: Record<string, string>;
}): string[] {
  const left: string[] = [];
  const procs = leftoverProcesses(o.pids);
  if (procs.length > 0) left.push(`processes ${procs.join(", ")}`);
  if (existsSync(o.dir)) left.push(`directory ${o.dir}`);
  for (const m of mountsUnder([o.dir])) left.push(`mount ${m}`);
  for (const l of nodeLinks()) left.push(`link ${l}`);
  for (const n of nodeNftObjects()) left.push(`nftables ${n}`);
  for (const c of nodeCgroups()) left.push(`cgroup ${c}`);
  const now = readSysctls();
  for (const [k, v] of Object.entries(o.sysctlsBefore))
    if (now[k] !== v) left.push(`sysctl ${k}=${now[k]} (was ${v})`);
  if (existsSync(NODE_LOCK_FILE)) left.push(`lock ${NODE_LOCK_FILE}`);
  return left;
}
