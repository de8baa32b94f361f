// The project's images, built from deploy/docker/*.Dockerfile (the only recipes) with buildah
// against local base images, cached as OCI archives named by a content hash of their inputs: an
// unchanged tree is never rebuilt, and the tag says which inputs an image was built from.
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, realpathSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import type { Log } from "./go-build.ts";
import { installHostPackages } from "./node-host.ts";
import { imagesCacheDir, MKOCI } from "./node-images.ts";
import { cacheDir, PACKAGE_DIR } from "./paths.ts";

export const REPO_ROOT = resolve(PACKAGE_DIR, "../..");
const BASE_SCRIPT = join(PACKAGE_DIR, "scripts", "build-base-images.sh");
const NPM_VERSION = "11.21.2";
const NODE_BUILD = "localhost/node-build:24";
const NODE_DISTROLESS = "localhost/node-distroless:24";

/** Every workspace manifest: each Dockerfile's install step copies them all. */
const MANIFESTS = [
  "package.json",
  "pnpm-lock.yaml",
  "pnpm-workspace.yaml",
  ".npmrc",
  "packages/shared-types/package.json",
  "packages/kube-kit/package.json",
  "packages/operator/package.json",
  "packages/vmcp-runtime/package.json",
  "packages/testenv/package.json",
  "e2e/package.json",
  "bench/package.json",
];

export const PROJECT_IMAGES = {
  runtime: {
    repository: "localhost/vmcp",
    dockerfile: "deploy/docker/runtime.Dockerfile",
    sources: [
      "packages/shared-types/src",
      "packages/kube-kit/src",
      "packages/vmcp-runtime/src",
      "scripts/bundle.ts",
      "scripts/compile-cache.ts",
    ],
  },
  operator: {
    repository: "localhost/vmcp-operator",
    dockerfile: "deploy/docker/operator.Dockerfile",
    sources: [
      "packages/shared-types/src",
      "packages/kube-kit/src",
      "packages/operator/src",
      "scripts/bundle.ts",
    ],
  },
  sampleBackend: {
    repository: "localhost/vmcp-sample-backend",
    dockerfile: "deploy/docker/sample-backend.Dockerfile",
    sources: ["e2e/harness/backend.ts", "e2e/harness/sample-tools.ts", "e2e/sample-backend"],
  },
} as const;
export type ImageName = keyof typeof PROJECT_IMAGES;

export type BuiltImage = {
  ref: string;
  repository: string;
  tag: string;
  archive: string;
  bytes: number;
  /** Seconds spent building and exporting it in this call (0 when cached). */
  buildSeconds: number;
};

/** Files under the given repo paths that git tracks or would track (untracked, not ignored). */
function inputFiles(paths: string[]): string[] {
  const r = spawnSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "--", ...paths], {
    cwd: REPO_ROOT,
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`git ls-files failed: ${r.stderr}`);
  return [...new Set(r.stdout.split("\n").filter((f) => f && existsSync(join(REPO_ROOT, f))))].sort();
}

/** sha256 over names and contents of the image's inputs, plus the base images' key. */
export function imageKey(name: ImageName, baseKey: string): string {
  const img = PROJECT_IMAGES[name];
  const h = createHash("sha256").update(`base:${baseKey}\n`);
  for (const f of inputFiles([
    ...MANIFESTS,
    img.dockerfile,
    `${img.dockerfile}.dockerignore`,
    ...img.sources,
  ])) {
    h.update(`${f}\n`).update(readFileSync(join(REPO_ROOT, f)));
  }
  return h.digest("hex").slice(0, 16);
}

function run(cmd: string, args: string[], log: Log, opts: { cwd?: string } = {}): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, stdio: ["ignore", "pipe", "pipe"] });
    const tail: string[] = [];
    const onLine = (l: string) => {
      tail.push(l);
      if (tail.length > 30) tail.shift();
      log(l);
    };
    createInterface({ input: child.stdout }).on("line", onLine);
    createInterface({ input: child.stderr }).on("line", onLine);
    child.on("error", fail);
    child.on("close", (code) =>
      code === 0
        ? done()
        : fail(
            new Error(`${cmd} ${args.slice(0, 3).join(" ")} … failed (exit ${code}):\n${tail.join("\n")}`),
          ),
    );
  });
}

function buildahArgs(): string[] {
  const b = join(cacheDir(), "buildah");
  return ["--root", join(b, "root"), "--runroot", join(b, "runroot"), "--storage-driver", "overlay"];
}

/** npm from the npm registry (the build base runs `npm install -g pnpm` like node:24-slim does). */
async function ensureNpm(log: Log): Promise<string> {
  const dir = join(cacheDir(), `npm-${NPM_VERSION}`);
  const pkg = join(dir, "node_modules", "npm");
  if (existsSync(join(pkg, "bin", "npm-cli.js"))) return pkg;
  mkdirSync(dir, { recursive: true });
  log(`base images: fetching npm ${NPM_VERSION} from the npm registry`);
  await run("pnpm", ["add", `npm@${NPM_VERSION}`, "--config.node-linker=hoisted", "--ignore-scripts"], log, {
    cwd: dir,
  });
  return pkg;
}

