// A hostile tenant's podTemplateSpec, against the real API server with the operator running: every
// attack is refused with a condition and an Event naming the field path, and the Deployment the
// operator already wrote stays exactly as it was. The allowed customisations still reach the pods.

import { kubeRequest } from "@vmcp/kube-kit/http";
import { createLogger } from "@vmcp/kube-kit/logger";
import { createNamespace, type TestNamespace } from "@vmcp/testenv";
import { testKubeConfig } from "@vmcp/testenv/vitest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createVirtualMCPServerController } from "../../../src/controllers/virtualmcpserver/controller.ts";
import { type RunningOperator, startOperator } from "../../../src/manager.ts";
import { cond, create, get, mergePatch, mustGet, type Obj, R, vmcpBody, waitFor } from "./vmcp-helpers.ts";

const kc = testKubeConfig();
let ns: TestNamespace;
let op: RunningOperator;
const n = () => ns.name;

beforeAll(async () => {
  ns = await createNamespace(kc, "vmcp-podpolicy");
  op = await startOperator({
    kc,
    namespace: ns.name,
    leaderElection: false,
    controllers: [createVirtualMCPServerController],
    logger: createLogger({ level: "warn" }),
  });
  await create(kc, R.group, n(), { metadata: { name: "tools" }, spec: {} });
  await mergePatch(kc, R.group, n(), "tools", { status: { phase: "Ready" } }, true);
});

afterAll(async () => {
  await op?.stop();
  await ns?.delete();
});

const vmcp = (o: Record<string, unknown>) => ({ spec: { containers: [{ name: "vmcp", ...o }] } });

/** [what, podTemplateSpec, the field path the refusal must name] */
const ATTACKS: [string, Record<string, unknown>, string][] = [
  ["privileged", vmcp({ securityContext: { privileged: true } }), "spec.containers[vmcp].securityContext"],
  ["root user", vmcp({ securityContext: { runAsUser: 0 } }), "spec.containers[vmcp].securityContext"],
  [
    "added capabilities",
    vmcp({ securityContext: { capabilities: { add: ["SYS_ADMIN"] } } }),
    "spec.containers[vmcp].securityContext",
  ],
  [
    "escalation",
    vmcp({ securityContext: { allowPrivilegeEscalation: true } }),
    "spec.containers[vmcp].securityContext",
  ],
  ["pod runAsUser 0", { spec: { securityContext: { runAsUser: 0 } } }, "spec.securityContext"],
  [
    "hostPath /",
    { spec: { volumes: [{ name: "root", hostPath: { path: "/" } }] } },
    "spec.volumes[root].hostPath",
  ],
  ["another image", vmcp({ image: "evil:latest" }), "spec.containers[vmcp].image"],
  ["another command", vmcp({ command: ["/bin/sh", "-c", "id"] }), "spec.containers[vmcp].command"],
  ["other args", vmcp({ args: ["serve", "--config=/tmp/x"] }), "spec.containers[vmcp].args"],
  [
    "extra privileged container",
    { spec: { containers: [{ name: "miner", image: "x", securityContext: { privileged: true } }] } },
    "spec.containers[miner]",
  ],
  ["init container", { spec: { initContainers: [{ name: "init", image: "x" }] } }, "spec.initContainers"],
  ["tolerate everything", { spec: { tolerations: [{ operator: "Exists" }] } }, "spec.tolerations[0].key"],
  [
    "replacing the config volume",
    { spec: { volumes: [{ name: "vmcp-config", configMap: { name: "other" } }] } },
    "spec.volumes[vmcp-config]",
  ],
  [
    "overriding the runtime's identity env",
    vmcp({ env: [{ name: "VMCP_NAMESPACE", value: "kube-system" }] }),
    "spec.containers[vmcp].env[VMCP_NAMESPACE]",
  ],
];

/** Pod-level fields the CRD refuses at admission: [field, value]. */
const ADMISSION: [string, unknown][] = [
  ["hostNetwork", true],
  ["hostPID", true],
  ["hostIPC", true],
  ["serviceAccountName", "admin"],
  ["automountServiceAccountToken", true],
  ["nodeName", "control-plane"],
];

