// `vmcp-operator --help` as a user runs it (a real process, no cluster needed): usage on stdout,
// exit 0; an unknown flag names itself on stderr and exits 2.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const MAIN = join(import.meta.dirname, "..", "..", "src", "main.ts");
const run = (...args: string[]) =>
  spawnSync(process.execPath, [MAIN, ...args], {
    encoding: "utf8",
    timeout: 30_000,
    env: { PATH: process.env.PATH },
  });

describe("vmcp-operator CLI", () => {
  it("--help prints every flag with its environment variable and exits 0", () => {
    const r = run("--help");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("Usage: vmcp-operator [flags]");
    for (const [flag, env] of [
      ["--vmcp-image", "VMCP_IMAGE"],
      ["--namespace", "WATCH_NAMESPACE"],
      ["--metrics-port", "METRICS_PORT"],
      ["--leader-elect", "LEADER_ELECT"],
    ]) {
      expect(r.stdout).toMatch(new RegExp(`${flag}\\b.*\\[${env}\\]`));
    }
  });

  it("an unknown flag is refused with exit 2, naming it", () => {
    const r = run("--bogus");
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("Unknown option '--bogus'");
  });
});
