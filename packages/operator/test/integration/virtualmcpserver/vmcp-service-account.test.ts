// spec.serviceAccount (a ToolHive field) against the real API server with the operator running: a
// tenant naming an existing, more powerful ServiceAccount of the namespace is refused with a
// condition and an Event naming the field, and nothing runs as that account: no Deployment for a new
// server, the existing Deployment and the generated RBAC untouched for a running one.

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
const ADMIN_SA = "ns-admin";

beforeAll(async () => {
  ns = await createNamespace(kc, "vmcp-sa");
  op = await startOperator({
    kc,
    namespace: ns.name,
    leaderElection: false,
    controllers: [createVirtualMCPServerController],
    logger: createLogger({ level: "warn" }),
  });
  await create(kc, R.group, n(), { metadata: { name: "tools" }, spec: {} });
  await mergePatch(kc, R.group, n(), "tools", { status: { phase: "Ready" } }, true);
  // The account a tenant would like to borrow: admin of the namespace.
  await create(kc, R.sa, n(), { kind: "ServiceAccount", metadata: { name: ADMIN_SA } });
  await create(kc, R.rolebinding, n(), {
    kind: "RoleBinding",
    metadata: { name: ADMIN_SA },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "admin" },
    subjects: [{ kind: "ServiceAccount", name: ADMIN_SA, namespace: n() }],
  } as unknown as Obj);
});

afterAll(async () => {
  await op?.stop();
  await ns?.delete();
});

const refusal = async (name: string): Promise<Obj> =>
  await waitFor(`${name} ServiceAccountValid=False`, async () => {
    const v = await get(kc, R.vmcp, n(), name);
    return cond(v, "ServiceAccountValid")?.status === "False" ? v : undefined;
  });

const events = async (name: string): Promise<{ type: string; message: string }[]> =>
  await waitFor(`${name} Event`, async () => {
    const list = await kubeRequest<{ items: { type: string; message: string }[] }>(kc, {
      method: "GET",
      path: `/api/v1/namespaces/${n()}/events`,
      query: { fieldSelector: `involvedObject.name=${name},reason=ServiceAccountNotAllowed` },
    });
    return list.items.length > 0 ? list.items : undefined;
  });

describe("VirtualMCPServer spec.serviceAccount", () => {
  it("a new server naming an existing ServiceAccount is refused and gets no Deployment or RBAC", async () => {
    await create(kc, R.vmcp, n(), vmcpBody("borrow", { serviceAccount: ADMIN_SA }));
    const v = await refusal("borrow");
    const c = cond(v, "ServiceAccountValid");
    expect(c?.reason).toBe("ServiceAccountNotAllowed");
    expect(c?.message).toContain(`spec.serviceAccount: not allowed ("${ADMIN_SA}")`);
    expect(v.status.phase).toBe("Failed");
    expect(v.status.message).toContain("spec.serviceAccount");
    const [ev] = await events("borrow");
    expect(ev?.type).toBe("Warning");
    expect(ev?.message).toContain("spec.serviceAccount");
    // The refusal is written after the (skipped) apply step of the same reconcile: nothing exists.
    expect(await get(kc, R.deployment, n(), "borrow")).toBeUndefined();
    expect(await get(kc, R.sa, n(), "borrow-vmcp")).toBeUndefined();
    expect(await get(kc, R.role, n(), "borrow-vmcp")).toBeUndefined();
  });

  it("setting it on a running server leaves its Deployment and generated RBAC exactly as they were", async () => {
    await create(kc, R.vmcp, n(), vmcpBody("running"));
    const before = await waitFor("running Deployment", async () => get(kc, R.deployment, n(), "running"));
    const roleBefore = await waitFor("running Role", async () => get(kc, R.role, n(), "running-vmcp"));
    expect(before.spec.template.spec.serviceAccountName).toBe("running-vmcp");
    await waitFor(
      "ServiceAccountValid=True",
      async () => cond(await get(kc, R.vmcp, n(), "running"), "ServiceAccountValid")?.status === "True",
    );

    await mergePatch(kc, R.vmcp, n(), "running", { spec: { serviceAccount: ADMIN_SA } });
    await refusal("running");
    await events("running");
    const after = await mustGet(kc, R.deployment, n(), "running");
    expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
    expect(after.spec.template.spec.serviceAccountName).toBe("running-vmcp");
    for (const ref of [R.sa, R.rolebinding]) expect(await get(kc, ref, n(), "running-vmcp")).toBeDefined();
    const roleAfter = await mustGet(kc, R.role, n(), "running-vmcp");
    expect(roleAfter.metadata.resourceVersion).toBe(roleBefore.metadata.resourceVersion);

    // Removing the field is the fix: the server is valid again, still on its own account.
    await mergePatch(kc, R.vmcp, n(), "running", { spec: { serviceAccount: null } });
    const fixed = await waitFor("ServiceAccountValid=True again", async () => {
      const v = await get(kc, R.vmcp, n(), "running");
      return cond(v, "ServiceAccountValid")?.status === "True" ? v : undefined;
    });
    expect(fixed.status.phase).not.toBe("Failed");
    expect((await mustGet(kc, R.deployment, n(), "running")).spec.template.spec.serviceAccountName).toBe(
      "running-vmcp",
    );
  });

  it("naming the generated ServiceAccount is accepted: a ToolHive manifest that spells it out still works", async () => {
    await create(kc, R.vmcp, n(), vmcpBody("spelled", { serviceAccount: "spelled-vmcp" }));
    const dep = await waitFor("spelled Deployment", async () => get(kc, R.deployment, n(), "spelled"));
    expect(dep.spec.template.spec.serviceAccountName).toBe("spelled-vmcp");
    await waitFor("spelled RBAC", async () => get(kc, R.role, n(), "spelled-vmcp"));
    const v = await waitFor("spelled status", async () => {
      const x = await get(kc, R.vmcp, n(), "spelled");
      return cond(x, "ServiceAccountValid") ? x : undefined;
    });
    expect(cond(v, "ServiceAccountValid")?.status).toBe("True");
  });
});
