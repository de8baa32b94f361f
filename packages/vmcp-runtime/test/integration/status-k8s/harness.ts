// Harness for the Kubernetes-mode suites: raw CRUD as admin, the operator's RBAC for the runtime,
// restartable SDK backends on fixed ports, and the runtime started in-process exactly as `vmcp
// serve` composes it (kubernetes-mode.ts), authenticated with its ServiceAccount token.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import type { KubeConfig } from "@kubernetes/client-node";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { ToolListChangedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { KubeApiError, kubeRequest } from "@vmcp/kube-kit/http";
import { rbacName } from "@vmcp/operator/builders/names";
import {
  buildRole,
  buildRoleBinding,
  buildServiceAccount,
  buildStatusLease,
} from "@vmcp/operator/builders/rbac";
import { API_VERSION, VmcpConfigSchema } from "@vmcp/shared-types";
import { serviceAccountKubeConfig } from "@vmcp/testenv";
import { waitFor } from "@vmcp/testenv/test-kit";
import { silentLogger } from "../../../src/logger.ts";
import { createRuntime, type Runtime } from "../../../src/runtime/create.ts";
import type { K8sStatusReporter } from "../../../src/status/k8s-reporter.ts";

export const GROUP_NAME = "tools";
const crdPath = (ns: string, plural: string, name?: string) =>
  `/apis/toolhive.stacklok.dev/v1beta1/namespaces/${ns}/${plural}${name ? `/${name}` : ""}`;
const corePath = (ns: string, plural: string, name?: string) =>
  `/api/v1/namespaces/${ns}/${plural}${name ? `/${name}` : ""}`;

const KIND: Record<string, string> = {
  virtualmcpservers: "VirtualMCPServer",
  mcpgroups: "MCPGroup",
  mcpservers: "MCPServer",
  mcpserverentries: "MCPServerEntry",
  mcpexternalauthconfigs: "MCPExternalAuthConfig",
  mcpoidcconfigs: "MCPOIDCConfig",
  mcptelemetryconfigs: "MCPTelemetryConfig",
};

export type Obj = {
  metadata: { name: string; uid: string; resourceVersion: string; generation?: number };
  // biome-ignore lint/suspicious/noExplicitAny: test objects are read field by field
  status?: any;
};

export async function createCr(
  kc: KubeConfig,
  ns: string,
  plural: string,
  name: string,
  spec: unknown,
): Promise<Obj> {
  return await kubeRequest<Obj>(kc, {
    method: "POST",
    path: crdPath(ns, plural),
    body: { apiVersion: API_VERSION, kind: KIND[plural], metadata: { name, namespace: ns }, spec },
  });
}

export async function patchStatus(kc: KubeConfig, ns: string, plural: string, name: string, status: unknown) {
  return await kubeRequest<Obj>(kc, {
    method: "PATCH",
    path: `${crdPath(ns, plural, name)}/status`,
    body: { status },
    contentType: "application/merge-patch+json",
  });
}

/** An MCPServer in the test group, Ready at `url` (no MCPServer controller runs here to set it). */
export async function createReadyMCPServer(
  kc: KubeConfig,
  ns: string,
  name: string,
  url: string,
  extra: Record<string, unknown> = {},
): Promise<void> {
  await createCr(kc, ns, "mcpservers", name, {
    groupRef: { name: GROUP_NAME },
    transport: "streamable-http",
    ...extra,
  });
  await patchStatus(kc, ns, "mcpservers", name, { phase: "Ready", url });
}

/** The VirtualMCPServer every runtime test reports into: the test group, anonymous clients. */
export function createVmcp(kc: KubeConfig, ns: string, name: string): Promise<Obj> {
  return createCr(kc, ns, "virtualmcpservers", name, {
    groupRef: { name: GROUP_NAME },
    incomingAuth: { type: "anonymous" },
  });
}

export async function getCr(kc: KubeConfig, ns: string, plural: string, name: string): Promise<Obj> {
  return await kubeRequest<Obj>(kc, { method: "GET", path: crdPath(ns, plural, name) });
}

export async function deleteCr(kc: KubeConfig, ns: string, plural: string, name: string): Promise<void> {
  await kubeRequest(kc, { method: "DELETE", path: crdPath(ns, plural, name) });
}

/** A merge patch of `spec`, as a user's `kubectl patch --type merge` would send it. */
export async function patchSpec(kc: KubeConfig, ns: string, plural: string, name: string, spec: unknown) {
  return await kubeRequest<Obj>(kc, {
    method: "PATCH",
    path: crdPath(ns, plural, name),
    body: { spec },
    contentType: "application/merge-patch+json",
  });
}

