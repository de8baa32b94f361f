import type { ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";

/** Resolves with the first stdout line `match` accepts; rejects if the process exits first. Later
 * lines are still read, so a chatty child never blocks on a full pipe. */
export function waitForLine<T>(child: ChildProcess, match: (line: string) => T | undefined): Promise<T> {
  return new Promise((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    const onExit = (code: number | null) => reject(new Error(`process exited early (${code})`));
    child.once("exit", onExit);
    let done = false;
    rl.on("line", (line) => {
      if (done) return;
      const v = match(line);
      if (v !== undefined) {
        done = true;
        child.off("exit", onExit);
        resolve(v);
      }
    });
  });
}

/** Resident set size of a live process, from /proc (Linux only, as every bench here); NaN if absent. */
export function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

/** The V8 flags a checkout's runtime image runs with (the last NODE_OPTIONS of its
 * deploy/docker/runtime.Dockerfile), or `override` (a bench's env variable) when set. */
export function imageNodeArgs(checkout: string, override?: string): string[] {
  const image = readFileSync(`${checkout.replace(/\/$/, "")}/deploy/docker/runtime.Dockerfile`, "utf8");
  const imaged = [...image.matchAll(/^ENV NODE_OPTIONS=(.*)$/gm)].at(-1)?.[1] ?? "";
  return (override ?? imaged).split(" ").filter(Boolean);
}
