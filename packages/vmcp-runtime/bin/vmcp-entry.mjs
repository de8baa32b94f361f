// Which file the package's `vmcp` command runs (bin/vmcp.mjs): plain JavaScript, as that is.
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

/** Newest modification time (ms) of the files under `dir`, 0 if it does not exist. */
function newest(dir) {
  if (!existsSync(dir)) return 0;
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) t = Math.max(t, statSync(join(e.parentPath, e.name)).mtimeMs);
  }
  return t;
}

/** The file `vmcp` runs for the package at `pkgDir`: the bundle unless missing or older than a
 * source of the runtime or of the workspace packages it bundles (shared-types, kube-kit). */
export function vmcpEntry(pkgDir) {
  const bundle = join(pkgDir, "dist", "vmcp.mjs");
  const sources = join(pkgDir, "src", "main.ts");
  if (!existsSync(bundle)) return sources;
  const built = statSync(bundle).mtimeMs;
  const dirs = [join(pkgDir, "src"), join(pkgDir, "../shared-types/src"), join(pkgDir, "../kube-kit/src")];
  return dirs.some((d) => newest(d) > built) ? sources : bundle;
}
