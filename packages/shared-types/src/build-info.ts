// What `--version` and the `*_build_info` gauges report: the package version plus the git commit
// the binary was built from, when known.

// Replaced by a bundler (esbuild `--define:__VMCP_COMMIT__='"<sha>"'`); absent when run from source.
declare const __VMCP_COMMIT__: string | undefined;

export interface BuildInfo {
  version: string;
  /** Git commit (short or full SHA), or "unknown". */
  commit: string;
}

const COMMIT = /^[0-9a-f]{7,40}$/i;

/** The build-time constant first, then VMCP_GIT_COMMIT (set by image builds), else "unknown". */
export function buildInfo(version: string, env: NodeJS.ProcessEnv = process.env): BuildInfo {
  const baked = typeof __VMCP_COMMIT__ === "string" ? __VMCP_COMMIT__ : undefined;
  const commit = [baked, env.VMCP_GIT_COMMIT].find((c) => c !== undefined && COMMIT.test(c));
  return { version, commit: commit?.toLowerCase() ?? "unknown" };
}

export function versionLine(binary: string, info: BuildInfo): string {
  return `${binary} ${info.version} (commit ${info.commit})`;
}
