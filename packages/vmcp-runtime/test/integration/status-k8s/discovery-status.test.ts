// Kubernetes mode end to end against the real API server (RBAC on): the runtime, authenticated with the
// ServiceAccount token of the Role the operator's builder produces, discovers the group's members,
// health-checks real SDK backends and reports into its VirtualMCPServer's status.
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { createNamespace, type TestNamespace } from "@vmcp/testenv";
import { testKubeConfig } from "@vmcp/testenv/vitest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makePrivateCa } from "../../fixtures/tls.ts";
import {
  applyOperatorStatus,
  backendOf,
  backendsOf,
  connectClient,
  createCore,
  createCr,
  createReadyMCPServer,
  createVmcp,
  deleteCr,
  GROUP_NAME,
  getCr,
  isForbidden,
  type Obj,
  patchStatus,
  type RunningRuntime,
  runtimeServiceAccount,
  startRuntime,
  startTestBackend,
  type TestBackend,
  toolNames,
  waitFor,
} from "./harness.ts";

const admin = testKubeConfig();
const VMCP = "gw";
let ns: TestNamespace;
let rt: RunningRuntime;
let mcp: { client: Client; listChanged: () => number };
const backends: TestBackend[] = [];
let ca: Awaited<ReturnType<typeof makePrivateCa>>;

const vmcp = () => getCr(admin, ns.name, "virtualmcpservers", VMCP);
const server = (name: string, url: string, extra: Record<string, unknown> = {}) =>
  createReadyMCPServer(admin, ns.name, name, url, extra);
const backend = async (name: string, o: Parameters<typeof startTestBackend>[1] = {}) => {
  const b = await startTestBackend(name, o);
  backends.push(b);
  return b;
};
const untilStatus = (what: string, pred: (o: Obj) => boolean, timeoutMs = 30_000) =>
  waitFor(
    what,
    async () => {
      const o = await vmcp();
      return pred(o) ? o : undefined;
    },
    timeoutMs,
  );

beforeAll(async () => {
  ns = await createNamespace(admin, "rt-status");
  ca = await makePrivateCa();
  const a = await backend("alpha");
  const b = await backend("beta");
  await server("alpha", a.url);
  await server("beta", b.url);
  // A member of another group never appears.
  const other = await backend("other");
  await createCr(admin, ns.name, "mcpservers", "other", {
    groupRef: { name: "elsewhere" },
    transport: "streamable-http",
  });
  await patchStatus(admin, ns.name, "mcpservers", "other", { phase: "Ready", url: other.url });
  // A backend whose auth comes from an MCPExternalAuthConfig + Secret read by name.
  const secured = await backend("secured", { requireHeader: { name: "x-api-key", value: "s3cret" } });
  await createCore(admin, ns.name, "secrets", {
    metadata: { name: "secured-key" },
    stringData: { key: "s3cret" },
  });
  await createCr(admin, ns.name, "mcpexternalauthconfigs", "secured-auth", {
    type: "headerInjection",
    headerInjection: { headerName: "x-api-key", valueSecretRef: { name: "secured-key", key: "key" } },
  });
  await server("secured", secured.url, { externalAuthConfigRef: { name: "secured-auth" } });
  const obj = await createVmcp(admin, ns.name, VMCP);
  // The operator's share of status, written before the runtime starts.
  await applyOperatorStatus(admin, ns.name, VMCP, {
    url: "http://vmcp-gw.example.svc.cluster.local:4483",
    conditions: [
      {
        type: "DeploymentReady",
        status: "True",
        reason: "DeploymentReady",
        message: "ok",
        lastTransitionTime: new Date().toISOString(),
      },
    ],
  });
  const sa = await runtimeServiceAccount(admin, ns.name, obj, ["secured-key"], ["remote-ca"]);
  rt = await startRuntime(sa, { name: VMCP, namespace: ns.name });
  mcp = await connectClient(rt.url);
}, 120_000);

