import type { KubeConnection } from "./connection.ts";
import { kubeRequest } from "./http.ts";

/** Identifies a REST resource: group ("" for core), version and plural. */
export interface ResourceRef {
  group: string;
  version: string;
  plural: string;
}

export function apiVersionOf(ref: Pick<ResourceRef, "group" | "version">): string {
  return ref.group ? `${ref.group}/${ref.version}` : ref.version;
}

export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const i = apiVersion.indexOf("/");
  return i < 0
    ? { group: "", version: apiVersion }
    : { group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1) };
}

/** Collection path, e.g. /apis/apps/v1/namespaces/ns/deployments (namespace omitted = all). */
export function collectionPath(ref: ResourceRef, namespace?: string): string {
  const base = ref.group ? `/apis/${ref.group}/${ref.version}` : `/api/${ref.version}`;
  return namespace
    ? `${base}/namespaces/${encodeURIComponent(namespace)}/${ref.plural}`
    : `${base}/${ref.plural}`;
}

export function objectPath(ref: ResourceRef, namespace: string | undefined, name: string): string {
  return `${collectionPath(ref, namespace)}/${encodeURIComponent(name)}`;
}

// Kinds the operator writes or reads, so the common path needs no discovery round trip.
const KNOWN: Record<string, string> = {
  "v1/ConfigMap": "configmaps",
  "v1/Secret": "secrets",
  "v1/Service": "services",
  "v1/ServiceAccount": "serviceaccounts",
  "v1/Pod": "pods",
  "v1/Namespace": "namespaces",
  "apps/v1/Deployment": "deployments",
  "rbac.authorization.k8s.io/v1/Role": "roles",
  "rbac.authorization.k8s.io/v1/RoleBinding": "rolebindings",
  "coordination.k8s.io/v1/Lease": "leases",
  "events.k8s.io/v1/Event": "events",
  "toolhive.stacklok.dev/v1beta1/VirtualMCPServer": "virtualmcpservers",
  "toolhive.stacklok.dev/v1beta1/MCPGroup": "mcpgroups",
  "toolhive.stacklok.dev/v1beta1/MCPServer": "mcpservers",
  "toolhive.stacklok.dev/v1beta1/MCPRemoteProxy": "mcpremoteproxies",
  "toolhive.stacklok.dev/v1beta1/MCPServerEntry": "mcpserverentries",
  "toolhive.stacklok.dev/v1beta1/MCPExternalAuthConfig": "mcpexternalauthconfigs",
  "toolhive.stacklok.dev/v1beta1/MCPToolConfig": "mcptoolconfigs",
  "toolhive.stacklok.dev/v1beta1/VirtualMCPCompositeToolDefinition": "virtualmcpcompositetooldefinitions",
  "toolhive.stacklok.dev/v1beta1/MCPAuthzConfig": "mcpauthzconfigs",
  "toolhive.stacklok.dev/v1beta1/MCPOIDCConfig": "mcpoidcconfigs",
};

const discovered = new WeakMap<KubeConnection, Map<string, string>>();

interface ApiResourceList {
  resources?: { name: string; kind: string }[];
}

/** Maps apiVersion+kind to its resource; unknown kinds are looked up once via API discovery. */
export async function resourceFor(
  kc: KubeConnection,
  apiVersion: string,
  kind: string,
): Promise<ResourceRef> {
  const { group, version } = splitApiVersion(apiVersion);
  const key = `${apiVersion}/${kind}`;
  let plural = KNOWN[key];
  if (!plural) {
    let cache = discovered.get(kc);
    if (!cache) {
      cache = new Map();
      discovered.set(kc, cache);
    }
    plural = cache.get(key);
    if (!plural) {
      const path = group ? `/apis/${group}/${version}` : `/api/${version}`;
      const list = await kubeRequest<ApiResourceList>(kc, { method: "GET", path });
      const found = list.resources?.find((r) => r.kind === kind && !r.name.includes("/"));
      if (!found) throw new Error(`no resource for ${key} in API discovery`);
      plural = found.name;
      cache.set(key, plural);
    }
  }
  return { group, version, plural };
}
