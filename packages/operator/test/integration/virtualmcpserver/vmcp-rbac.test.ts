// The Role generated for the runtime, exercised with the ServiceAccount's own token against the
// RBAC-enforcing API server: what the runtime does is allowed, anything beyond it is Forbidden.
import type { KubeConfig } from "@kubernetes/client-node";
import { microTime } from "@vmcp/kube-kit/events";
import { KubeApiError, kubeRequest, openRequest } from "@vmcp/kube-kit/http";
import { createLogger } from "@vmcp/kube-kit/logger";
import { collectionPath, objectPath } from "@vmcp/kube-kit/resources";
import { API_VERSION } from "@vmcp/shared-types";
import { createNamespace, serviceAccountKubeConfig, type TestNamespace } from "@vmcp/testenv";
import { testKubeConfig } from "@vmcp/testenv/vitest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createVirtualMCPServerController } from "../../../src/controllers/virtualmcpserver/controller.ts";
import { type RunningOperator, startOperator } from "../../../src/manager.ts";
import {
  applyRuntimeStatus,
  create,
  get,
  mergePatch,
  mustGet,
  type Obj,
  R,
  vmcpBody,
  waitFor,
} from "./vmcp-helpers.ts";

const LEASE = { group: "coordination.k8s.io", version: "v1", plural: "leases" };
const admin = testKubeConfig();
let ns: TestNamespace;
let op: RunningOperator;
let sa: KubeConfig;
const n = () => ns.name;

async function status(kc: KubeConfig, req: Parameters<typeof kubeRequest>[1]): Promise<number> {
  try {
    await kubeRequest(kc, req);
    return 200;
  } catch (e) {
    if (e instanceof KubeApiError) return e.code;
    throw e;
  }
}

/** Opens a watch and reports the HTTP status the API server answered with (200 = watch allowed). */
async function watchStatus(kc: KubeConfig, path: string): Promise<number> {
  const res = await openRequest(kc, { method: "GET", path, query: { watch: true, timeoutSeconds: 1 } });
  res.destroy();
  return res.statusCode ?? 0;
}

beforeAll(async () => {
  ns = await createNamespace(admin, "vmcp-rbac");
  op = await startOperator({
    kc: admin,
    namespace: ns.name,
    leaderElection: false,
    controllers: [createVirtualMCPServerController],
    logger: createLogger({ level: "warn" }),
  });
  await create(admin, R.group, n(), { metadata: { name: "tools" }, spec: {} });
  await mergePatch(admin, R.group, n(), "tools", { status: { phase: "Ready" } }, true);
  for (const s of ["hdr-secret", "unrelated"]) {
    await create(admin, R.secret, n(), {
      metadata: { name: s },
      data: { v: Buffer.from(s).toString("base64") },
    });
  }
  await create(admin, R.auth, n(), {
    metadata: { name: "hdr" },
    spec: {
      type: "headerInjection",
      headerInjection: { headerName: "X-Key", valueSecretRef: { name: "hdr-secret", key: "v" } },
    },
  });
  await create(admin, R.server, n(), {
    metadata: { name: "srv" },
    spec: {
      groupRef: { name: "tools" },
      transport: "streamable-http",
      externalAuthConfigRef: { name: "hdr" },
    },
  });
  // static mode needs a usable backend: a server with a URL (what the MCPServer controller would set)
  await mergePatch(
    admin,
    R.server,
    n(),
    "srv",
    { status: { url: "http://mcp-srv-proxy.svc:8080/mcp" } },
    true,
  );
  // an entry's CA bundle (the runtime reads it) and a ConfigMap it must never see
  await create(admin, R.configmap, n(), { metadata: { name: "corp-ca" }, data: { "ca.crt": "PEM" } });
  await create(admin, R.configmap, n(), {
    metadata: { name: "app-settings" },
    data: { password: "hunter2" },
  });
  await create(admin, R.entry, n(), {
    metadata: { name: "ext" },
    spec: {
      groupRef: { name: "tools" },
      remoteUrl: "https://ext.example.com/mcp",
      transport: "streamable-http",
      caBundleRef: { configMapRef: { name: "corp-ca" } },
    },
  });
  await create(admin, R.vmcp, n(), vmcpBody("rt"));
  await create(admin, R.vmcp, n(), vmcpBody("other"));
  await create(admin, R.vmcp, n(), vmcpBody("static", { outgoingAuth: { source: "inline" } }));
  await waitFor(
    "Roles",
    async () => (await get(admin, R.role, n(), "rt-vmcp")) && (await get(admin, R.sa, n(), "static-vmcp")),
  );
  sa = await serviceAccountKubeConfig(admin, n(), "rt-vmcp");
});

