// The Helm chart as a platform team meets it: `helm lint --strict` is clean, values.schema.json
// refuses typos and wrong types with the offending path, README.md documents exactly values.yaml,
// optional objects render when switched on, and the commands NOTES.txt prints work as printed.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createNamespace, ensureBinaries, type TestNamespace } from "@vmcp/testenv";
import { testKubeConfig } from "@vmcp/testenv/vitest";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { CHART_CRD_DIR, CHART_DIR, helmTemplate, yamlFiles } from "./harness/chart.ts";
import { CHART_ALERTS, CHART_README, currentChartReadme, MONITORING_ALERTS } from "./harness/chart-readme.ts";
import { ensureHelm } from "./harness/helm.ts";
import type { KubeObject } from "./harness/kube.ts";
import { parseManifest } from "./harness/manifests.ts";

let helm: string;

function objectOfKind(objects: KubeObject[], kind: string): KubeObject {
  const found = objects.find((o) => o.kind === kind);
  if (!found) throw new Error(`no ${kind} rendered`);
  return found;
}
beforeAll(async () => {
  helm = await ensureHelm({ log: (l) => console.log(l) });
}, 900_000);

const run = (cmd: string, args: string[]) => spawnSync(cmd, args, { encoding: "utf8" });

describe("helm lint --strict", () => {
  it("passes with the default values", () => {
    const r = run(helm, ["lint", "--strict", CHART_DIR]);
    expect(r.stdout + r.stderr).toContain("0 chart(s) failed");
    expect(r.status).toBe(0);
  });

  it("passes with every optional object switched on", () => {
    const r = run(helm, [
      "lint",
      "--strict",
      CHART_DIR,
      ...[
        "podDisruptionBudget.enabled=true",
        "replicaCount=2",
        "scope=namespace",
        "logFormat=text",
        "metrics.serviceMonitor.enabled=true",
        "metrics.podMonitor.enabled=true",
        "metrics.prometheusRule.enabled=true",
      ].flatMap((s) => ["--set", s]),
    ]);
    expect(r.stdout + r.stderr).toContain("0 chart(s) failed");
    expect(r.status).toBe(0);
  });
});

describe("values.schema.json", () => {
  const cases: { set: Record<string, string>; message: RegExp }[] = [
    { set: { imag: "x" }, message: /at '': additional properties 'imag' not allowed/ },
    { set: { replicaCount: "two" }, message: /at '\/replicaCount': got string, want integer/ },
    { set: { "metrics.port": "http" }, message: /at '\/metrics\/port': got string, want integer/ },
    { set: { scope: "everywhere" }, message: /at '\/scope': value must be one of 'cluster', 'namespace'/ },
    { set: { logLevel: "verbose" }, message: /at '\/logLevel': value must be one of/ },
    { set: { "leaderElection.enable": "true" }, message: /additional properties 'enable' not allowed/ },
    { set: { "image.pullPolicy": "Sometimes" }, message: /at '\/image\/pullPolicy'/ },
  ];
  for (const c of cases) {
    it(`refuses ${JSON.stringify(c.set)} naming the value`, () => {
      expect(() => helmTemplate(helm, { set: c.set })).toThrow(c.message);
    });
  }

  it("accepts the defaults and renders the operator", () => {
    const kinds = parseManifest(helmTemplate(helm)).map((o) => o.kind);
    expect(kinds).toContain("Deployment");
    expect(kinds).not.toContain("PodDisruptionBudget");
  });
});

describe("optional objects", () => {
  it("a PodDisruptionBudget selecting exactly the operator's pods", () => {
    const objects = parseManifest(
      helmTemplate(helm, { set: { "podDisruptionBudget.enabled": "true", replicaCount: "2" } }),
    );
    const pdb = objects.find((o) => o.kind === "PodDisruptionBudget");
    const deployment = objectOfKind(objects, "Deployment");
    const spec = pdb?.spec as { minAvailable: number; selector: { matchLabels: Record<string, string> } };
    expect(spec.minAvailable).toBe(1);
    const selector = (deployment.spec as { selector: { matchLabels: Record<string, string> } }).selector;
    expect(spec.selector.matchLabels).toEqual(selector.matchLabels);
  });

  it("probes and resources come from values", () => {
    const objects = parseManifest(
      helmTemplate(helm, { set: { "readinessProbe.periodSeconds": "7", "resources.limits.memory": "1Gi" } }),
    );
    const container = (
      objectOfKind(objects, "Deployment").spec as {
        template: { spec: { containers: Record<string, unknown>[] } };
      }
    ).template.spec.containers[0];
    expect(container?.readinessProbe).toMatchObject({ httpGet: { path: "/readyz" }, periodSeconds: 7 });
    expect(container?.livenessProbe).toMatchObject({ httpGet: { path: "/healthz" } });
    expect(container?.resources).toMatchObject({ limits: { memory: "1Gi" } });
  });
});

