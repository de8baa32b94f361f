// What operators deploy (deploy/): the chart's CRDs are the generated ones, the plain manifests
// are what the chart renders, the API server accepts every rendered object, and the operator's pod
// and the runtime pod the operator builds are admitted under the `restricted` Pod Security Standard.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { buildDeployment } from "@vmcp/operator/builders/deployment";
import { CONFIG_KEY, CONFIG_MOUNT_DIR, VMCP_PORT } from "@vmcp/operator/builders/names";
import { API_VERSION } from "@vmcp/shared-types";
import { createNamespace, ensureBinaries, type TestNamespace } from "@vmcp/testenv";
import { testKubeConfig } from "@vmcp/testenv/vitest";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  CHART_CRD_DIR,
  CRD_DIR,
  MANIFESTS,
  RELEASE_NAMESPACE,
  readManifest,
  renderManifest,
  yamlFiles,
} from "./harness/chart.ts";
import { ensureHelm } from "./harness/helm.ts";
import { apply, create, type KubeObject } from "./harness/kube.ts";
import { parseManifest, podSpecOf, retargetNamespace } from "./harness/manifests.ts";

const kc = testKubeConfig();
let ns: TestNamespace;
let restricted: TestNamespace;

beforeAll(async () => {
  ns = await createNamespace(kc, "deploy");
  restricted = await createNamespace(kc, "restricted");
  await apply(kc, {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name: restricted.name, labels: { "pod-security.kubernetes.io/enforce": "restricted" } },
  });
});
afterAll(async () => {
  await ns?.delete();
  await restricted?.delete();
});

describe("Helm chart", () => {
  it("ships exactly the generated CRDs (crds/) in its crds/ directory", () => {
    const ours = yamlFiles(CRD_DIR);
    expect(yamlFiles(CHART_CRD_DIR)).toEqual(ours);
    for (const f of ours) {
      expect(
        readFileSync(join(CHART_CRD_DIR, f), "utf8"),
        `${f} differs: run node e2e/render-manifests.ts`,
      ).toBe(readFileSync(join(CRD_DIR, f), "utf8"));
    }
  });

  it("grants the operator no verb that escalates, and delete only on what an MCPServer's transport switch leaves (never Secrets, ConfigMaps, Services, CRDs)", () => {
    // MCPServer transport stdio <-> HTTP: the objects of the old shape are deleted by name.
    const deletable = new Set([
      "/serviceaccounts",
      "apps/deployments",
      "apps/statefulsets",
      "rbac.authorization.k8s.io/roles",
      "rbac.authorization.k8s.io/rolebindings",
    ]);
    for (const m of MANIFESTS) {
      const roles = parseManifest(readManifest(m.file)).filter(
        (o) => o.kind === "ClusterRole" || o.kind === "Role",
      );
      expect(roles.length, m.file).toBeGreaterThan(0);
      const rules = roles.flatMap(
        (r) => (r.rules ?? []) as { apiGroups?: string[]; resources?: string[]; verbs: string[] }[],
      );
      const verbs = rules.flatMap((rule) => rule.verbs);
      expect(verbs, m.file).toContain("patch");
      for (const v of ["deletecollection", "bind", "escalate", "impersonate", "*"])
        expect(verbs, `${m.file} grants ${v}`).not.toContain(v);
      const deleted = rules
        .filter((r) => r.verbs.includes("delete"))
        .flatMap((r) => (r.apiGroups ?? []).flatMap((g) => (r.resources ?? []).map((res) => `${g}/${res}`)));
      expect(new Set(deleted), m.file).toEqual(deletable);
    }
  });

  it("renders deploy/manifests exactly as committed", async () => {
    const helm = await ensureHelm({ log: (l) => console.log(l) });
    for (const m of MANIFESTS) {
      expect(readManifest(m.file), `${m.file} is stale: run node e2e/render-manifests.ts`).toBe(
        renderManifest(helm, m),
      );
    }
  }, 900_000);
});

