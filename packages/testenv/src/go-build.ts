// Tools the project builds from the Go module proxy (no prebuilt downloads reach our machines):
// the control-plane binaries here, helm for the e2e suite. Each lives in a version-keyed cache
// directory, filled once by a bash script that serialises concurrent builds on a lock file.
import { spawn, spawnSync } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";

export type Log = (line: string) => void;

export function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Names that are not executable in dir. */
export function missingIn(dir: string, names: readonly string[]): string[] {
  return names.filter((name) => !isExecutable(join(dir, name)));
}

export interface GoBuildOptions {
  /** The version-keyed cache directory the script builds into. */
  dir: string;
  names: readonly string[];
  script: string;
  /** Extra environment for the script (versions, OUT_DIR). */
  env: Record<string, string>;
  /** Receives the script's output, line by line. */
  log: Log;
  /** Appended to the error when a build is needed and there is no Go: how to do without one. */
  noGoHint: string;
  /** Called once before a build starts (builds take minutes: say so). */
  announce?: (missing: string[]) => void;
}

/** Makes sure every name is executable in dir, building the missing ones once. */
export async function ensureGoBuilt(o: GoBuildOptions): Promise<"cached" | "built"> {
  const missing = missingIn(o.dir, o.names);
  if (missing.length === 0) return "cached";
  if (spawnSync("go", ["version"], { stdio: "ignore" }).status !== 0) {
    throw new Error(
      `missing ${missing.join(", ")} in ${o.dir} and no usable 'go' on PATH to build them. ${o.noGoHint}`,
    );
  }
  o.announce?.(missing);
  await runBuildScript(o.script, { ...o.env, OUT_DIR: o.dir }, o.log);
  const still = missingIn(o.dir, o.names);
  if (still.length > 0) throw new Error(`build finished but ${still.join(", ")} missing in ${o.dir}`);
  return "built";
}

function runBuildScript(script: string, env: Record<string, string>, log: Log): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", [script], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const tail: string[] = [];
    const onLine = (line: string) => {
      tail.push(line);
      if (tail.length > 40) tail.shift();
      log(line);
    };
    createInterface({ input: child.stdout }).on("line", onLine);
    createInterface({ input: child.stderr }).on("line", onLine);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      if (code === 0) resolve();
      else
        reject(new Error(`${script} failed (${signal ?? `exit ${code}`}); last output:\n${tail.join("\n")}`));
    });
  });
}