describe("monitoring objects", () => {
  it("ServiceMonitor, PodMonitor and PrometheusRule render behind their values", () => {
    const on = parseManifest(
      helmTemplate(helm, {
        set: {
          "metrics.serviceMonitor.enabled": "true",
          "metrics.podMonitor.enabled": "true",
          "metrics.prometheusRule.enabled": "true",
          "metrics.podMonitor.labels.release": "kube-prometheus",
        },
      }),
    );
    const pm = objectOfKind(on, "PodMonitor");
    expect(pm.metadata.labels?.release).toBe("kube-prometheus");
    expect(pm.spec).toMatchObject({
      selector: { matchLabels: { "app.kubernetes.io/name": "virtualmcpserver" } },
    });
    const rule = objectOfKind(on, "PrometheusRule").spec as { groups: { rules: { alert: string }[] }[] };
    expect(rule.groups.flatMap((g) => g.rules.map((r) => r.alert))).toContain("VmcpBackendDown");
    expect(objectOfKind(on, "ServiceMonitor").spec).toMatchObject({ endpoints: [{ port: "metrics" }] });
    const kinds = parseManifest(helmTemplate(helm)).map((o) => o.kind);
    for (const k of ["ServiceMonitor", "PodMonitor", "PrometheusRule"]) expect(kinds).not.toContain(k);
  });

  it("a ServiceMonitor without the metrics Service is refused", () => {
    expect(() =>
      helmTemplate(helm, {
        set: { "metrics.serviceMonitor.enabled": "true", "metrics.service.enabled": "false" },
      }),
    ).toThrow(/metrics.serviceMonitor.enabled needs metrics.service.enabled/);
  });
});

describe("README.md", () => {
  it("is generated from values.yaml as committed", () => {
    expect(readFileSync(CHART_README, "utf8"), "stale: run node e2e/render-chart-files.ts").toBe(
      currentChartReadme(),
    );
  });

  it("files/vmcp-alerts.yaml is deploy/monitoring/vmcp-alerts.yaml", () => {
    expect(readFileSync(CHART_ALERTS, "utf8"), "stale: run node e2e/render-chart-files.ts").toBe(
      readFileSync(MONITORING_ALERTS, "utf8"),
    );
  });
});

describe("NOTES.txt", () => {
  const kubeconfig = () => inject("kubeconfigPath");
  let ns: TestNamespace;
  const release = "notes";
  let notes = "";

  beforeAll(async () => {
    ns = await createNamespace(testKubeConfig(), "chart");
    // A real install (namespace scope: nothing cluster-wide besides the CRDs, which it shares).
    const r = run(helm, [
      "install",
      release,
      CHART_DIR,
      "--kubeconfig",
      kubeconfig(),
      "--namespace",
      ns.name,
      "--set",
      "scope=namespace",
    ]);
    expect(r.stderr.replace(/^.*already exists.*$/gm, "").trim()).toBe("");
    expect(r.status).toBe(0);
    notes = r.stdout.slice(r.stdout.indexOf("NOTES:"));
  }, 120_000);
  afterAll(async () => {
    run(helm, ["uninstall", release, "--kubeconfig", kubeconfig(), "--namespace", ns.name]);
    await ns?.delete();
  });

  const kubectlLines = () =>
    notes
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l.startsWith("kubectl "));

  it("prints kubectl commands without placeholders", () => {
    expect(kubectlLines().length).toBeGreaterThanOrEqual(4);
    for (const line of kubectlLines()) expect(line).not.toMatch(/[<>]|CHART|NAME/);
  });

  it("its get commands succeed as printed and list what was installed", async () => {
    const { kubectl } = await ensureBinaries();
    const gets = kubectlLines().filter((l) => l.startsWith("kubectl get "));
    expect(gets.length).toBeGreaterThanOrEqual(2);
    for (const line of gets) {
      // --watch never returns; the same listing without it must succeed.
      const args = line
        .split(/\s+/)
        .slice(1)
        .filter((a) => a !== "--watch");
      const r = run(kubectl, ["--kubeconfig", kubeconfig(), ...args]);
      expect(r.stderr, line).toBe(r.stderr.includes("No resources found") ? r.stderr : "");
      expect(r.status, line).toBe(0);
    }
    const crds = run(kubectl, [
      "--kubeconfig",
      kubeconfig(),
      ...(gets[0] ?? "").split(/\s+/).slice(1),
      "-o",
      "name",
    ]);
    expect(crds.stdout.trim().split("\n")).toHaveLength(yamlFiles(CHART_CRD_DIR).length);
  });

  it("the deployment and service it names exist in the release namespace", async () => {
    const { kubectl } = await ensureBinaries();
    const refs = [...notes.matchAll(/\b(deployment|service)\/([a-z0-9-]+)/g)].map((m) => `${m[1]}/${m[2]}`);
    expect(refs.length).toBeGreaterThanOrEqual(3);
    for (const ref of new Set(refs)) {
      const r = run(kubectl, ["--kubeconfig", kubeconfig(), "-n", ns.name, "get", ref, "-o", "name"]);
      expect(r.stdout.trim(), ref).toBe(ref.replace("deployment/", "deployment.apps/"));
    }
  });
});
