// The package's `vmcp` command runs the bundle where one is built, and the sources when there is
// none or when a source changed after it was built (a stale bundle must not answer for them).
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
// @ts-expect-error plain JavaScript without declarations: the bin must run from node_modules
import { vmcpEntry } from "../../../bin/vmcp-entry.mjs";
import { USAGE } from "../../../src/cli.ts";

const entry = vmcpEntry as (pkgDir: string) => string;
const dir = mkdtempSync(join(tmpdir(), "vmcp-bin-"));
const pkg = join(dir, "packages/vmcp-runtime");
const file = (rel: string, at: number) => {
  const p = join(dir, rel);
  mkdirSync(join(p, ".."), { recursive: true });
  writeFileSync(p, "");
  utimesSync(p, at, at);
};

describe("the vmcp bin", () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("runs the sources while no bundle is built", () => {
    file("packages/vmcp-runtime/src/main.ts", 1_000);
    expect(entry(pkg)).toBe(join(pkg, "src/main.ts"));
  });

  it("runs the bundle once built, and the sources again when a bundled source is newer", () => {
    file("packages/vmcp-runtime/dist/vmcp.mjs", 2_000);
    file("packages/shared-types/src/kinds/x.ts", 1_500);
    expect(entry(pkg)).toBe(join(pkg, "dist/vmcp.mjs"));
    file("packages/kube-kit/src/deep/er/y.ts", 3_000);
    expect(entry(pkg)).toBe(join(pkg, "src/main.ts"));
  });

  it("is a working vmcp", () => {
    const bin = join(import.meta.dirname, "../../../bin/vmcp.mjs");
    const r = spawnSync(process.execPath, [bin, "--help"], { encoding: "utf8" });
    expect(r.stdout).toBe(`${USAGE}\n`);
    expect(r.status).toBe(0);
  });
});
