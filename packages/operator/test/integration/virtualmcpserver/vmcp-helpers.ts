// Small helpers for the VirtualMCPServer integration suites: raw CRUD through the kit's HTTP
// client, status patches that stand in for controllers we do not run, and polling.
import type { KubeConfig } from "@kubernetes/client-node";
import { KubeApiError, kubeRequest } from "@vmcp/kube-kit/http";
import { createLogger } from "@vmcp/kube-kit/logger";
import { collectionPath, objectPath, type ResourceRef } from "@vmcp/kube-kit/resources";
import { API_VERSION } from "@vmcp/shared-types";
import { waitFor as waitUntil } from "@vmcp/testenv/test-kit";
import { type RunningOperator, startOperator } from "../../../src/manager.ts";

export type Obj = {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    resourceVersion?: string;
    uid?: string;
    generation?: number;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: {
      apiVersion: string;
      kind: string;
      name: string;
      uid: string;
      controller?: boolean;
      blockOwnerDeletion?: boolean;
    }[];
    managedFields?: { manager?: string; subresource?: string; fieldsV1?: Record<string, unknown> }[];
  };
  // biome-ignore lint/suspicious/noExplicitAny: test objects are read field by field
  spec?: any;
  // biome-ignore lint/suspicious/noExplicitAny: test objects are read field by field
  status?: any;
  data?: Record<string, string>;
  // biome-ignore lint/suspicious/noExplicitAny: RBAC rules
  rules?: any[];
};

const crd = (plural: string): ResourceRef => ({ group: "toolhive.stacklok.dev", version: "v1beta1", plural });
export const R = {
  vmcp: crd("virtualmcpservers"),
  group: crd("mcpgroups"),
  server: crd("mcpservers"),
  proxy: crd("mcpremoteproxies"),
  entry: crd("mcpserverentries"),
  auth: crd("mcpexternalauthconfigs"),
  tool: crd("mcptoolconfigs"),
  composite: crd("virtualmcpcompositetooldefinitions"),
  authz: crd("mcpauthzconfigs"),
  oidc: crd("mcpoidcconfigs"),
  deployment: { group: "apps", version: "v1", plural: "deployments" },
  service: { group: "", version: "v1", plural: "services" },
  configmap: { group: "", version: "v1", plural: "configmaps" },
  secret: { group: "", version: "v1", plural: "secrets" },
  sa: { group: "", version: "v1", plural: "serviceaccounts" },
  role: { group: "rbac.authorization.k8s.io", version: "v1", plural: "roles" },
  rolebinding: { group: "rbac.authorization.k8s.io", version: "v1", plural: "rolebindings" },
} satisfies Record<string, ResourceRef>;

const KINDS: Record<string, string> = {
  virtualmcpservers: "VirtualMCPServer",
  mcpgroups: "MCPGroup",
  mcpservers: "MCPServer",
  mcpremoteproxies: "MCPRemoteProxy",
  mcpserverentries: "MCPServerEntry",
  mcpexternalauthconfigs: "MCPExternalAuthConfig",
  mcptoolconfigs: "MCPToolConfig",
  virtualmcpcompositetooldefinitions: "VirtualMCPCompositeToolDefinition",
  mcpauthzconfigs: "MCPAuthzConfig",
  mcpoidcconfigs: "MCPOIDCConfig",
};

export async function create(
  kc: KubeConfig,
  ref: ResourceRef,
  ns: string,
  body: Omit<Obj, "metadata"> & { metadata: { name: string } },
): Promise<Obj> {
  const full = {
    apiVersion: ref.group ? `${ref.group}/${ref.version}` : ref.version,
    kind: KINDS[ref.plural],
    ...body,
    metadata: { ...body.metadata, namespace: ns },
  };
  return await kubeRequest<Obj>(kc, { method: "POST", path: collectionPath(ref, ns), body: full });
}

export async function get(
  kc: KubeConfig,
  ref: ResourceRef,
  ns: string,
  name: string,
): Promise<Obj | undefined> {
  try {
    return await kubeRequest<Obj>(kc, { method: "GET", path: objectPath(ref, ns, name) });
  } catch (e) {
    if (e instanceof KubeApiError && e.code === 404) return undefined;
    throw e;
  }
}

export async function mustGet(kc: KubeConfig, ref: ResourceRef, ns: string, name: string): Promise<Obj> {
  const o = await get(kc, ref, ns, name);
  if (!o) throw new Error(`${ref.plural}/${name} not found`);
  return o;
}