export type Cond = { type: string; status: string; reason: string; message: string };
export const cond = (o: Obj | undefined, type: string): Cond | undefined =>
  (o?.status?.conditions as Cond[] | undefined)?.find((c) => c.type === type);

/** The config.yaml the operator rendered for a VirtualMCPServer; undefined until its ConfigMap exists. */
export async function vmcpConfigYaml(kc: KubeConfig, ns: string, vmcp: string): Promise<string | undefined> {
  const cm = await kubeRequest<{ data?: Record<string, string> }>(kc, {
    method: "GET",
    path: corePath(ns, "configmaps", `${vmcp}-vmcp-config`),
  }).catch(() => undefined);
  return cm?.data?.["config.yaml"];
}

export async function createCore(kc: KubeConfig, ns: string, plural: "configmaps" | "secrets", body: object) {
  await kubeRequest(kc, { method: "POST", path: corePath(ns, plural), body });
}

/** What the operator does to status: SSA as vmcp-operator of url and its own conditions. */
export async function applyOperatorStatus(
  kc: KubeConfig,
  ns: string,
  name: string,
  status: unknown,
): Promise<Obj> {
  return await kubeRequest<Obj>(kc, {
    method: "PATCH",
    path: `${crdPath(ns, "virtualmcpservers", name)}/status`,
    query: { fieldManager: "vmcp-operator", force: true, fieldValidation: "Strict" },
    body: { apiVersion: API_VERSION, kind: "VirtualMCPServer", metadata: { name, namespace: ns }, status },
    contentType: "application/apply-patch+yaml",
  });
}

export { waitFor };

export interface DiscoveredEntry {
  name: string;
  url?: string;
  status?: string;
  message?: string;
  authConfigRef?: string;
  authType?: string;
  circuitBreakerState?: string;
  consecutiveFailures?: number;
}

export const backendsOf = (o: Obj): DiscoveredEntry[] =>
  (o.status?.discoveredBackends as DiscoveredEntry[]) ?? [];
export const backendOf = (o: Obj, name: string) => backendsOf(o).find((b) => b.name === name);

/** The operator's RBAC for the runtime (its builders), applied by the test; returns the SA's kubeconfig. */
export async function runtimeServiceAccount(
  admin: KubeConfig,
  ns: string,
  vmcp: Obj,
  secretNames: string[],
  configMapNames: string[] = [],
): Promise<KubeConfig> {
  const input = {
    owner: {
      apiVersion: API_VERSION,
      kind: "VirtualMCPServer",
      name: vmcp.metadata.name,
      uid: vmcp.metadata.uid,
    },
    namespace: ns,
    source: "discovered" as const,
    secretNames,
    configMapNames,
  };
  await kubeRequest(admin, {
    method: "POST",
    path: corePath(ns, "serviceaccounts"),
    body: buildServiceAccount(input),
  });
  await kubeRequest(admin, {
    method: "POST",
    path: `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/roles`,
    body: buildRole(input),
  });
  await kubeRequest(admin, {
    method: "POST",
    path: `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings`,
    body: buildRoleBinding(input),
  });
  await kubeRequest(admin, {
    method: "POST",
    path: `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases`,
    body: buildStatusLease(input),
  });
  const sa = await serviceAccountKubeConfig(admin, ns, rbacName(vmcp.metadata.name));
  // RBAC is eventually consistent: wait until the Role is in effect.
  await waitFor("Role in effect", async () => {
    await kubeRequest(sa, { method: "GET", path: crdPath(ns, "mcpservers") });
    return true;
  });
  return sa;
}

export async function isForbidden(kc: KubeConfig, path: string): Promise<boolean> {
  try {
    await kubeRequest(kc, { method: "GET", path });
    return false;
  } catch (e) {
    return e instanceof KubeApiError && e.code === 403;
  }
}

/** A stateless SDK MCP backend with one tool, that can be killed and restarted on the same port. */
export interface TestBackend {
  name: string;
  url: string;
  /** Requests seen (any method), for "the backend was reached" assertions. */
  hits: number;
  kill(): Promise<void>;
  revive(): Promise<void>;
}

