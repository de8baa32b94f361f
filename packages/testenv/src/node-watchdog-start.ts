import { spawn } from "node:child_process";
import { join } from "node:path";

/** Starts the node watchdog (see node-watchdog.ts); returns its pid. It exits once the owner is gone. */
export function startNodeWatchdog(dir: string): number {
  const child = spawn(
    process.execPath,
    [join(import.meta.dirname, "node-watchdog.ts"), dir, String(process.pid)],
    {
      detached: true,
      stdio: ["pipe", "ignore", "ignore"],
    },
  );
  if (child.pid === undefined) throw new Error("failed to spawn the node watchdog");
  child.unref();
  (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  child.stdin?.on("error", () => {});
  return child.pid;
}
