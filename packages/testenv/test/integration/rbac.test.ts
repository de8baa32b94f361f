import { ApiException, CoreV1Api, type KubeConfig, RbacAuthorizationV1Api } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createNamespace, type TestNamespace } from "../../src/namespaces.ts";
import { serviceAccountKubeConfig } from "../../src/service-account.ts";
import { testKubeConfig } from "../../src/vitest.ts";
import { eventually } from "./helpers.ts";

async function status(call: Promise<unknown>): Promise<number> {
  try {
    await call;
    return 200;
  } catch (e) {
    if (e instanceof ApiException) return e.code;
    throw e;
  }
}

describe("RBAC on the shared control plane", () => {
  let admin: KubeConfig;
  let ns: TestNamespace;
  beforeAll(async () => {
    admin = testKubeConfig();
    ns = await createNamespace(admin, "testenv-rbac");
  });
  afterAll(async () => {
    await ns?.delete();
  });

  it("denies a ServiceAccount until a Role and RoleBinding grant it, and only what they grant", async () => {
    const core = admin.makeApiClient(CoreV1Api);
    await core.createNamespacedServiceAccount({ namespace: ns.name, body: { metadata: { name: "reader" } } });
    await core.createNamespacedSecret({
      namespace: ns.name,
      body: { metadata: { name: "s1" }, stringData: { k: "v" } },
    });

    const sa = await serviceAccountKubeConfig(admin, ns.name, "reader", { expirationSeconds: 600 });
    expect(sa.getCurrentUser()?.name).toBe(`system:serviceaccount:${ns.name}:reader`);
    const asSa = sa.makeApiClient(CoreV1Api);
    expect(await status(asSa.listNamespacedSecret({ namespace: ns.name }))).toBe(403);

    const rbac = admin.makeApiClient(RbacAuthorizationV1Api);
    await rbac.createNamespacedRole({
      namespace: ns.name,
      body: {
        metadata: { name: "secret-reader" },
        rules: [{ apiGroups: [""], resources: ["secrets"], verbs: ["get", "list"] }],
      },
    });
    await rbac.createNamespacedRoleBinding({
      namespace: ns.name,
      body: {
        metadata: { name: "secret-reader" },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "secret-reader" },
        subjects: [{ kind: "ServiceAccount", name: "reader", namespace: ns.name }],
      },
    });

    // The authorizer learns about new bindings through its informer: allow it a moment.
    expect(
      await eventually(
        async () => (await status(asSa.listNamespacedSecret({ namespace: ns.name }))) === 200,
        10_000,
      ),
    ).toBe(true);
    const secrets = await asSa.listNamespacedSecret({ namespace: ns.name });
    expect(secrets.items.map((s) => s.metadata?.name)).toEqual(["s1"]);
    // Still nothing beyond the Role: no writes, no other namespace.
    expect(await status(asSa.deleteNamespacedSecret({ name: "s1", namespace: ns.name }))).toBe(403);
    expect(await status(asSa.listNamespacedSecret({ namespace: "default" }))).toBe(403);
  });

  it("rejects a forged bearer token with 401", async () => {
    const cluster = admin.getCurrentCluster();
    if (!cluster) throw new Error("no cluster");
    const { KubeConfig } = await import("@kubernetes/client-node");
    const forged = new KubeConfig();
    forged.loadFromOptions({
      clusters: [cluster],
      users: [{ name: "forged", token: "not-a-real-token" }],
      contexts: [{ name: "forged", cluster: cluster.name, user: "forged" }],
      currentContext: "forged",
    });
    expect(await status(forged.makeApiClient(CoreV1Api).listNamespacedSecret({ namespace: ns.name }))).toBe(
      401,
    );
  });
});
