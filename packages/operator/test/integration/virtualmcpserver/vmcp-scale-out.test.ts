// What the operator does so several runtime replicas can serve one VirtualMCPServer: one Secret
// of session keys per server (created once, never rewritten, never in the ConfigMap), a
// PodDisruptionBudget, surge-first rollouts, topology spread, and replicas left to an HPA.

import type { ResourceRef } from "@vmcp/kube-kit/resources";
import { createNamespace, type TestNamespace } from "@vmcp/testenv";
import { testKubeConfig } from "@vmcp/testenv/vitest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningOperator } from "../../../src/manager.ts";
import {
  create,
  get,
  mergePatch,
  mustGet,
  quiesce,
  R,
  remove,
  startTestOperator,
  vmcpBody,
  waitFor,
} from "./vmcp-helpers.ts";

const kc = testKubeConfig();
let ns: TestNamespace;
let op: RunningOperator;
const PDB: ResourceRef = { group: "policy", version: "v1", plural: "poddisruptionbudgets" };
const n = () => ns.name;

beforeAll(async () => {
  ns = await createNamespace(kc, "vmcp-scale-out");
  op = await startTestOperator(kc, ns.name);
  await create(kc, R.group, n(), { metadata: { name: "tools" }, spec: {} });
  await waitFor("group Ready", async () => (await get(kc, R.group, n(), "tools"))?.status?.phase === "Ready");
});

afterAll(async () => {
  await op?.stop();
  await ns?.delete();
});

const keysOf = (secret: { data?: Record<string, string> }) =>
  Buffer.from(secret.data?.keys ?? "", "base64").toString("utf8");

