import { spawn } from "node:child_process";
import type { Proc } from "./process.ts";

// Covers the case no in-process hook can: the test process dies from SIGKILL (OOM, CI timeout).
// The watchdog's stdin is a pipe whose write end only this process holds; when it dies the kernel
// closes it, `read` returns and the watchdog kills the process groups listed in $dir/pgids.
const SCRIPT = `
dir=$1
read -r _ || true
[ -d "$dir" ] || exit 0
groups=$(cat "$dir/pgids" 2>/dev/null)
for g in $groups; do kill -TERM -"$g" 2>/dev/null; done
sleep 2
for g in $groups; do kill -KILL -"$g" 2>/dev/null; done
rm -rf "$dir"
`;

export function startWatchdog(dir: string): Proc {
  const child = spawn("sh", ["-c", SCRIPT, "vmcp-testenv-watchdog", dir], {
    detached: true,
    stdio: ["pipe", "ignore", "ignore"],
  });
  if (child.pid === undefined) throw new Error("failed to spawn the testenv watchdog");
  child.unref();
  // The pipe must not keep the event loop (and so the test process) alive.
  (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  child.stdin?.on("error", () => {});
  const proc: Proc = {
    name: "watchdog",
    pid: child.pid,
    logFile: "",
    child,
    exit: null,
    exited: Promise.resolve(),
  };
  proc.exited = new Promise((resolve) => {
    child.once("exit", (code, signal) => {
      proc.exit = { code, signal };
      resolve();
    });
  });
  return proc;
}
