import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { ensureBinaries } from "../../src/binaries.ts";

const root = mkdtempSync(join(tmpdir(), "testenv-bins-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
afterEach(() => {
  vi.unstubAllEnvs();
});

function assetsDir(name: string, binaries: string[]): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  for (const b of binaries) {
    writeFileSync(join(dir, b), "#!/bin/sh\n");
    chmodSync(join(dir, b), 0o755);
  }
  return dir;
}

describe("ensureBinaries", () => {
  it("uses KUBEBUILDER_ASSETS first, without building", async () => {
    const dir = assetsDir("complete", ["etcd", "kube-apiserver", "kubectl"]);
    vi.stubEnv("KUBEBUILDER_ASSETS", dir);
    const lines: string[] = [];
    const bins = await ensureBinaries({ log: (l) => lines.push(l) });
    expect(bins).toEqual({
      dir,
      etcd: join(dir, "etcd"),
      kubeApiserver: join(dir, "kube-apiserver"),
      kubectl: join(dir, "kubectl"),
    });
    expect(lines.join("\n")).toContain("KUBEBUILDER_ASSETS");
  });

  it("names what an incomplete KUBEBUILDER_ASSETS lacks", async () => {
    vi.stubEnv("KUBEBUILDER_ASSETS", assetsDir("partial", ["etcd", "kube-apiserver"]));
    await expect(ensureBinaries()).rejects.toThrow(/lacks kubectl/);
  });

  it("says how to proceed when nothing is cached and go is not installed", async () => {
    vi.stubEnv("KUBEBUILDER_ASSETS", "");
    vi.stubEnv("VMCP_CACHE_DIR", join(root, "empty-cache"));
    vi.stubEnv("PATH", assetsDir("no-go-on-path", []));
    await expect(ensureBinaries()).rejects.toThrow(/no usable 'go'.*KUBEBUILDER_ASSETS/s);
  });
});
