// The Helm chart in deploy/helm/vmcp-operator: rendering it, keeping its crds/ in sync with the
// generated crds/, and the plain manifests in deploy/manifests rendered from it.
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { readVersions } from "@vmcp/testenv";

export const ROOT = resolve(import.meta.dirname, "../..");
export const CHART_DIR = join(ROOT, "deploy/helm/vmcp-operator");
export const CHART_CRD_DIR = join(CHART_DIR, "crds");
export const CRD_DIR = join(ROOT, "crds");
export const MANIFEST_DIR = join(ROOT, "deploy/manifests");
export const RELEASE = "vmcp-operator";
export const RELEASE_NAMESPACE = "vmcp-system";

/** The plain manifests and the chart values each is rendered with. */
export const MANIFESTS: readonly { file: string; what: string; set: Record<string, string> }[] = [
  { file: "install.yaml", what: "cluster scope (every namespace)", set: { createNamespace: "true" } },
  {
    file: "install-namespaced.yaml",
    what: `namespace scope (VirtualMCPServers in ${RELEASE_NAMESPACE} only)`,
    set: { createNamespace: "true", scope: "namespace" },
  },
];

export function yamlFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".yaml"))
    .sort();
}

/** Copies crds/*.yaml into the chart (Helm installs a chart's crds/ before its templates). */
export function syncChartCrds(): void {
  mkdirSync(CHART_CRD_DIR, { recursive: true });
  for (const f of yamlFiles(CHART_CRD_DIR)) rmSync(join(CHART_CRD_DIR, f));
  for (const f of yamlFiles(CRD_DIR)) copyFileSync(join(CRD_DIR, f), join(CHART_CRD_DIR, f));
}

/** `helm template` of the chart with CRDs; `set` are --set key=value pairs. */
export function helmTemplate(
  helm: string,
  opts: { set?: Record<string, string>; namespace?: string; release?: string } = {},
): string {
  const args = [
    "template",
    opts.release ?? RELEASE,
    CHART_DIR,
    "--namespace",
    opts.namespace ?? RELEASE_NAMESPACE,
    "--include-crds",
    // A locally built helm has no cluster to ask and would assume its compiled-in v1.20.
    "--kube-version",
    readVersions().kubernetes,
  ];
  for (const [k, v] of Object.entries(opts.set ?? {})) args.push("--set", `${k}=${v}`);
  const r = spawnSync(helm, args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`helm ${args.join(" ")} failed:\n${r.stderr}`);
  return r.stdout;
}

export function manifestHeader(what: string): string {
  return `# vmcp-operator: ${what}. Generated from deploy/helm/vmcp-operator with its default values by\n# \`node e2e/render-manifests.ts\`; do not edit (a test fails when it drifts from the chart).\n`;
}

export function renderManifest(helm: string, m: (typeof MANIFESTS)[number]): string {
  return manifestHeader(m.what) + helmTemplate(helm, { set: m.set });
}

export function writeManifests(helm: string): string[] {
  mkdirSync(MANIFEST_DIR, { recursive: true });
  return MANIFESTS.map((m) => {
    const path = join(MANIFEST_DIR, m.file);
    writeFileSync(path, renderManifest(helm, m));
    return path;
  });
}

export function readManifest(file: string): string {
  return readFileSync(join(MANIFEST_DIR, file), "utf8");
}
