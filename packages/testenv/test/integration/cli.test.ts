import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { afterAll, describe, expect, it } from "vitest";
import { ensureBinaries } from "../../src/binaries.ts";
import { readState, statePaths } from "../../src/state.ts";
import { eventually, pidExists } from "./helpers.ts";

const run = promisify(execFile);
const CLI = join(import.meta.dirname, "..", "..", "src", "cli.ts");
// A private cache dir, so this test never touches a control plane a person keeps running.
const cache = mkdtempSync(join(tmpdir(), "testenv-cli-"));

async function cli(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  const { dir } = await ensureBinaries();
  return run(process.execPath, [CLI, ...args], {
    env: { ...process.env, VMCP_CACHE_DIR: cache, KUBEBUILDER_ASSETS: dir },
  });
}

afterAll(async () => {
  const state = readState(statePaths(join(cache, "testenv")).file);
  if (state) await cli("down");
  rmSync(cache, { recursive: true, force: true });
});

describe("testenv CLI", () => {
  it("up leaves a working control plane after the CLI exits; up again is a no-op; down removes it", async () => {
    const first = await cli("up");
    expect(first.stderr).toMatch(/etcd: healthy[\s\S]*kube-apiserver: ready[\s\S]*ready in/);
    const kubeconfigPath = /^export KUBECONFIG=(.+)$/m.exec(first.stdout)?.[1];
    expect(kubeconfigPath).toBeDefined();

    // The CLI has exited; the control plane keeps serving.
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfigPath ?? "");
    const namespaces = await kc.makeApiClient(CoreV1Api).listNamespace();
    expect(namespaces.items.map((n) => n.metadata?.name)).toContain("default");

    const state = readState(statePaths(join(cache, "testenv")).file);
    if (!state) throw new Error("no state file after up");
    const second = await cli("up");
    expect(second.stderr).toContain("already up");
    expect(second.stdout).toBe(first.stdout);
    expect((await cli("env")).stdout).toBe(`export KUBECONFIG=${kubeconfigPath}\n`);
    expect((await cli("status")).stdout).toContain("running (ready)");

    await cli("down");
    const pids = [state.pids.etcd, state.pids.apiserver];
    expect(await eventually(() => pids.every((p) => !pidExists(p)), 10_000)).toBe(true);
    expect(existsSync(state.dir)).toBe(false);
    await expect(cli("env")).rejects.toMatchObject({ code: 1 });
  });
});
