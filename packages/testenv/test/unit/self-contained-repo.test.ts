// The repository explains itself: a comment or a doc may cite docs/ of this repository or a
// public standard (RFC 6750 §3.1), never a design note, a reference file or an issue number
// that a reader of the repository does not have.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "../../../..");
// Built from pieces so that this file does not cite what it forbids.
const SECTION = "\u00a7";
const FORBIDDEN: [string, RegExp][] = [
  ["a design document", new RegExp(`\\b${"DES"}IGN\\b`)],
  ["a reference section", new RegExp(`reference ${SECTION}`, "i")],
  ["a reference file", new RegExp(`\\b${"refer"}ence/[\\w-]+\\.md`, "i")],
  ["an issue number", new RegExp(`\\b${"iss"}ue #?\\d+`, "i")],
  ["a folder outside the repository", new RegExp(`\\.\\./${"sha"}red\\b`)],
  // A section sign is fine after the public standard it belongs to.
  [
    "a section of an unnamed document",
    new RegExp(`^(?!.*\\b(RFC \\d+|OIDC Discovery|OpenID)[^${SECTION}]*${SECTION}).*${SECTION}`),
  ],
];

function trackedFiles(): string[] {
  const r = spawnSync(
    "git",
    [
      "ls-files",
      "--cached",
      "--others",
      "--exclude-standard",
      "--",
      "packages",
      "docs",
      "bench",
      "e2e",
      "scripts",
      "deploy",
      "README.md",
    ],
    { cwd: root, encoding: "utf8" },
  );
  expect(r.status, r.stderr).toBe(0);
  return r.stdout
    .split("\n")
    .filter((f) => /\.(ts|md|ya?ml|sh|json|tpl|Dockerfile|go|c)$|Dockerfile$/.test(f))
    .filter((f) => !f.endsWith("pnpm-lock.yaml"));
}

describe("the repository cites only itself and public standards", () => {
  it("no comment or doc points at a document outside the repository", () => {
    const found: string[] = [];
    for (const f of trackedFiles()) {
      let text: string;
      try {
        text = readFileSync(join(root, f), "utf8");
      } catch {
        continue; // deleted in the work tree, not yet in the index
      }
      text.split("\n").forEach((line, i) => {
        for (const [what, re] of FORBIDDEN)
          if (re.test(line)) found.push(`${f}:${i + 1}: ${what}: ${line.trim()}`);
      });
    }
    expect(found).toEqual([]);
  });

  it("recognises each kind of citation it forbids", () => {
    const samples = [
      `see ${"DES"}IGN ${SECTION}6a`,
      `as in reference ${SECTION}3.8`,
      `per ${"refer"}ence/performance-notes.md`,
      `added in ${"Iss"}ue 5`,
      `../${"sha"}red/notes`,
      `(${SECTION}4.2)`,
    ];
    for (const s of samples)
      expect(
        FORBIDDEN.some(([, re]) => re.test(s)),
        s,
      ).toBe(true);
    expect(FORBIDDEN.some(([, re]) => re.test(`RFC 6750 ${SECTION}3.1: no error code`))).toBe(false);
  });
});
