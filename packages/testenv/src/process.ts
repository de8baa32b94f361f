import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, existsSync, openSync, readdirSync, readFileSync } from "node:fs";

/** One harness process: its own process group (detached), output appended to logFile. */
export type Proc = {
  name: string;
  pid: number;
  logFile: string;
  child: ChildProcess;
  /** Set once the process has exited (null while it runs). */
  exit: { code: number | null; signal: NodeJS.Signals | null } | null;
  exited: Promise<void>;
};

export function spawnLogged(
  name: string,
  command: string,
  args: string[],
  logFile: string,
  opts: { keepAlive?: boolean } = {},
): Proc {
  const fd = openSync(logFile, "a");
  let child: ChildProcess;
  try {
    // detached: own process group, so stop() can signal everything it forked and a Ctrl-C meant
    // for the test runner does not reach it before the runner's cleanup does.
    child = spawn(command, args, { detached: true, stdio: ["ignore", fd, fd] });
  } finally {
    closeSync(fd);
  }
  if (child.pid === undefined) throw new Error(`failed to spawn ${name} (${command})`);
  // Survive the spawner exiting (`testenv up`) when asked; otherwise still don't hold the event loop.
  if (opts.keepAlive) child.unref();
  const proc: Proc = { name, pid: child.pid, logFile, child, exit: null, exited: Promise.resolve() };
  proc.exited = new Promise((resolve) => {
    child.once("exit", (code, signal) => {
      proc.exit = { code, signal };
      resolve();
    });
  });
  child.once("error", () => {});
  return proc;
}

function procStat(pid: number): { state: string; pgrp: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // comm may contain spaces/parens: fields after the last ')' are fixed.
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { state: rest[0] ?? "", pgrp: Number(rest[2]) };
  } catch {
    return null;
  }
}

const hasProc = existsSync("/proc/self/stat");

/** True while pid runs. A zombie (exited, not yet reaped by a reparented parent) counts as gone. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
  if (!hasProc) return true;
  const stat = procStat(pid);
  return stat !== null && stat.state !== "Z";
}

/** Live (non-zombie) members of process group pgid. */
export function groupMembers(pgid: number): number[] {
  if (!hasProc) {
    try {
      process.kill(-pgid, 0);
      return [pgid];
    } catch {
      return [];
    }
  }
  const members: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = procStat(Number(entry));
    if (stat && stat.pgrp === pgid && stat.state !== "Z") members.push(Number(entry));
  }
  return members;
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // already gone
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** SIGTERM the group, SIGKILL what is left after graceMs, and wait until it is gone. */
export async function killGroup(pgid: number, graceMs = 5_000): Promise<void> {
  if (groupMembers(pgid).length === 0) return;
  signalGroup(pgid, "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (groupMembers(pgid).length > 0 && Date.now() < deadline) await sleep(25);
  if (groupMembers(pgid).length === 0) return;
  signalGroup(pgid, "SIGKILL");
  const killDeadline = Date.now() + 5_000;
  while (groupMembers(pgid).length > 0) {
    if (Date.now() > killDeadline) throw new Error(`process group ${pgid} survived SIGKILL`);
    await sleep(25);
  }
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));
function sleepSync(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}

/** killGroup for 'exit' handlers, where nothing asynchronous runs any more. */
export function killGroupSync(pgid: number, graceMs = 2_000): void {
  if (groupMembers(pgid).length === 0) return;
  signalGroup(pgid, "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (groupMembers(pgid).length > 0 && Date.now() < deadline) sleepSync(20);
  signalGroup(pgid, "SIGKILL");
}

/** The last `lines` lines of a log file, for error messages. */
export function tailFile(path: string, lines = 30): string {
  try {
    const text = readFileSync(path, "utf8").trimEnd();
    return text.split("\n").slice(-lines).join("\n");
  } catch {
    return "(no output)";
  }
}