describe("podTemplateSpec allow-list", () => {
  it("the allowed fields reach the Deployment", async () => {
    await create(
      kc,
      R.vmcp,
      n(),
      vmcpBody("ok", {
        podTemplateSpec: {
          metadata: { labels: { team: "a" }, annotations: { note: "x" } },
          spec: {
            nodeSelector: { disk: "ssd" },
            priorityClassName: "high",
            tolerations: [{ key: "dedicated", operator: "Equal", value: "mcp", effect: "NoSchedule" }],
            affinity: {
              nodeAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: {
                  nodeSelectorTerms: [{ matchExpressions: [{ key: "zone", operator: "In", values: ["a"] }] }],
                },
              },
            },
            topologySpreadConstraints: [
              {
                maxSkew: 1,
                topologyKey: "zone",
                whenUnsatisfiable: "ScheduleAnyway",
                labelSelector: { matchLabels: { team: "a" } },
              },
            ],
            imagePullSecrets: [{ name: "reg" }],
            volumes: [{ name: "extra", configMap: { name: "extra" } }],
            containers: [
              {
                name: "vmcp",
                resources: { limits: { memory: "1Gi" } },
                env: [{ name: "EXTRA", value: "1" }],
                volumeMounts: [{ name: "extra", mountPath: "/etc/extra", readOnly: true }],
              },
            ],
          },
        },
      }),
    );
    const dep = await waitFor("Deployment ok", async () => get(kc, R.deployment, n(), "ok"));
    const t = dep.spec.template;
    expect(t.metadata.labels.team).toBe("a");
    expect(t.spec.nodeSelector).toEqual({ disk: "ssd" });
    expect(t.spec.priorityClassName).toBe("high");
    expect(t.spec.tolerations[0].key).toBe("dedicated");
    expect(t.spec.topologySpreadConstraints[0].topologyKey).toBe("zone");
    expect(t.spec.imagePullSecrets).toEqual([{ name: "reg" }]);
    expect(t.spec.volumes.map((v: { name: string }) => v.name)).toContain("extra");
    const c = t.spec.containers[0];
    expect(c.resources.limits.memory).toBe("1Gi");
    expect(c.env.map((e: { name: string }) => e.name)).toContain("EXTRA");
    expect(c.securityContext.privileged).toBe(false);
    await waitFor(
      "PodTemplateSpecValid=True",
      async () => cond(await get(kc, R.vmcp, n(), "ok"), "PodTemplateSpecValid")?.status === "True",
    );
  });

  it.each(ATTACKS)(
    "refuses %s: condition and Event name the field, the Deployment is unchanged",
    async (what, attack, path) => {
      const name = `atk-${ATTACKS.findIndex((a) => a[0] === what)}`;
      await create(kc, R.vmcp, n(), vmcpBody(name));
      const before = await waitFor(`${name} Deployment`, async () => get(kc, R.deployment, n(), name));
      await mergePatch(kc, R.vmcp, n(), name, { spec: { podTemplateSpec: attack } });
      const refused = await waitFor(`${name} PodTemplateSpecValid=False`, async () => {
        const v = await get(kc, R.vmcp, n(), name);
        return cond(v, "PodTemplateSpecValid")?.status === "False" ? v : undefined;
      });
      const c = cond(refused, "PodTemplateSpecValid");
      expect(c?.reason).toBe("InvalidPodTemplateSpec");
      expect(c?.message).toContain(path);
      expect(refused.status.phase).toBe("Failed");
      const events = await waitFor(`${name} Event`, async () => {
        const list = await kubeRequest<{ items: Obj[] }>(kc, {
          method: "GET",
          path: `/api/v1/namespaces/${n()}/events`,
          query: { fieldSelector: `involvedObject.name=${name},reason=InvalidPodTemplateSpec` },
        });
        return list.items.length > 0 ? list.items : undefined;
      });
      expect((events[0] as unknown as { message: string }).message).toContain(path);
      const after = await mustGet(kc, R.deployment, n(), name);
      expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
      expect(after.spec.template).toEqual(before.spec.template);
    },
  );

  it.each(ADMISSION)("the API server refuses podTemplateSpec.spec.%s at admission", async (field, value) => {
    const name = `adm-${field.toLowerCase()}`;
    await expect(
      create(kc, R.vmcp, n(), vmcpBody(name, { podTemplateSpec: { spec: { [field]: value } } })),
    ).rejects.toThrow(`spec.podTemplateSpec.spec.${field}`);
    await create(kc, R.vmcp, n(), vmcpBody(name));
    const before = await waitFor(`${name} Deployment`, async () => get(kc, R.deployment, n(), name));
    await expect(
      mergePatch(kc, R.vmcp, n(), name, { spec: { podTemplateSpec: { spec: { [field]: value } } } }),
    ).rejects.toThrow(`podTemplateSpec.spec.${field} is not allowed`);
    expect((await mustGet(kc, R.deployment, n(), name)).metadata.resourceVersion).toBe(
      before.metadata.resourceVersion,
    );
  });

  it("the CRD caps replicas", async () => {
    await expect(create(kc, R.vmcp, n(), vmcpBody("huge", { replicas: 2147483647 }))).rejects.toThrow(
      /replicas/,
    );
  });
});