/** The local node-build and node-distroless bases, in buildah's storage; returns their key. */
async function ensureBaseImages(log: Log): Promise<string> {
  const node = realpathSync(process.execPath);
  const key = createHash("sha256")
    .update(readFileSync(BASE_SCRIPT))
    .update(readFileSync(MKOCI))
    .update(`${process.version} ${NPM_VERSION}`)
    .digest("hex")
    .slice(0, 16);
  const dir = join(imagesCacheDir(), `base-${key}`);
  const pulled = join(dir, "pulled-into-buildah");
  if (existsSync(pulled)) return key;
  if (!existsSync(join(dir, "node-build.tar"))) {
    const npm = await ensureNpm(log);
    log(
      `base images: assembling ${NODE_BUILD} and ${NODE_DISTROLESS} (Node ${process.version} + Debian libraries)`,
    );
    await run("bash", [BASE_SCRIPT, dir, node, npm, join(cacheDir(), "debs")], log);
  }
  for (const [ref, file] of [
    [NODE_BUILD, "node-build.tar"],
    [NODE_DISTROLESS, "node-distroless.tar"],
  ] as const) {
    const pull = spawnSync("buildah", [...buildahArgs(), "pull", "-q", `oci-archive:${join(dir, file)}`], {
      encoding: "utf8",
    });
    const id = pull.stdout.trim().split("\n").pop() ?? "";
    if (pull.status !== 0 || !id) throw new Error(`buildah pull of ${file} failed:\n${pull.stderr}`);
    await run("buildah", [...buildahArgs(), "tag", id, ref], log);
  }
  writeFileSync(pulled, new Date().toISOString());
  return key;
}

/**
 * Builds (or finds in the cache) the project's images. Needs buildah (Debian package) and root;
 * progress goes to `log`. Returns each image with its OCI archive, ready for Cluster.importImages.
 */
export async function buildProjectImages(
  opts: { log?: Log; only?: ImageName[] } = {},
): Promise<Record<ImageName, BuiltImage>> {
  const log = opts.log ?? (() => {});
  if (installHostPackages({ buildah: "buildah" }, log).length > 0) {
    throw new Error("buildah is needed to build the images (Debian: apt-get install buildah)");
  }
  const baseKey = await ensureBaseImages(log);
  const out = {} as Record<ImageName, BuiltImage>;
  const names = opts.only ?? (Object.keys(PROJECT_IMAGES) as ImageName[]);
  for (const name of names) {
    const img = PROJECT_IMAGES[name];
    const tag = imageKey(name, baseKey);
    const ref = `${img.repository}:${tag}`;
    const archive = join(imagesCacheDir(), `${img.repository.split("/")[1]}-${tag}.tar`);
    let buildSeconds = 0;
    if (!existsSync(archive)) {
      const t = performance.now();
      log(`images: building ${ref} from ${img.dockerfile}`);
      await run(
        "buildah",
        [
          ...buildahArgs(),
          "bud",
          "--pull-never",
          "--isolation",
          "chroot",
          "--network",
          "host",
          "--layers",
          "--ignorefile",
          `${img.dockerfile}.dockerignore`,
          "--build-arg",
          `NODE_IMAGE=${NODE_BUILD}`,
          "--build-arg",
          `RUNTIME_IMAGE=${NODE_DISTROLESS}`,
          // Not part of the cache key: an image is rebuilt when its inputs change, and then
          // reports the commit it was built at (`--version`, *_build_info).
          "--build-arg",
          `VMCP_GIT_COMMIT=${gitCommit()}`,
          "-f",
          img.dockerfile,
          "-t",
          ref,
          ".",
        ],
        (l) => {
          if (/^STEP \d+/.test(l)) log(`images: ${name}: ${l}`);
        },
        { cwd: REPO_ROOT },
      );
      await run("buildah", [...buildahArgs(), "push", "-q", ref, `oci-archive:${archive}.tmp:${ref}`], log);
      spawnSync("mv", [`${archive}.tmp`, archive]);
      buildSeconds = Number(((performance.now() - t) / 1000).toFixed(1));
      log(`images: ${ref} built in ${buildSeconds}s (${(statSync(archive).size / 1e6).toFixed(0)} MB)`);
    } else {
      log(`images: ${ref} cached (${archive})`);
    }
    out[name] = {
      ref,
      repository: img.repository,
      tag,
      archive,
      bytes: statSync(archive).size,
      buildSeconds,
    };
  }
  return out;
}

/** The checkout's HEAD (12 hex digits), or "" outside a git checkout ("unknown" at run time). */
function gitCommit(): string {
  const r = spawnSync("git", ["rev-parse", "--short=12", "HEAD"], { cwd: REPO_ROOT, encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : "";
}