afterAll(async () => {
  await mcp?.client.close().catch(() => {});
  await rt?.stop();
  await Promise.all(backends.map((b) => b.kill()));
  await ca?.cleanup();
  await ns?.delete();
});

describe("Kubernetes discovery and status", () => {
  it("reports the group's backends ready, phase Ready, next to the operator's fields", async () => {
    const o = await untilStatus(
      "alpha, beta and secured ready",
      (o) =>
        backendsOf(o).length === 3 &&
        backendsOf(o).every((b) => b.status === "ready") &&
        o.status?.phase === "Ready",
    );
    expect(backendsOf(o).map((b) => b.name)).toEqual(["alpha", "beta", "secured"]);
    expect(o.status.backendCount).toBe(3);
    expect(backendOf(o, "secured")).toMatchObject({
      authConfigRef: "secured-auth",
      authType: "header_injection",
    });
    expect(o.status.capabilities).toEqual({
      toolCount: 3,
      resourceCount: 0,
      promptCount: 0,
      compositeToolCount: 0,
    });
    const cond = (t: string) => o.status.conditions.find((c: { type: string }) => c.type === t);
    expect(cond("Ready")).toMatchObject({
      status: "True",
      reason: "AllBackendsRoutable",
      observedGeneration: o.metadata.generation,
    });
    expect(cond("BackendsDiscovered")).toMatchObject({ status: "True", message: "Discovered 3 backends" });
    // The operator's fields are untouched by the runtime.
    expect(o.status.url).toBe("http://vmcp-gw.example.svc.cluster.local:4483");
    expect(cond("DeploymentReady")).toMatchObject({ status: "True", message: "ok" });
    expect(await toolNames(mcp.client)).toEqual([
      "alpha_alpha_echo",
      "beta_beta_echo",
      "secured_secured_echo",
    ]);
  });

  it("keeps the runtime's fields when the operator writes its own status", async () => {
    await applyOperatorStatus(admin, ns.name, VMCP, {
      url: "http://vmcp-gw.example.svc.cluster.local:4483",
      conditions: [
        {
          type: "DeploymentReady",
          status: "True",
          reason: "DeploymentReady",
          message: "still ok",
          lastTransitionTime: new Date().toISOString(),
        },
      ],
    });
    const o = await vmcp();
    expect(backendsOf(o).map((b) => b.name)).toEqual(["alpha", "beta", "secured"]);
    expect(o.status.phase).toBe("Ready");
    expect(o.status.conditions.map((c: { type: string }) => c.type).sort()).toEqual([
      "BackendsDiscovered",
      "DeploymentReady",
      "Ready",
    ]);
  });

  it("is never Ready while the operator's DeploymentReady is False: Pending until it turns True", async () => {
    const deploymentReady = (status: "True" | "False", reason: string, message: string) =>
      applyOperatorStatus(admin, ns.name, VMCP, {
        url: "http://vmcp-gw.example.svc.cluster.local:4483",
        conditions: [
          { type: "DeploymentReady", status, reason, message, lastTransitionTime: new Date().toISOString() },
        ],
      });
    const ready = (o: Obj) => o.status?.conditions?.find((c: { type: string }) => c.type === "Ready");
    try {
      // The moment seen in the demo: the pod serves, its Deployment has no available replica yet.
      await deploymentReady("False", "DeploymentNotReady", "Waiting for an available vmcp replica");
      const pending = await untilStatus(
        "Ready=False beside DeploymentReady=False",
        (o) => ready(o)?.status === "False",
      );
      expect(pending.status.phase).toBe("Pending");
      expect(ready(pending)).toMatchObject({ status: "False", reason: "DeploymentNotReady" });
      expect(pending.status.message).toMatch(
        /waiting for DeploymentReady: Waiting for an available vmcp replica/,
      );
      // The backends themselves are still reported as they are.
      expect(backendsOf(pending).every((b) => b.status === "ready")).toBe(true);
    } finally {
      await deploymentReady("True", "DeploymentAvailable", "1 replica(s) available");
    }
    const back = await untilStatus("Ready again", (o) => ready(o)?.status === "True");
    expect(back.status.phase).toBe("Ready");
    expect(ready(back)).toMatchObject({ reason: "AllBackendsRoutable" });
  });

  it("picks up a backend added later without a restart, and tells connected clients", async () => {
    const before = mcp.listChanged();
    const g = await backend("gamma");
    await server("gamma", g.url);
    await untilStatus(
      "gamma ready",
      (o) => backendOf(o, "gamma")?.status === "ready" && o.status.backendCount === 4,
    );
    await waitFor("gamma in tools/list", async () =>
      (await toolNames(mcp.client)).includes("gamma_gamma_echo"),
    );
    await waitFor("list_changed", async () => mcp.listChanged() > before);
    // Removing it from the group takes it out again.
    await deleteCr(admin, ns.name, "mcpservers", "gamma");
    await untilStatus("gamma gone", (o) => !backendOf(o, "gamma") && o.status.backendCount === 3);
    await waitFor(
      "gamma out of tools/list",
      async () => !(await toolNames(mcp.client)).includes("gamma_gamma_echo"),
    );
  });

  it("reaches an MCPServerEntry over TLS with a private CA from its caBundleRef; ignores entries not Valid", async () => {
    const e = await backend("remote", { tls: { key: ca.key, cert: ca.cert } });
    const { readFile } = await import("node:fs/promises");
    await createCore(admin, ns.name, "configmaps", {
      metadata: { name: "remote-ca" },
      data: { "root.pem": await readFile(ca.caPath, "utf8") },
    });
    const entry = (name: string) =>
      createCr(admin, ns.name, "mcpserverentries", name, {
        remoteUrl: e.url,
        transport: "streamable-http",
        groupRef: { name: GROUP_NAME },
        caBundleRef: { configMapRef: { name: "remote-ca", key: "root.pem" } },
      });
    await entry("remote");
    await entry("pending-entry");
    await patchStatus(admin, ns.name, "mcpserverentries", "pending-entry", { phase: "Pending" });
    await patchStatus(admin, ns.name, "mcpserverentries", "remote", { phase: "Valid" });
    const o = await untilStatus("entry ready", (o) => backendOf(o, "remote")?.status === "ready");
    expect(backendOf(o, "pending-entry")).toBeUndefined();
    await waitFor("entry tool listed", async () =>
      (await toolNames(mcp.client)).includes("remote_remote_echo"),
    );
    const r = await mcp.client.callTool({ name: "remote_remote_echo", arguments: {} });
    expect(r.content).toEqual([{ type: "text", text: "hello from remote" }]);
    await deleteCr(admin, ns.name, "mcpserverentries", "remote");
    await untilStatus("entry gone", (o) => !backendOf(o, "remote"));
  });

  it("reports a backend whose auth reference cannot be resolved, and never routes it", async () => {
    const orphan = await backend("orphan");
    await server("orphan", orphan.url, { externalAuthConfigRef: { name: "no-such-auth" } });
    const o = await untilStatus("orphan reported", (o) => backendOf(o, "orphan")?.status === "unavailable");
    expect(backendOf(o, "orphan")?.message).toContain("no-such-auth");
    expect(o.status.backendCount).toBe(3);
    expect(o.status.phase).toBe("Degraded");
    expect(await toolNames(mcp.client)).not.toContain("orphan_orphan_echo");
    expect(orphan.hits).toBe(0);
    await deleteCr(admin, ns.name, "mcpservers", "orphan");
    await untilStatus("orphan gone, Ready", (o) => !backendOf(o, "orphan") && o.status.phase === "Ready");
  });

  it("marks a killed backend unavailable (phase Degraded) and recovers when it returns", async () => {
    const beta = backends.find((b) => b.name === "beta") as TestBackend;
    await beta.kill();
    const o = await untilStatus("beta unavailable", (o) => backendOf(o, "beta")?.status === "unavailable");
    expect(o.status.phase).toBe("Degraded");
    expect(o.status.backendCount).toBe(2);
    await waitFor(
      "beta's tool withdrawn",
      async () => !(await toolNames(mcp.client)).includes("beta_beta_echo"),
    );
    await beta.revive();
    await untilStatus(
      "beta ready again",
      (o) => backendOf(o, "beta")?.status === "ready" && o.status.phase === "Ready",
    );
    await waitFor("beta's tool back", async () => (await toolNames(mcp.client)).includes("beta_beta_echo"));
  });

  it("sends no status write during 30 s of steady state", async () => {
    // Let the recovery above settle (recovering -> ready) before counting.
    await untilStatus("all ready", (o) =>
      backendsOf(o).every((b) => b.status === "ready" && b.consecutiveFailures === 0),
    );
    const writes = rt.k8s.reporter.writes;
    const rv = (await vmcp()).metadata.resourceVersion;
    const probes = backends.find((b) => b.name === "alpha")?.hits ?? 0;
    await new Promise((r) => setTimeout(r, 30_000)); // the window itself is the assertion
    expect(rt.k8s.reporter.writes - writes).toBe(0);
    expect((await vmcp()).metadata.resourceVersion).toBe(rv);
    // Health checks kept running meanwhile (interval 2 s): the silence is coalescing, not idleness.
    expect((backends.find((b) => b.name === "alpha")?.hits ?? 0) - probes).toBeGreaterThan(10);
  }, 60_000);

  it("with two replicas only the Lease holder writes; the other takes over when it stops", async () => {
    const { rbacName } = await import("@vmcp/operator/builders/names");
    const { serviceAccountKubeConfig } = await import("@vmcp/testenv");
    const sa = await serviceAccountKubeConfig(admin, ns.name, rbacName(VMCP));
    const second = await startRuntime(sa, { name: VMCP, namespace: ns.name });
    try {
      expect(rt.k8s.reporter.isLeader).toBe(true);
      const alpha = backends.find((b) => b.name === "alpha") as TestBackend;
      await alpha.kill();
      await untilStatus("alpha unavailable", (o) => backendOf(o, "alpha")?.status === "unavailable");
      await waitFor(
        "second replica saw it too",
        async () => second.gateway.health.get("alpha").health === "unhealthy",
      );
      expect(second.k8s.reporter.isLeader).toBe(false);
      expect(second.k8s.reporter.writes).toBe(0);
      // The leader leaves (releasing the Lease): the standby takes over and reports the recovery.
      await rt.stop();
      await alpha.revive();
      await untilStatus(
        "recovery reported by the new leader",
        (o) => backendOf(o, "alpha")?.status !== "unavailable",
      );
      expect(second.k8s.reporter.isLeader).toBe(true);
      expect(second.k8s.reporter.writes).toBeGreaterThan(0);
    } finally {
      rt = second;
    }
  });

  it("runs within the operator's Role: Secrets not named in it and other objects are forbidden", async () => {
    const { rbacName } = await import("@vmcp/operator/builders/names");
    const { serviceAccountKubeConfig } = await import("@vmcp/testenv");
    const kc = await serviceAccountKubeConfig(admin, ns.name, rbacName(VMCP));
    expect(await isForbidden(kc, `/api/v1/namespaces/${ns.name}/secrets`)).toBe(true);
    expect(await isForbidden(kc, `/api/v1/namespaces/${ns.name}/secrets/other-secret`)).toBe(true);
    expect(
      await isForbidden(kc, `/apis/toolhive.stacklok.dev/v1beta1/namespaces/${ns.name}/virtualmcpservers`),
    ).toBe(true);
  });
});