export async function startTestBackend(
  name: string,
  o: {
    tls?: { key: string; cert: string };
    requireHeader?: { name: string; value: string };
    port?: number;
  } = {},
): Promise<TestBackend> {
  let server: Server | undefined;
  let port = o.port ?? 0;
  const b: TestBackend = {
    name,
    url: "",
    hits: 0,
    async kill() {
      const s = server;
      server = undefined;
      if (!s) return;
      await new Promise<void>((r) => {
        s.close(() => r());
        s.closeAllConnections();
      });
    },
    async revive() {
      const handler = (req: IncomingMessage, res: ServerResponse) => void handle(req, res);
      const s = o.tls
        ? createHttpsServer({ key: o.tls.key, cert: o.tls.cert }, handler)
        : createServer(handler);
      await new Promise<void>((r, j) => {
        s.once("error", j);
        s.listen(port, "127.0.0.1", () => r());
      });
      port = (s.address() as AddressInfo).port;
      server = s;
    },
  };
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    b.hits++;
    if (o.requireHeader && req.headers[o.requireHeader.name.toLowerCase()] !== o.requireHeader.value) {
      res.writeHead(401, { "content-type": "application/json" }).end('{"error":"unauthorized"}');
      return;
    }
    if (req.method !== "POST") {
      res.writeHead(405).end();
      return;
    }
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const mcp = new McpServer({ name, version: "1.0.0" });
    mcp.registerTool(`${name}_echo`, { description: `echo from ${name}` }, async () => ({
      content: [{ type: "text", text: `hello from ${name}` }],
    }));
    const t = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.on("close", () => {
      void t.close();
      void mcp.close();
    });
    await mcp.connect(t);
    await t.handleRequest(req, res, JSON.parse(Buffer.concat(chunks).toString("utf8")));
  };
  await b.revive();
  b.url = `${o.tls ? "https" : "http"}://127.0.0.1:${port}/mcp`;
  return b;
}

export interface RunningRuntime {
  k8s: Runtime & { reporter: K8sStatusReporter };
  gateway: Runtime["gateway"];
  url: string;
  stop(): Promise<void>;
}

export interface RuntimeSettings {
  healthCheckInterval?: string;
  healthCheckTimeout?: string;
  unhealthyThreshold?: number;
  statusReportingInterval?: string;
  circuitBreaker?: { enabled: boolean; failureThreshold?: number; timeout?: string };
  eventSeriesFlushMs?: number;
  /** The operator's loopback allowance (default on: the test backends listen on 127.0.0.1). */
  allowLoopbackBackends?: boolean;
}

/** The runtime as `vmcp serve` composes it in Kubernetes mode, bound to 127.0.0.1:0. */
export async function startRuntime(
  kc: KubeConfig,
  target: { name: string; namespace: string },
  s: RuntimeSettings = {},
): Promise<RunningRuntime> {
  const config = VmcpConfigSchema.parse({
    name: target.name,
    groupRef: GROUP_NAME,
    incomingAuth: { type: "anonymous" },
    outgoingAuth: { source: "discovered" },
    aggregation: { conflictResolution: "prefix" },
    operational: {
      failureHandling: {
        healthCheckInterval: s.healthCheckInterval ?? "2s",
        healthCheckTimeout: s.healthCheckTimeout ?? "1500ms",
        unhealthyThreshold: s.unhealthyThreshold ?? 2,
        statusReportingInterval: s.statusReportingInterval ?? "10m",
        partialFailureMode: "best_effort",
        ...(s.circuitBreaker ? { circuitBreaker: s.circuitBreaker } : {}),
      },
    },
  });
  const log = process.env.VMCP_TEST_LOG
    ? (await import("../../../src/logger.ts")).createLogger({ debug: true })
    : silentLogger();
  const runtime = await createRuntime(config, {
    log,
    secrets: new Map(),
    kubernetes: {
      target,
      kc,
      coalesceMs: 100,
      secretRefreshMs: 2000,
      eventSeriesFlushMs: s.eventSeriesFlushMs,
      allowLoopbackBackends: s.allowLoopbackBackends ?? true,
    },
    retry: { initialMs: 200, maxMs: 1000 },
  });
  const { reporter } = runtime;
  if (!reporter) throw new Error("a runtime with a Kubernetes target has a status reporter");
  const { url } = await runtime.start("127.0.0.1", 0);
  return {
    k8s: { ...runtime, reporter },
    gateway: runtime.gateway,
    url,
    stop: () => runtime.stop(),
  };
}

/** An MCP client of the gateway that counts tools/list_changed notifications. */
export async function connectClient(url: string): Promise<{ client: Client; listChanged: () => number }> {
  let changed = 0;
  const client = new Client({ name: "test", version: "1.0.0" });
  client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
    changed++;
  });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return { client, listChanged: () => changed };
}

export async function toolNames(client: Client): Promise<string[]> {
  return (await client.listTools()).tools.map((t) => t.name).sort();
}
