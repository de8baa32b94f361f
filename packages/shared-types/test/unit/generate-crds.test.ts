import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { crdDrift, writeCrds } from "../../src/generate-crds.ts";

const cli = new URL("../../src/generate-crds.ts", import.meta.url).pathname;
let dir = "";
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = "";
});

describe("generate-crds", () => {
  it("detects a hand edit, a missing file and a stray file", () => {
    dir = mkdtempSync(join(tmpdir(), "crds-"));
    writeCrds(dir);
    expect(crdDrift(dir)).toEqual({ missing: [], changed: [], extra: [] });
    const file = join(dir, "virtualmcpservers.yaml");
    writeFileSync(file, readFileSync(file, "utf8").replace("default: ClusterIP", "default: NodePort"));
    rmSync(join(dir, "mcpgroups.yaml"));
    writeFileSync(join(dir, "old.yaml"), "{}\n");
    expect(crdDrift(dir)).toEqual({
      missing: ["mcpgroups.yaml"],
      changed: ["virtualmcpservers.yaml"],
      extra: ["old.yaml"],
    });
  });

  // Spawns node three times: a generous timeout for a loaded 2-core machine.
  it("the CLI: --check exits 1 on drift; writing fixes it", { timeout: 60_000 }, () => {
    dir = mkdtempSync(join(tmpdir(), "crds-"));
    writeCrds(dir);
    expect(spawnSync(process.execPath, [cli, "--check", "--out", dir]).status).toBe(0);
    writeFileSync(join(dir, "mcptoolconfigs.yaml"), "# edited\n");
    const check = spawnSync(process.execPath, [cli, "--check", "--out", dir], { encoding: "utf8" });
    expect(check.status).toBe(1);
    expect(check.stderr).toContain("out of date: mcptoolconfigs.yaml");
    execFileSync(process.execPath, [cli, "--out", dir]);
    expect(crdDrift(dir)).toEqual({ missing: [], changed: [], extra: [] });
  });
});
