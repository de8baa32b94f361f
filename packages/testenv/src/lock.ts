import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { isAlive } from "./process.ts";

/**
 * Holds an exclusive lock file (O_EXCL) while fn runs, so two `testenv up` never start two control
 * planes on one state file. A lock left by a dead process is taken over.
 */
export async function withLockFile<T>(
  file: string,
  fn: () => Promise<T>,
  opts: { timeoutMs?: number; onWait?: (holder: number) => void } = {},
): Promise<T> {
  mkdirSync(dirname(file), { recursive: true });
  const deadline = Date.now() + (opts.timeoutMs ?? 60 * 60_000);
  let announced = false;
  for (;;) {
    try {
      writeFileSync(file, String(process.pid), { flag: "wx" });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
    const holder = Number(readFileSync(file, { encoding: "utf8", flag: "r" }).trim() || "0");
    if (!holder || !isAlive(holder)) {
      rmSync(file, { force: true });
      continue;
    }
    if (!announced) opts.onWait?.(holder);
    announced = true;
    if (Date.now() > deadline) throw new Error(`timed out waiting for lock ${file} held by pid ${holder}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  try {
    return await fn();
  } finally {
    rmSync(file, { force: true });
  }
}