describe("Dockerfiles (not buildable here: checked against the workspace they package)", () => {
  const root = join(import.meta.dirname, "..");
  const images = [
    { file: "operator.Dockerfile", pkg: "operator", target: "operator", bin: "vmcp-operator" },
    { file: "runtime.Dockerfile", pkg: "vmcp-runtime", target: "runtime", bin: "vmcp" },
  ];
  const workspaceDeps = (dir: string): string[] => {
    const manifest = JSON.parse(readFileSync(join(root, "packages", dir, "package.json"), "utf8")) as {
      dependencies?: Record<string, string>;
    };
    return Object.entries(manifest.dependencies ?? {})
      .filter(([, v]) => v.startsWith("workspace:"))
      .map(([name]) => name.replace("@vmcp/", ""));
  };
  const closure = (dir: string, seen = new Set<string>()): Set<string> => {
    if (seen.has(dir)) return seen;
    seen.add(dir);
    for (const d of workspaceDeps(dir)) closure(d, seen);
    return seen;
  };
  const members = [...readdirSync(join(root, "packages")).map((d) => `packages/${d}`), "e2e", "bench"].filter(
    (d) => existsSync(join(root, d, "package.json")),
  );

  for (const image of images) {
    it(`${image.file}: every workspace manifest for the frozen lockfile, the sources of its workspace closure, uid 1000`, () => {
      const text = readFileSync(join(root, "deploy/docker", image.file), "utf8");
      for (const m of members) expect(text, m).toContain(`COPY ${m}/package.json ${m}/`);
      for (const dir of closure(image.pkg)) {
        expect(text, dir).toContain(`COPY packages/${dir}/src packages/${dir}/src`);
        expect(text, dir).toContain(`COPY --from=deps /app/packages/${dir} ./packages/${dir}`);
      }
      expect(text).toContain(`--filter "@vmcp/${image.pkg}..."`);
      expect(text).toMatch(/^USER 1000:1000$/m);
      const entry = /^ENTRYPOINT \["\/nodejs\/bin\/node", "([^"]+)"\]$/m.exec(text)?.[1];
      // The entry is the bundle scripts/bundle.ts writes in the image's bundle stage, from the
      // package's own main.ts, and copied into the final stage.
      expect(entry, "ENTRYPOINT").toBe(`packages/${image.pkg}/dist/${image.bin}.mjs`);
      expect(existsSync(join(root, "packages", image.pkg, "src/main.ts"))).toBe(true);
      expect(text).toContain(`RUN node scripts/bundle.ts ${image.target}`);
      expect(text).toContain(
        `COPY --from=bundle /app/packages/${image.pkg}/dist ./packages/${image.pkg}/dist`,
      );
      expect(readFileSync(join(root, "scripts/bundle.ts"), "utf8").replace(/\s+/g, " ")).toContain(
        `entry: "packages/${image.pkg}/src/main.ts", outdir: "packages/${image.pkg}/dist", name: "${image.bin}"`,
      );
    });
  }

  it("runtime.Dockerfile fills the compile cache with the final image's Node, flags and paths, and runs with it", () => {
    const text = readFileSync(join(root, "deploy/docker/runtime.Dockerfile"), "utf8");
    const base = "$" + "{RUNTIME_IMAGE}"; // the Dockerfile's own placeholder, not a template
    const stages = text.split(/^FROM /m).slice(1);
    const cacheStage = stages.find((st) => st.startsWith(`${base} AS compile-cache`));
    const final = stages.at(-1) ?? "";
    expect(cacheStage, "a compile-cache stage on the runtime base image").toBeDefined();
    expect(final.startsWith(`${base}\n`)).toBe(true);
    const flags = (st: string) => /^ENV NODE_OPTIONS=(.*)$/m.exec(st)?.[1];
    expect(flags(cacheStage ?? "")).toBe(flags(final));
    expect(/^WORKDIR (.*)$/m.exec(cacheStage ?? "")?.[1]).toBe(/^WORKDIR (.*)$/m.exec(final)?.[1]);
    const run =
      /^RUN \["\/nodejs\/bin\/node", "scripts\/compile-cache.ts", "([^"]+)", "packages\/vmcp-runtime\/dist", "vmcp.mjs"\]$/m.exec(
        cacheStage ?? "",
      );
    expect(run, "RUN scripts/compile-cache.ts").not.toBeNull();
    const dir = run?.[1] ?? "";
    expect(final).toContain(`ENV NODE_COMPILE_CACHE=${dir}`);
    expect(final).toContain(`COPY --from=compile-cache --chown=1000:1000 ${dir} `);
    expect(final).toMatch(/^USER 1000:1000$/m);
  });

  it("runtime.Dockerfile's default command serves the config where the operator mounts it", () => {
    const text = readFileSync(join(root, "deploy/docker/runtime.Dockerfile"), "utf8");
    expect(text).toContain(
      `CMD ["serve", "--config=${CONFIG_MOUNT_DIR}/${CONFIG_KEY}", "--host=0.0.0.0", "--port=${VMCP_PORT}"]`,
    );
  });
});