afterAll(async () => {
  await op?.stop();
  await ns?.delete();
});

describe("runtime Role (dynamic mode)", () => {
  it("allows what the runtime does: watch members and configs, read its object, SSA its status, its Lease", async () => {
    const crd = (plural: string) => ({ group: "toolhive.stacklok.dev", version: "v1beta1", plural });
    const readable = [
      crd("mcpgroups"),
      crd("mcpservers"),
      crd("mcpremoteproxies"),
      crd("mcpserverentries"),
      crd("mcpexternalauthconfigs"),
    ];
    // RBAC caches are eventually consistent: the first allowed call may need a moment.
    await waitFor(
      "Role effective",
      async () => (await status(sa, { method: "GET", path: collectionPath(readable[1]!, n()) })) === 200,
    );
    for (const ref of readable) {
      expect(await status(sa, { method: "GET", path: collectionPath(ref, n()) }), `list ${ref.plural}`).toBe(
        200,
      );
      expect(await watchStatus(sa, collectionPath(ref, n())), `watch ${ref.plural}`).toBe(200);
    }
    expect(await status(sa, { method: "GET", path: objectPath(R.configmap, n(), "corp-ca") })).toBe(200);
    expect(await status(sa, { method: "GET", path: objectPath(R.vmcp, n(), "rt") })).toBe(200);
    // its own object can be watched (by name) to follow spec generations
    const own = await openRequest(sa, {
      method: "GET",
      path: collectionPath(R.vmcp, n()),
      query: { watch: true, timeoutSeconds: 1, fieldSelector: "metadata.name=rt" },
    });
    own.destroy();
    expect(own.statusCode).toBe(200);
    expect(await status(sa, { method: "GET", path: objectPath(R.secret, n(), "hdr-secret") })).toBe(200);
    const applied = await applyRuntimeStatus(sa, n(), "rt", {
      backendCount: 1,
      discoveredBackends: [{ name: "srv", status: "unknown" }],
    });
    expect(applied.status.backendCount).toBe(1);

    // The operator creates the status Lease, owned by the VirtualMCPServer; the runtime takes it.
    const created = await waitFor("status Lease", async () => get(admin, LEASE, n(), "rt-vmcp-status"));
    expect(created.metadata.ownerReferences?.[0]).toMatchObject({ kind: "VirtualMCPServer", name: "rt" });
    const got = await kubeRequest<Obj>(sa, { method: "GET", path: objectPath(LEASE, n(), "rt-vmcp-status") });
    const update = { ...got, spec: { holderIdentity: "pod-b", leaseDurationSeconds: 15 } };
    expect(
      await status(sa, { method: "PUT", path: objectPath(LEASE, n(), "rt-vmcp-status"), body: update }),
    ).toBe(200);
  });

  it("cannot read an unreferenced ConfigMap nor create or take another server's Lease", async () => {
    await waitFor("other's Lease", async () => get(admin, LEASE, n(), "other-vmcp-status"));
    expect(await status(sa, { method: "GET", path: objectPath(R.configmap, n(), "app-settings") })).toBe(403);
    expect(await status(sa, { method: "GET", path: collectionPath(R.configmap, n()) })).toBe(403);
    expect(await watchStatus(sa, collectionPath(R.configmap, n()))).toBe(403);
    const squat = (name: string) => ({
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: { name, namespace: n() },
      spec: { holderIdentity: "rt-pod", leaseDurationSeconds: 2147483647 },
    });
    // create cannot be limited by name in RBAC, so the runtime gets no create at all
    expect(
      await status(sa, {
        method: "POST",
        path: collectionPath(LEASE, n()),
        body: squat("third-vmcp-status"),
      }),
    ).toBe(403);
    const theirs = await mustGet(admin, LEASE, n(), "other-vmcp-status");
    expect(
      await status(sa, {
        method: "PUT",
        path: objectPath(LEASE, n(), "other-vmcp-status"),
        body: { ...squat("other-vmcp-status"), metadata: theirs.metadata },
      }),
    ).toBe(403);
    expect(await status(sa, { method: "DELETE", path: objectPath(LEASE, n(), "other-vmcp-status") })).toBe(
      403,
    );
    expect((await mustGet(admin, LEASE, n(), "other-vmcp-status")).spec?.holderIdentity).toBeUndefined();
  });

  it("forbids everything else: other VMCPs' status, unreferenced Secrets, listing Secrets, other Leases, its spec", async () => {
    const patchStatus = (name: string) => ({
      method: "PATCH" as const,
      path: `${objectPath(R.vmcp, n(), name)}/status`,
      query: { fieldManager: "vmcp-runtime", force: true },
      body: {
        apiVersion: API_VERSION,
        kind: "VirtualMCPServer",
        metadata: { name, namespace: n() },
        status: { backendCount: 9 },
      },
      contentType: "application/apply-patch+yaml",
    });
    expect(await status(sa, patchStatus("other"))).toBe(403);
    expect(await status(sa, { method: "GET", path: objectPath(R.vmcp, n(), "other") })).toBe(403);
    expect(await status(sa, { method: "GET", path: objectPath(R.secret, n(), "unrelated") })).toBe(403);
    expect(await status(sa, { method: "GET", path: collectionPath(R.secret, n()) })).toBe(403);
    expect(await watchStatus(sa, collectionPath(R.secret, n()))).toBe(403);
    expect(await status(sa, { method: "GET", path: collectionPath(R.tool, n()) })).toBe(403);
    expect(
      await status(sa, {
        method: "PATCH",
        path: objectPath(R.vmcp, n(), "rt"),
        body: { spec: { replicas: 3 } },
        contentType: "application/merge-patch+json",
      }),
    ).toBe(403);
    expect(await status(sa, { method: "GET", path: objectPath(LEASE, n(), "someone-elses-lease") })).toBe(
      403,
    );
    expect(await status(sa, { method: "DELETE", path: objectPath(R.deployment, n(), "rt") })).toBe(403);
  });

  it("static mode grants no access to members, configs or Secrets, and only create/patch on Events", async () => {
    const staticSa = await serviceAccountKubeConfig(admin, n(), "static-vmcp");
    await waitFor(
      "static Role effective",
      async () =>
        (await status(staticSa, { method: "GET", path: objectPath(R.vmcp, n(), "static") })) === 200,
    );
    expect(await status(staticSa, { method: "GET", path: collectionPath(R.server, n()) })).toBe(403);
    expect(await status(staticSa, { method: "GET", path: collectionPath(R.configmap, n()) })).toBe(403);
    expect(await status(staticSa, { method: "GET", path: objectPath(R.secret, n(), "hdr-secret") })).toBe(
      403,
    );
    // Its backend-transition Events: create (and patch, for a series) only, in both modes.
    const vmcp = await mustGet(admin, R.vmcp, n(), "static");
    const events = { group: "events.k8s.io", version: "v1", plural: "events" };
    const event = {
      apiVersion: "events.k8s.io/v1",
      kind: "Event",
      metadata: { name: "static.backend-unavailable" },
      eventTime: microTime(),
      reportingController: "vmcp-runtime",
      reportingInstance: "test",
      action: "HealthCheck",
      reason: "BackendUnavailable",
      type: "Warning",
      note: "Backend 'srv' unavailable",
      regarding: {
        apiVersion: vmcp.apiVersion,
        kind: "VirtualMCPServer",
        name: "static",
        namespace: n(),
        uid: vmcp.metadata.uid,
      },
    };
    expect(await status(staticSa, { method: "POST", path: collectionPath(events, n()), body: event })).toBe(
      200,
    );
    expect(
      await status(staticSa, {
        method: "PATCH",
        path: objectPath(events, n(), event.metadata.name),
        body: { series: { count: 2, lastObservedTime: microTime() } },
        contentType: "application/merge-patch+json",
      }),
    ).toBe(200);
    expect(await status(staticSa, { method: "GET", path: collectionPath(events, n()) })).toBe(403);
    expect(
      await status(staticSa, { method: "DELETE", path: objectPath(events, n(), event.metadata.name) }),
    ).toBe(403);
  });
});
