import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { CoreV1Api } from "@kubernetes/client-node";
import { describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { ensureBinaries } from "../../src/binaries.ts";
import { startControlPlane } from "../../src/control-plane.ts";
import { eventually, pidExists } from "./helpers.ts";

const FIXTURE = join(import.meta.dirname, "fixtures", "start-then-die.ts");
const ReportSchema = z.object({ pids: z.array(z.number().int().positive()).min(3), dir: z.string() });

describe("control plane lifecycle", () => {
  it("serves requests, and stop() leaves no process and no directory behind", async () => {
    const plane = await startControlPlane({ installCrds: false });
    const pids = plane.pids();
    const dir = plane.dir;
    try {
      expect(pids.length).toBeGreaterThanOrEqual(3); // etcd, kube-apiserver, watchdog
      for (const pid of pids) expect(pidExists(pid)).toBe(true);
      const namespaces = await plane.kubeConfig().makeApiClient(CoreV1Api).listNamespace();
      expect(namespaces.items.map((n) => n.metadata?.name)).toContain("default");
    } finally {
      await plane.stop();
    }
    expect(pids.filter(pidExists)).toEqual([]);
    expect(existsSync(dir)).toBe(false);
  });

  it("a failed start says why (the process's last log lines) and leaves nothing behind", async () => {
    // A kube-apiserver that dies at once, next to the real etcd.
    const real = await ensureBinaries();
    const assets = mkdtempSync(join(tmpdir(), "testenv-broken-"));
    try {
      symlinkSync(real.etcd, join(assets, "etcd"));
      symlinkSync(real.kubectl, join(assets, "kubectl"));
      writeFileSync(
        join(assets, "kube-apiserver"),
        "#!/bin/sh\necho 'Error: unknown flag: --frobnicate' >&2\nexit 1\n",
      );
      chmodSync(join(assets, "kube-apiserver"), 0o755);
      vi.stubEnv("KUBEBUILDER_ASSETS", assets);
      const lines: string[] = [];
      await expect(startControlPlane({ installCrds: false, log: (l) => lines.push(l) })).rejects.toThrow(
        /kube-apiserver exited during startup \(code 1\)[\s\S]*unknown flag: --frobnicate/,
      );
      const pids = [...lines.join("\n").matchAll(/\(pid (\d+)\)/g)].map((m) => Number(m[1]));
      const dir = /workdir: (\S+)/.exec(lines.join("\n"))?.[1] ?? "";
      expect(pids.length).toBeGreaterThanOrEqual(2);
      expect(pids.filter(pidExists)).toEqual([]);
      expect(dir).not.toBe("");
      expect(existsSync(dir)).toBe(false);
    } finally {
      vi.unstubAllEnvs();
      rmSync(assets, { recursive: true, force: true });
    }
  });

  // The test process itself dying must not leak etcd/kube-apiserver either: an uncaught error
  // (exit hook), SIGTERM (signal hook) and SIGKILL (nothing runs in-process: the watchdog does it).
  it.each([
    ["an uncaught error", "crash", null],
    ["SIGTERM", "signal", "SIGTERM"],
    ["SIGKILL", "signal", "SIGKILL"],
  ] as const)("a process killed by %s leaves no process and no directory behind", async (_, mode, signal) => {
    const child = spawn(process.execPath, [FIXTURE, mode], { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    let report: z.infer<typeof ReportSchema> | undefined;
    for await (const line of createInterface({ input: child.stdout })) {
      report = ReportSchema.parse(JSON.parse(line));
      break;
    }
    if (!report) throw new Error(`fixture exited before reporting its control plane:\n${stderr}`);
    for (const pid of report.pids) expect(pidExists(pid)).toBe(true);
    if (signal) child.kill(signal);
    await exited;
    if (mode === "crash") expect(stderr).toContain("simulated crash");
    const { pids, dir } = report;
    // Orphans are reaped by init asynchronously, and the watchdog allows a 2 s grace: poll.
    expect(await eventually(() => pids.every((pid) => !pidExists(pid)), 20_000)).toBe(true);
    expect(await eventually(() => !existsSync(dir), 5_000)).toBe(true);
  });
});
