#!/usr/bin/env node
// Runs beside a test process that owns a node: when that process dies without cleaning up (SIGKILL,
// OOM, a CI timeout), the kernel closes our stdin and we undo the node from the host lock.
import { cleanupHost, readNodeLock } from "./node-lock.ts";
import { isAlive } from "./process.ts";

const [dir, owner] = process.argv.slice(2);
process.stdin.resume();
process.stdin.on("close", () => {
  const lock = readNodeLock();
  if (lock && lock.dir === dir && !isAlive(Number(owner))) cleanupHost(lock);
  process.exit(0);
});
process.stdin.on("end", () => process.stdin.destroy());