describe("VirtualMCPServer with several replicas", () => {
  it("creates a session-keys Secret it owns, feeds it to the pods by reference, and budgets evictions", async () => {
    await create(kc, R.vmcp, n(), vmcpBody("three", { replicas: 3 }));
    const secret = await waitFor("session-keys Secret", () =>
      get(kc, R.secret, n(), "three-vmcp-session-keys"),
    );
    expect(secret.metadata.ownerReferences).toEqual([
      expect.objectContaining({ kind: "VirtualMCPServer", name: "three", controller: true }),
    ]);
    const [id, key] = keysOf(secret).split("=", 2) as [string, string];
    expect(id).toMatch(/^k[0-9a-z]+$/);
    expect(Buffer.from(`${key}=`, "base64").length).toBe(32);

    const dep = await waitFor("Deployment", () => get(kc, R.deployment, n(), "three"));
    expect(dep.spec.replicas).toBe(3);
    expect(dep.spec.strategy).toEqual({
      type: "RollingUpdate",
      rollingUpdate: { maxUnavailable: 0, maxSurge: 1 },
    });
    const pod = dep.spec.template.spec;
    expect(pod.containers[0].env).toContainEqual({
      name: "VMCP_SESSION_KEYS",
      valueFrom: { secretKeyRef: { name: "three-vmcp-session-keys", key: "keys" } },
    });
    expect(pod.topologySpreadConstraints).toEqual([
      expect.objectContaining({
        topologyKey: "kubernetes.io/hostname",
        whenUnsatisfiable: "ScheduleAnyway",
        maxSkew: 1,
      }),
    ]);
    const cm = await mustGet(kc, R.configmap, n(), "three-vmcp-config");
    expect(JSON.stringify(cm.data)).not.toContain(key.slice(0, 16));

    const pdb = await waitFor("PodDisruptionBudget", () => get(kc, PDB, n(), "three-vmcp"));
    expect(pdb.spec).toEqual({ maxUnavailable: 1, selector: { matchLabels: dep.spec.selector.matchLabels } });
    expect(pdb.metadata.ownerReferences).toEqual([
      expect.objectContaining({ name: "three", controller: true }),
    ]);
  });

  it("never rewrites the keys: a rotation the user wrote survives reconciles; a deleted Secret comes back with a new key", async () => {
    const before = keysOf(await mustGet(kc, R.secret, n(), "three-vmcp-session-keys"));
    const rotated = `next=${Buffer.alloc(32, 7).toString("base64")},${before}`;
    await mergePatch(kc, R.secret, n(), "three-vmcp-session-keys", { stringData: { keys: rotated } });
    // A spec edit makes the operator reconcile (and re-apply the Deployment) for sure.
    await mergePatch(kc, R.vmcp, n(), "three", { spec: { replicas: 4 } });
    await waitFor(
      "replicas 4",
      async () => (await get(kc, R.deployment, n(), "three"))?.spec?.replicas === 4,
    );
    await quiesce(op);
    expect(keysOf(await mustGet(kc, R.secret, n(), "three-vmcp-session-keys"))).toBe(rotated);

    await remove(kc, R.secret, n(), "three-vmcp-session-keys");
    const again = await waitFor("Secret re-created", () => get(kc, R.secret, n(), "three-vmcp-session-keys"));
    expect(keysOf(again)).not.toBe(rotated);
    expect(keysOf(again)).toMatch(/^k[0-9a-z]+=[A-Za-z0-9+/]{43}=$/);
  });

  it("keeps a budget that cannot block a drain when the spec pins one replica", async () => {
    await mergePatch(kc, R.vmcp, n(), "three", { spec: { replicas: 1 } });
    await waitFor(
      "one replica",
      async () => (await mustGet(kc, R.deployment, n(), "three")).spec.replicas === 1,
    );
    // maxUnavailable 1 of 1 pod: a drain may evict it, and the operator never needs to delete it.
    expect((await mustGet(kc, PDB, n(), "three-vmcp")).spec.maxUnavailable).toBe(1);
  });

  it("sessionStorage redis: the runtime config names the Redis, the password comes from its Secret as env only", async () => {
    await create(kc, R.secret, n(), {
      metadata: { name: "redis-auth" },
      data: { password: Buffer.from("s3cret-redis-password").toString("base64") },
    });
    await create(
      kc,
      R.vmcp,
      n(),
      vmcpBody("shared", {
        replicas: 2,
        sessionStorage: {
          provider: "redis",
          address: "redis.cache.svc:6379",
          db: 3,
          passwordRef: { name: "redis-auth", key: "password" },
        },
      }),
    );
    const dep = await waitFor("Deployment", () => get(kc, R.deployment, n(), "shared"));
    expect(dep.spec.template.spec.containers[0].env).toContainEqual({
      name: "VMCP_SESSION_REDIS_PASSWORD",
      valueFrom: { secretKeyRef: { name: "redis-auth", key: "password" } },
    });
    const cm = await mustGet(kc, R.configmap, n(), "shared-vmcp-config");
    const text = JSON.stringify(cm.data);
    expect(text).toContain("redis.cache.svc:6379");
    expect(text).not.toContain("s3cret-redis-password");
    expect(text).not.toContain("redis-auth");
  });

  it("refuses sessionStorage redis without an address at admission", async () => {
    await expect(
      create(kc, R.vmcp, n(), vmcpBody("no-address", { sessionStorage: { provider: "redis" } })),
    ).rejects.toThrow(/address is required/);
  });

  it("with replicas unset, leaves the count to whoever scales the Deployment (an HPA)", async () => {
    await create(kc, R.vmcp, n(), vmcpBody("auto"));
    await waitFor("Deployment", () => get(kc, R.deployment, n(), "auto"));
    await waitFor("PDB", () => get(kc, PDB, n(), "auto-vmcp"));
    // What an HPA does: write the scale subresource.
    await mergePatch(kc, R.deployment, n(), "auto/scale", {
      spec: { replicas: 5 },
    });
    await mergePatch(kc, R.vmcp, n(), "auto", { spec: { serviceType: "NodePort" } });
    await waitFor(
      "Service type applied",
      async () => (await get(kc, R.service, n(), "vmcp-auto"))?.spec?.type === "NodePort",
    );
    await quiesce(op);
    expect((await mustGet(kc, R.deployment, n(), "auto")).spec.replicas).toBe(5);
  });
});