export async function mergePatch(
  kc: KubeConfig,
  ref: ResourceRef,
  ns: string,
  name: string,
  patch: unknown,
  status = false,
): Promise<Obj> {
  return await kubeRequest<Obj>(kc, {
    method: "PATCH",
    path: objectPath(ref, ns, name) + (status ? "/status" : ""),
    body: patch,
    contentType: "application/merge-patch+json",
  });
}

export async function remove(kc: KubeConfig, ref: ResourceRef, ns: string, name: string): Promise<void> {
  await kubeRequest(kc, { method: "DELETE", path: objectPath(ref, ns, name) });
}

/** What the runtime's StatusReporter does: SSA of its own status fields as manager vmcp-runtime. */
export async function applyRuntimeStatus(
  kc: KubeConfig,
  ns: string,
  name: string,
  status: unknown,
): Promise<Obj> {
  return await kubeRequest<Obj>(kc, {
    method: "PATCH",
    path: `${objectPath(R.vmcp, ns, name)}/status`,
    query: { fieldManager: "vmcp-runtime", force: true, fieldValidation: "Strict" },
    body: { apiVersion: API_VERSION, kind: "VirtualMCPServer", metadata: { name, namespace: ns }, status },
    contentType: "application/apply-patch+yaml",
  });
}

/** No kube-controller-manager here: a Deployment becomes "available" when a test says so. */
export async function markDeploymentAvailable(
  kc: KubeConfig,
  ns: string,
  name: string,
  available = 1,
): Promise<void> {
  await mergePatch(
    kc,
    R.deployment,
    ns,
    name,
    {
      status: {
        replicas: Math.max(available, 1),
        readyReplicas: available,
        availableReplicas: available,
        updatedReplicas: Math.max(available, 1),
      },
    },
    true,
  );
}

export const waitFor = <T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 20_000) =>
  waitUntil(what, fn, timeoutMs, 50);

export const cond = (
  o: Obj | undefined,
  type: string,
): { status: string; reason: string; message: string } | undefined =>
  (
    o?.status?.conditions as { type: string; status: string; reason: string; message: string }[] | undefined
  )?.find((c) => c.type === type);

export const podChecksum = (d: Obj | undefined): string | undefined =>
  d?.spec?.template?.metadata?.annotations?.["toolhive.stacklok.dev/runconfig-checksum"];

/** Sum of apiserver_writes_total for the given kinds (all kinds when omitted). */
export async function writeCount(op: RunningOperator, kinds?: string[]): Promise<number> {
  const metric = await op.metrics.apiserverWrites.get();
  return metric.values
    .filter((v) => !kinds || kinds.includes(String(v.labels.kind)))
    .reduce((sum, v) => sum + v.value, 0);
}

export async function reconcileCount(op: RunningOperator, controller = "virtualmcpserver"): Promise<number> {
  const metric = await op.metrics.reconcileTotal.get();
  return metric.values.filter((v) => v.labels.controller === controller).reduce((s, v) => s + v.value, 0);
}

export const VMCP_KINDS = [
  "VirtualMCPServer",
  "Deployment",
  "Service",
  "ConfigMap",
  "ServiceAccount",
  "Role",
  "RoleBinding",
];

export function vmcpBody(name: string, spec: Record<string, unknown> = {}) {
  return {
    metadata: { name },
    spec: { groupRef: { name: "tools" }, incomingAuth: { type: "anonymous" }, ...spec },
  };
}

/** Waits until the VirtualMCPServer controller has an empty queue and no reconcile finished for `quietMs`. */
export async function quiesce(op: RunningOperator, quietMs = 500): Promise<void> {
  let last = -1;
  let since = Date.now();
  await waitFor("controller quiet", async () => {
    const count = await reconcileCount(op);
    const depth = (await op.metrics.workqueueDepth.get()).values.find(
      (v) => v.labels.controller === "virtualmcpserver",
    );
    if (count !== last || (depth?.value ?? 0) > 0) {
      last = count;
      since = Date.now();
    }
    return Date.now() - since >= quietMs;
  });
}

/** The whole operator in-process, watching one namespace, as these suites run it. */
export function startTestOperator(kc: KubeConfig, namespace: string): Promise<RunningOperator> {
  return startOperator({
    kc,
    namespace,
    leaderElection: false,
    vmcpImage: "registry.local/vmcp:test",
    logger: createLogger({ level: "warn" }),
  });
}
