// Writes crds/<plural>.yaml from the zod schemas; `--check` exits 1 when the committed files drift.
// Usage: node packages/shared-types/src/generate-crds.ts [--check] [--out <dir>]
import { existsSync, mkdirSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { buildCrds } from "./crd/build.ts";
import { renderFieldReference, withFieldReference } from "./crd/field-docs.ts";
import { renderCrdFiles } from "./crd/render.ts";

export const DEFAULT_CRD_DIR = resolve(fileURLToPath(new URL("../../../crds", import.meta.url)));
export const CRD_DOC = resolve(fileURLToPath(new URL("../../../docs/crds.md", import.meta.url)));

/** docs/crds.md with the field reference of the current schemas. */
export function crdDoc(path: string = CRD_DOC): string {
  return withFieldReference(readFileSync(path, "utf8"), renderFieldReference(buildCrds()));
}

export interface CrdDrift {
  missing: string[];
  changed: string[];
  extra: string[];
}

/** Compares the generated files with those in dir. */
export function crdDrift(dir: string = DEFAULT_CRD_DIR): CrdDrift {
  const wanted = renderCrdFiles(buildCrds());
  const present = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".yaml")) : [];
  const drift: CrdDrift = { missing: [], changed: [], extra: [] };
  for (const [file, content] of wanted) {
    if (!present.includes(file)) drift.missing.push(file);
    else if (readFileSync(join(dir, file), "utf8") !== content) drift.changed.push(file);
  }
  drift.extra = present.filter((f) => !wanted.has(f)).sort();
  return drift;
}

export function writeCrds(dir: string = DEFAULT_CRD_DIR): string[] {
  mkdirSync(dir, { recursive: true });
  const wanted = renderCrdFiles(buildCrds());
  for (const [file, content] of wanted) writeFileSync(join(dir, file), content);
  // Files of kinds that no longer exist would otherwise still be installed.
  for (const f of readdirSync(dir)) if (f.endsWith(".yaml") && !wanted.has(f)) unlinkSync(join(dir, f));
  return [...wanted.keys()];
}

function main(argv: string[]): number {
  const outIndex = argv.indexOf("--out");
  const dir = outIndex >= 0 && argv[outIndex + 1] ? resolve(argv[outIndex + 1] as string) : DEFAULT_CRD_DIR;
  const shown = relative(process.cwd(), dir) || ".";
  if (argv.includes("--check")) {
    const drift = crdDrift(dir);
    const problems = [
      ...drift.missing.map((f) => `missing: ${f}`),
      ...drift.changed.map((f) => `out of date: ${f}`),
      ...drift.extra.map((f) => `not generated: ${f}`),
    ];
    if (problems.length > 0) {
      console.error(
        `CRDs in ${shown} differ from the schemas (run 'make crds'):\n  ${problems.join("\n  ")}`,
      );
      return 1;
    }
    console.log(`CRDs in ${shown} are up to date`);
    return 0;
  }
  const files = writeCrds(dir);
  console.log(`wrote ${files.length} CRDs to ${shown}`);
  if (outIndex < 0) {
    writeFileSync(CRD_DOC, crdDoc());
    console.log(`wrote the field reference in ${relative(process.cwd(), CRD_DOC)}`);
  }
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
