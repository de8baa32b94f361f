// Owned objects other than the Deployment and Service heal too: a Role
// widened by hand is narrowed back (least privilege cannot be edited away), a hand-edited
// config.yaml is restored, and a deleted ServiceAccount, RoleBinding or ConfigMap is recreated.

import { createLogger } from "@vmcp/kube-kit/logger";
import { createNamespace, type TestNamespace } from "@vmcp/testenv";
import { testKubeConfig } from "@vmcp/testenv/vitest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningOperator, startOperator } from "../../../src/manager.ts";
import { create, get, mergePatch, mustGet, type Obj, R, remove, vmcpBody, waitFor } from "./vmcp-helpers.ts";

const kc = testKubeConfig();
let ns: TestNamespace;
let op: RunningOperator;
const n = () => ns.name;

beforeAll(async () => {
  ns = await createNamespace(kc, "vmcp-restore");
  op = await startOperator({
    kc,
    namespace: ns.name,
    leaderElection: false,
    logger: createLogger({ level: "warn" }),
  });
  await create(kc, R.group, n(), { metadata: { name: "tools" }, spec: {} });
  await waitFor("group Ready", async () => (await get(kc, R.group, n(), "tools"))?.status?.phase === "Ready");
  await create(kc, R.vmcp, n(), vmcpBody("heal"));
  await waitFor("owned objects", async () => (await get(kc, R.service, n(), "vmcp-heal")) !== undefined);
});

afterAll(async () => {
  await op?.stop();
  await ns?.delete();
});

describe("VirtualMCPServer owned objects are restored", () => {
  it("a Role widened by hand gets its generated rules back", async () => {
    const original = (await mustGet(kc, R.role, n(), "heal-vmcp")).rules;
    const widened = [
      ...(original ?? []),
      { apiGroups: [""], resources: ["secrets"], verbs: ["get", "list"] },
    ];
    const patched = await mergePatch(kc, R.role, n(), "heal-vmcp", { rules: widened });
    expect(patched.rules).toHaveLength(widened.length); // the edit really landed
    const back = await waitFor("Role narrowed back", async () => {
      const r = await get(kc, R.role, n(), "heal-vmcp");
      return r && r.rules?.length === original?.length ? r : undefined;
    });
    expect(back.rules).toEqual(original);
  });

  it("a hand-edited config.yaml is restored", async () => {
    const original = (await mustGet(kc, R.configmap, n(), "heal-vmcp-config")).data?.["config.yaml"];
    const edited = await mergePatch(kc, R.configmap, n(), "heal-vmcp-config", {
      data: { "config.yaml": "name: hacked\n" },
    });
    expect(edited.data?.["config.yaml"]).toBe("name: hacked\n");
    await waitFor(
      "config.yaml restored",
      async () => (await get(kc, R.configmap, n(), "heal-vmcp-config"))?.data?.["config.yaml"] === original,
    );
  });

  it.each([
    ["ServiceAccount", R.sa, "heal-vmcp"],
    ["RoleBinding", R.rolebinding, "heal-vmcp"],
    ["ConfigMap", R.configmap, "heal-vmcp-config"],
  ] as const)("a deleted %s is recreated with its owner reference", async (_kind, ref, name) => {
    const old = await mustGet(kc, ref, n(), name);
    await remove(kc, ref, n(), name);
    const fresh: Obj = await waitFor(`${name} recreated`, async () => {
      const o = await get(kc, ref, n(), name);
      return o && o.metadata.uid !== old.metadata.uid ? o : undefined;
    });
    expect(fresh.metadata.ownerReferences?.[0]).toMatchObject({
      kind: "VirtualMCPServer",
      name: "heal",
      controller: true,
    });
  });
});
