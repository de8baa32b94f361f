// The VirtualMCPServer controller alone (the supporting controllers are replaced by status patches,
// so group readiness and entry validity are under the test's control): static mode backends, CA
// bundles, and every referenced kind whose change must reach the ConfigMap and roll the pods.

import type { KubeObject } from "@vmcp/kube-kit/informer";
import { createLogger } from "@vmcp/kube-kit/logger";
import { createNamespace, type TestNamespace } from "@vmcp/testenv";
import { testKubeConfig } from "@vmcp/testenv/vitest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { caBundleVolumeName } from "../../../src/builders/names.ts";
import { createVirtualMCPServerController } from "../../../src/controllers/virtualmcpserver/controller.ts";
import { type RunningOperator, startOperator } from "../../../src/manager.ts";
import {
  applyRuntimeStatus,
  cond,
  create,
  get,
  mergePatch,
  mustGet,
  type Obj,
  podChecksum,
  quiesce,
  R,
  reconcileCount,
  vmcpBody,
  waitFor,
} from "./vmcp-helpers.ts";

/** Field managers that own `field` under status (from managedFields). */
const statusOwners = (o: Obj, field: string): string[] =>
  (o.metadata.managedFields ?? [])
    .filter((m) => m.subresource === "status" && field in ((m.fieldsV1?.["f:status"] as object) ?? {}))
    .map((m) => m.manager ?? "")
    .sort();

const kc = testKubeConfig();
let ns: TestNamespace;
let op: RunningOperator;
const n = () => ns.name;

beforeAll(async () => {
  ns = await createNamespace(kc, "vmcp-static");
  op = await startOperator({
    kc,
    namespace: ns.name,
    leaderElection: false,
    controllers: [createVirtualMCPServerController],
    logger: createLogger({ level: "warn" }),
  });
});

afterAll(async () => {
  await op?.stop();
  await ns?.delete();
});

const setPhase = (ref: typeof R.group, name: string, phase: string) =>
  mergePatch(kc, ref, n(), name, { status: { phase } }, true);

async function entry(name: string, spec: Record<string, unknown> = {}, phase = "Valid") {
  await create(kc, R.entry, n(), {
    metadata: { name },
    spec: {
      groupRef: { name: "tools" },
      remoteUrl: `https://${name}.example.com/mcp`,
      transport: "streamable-http",
      ...spec,
    },
  });
  await setPhase(R.entry, name, phase);
}

const config = async (vmcp: string) =>
  parse((await mustGet(kc, R.configmap, n(), `${vmcp}-vmcp-config`)).data?.["config.yaml"] ?? "");

/** Waits for the Deployment's pod template checksum to move away from `before`; returns the new one. */
async function rolled(vmcp: string, before: string | undefined): Promise<string> {
  return await waitFor(`rollout of ${vmcp}`, async () => {
    const c = podChecksum(await get(kc, R.deployment, n(), vmcp));
    const cm = await get(kc, R.configmap, n(), `${vmcp}-vmcp-config`);
    const cmSum = cm?.metadata.annotations?.["toolhive.stacklok.dev/content-checksum"];
    return c && c !== before && c === cmSum ? c : undefined;
  });
}

