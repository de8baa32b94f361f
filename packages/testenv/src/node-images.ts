// Images on a registry-less node: the sandbox (pause) image is built here from C, and OCI archives
// are imported into containerd's k8s.io namespace once per content (the image store is persistent).
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { PAUSE_IMAGE } from "./node-config.ts";
import { cacheDir, PACKAGE_DIR } from "./paths.ts";

const PAUSE_SRC = join(PACKAGE_DIR, "scripts", "pause", "pause.c");
export const MKOCI = join(PACKAGE_DIR, "scripts", "mkoci.sh");

export function imagesCacheDir(): string {
  return join(cacheDir(), "images");
}

/** First 16 hex chars of the sha256 over the given files' contents: the cache key of a build. */
export function contentKey(files: string[], extra = ""): string {
  const h = createHash("sha256");
  for (const f of files) h.update(readFileSync(f));
  h.update(extra);
  return h.digest("hex").slice(0, 16);
}

function check(cmd: string, args: string[], what: string): void {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${what} failed (${cmd} ${args.join(" ")}):\n${r.stderr}${r.stdout}`);
}

/** localhost/pause:3.10 as an OCI archive: a static C binary (gcc + glibc's libc.a), 0.7 MB. */
export function ensurePauseImage(): string {
  const out = join(imagesCacheDir(), `pause-${contentKey([PAUSE_SRC, MKOCI])}.tar`);
  if (existsSync(out)) return out;
  mkdirSync(imagesCacheDir(), { recursive: true });
  const w = mkdtempSync(join(imagesCacheDir(), ".pause-"));
  try {
    mkdirSync(join(w, "rootfs"));
    check(
      "gcc",
      ["-static", "-Os", "-s", "-o", join(w, "rootfs", "pause"), PAUSE_SRC],
      "building the pause binary (needs gcc and libc6-dev)",
    );
    check(
      "bash",
      [MKOCI, PAUSE_IMAGE, join(w, "rootfs"), out, '["/pause"]', "[]"],
      "packing the pause image",
    );
  } finally {
    rmSync(w, { recursive: true, force: true });
  }
  return out;
}

const ImportedSchema = z.record(z.string(), z.string());

/**
 * Imports each archive unless this very file (content-hashed name) was the last one imported for
 * its image ref. The record lives in the persistent image store, next to the images themselves.
 */
export function importImages(o: {
  ctr: string;
  socket: string;
  imageStore: string;
  archives: Record<string, string>;
  log: (l: string) => void;
}): void {
  const record = join(o.imageStore, "vmcp-imported.json");
  let imported: Record<string, string> = {};
  try {
    imported = ImportedSchema.parse(JSON.parse(readFileSync(record, "utf8")));
  } catch {
    // first run, or unreadable: import everything
  }
  const present = spawnSync(o.ctr, ["--address", o.socket, "-n", "k8s.io", "images", "ls", "-q"], {
    encoding: "utf8",
  }).stdout.split("\n");
  for (const [ref, archive] of Object.entries(o.archives)) {
    if (imported[ref] === archive && present.includes(ref)) continue;
    const t = performance.now();
    check(
      o.ctr,
      ["--address", o.socket, "-n", "k8s.io", "images", "import", archive],
      `importing ${archive}`,
    );
    imported[ref] = archive;
    writeFileSync(record, JSON.stringify(imported, null, 2));
    o.log(`images: imported ${ref} from ${archive} (${((performance.now() - t) / 1000).toFixed(1)}s)`);
  }
}
