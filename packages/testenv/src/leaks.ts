import { existsSync } from "node:fs";
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
