// The Go command-line tools the tests use (helm, promtool), built lazily from the Go module proxy
// like the control-plane binaries (packages/testenv/src/binaries.ts): an environment variable naming
// a binary first, then the version-keyed cache, then a build.
import { join, resolve } from "node:path";
import { cacheDir, ensureGoBuilt, isExecutable, type Log } from "@vmcp/testenv";

const BUILD_SCRIPT = resolve(import.meta.dirname, "../../deploy/scripts/build-go-tool.sh");

export interface GoTool {
  name: string;
  /** Its main package. */
  goPackage: string;
  /** The Go module version to build. */
  version: string;
  /** Extra linker flags (the version the binary prints). */
  ldflags: string;
  /** An environment variable that may name an existing binary instead. */
  envVar: string;
}

export const goToolCacheDir = (t: GoTool): string => join(cacheDir(), "bin", `${t.name}-${t.version}`);

/** Path of the tool's binary; builds it once when neither its variable nor the cache has one. */
export async function ensureGoTool(t: GoTool, opts: { log?: Log } = {}): Promise<string> {
  const log = opts.log ?? (() => {});
  const fromEnv = process.env[t.envVar];
  if (fromEnv) {
    if (!isExecutable(fromEnv)) throw new Error(`${t.envVar}=${fromEnv} is not an executable`);
    return fromEnv;
  }
  const dir = goToolCacheDir(t);
  await ensureGoBuilt({
    dir,
    names: [t.name],
    script: BUILD_SCRIPT,
    env: { TOOL: t.name, TOOL_PACKAGE: t.goPackage, TOOL_VERSION: t.version, TOOL_LDFLAGS: t.ldflags },
    log: (line) => log(`${t.name}: ${line}`),
    noGoHint: `Set ${t.envVar}=/path/to/${t.name}.`,
    announce: () => log(`${t.name}: building ${t.version} into ${dir} (once)`),
  });
  return join(dir, t.name);
}