describe("plain manifests", () => {
  for (const m of MANIFESTS) {
    it(`${m.file} passes a server-side dry-run (kubectl apply --server-side --dry-run=server)`, async () => {
      const { kubectl } = await ensureBinaries();
      // The manifests install into vmcp-system; the dry-run targets a fresh namespace instead, as a
      // dry-run Namespace is not persisted and objects in it would be refused as NotFound.
      const text = readManifest(m.file)
        .replaceAll(`namespace: ${RELEASE_NAMESPACE}`, `namespace: ${ns.name}`)
        .replace(`name: ${RELEASE_NAMESPACE}\n`, `name: ${ns.name}\n`);
      const r = spawnSync(
        kubectl,
        [
          "--kubeconfig",
          kubeconfigPath(),
          "apply",
          "--server-side",
          "--force-conflicts",
          "--dry-run=server",
          "-f",
          "-",
        ],
        { input: text, encoding: "utf8" },
      );
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      const applied = r.stdout.trim().split("\n");
      expect(applied).toHaveLength(parseManifest(text).length);
      for (const line of applied) expect(line).toMatch(/serverside-applied \(server dry run\)$/);
    });
  }
});

describe("examples", () => {
  const dir = join(import.meta.dirname, "../deploy/examples");
  for (const file of yamlFiles(dir)) {
    it(`deploy/examples/${file} is accepted by the API server (server-side dry-run)`, async () => {
      const { kubectl } = await ensureBinaries();
      const r = spawnSync(
        kubectl,
        [
          "--kubeconfig",
          kubeconfigPath(),
          "-n",
          ns.name,
          "apply",
          "--server-side",
          "--dry-run=server",
          "-f",
          join(dir, file),
        ],
        { encoding: "utf8" },
      );
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
    });
  }
});

function kubeconfigPath(): string {
  return inject("kubeconfigPath");
}

describe("restricted Pod Security Standard", () => {
  const asPod = (name: string, spec: Record<string, unknown>): KubeObject => ({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: restricted.name },
    spec,
  });

  it("admission is enforced in the labelled namespace (a privileged pod is refused)", async () => {
    const pod = asPod("privileged", {
      containers: [{ name: "c", image: "busybox", securityContext: { privileged: true } }],
    });
    await expect(create(kc, pod, { dryRun: true })).rejects.toThrow(/violates PodSecurity "restricted/);
  });

  it("admits the operator's pod from the chart", async () => {
    for (const m of MANIFESTS) {
      const objects = retargetNamespace(
        parseManifest(readManifest(m.file)),
        RELEASE_NAMESPACE,
        restricted.name,
      );
      const deployment = objects.find((o) => o.kind === "Deployment");
      expect(deployment).toBeDefined();
      if (!deployment) return;
      const created = await create(kc, asPod("operator", podSpecOf(deployment)), { dryRun: true });
      expect(created.metadata.name).toBe("operator");
    }
  });

  it("admits the runtime pod the operator builds for a VirtualMCPServer", async () => {
    const deployment = buildDeployment({
      owner: {
        apiVersion: API_VERSION,
        kind: "VirtualMCPServer",
        name: "gateway",
        uid: "00000000-0000-0000-0000-000000000001",
      },
      namespace: restricted.name,
      image: "ghcr.io/vmcp-k8s/vmcp:0.1.0",
      configChecksum: "sha256:0",
      debug: false,
      secretEnv: [{ env: "TOOLHIVE_BEARER_TOKEN_API", secretName: "api", key: "token" }],
      caBundles: [{ entry: "calendar", configMap: "calendar-ca" }],
    }) as unknown as KubeObject;
    const created = await create(kc, asPod("vmcp-gateway", podSpecOf(deployment)), { dryRun: true });
    expect(created.metadata.name).toBe("vmcp-gateway");
  });
});
