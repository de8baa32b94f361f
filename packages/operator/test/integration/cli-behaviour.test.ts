// The `vmcp-operator` binary as a user runs it: --version, and one-line errors with the documented
// exit codes (2 usage, 1 runtime failure) instead of stack traces or endless retries.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import pkg from "../../package.json" with { type: "json" };

const MAIN = join(import.meta.dirname, "..", "..", "src", "main.ts");
const run = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  spawnSync(process.execPath, [MAIN, ...args], {
    encoding: "utf8",
    timeout: 30_000,
    env: { PATH: process.env.PATH, ...env },
  });

function expectOneLine(stderr: string, expected: string | RegExp) {
  const lines = stderr.trimEnd().split("\n");
  expect(lines, stderr).toHaveLength(1);
  if (typeof expected === "string") expect(lines[0]).toBe(expected);
  else expect(lines[0]).toMatch(expected);
}

let home: string;
beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), "vmcp-operator-home-"));
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

describe("vmcp-operator CLI", () => {
  it("--version prints the package version and the commit (unknown from source)", () => {
    const r = run(["--version"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`vmcp-operator ${pkg.version} (commit unknown)\n`);
    expect(run(["--version"], { VMCP_GIT_COMMIT: "abcdef1" }).stdout).toBe(
      `vmcp-operator ${pkg.version} (commit abcdef1)\n`,
    );
  });

  it("--completion bash prints a script that completes the operator's flags in a real bash", () => {
    const r = run(["--completion", "bash"]);
    expect(r.status).toBe(0);
    const typed = `COMP_WORDS=(vmcp-operator --leader-el); COMP_CWORD=1; _vmcp_operator_complete; echo "\${COMPREPLY[@]}"`;
    const b = spawnSync("bash", ["-c", `${r.stdout}\n${typed}`], { encoding: "utf8" });
    expect(b.stdout.trim().split(" ").sort()).toEqual([
      "--leader-elect",
      "--leader-election-id",
      "--leader-election-namespace",
    ]);
    const bad = run(["--completion", "fish"]);
    expect(bad.status).toBe(2);
    expectOneLine(
      bad.stderr,
      'vmcp-operator: --completion: expected one of bash, zsh, got "fish" (see vmcp-operator --help)',
    );
  });

  it("a bad flag value is a usage error: exit 2, one line", () => {
    const r = run(["--metrics-port", "http"]);
    expect(r.status).toBe(2);
    expectOneLine(r.stderr, "vmcp-operator: --metrics-port: not a port: http (see vmcp-operator --help)");
  });

  it("a --kubeconfig that does not exist: exit 1, one line", () => {
    const r = run(["--kubeconfig", join(home, "nope.yaml")]);
    expect(r.status).toBe(1);
    expectOneLine(r.stderr, `vmcp-operator: kubeconfig ${join(home, "nope.yaml")}: no such file`);
  });

  it("no kubeconfig at all (not in a cluster, no KUBECONFIG, no ~/.kube/config): exit 1 at once", () => {
    const r = run([], { HOME: home });
    expect(r.status).toBe(1);
    expectOneLine(
      r.stderr,
      `vmcp-operator: no kubeconfig: not in a cluster, KUBECONFIG is unset and ${join(home, ".kube/config")} does not exist (pass --kubeconfig)`,
    );
    const named = run([], { HOME: home, KUBECONFIG: join(home, "missing") });
    expect(named.status).toBe(1);
    expectOneLine(named.stderr, /KUBECONFIG=.*missing names no existing file/);
  });

  describe("metrics port in use", () => {
    let holder: Server;
    let port: number;
    beforeAll(async () => {
      holder = createServer();
      await new Promise<void>((resolve) => holder.listen(0, "127.0.0.1", resolve));
      port = (holder.address() as { port: number }).port;
    });
    afterAll(() => new Promise<void>((resolve) => holder.close(() => resolve())));

    it("exit 1 with one error line naming the address", () => {
      const r = run([
        "--kubeconfig",
        inject("kubeconfigPath"),
        "--metrics-addr",
        "127.0.0.1",
        "--metrics-port",
        String(port),
        "--leader-elect=false",
      ]);
      expect(r.status).toBe(1);
      const errors = r.stderr.split("\n").filter((l) => l.startsWith("vmcp-operator: "));
      expect(errors).toEqual([
        `vmcp-operator: cannot listen on 127.0.0.1:${port}: address already in use (another process holds the port)`,
      ]);
      expect(r.stderr).not.toMatch(/^\s+at /m);
    });
  });
});

describe("vmcp-operator logs", () => {
  /** Runs the operator until a stdout line matches, then stops it; returns that line. */
  async function firstLine(args: string[], match: RegExp): Promise<string> {
    const child = spawn(process.execPath, [MAIN, ...args], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { PATH: process.env.PATH },
    });
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    try {
      return await new Promise<string>((resolve, reject) => {
        child.once("exit", (code) => reject(new Error(`vmcp-operator exited with ${code}`)));
        createInterface({ input: child.stdout }).on("line", (l) => {
          if (match.test(l)) resolve(l);
        });
      });
    } finally {
      child.kill("SIGTERM");
      await exited;
    }
  }
  const base = () => [
    "--kubeconfig",
    inject("kubeconfigPath"),
    "--metrics-addr",
    "127.0.0.1",
    "--metrics-port",
    "0",
    "--leader-elect=false",
  ];

  it("json: ISO time and level names, like the runtime", async () => {
    const line = JSON.parse(await firstLine(base(), /caches synced/)) as Record<string, unknown>;
    expect(line.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(line).toMatchObject({ level: "info", name: "vmcp-operator", msg: "caches synced" });
  });

  it("--log-format text prints <time> <LEVEL> [vmcp-operator] <msg> key=value", async () => {
    const line = await firstLine([...base(), "--log-format", "text"], /caches synced/);
    expect(line).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z INFO +\[vmcp-operator\] caches synced informers=\[/);
  });
});
