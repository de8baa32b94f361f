// `testenv --help` as a person runs it (a real process; starts nothing): usage on stdout, exit 0;
// an unknown command is refused with exit 2.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const CLI = join(import.meta.dirname, "..", "..", "src", "cli.ts");
const run = (...args: string[]) =>
  spawnSync(process.execPath, [CLI, ...args], {
    encoding: "utf8",
    timeout: 30_000,
    env: { PATH: process.env.PATH },
  });

describe("testenv CLI help", () => {
  it("--help lists up, down, env and status and exits 0", () => {
    const r = run("--help");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("Usage: testenv <command>");
    for (const cmd of ["up", "down", "env", "status"])
      expect(r.stdout).toMatch(new RegExp(`^\\s+${cmd}\\s`, "m"));
  });

  it("an unknown command is refused with exit 2, naming it", () => {
    const r = run("frob");
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("unknown arguments 'frob'");
  });
});
