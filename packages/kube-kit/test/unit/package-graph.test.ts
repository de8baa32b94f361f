// The workspace's packages depend only downward: shared-types at the bottom, kube-kit above it,
// then the two programs side by side. The runtime must not ship the operator (nor the reverse),
// so a change inside one program cannot break the other.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "../../../..");
interface Manifest {
  name: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}
const members = [
  "packages/shared-types",
  "packages/kube-kit",
  "packages/operator",
  "packages/vmcp-runtime",
  "packages/testenv",
  "e2e",
  "bench",
];
const manifests = new Map<string, Manifest>(
  members.map((m) => [m, JSON.parse(readFileSync(join(root, m, "package.json"), "utf8")) as Manifest]),
);
const byName = new Map([...manifests].map(([dir, m]) => [m.name, dir]));
const workspaceDeps = (dir: string, kinds: ("dependencies" | "devDependencies")[]): string[] => {
  const m = manifests.get(dir);
  return kinds.flatMap((k) => Object.keys(m?.[k] ?? {})).filter((n) => byName.has(n));
};

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return f === "node_modules" ? [] : tsFiles(p);
    return p.endsWith(".ts") ? [p] : [];
  });
}
/** Files under `dir` that name `pkg` in an import, or reach its folder by a relative path. */
function importersOf(dir: string, pkg: string): string[] {
  const folder = byName.get(pkg) ?? pkg;
  const spec = new RegExp(`(from|import\\()\\s*"(${pkg}|(\\.\\./)+${folder})[/"]`);
  return tsFiles(join(root, dir))
    .filter((f) => spec.test(readFileSync(f, "utf8")))
    .map((f) => relative(root, f));
}

describe("workspace package graph", () => {
  it("the runtime and the operator depend on kube-kit and shared-types", () => {
    for (const dir of ["packages/vmcp-runtime", "packages/operator"]) {
      expect(workspaceDeps(dir, ["dependencies"]), dir).toEqual(
        expect.arrayContaining(["@vmcp/kube-kit", "@vmcp/shared-types"]),
      );
    }
  });

  it("neither program depends on the other at run time, and the operator not even in its tests", () => {
    expect(workspaceDeps("packages/vmcp-runtime", ["dependencies"])).not.toContain("@vmcp/operator");
    expect(workspaceDeps("packages/operator", ["dependencies", "devDependencies"])).not.toContain(
      "@vmcp/vmcp-runtime",
    );
    // The runtime's integration tests run a real operator beside it; its sources never import one.
    expect(importersOf("packages/vmcp-runtime/src", "@vmcp/operator")).toEqual([]);
    expect(importersOf("packages/operator/src", "@vmcp/vmcp-runtime")).toEqual([]);
  });

  it("kube-kit depends on shared-types alone and imports neither program", () => {
    expect(workspaceDeps("packages/kube-kit", ["dependencies", "devDependencies"])).toEqual([
      "@vmcp/shared-types",
    ]);
    expect(importersOf("packages/kube-kit", "@vmcp/operator")).toEqual([]);
    expect(importersOf("packages/kube-kit", "@vmcp/vmcp-runtime")).toEqual([]);
  });

  it("has no cycle, counting devDependencies (pnpm warns about those too)", () => {
    const cycles: string[] = [];
    const visit = (dir: string, path: string[]) => {
      for (const dep of workspaceDeps(dir, ["dependencies", "devDependencies"])) {
        const next = byName.get(dep) as string;
        if (path.includes(next)) cycles.push([...path.slice(path.indexOf(next)), next].join(" -> "));
        else visit(next, [...path, next]);
      }
    };
    for (const dir of members) visit(dir, [dir]);
    expect(cycles).toEqual([]);
  });

  it("shared-types, at the bottom, depends on no workspace package at run time", () => {
    expect(workspaceDeps("packages/shared-types", ["dependencies"])).toEqual([]);
  });
});