describe("VirtualMCPServer: group readiness, static backends and referenced configs", () => {
  it("stays Pending while the group is not Ready, and converges once it is", async () => {
    await create(kc, R.group, n(), { metadata: { name: "tools" }, spec: {} });
    await setPhase(R.group, "tools", "Pending");
    await entry("ext", {
      caBundleRef: { configMapRef: { name: "corp-ca", key: "root.pem" } },
      externalAuthConfigRef: { name: "ext-key" },
    });
    await create(kc, R.secret, n(), {
      metadata: { name: "ext-secret" },
      data: { v: Buffer.from("s3cret").toString("base64") },
    });
    await create(kc, R.auth, n(), {
      metadata: { name: "ext-key" },
      spec: {
        type: "headerInjection",
        headerInjection: { headerName: "X-API-Key", valueSecretRef: { name: "ext-secret", key: "v" } },
      },
    });
    await create(kc, R.tool, n(), { metadata: { name: "tc" }, spec: { toolsFilter: ["fetch"] } });
    await create(kc, R.composite, n(), {
      metadata: { name: "wf" },
      spec: { name: "research", description: "v1", steps: [{ id: "s1", tool: "ext_fetch" }] },
    });
    await create(
      kc,
      R.vmcp,
      n(),
      vmcpBody("static", {
        outgoingAuth: { source: "inline" },
        config: {
          aggregation: { tools: [{ workload: "ext", toolConfigRef: { name: "tc" } }] },
          compositeToolRefs: [{ name: "wf" }],
        },
      }),
    );
    const pending = await waitFor("Pending/GroupRefNotReady", async () => {
      const v = await get(kc, R.vmcp, n(), "static");
      return cond(v, "GroupRefValidated")?.reason === "GroupRefNotReady" ? v : undefined;
    });
    expect(pending.status.phase).toBe("Pending");
    expect(pending.status.message).toBe("Referenced MCPGroup tools is not ready (phase: Pending)");
    expect(await get(kc, R.deployment, n(), "static")).toBeUndefined();

    await setPhase(R.group, "tools", "Ready");
    await waitFor("Deployment", async () => get(kc, R.deployment, n(), "static"));
    await waitFor(
      "GroupRefValidated=True",
      async () => cond(await get(kc, R.vmcp, n(), "static"), "GroupRefValidated")?.status === "True",
    );
  });

  it("writes static backends with type entry and caBundlePath, and mounts the CA bundle at that path", async () => {
    const cfg = await config("static");
    expect(cfg.backends).toEqual([
      {
        name: "ext",
        url: "https://ext.example.com/mcp",
        transport: "streamable-http",
        type: "entry",
        caBundlePath: "/etc/toolhive/ca-bundles/ext/root.pem",
      },
    ]);
    expect(cfg.outgoingAuth.backends.ext).toEqual({
      type: "header_injection",
      headerInjection: { headerName: "X-API-Key", headerValueEnv: "TOOLHIVE_HEADER_INJECTION_VALUE_EXT_KEY" },
    });
    expect(JSON.stringify(cfg)).not.toContain("s3cret");
    expect(cfg.aggregation.tools).toEqual([{ workload: "ext", filter: ["fetch"] }]);
    expect(cfg.compositeTools.map((t: { name: string }) => t.name)).toEqual(["research"]);

    const dep = await mustGet(kc, R.deployment, n(), "static");
    const pod = dep.spec.template.spec;
    expect(pod.volumes).toContainEqual(
      expect.objectContaining({
        name: "ca-bundle-ext",
        configMap: expect.objectContaining({
          name: "corp-ca",
          items: [{ key: "root.pem", path: "root.pem" }],
        }),
      }),
    );
    const c = pod.containers[0];
    expect(c.volumeMounts).toContainEqual({
      name: "ca-bundle-ext",
      mountPath: "/etc/toolhive/ca-bundles/ext",
      readOnly: true,
    });
    expect(c.env).toContainEqual({
      name: "TOOLHIVE_HEADER_INJECTION_VALUE_EXT_KEY",
      valueFrom: { secretKeyRef: { name: "ext-secret", key: "v" } },
    });
    // static mode: the runtime needs no API access to members or Secrets
    const role = await mustGet(kc, R.role, n(), "static-vmcp");
    expect(role.rules?.flatMap((r) => r.resources)).toEqual([
      "virtualmcpservers",
      "virtualmcpservers/status",
      "leases",
      "events",
    ]);
  });

  it("group membership: a new Valid entry (70-char name, CA bundle) changes the ConfigMap and rolls the pods", async () => {
    const before = podChecksum(await mustGet(kc, R.deployment, n(), "static"));
    const long = `entry-${"x".repeat(64)}`;
    await entry(long, { caBundleRef: { configMapRef: { name: "other-ca" } } });
    await rolled("static", before);
    const cfg = await config("static");
    expect(cfg.backends.map((b: { name: string }) => b.name)).toEqual([long, "ext"]);
    expect(cfg.backends[0]).toMatchObject({
      type: "entry",
      caBundlePath: `/etc/toolhive/ca-bundles/${long}/ca.crt`,
    });
    const pod = (await mustGet(kc, R.deployment, n(), "static")).spec.template.spec;
    const volName = caBundleVolumeName(long);
    expect(volName.length).toBeLessThanOrEqual(63);
    expect(pod.containers[0].volumeMounts).toContainEqual({
      name: volName,
      mountPath: `/etc/toolhive/ca-bundles/${long}`,
      readOnly: true,
    });
    // an entry that is not Valid is never routed
    const before2 = podChecksum(await mustGet(kc, R.deployment, n(), "static"));
    await entry("not-yet", {}, "Pending");
    await setPhase(R.entry, "not-yet", "Valid");
    await rolled("static", before2);
    expect((await config("static")).backends.map((b: { name: string }) => b.name)).toContain("not-yet");
  });

  it("an MCPExternalAuthConfig change reaches the ConfigMap and rolls the pods", async () => {
    const before = podChecksum(await mustGet(kc, R.deployment, n(), "static"));
    await mergePatch(kc, R.auth, n(), "ext-key", {
      spec: { headerInjection: { headerName: "X-Other-Key" } },
    });
    await rolled("static", before);
    expect((await config("static")).outgoingAuth.backends.ext.headerInjection.headerName).toBe("X-Other-Key");
  });

  it("an MCPToolConfig change reaches the ConfigMap and rolls the pods", async () => {
    const before = podChecksum(await mustGet(kc, R.deployment, n(), "static"));
    await mergePatch(kc, R.tool, n(), "tc", { spec: { toolsFilter: ["fetch", "search"] } });
    await rolled("static", before);
    expect((await config("static")).aggregation.tools[0].filter).toEqual(["fetch", "search"]);
  });

  it("a composite definition change reaches the ConfigMap and rolls the pods", async () => {
    const before = podChecksum(await mustGet(kc, R.deployment, n(), "static"));
    await mergePatch(kc, R.composite, n(), "wf", { spec: { description: "v2" } });
    await rolled("static", before);
    expect((await config("static")).compositeTools[0].description).toBe("v2");
  });

  it("an invalid podTemplateSpec creates no Deployment until it is fixed", async () => {
    await create(
      kc,
      R.vmcp,
      n(),
      vmcpBody("badpod", { podTemplateSpec: { spec: { containers: [{ image: "x" }] } } }),
    );
    const bad = await waitFor("PodTemplateSpecValid=False", async () => {
      const v = await get(kc, R.vmcp, n(), "badpod");
      return cond(v, "PodTemplateSpecValid")?.status === "False" ? v : undefined;
    });
    expect(bad.status.phase).toBe("Failed");
    expect(cond(bad, "PodTemplateSpecValid")?.reason).toBe("InvalidPodTemplateSpec");
    expect(await get(kc, R.deployment, n(), "badpod")).toBeUndefined();
    await mergePatch(kc, R.vmcp, n(), "badpod", {
      spec: {
        podTemplateSpec: {
          spec: {
            containers: [{ name: "vmcp", resources: { limits: { memory: "1Gi" } } }],
            nodeSelector: { disk: "ssd" },
          },
        },
      },
    });
    const dep = await waitFor("Deployment", async () => get(kc, R.deployment, n(), "badpod"));
    expect(dep.spec.template.spec.nodeSelector).toEqual({ disk: "ssd" });
    expect(dep.spec.template.spec.containers[0].resources.limits.memory).toBe("1Gi");
  });

  it("phase: a runtime that reports before its pod is available is not overwritten; no pods at all is Pending again", async () => {
    await create(kc, R.vmcp, n(), vmcpBody("race"));
    await waitFor("Pending", async () => (await get(kc, R.vmcp, n(), "race"))?.status?.phase === "Pending");
    // a pod exists but its readiness probe has not passed yet; its runtime already reports
    await mergePatch(kc, R.deployment, n(), "race", { status: { replicas: 1, updatedReplicas: 1 } }, true);
    // The operator must have seen the pod count before the runtime reports, as in a real cluster
    // (the pod exists before its runtime can write); otherwise the order of watch events decides.
    const deployments = op.informers.get<KubeObject & { status?: { replicas?: number } }>({
      group: "apps",
      version: "v1",
      plural: "deployments",
      variant: "vmcp-owned",
    });
    await waitFor("operator sees the pod", async () => deployments.get(n(), "race")?.status?.replicas === 1);
    await quiesce(op);
    const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
    await applyRuntimeStatus(kc, n(), "race", {
      phase: "Ready",
      message: "Ready, no backends configured",
      conditions: [
        {
          type: "Ready",
          status: "True",
          reason: "AllBackendsRoutable",
          message: "ok",
          lastTransitionTime: now,
        },
      ],
    });
    // wake the operator with an unrelated change and let it finish
    const before = await reconcileCount(op);
    await mergePatch(kc, R.vmcp, n(), "race", { metadata: { labels: { poke: "1" } } });
    await waitFor("reconciled", async () => (await reconcileCount(op)) > before);
    await quiesce(op);
    const v = await mustGet(kc, R.vmcp, n(), "race");
    expect(v.status.phase).toBe("Ready");
    expect(statusOwners(v, "f:phase")).toEqual(["vmcp-runtime"]);
    expect(cond(v, "DeploymentReady")?.reason).toBe("DeploymentNotReady");

    // every pod gone: the runtime's last word is stale, the operator takes the phase back
    await mergePatch(kc, R.deployment, n(), "race", { status: { replicas: 0, updatedReplicas: 0 } }, true);
    const pending = await waitFor("Pending again", async () => {
      const x = await get(kc, R.vmcp, n(), "race");
      return x?.status?.phase === "Pending" ? x : undefined;
    });
    expect(statusOwners(pending, "f:phase")).toEqual(["vmcp-operator"]);
  });

  it("dynamic mode mounts no CA bundles (the runtime reads them by name) and lists no backends", async () => {
    await create(kc, R.vmcp, n(), vmcpBody("dyn"));
    const dep = await waitFor("dyn Deployment", async () => get(kc, R.deployment, n(), "dyn"));
    const mounts = dep.spec.template.spec.containers[0].volumeMounts as { name: string }[];
    expect(mounts.map((m) => m.name)).toEqual(["vmcp-config", "tmp"]);
    expect((await config("dyn")).backends).toBeUndefined();
    const role = await waitFor("dyn Role", async () => get(kc, R.role, n(), "dyn-vmcp"));
    const cmRule = role.rules?.find((r) => r.resources.includes("configmaps"));
    expect(cmRule?.verbs).toEqual(["get"]);
    expect(cmRule?.resourceNames).toContain("corp-ca");
  });
});
