// Small API helpers over the operator kit's HTTP client: server-side apply of arbitrary objects
// (what `kubectl apply --server-side` does), reads, status patches and polling with a deadline.
import type { KubeConfig } from "@kubernetes/client-node";
import { KubeApiError, kubeRequest } from "@vmcp/kube-kit/http";
import { collectionPath, objectPath, resourceFor } from "@vmcp/kube-kit/resources";

export const FIELD_MANAGER = "vmcp-e2e";

/** A Kubernetes object as read from or sent to the API; fields are read one by one by callers. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: { apiVersion: string; kind: string; name: string; uid: string; controller?: boolean }[];
    [k: string]: unknown;
  };
  [k: string]: unknown;
}

const CLUSTER_SCOPED = new Set([
  "Namespace",
  "ClusterRole",
  "ClusterRoleBinding",
  "CustomResourceDefinition",
]);

async function pathOf(kc: KubeConfig, o: Pick<KubeObject, "apiVersion" | "kind" | "metadata">) {
  const ref = await resourceFor(kc, o.apiVersion, o.kind);
  const ns = CLUSTER_SCOPED.has(o.kind) ? undefined : o.metadata.namespace;
  return { object: objectPath(ref, ns, o.metadata.name), collection: collectionPath(ref, ns) };
}

export interface ApplyOptions {
  dryRun?: boolean;
  fieldManager?: string;
  subresource?: "status";
}

/** Server-side apply (force, strict field validation): creates or updates `obj`. */
export async function apply(kc: KubeConfig, obj: KubeObject, opts: ApplyOptions = {}): Promise<KubeObject> {
  const { object } = await pathOf(kc, obj);
  return await kubeRequest<KubeObject>(kc, {
    method: "PATCH",
    path: object + (opts.subresource ? `/${opts.subresource}` : ""),
    query: {
      fieldManager: opts.fieldManager ?? FIELD_MANAGER,
      force: true,
      fieldValidation: "Strict",
      dryRun: opts.dryRun ? "All" : undefined,
    },
    body: obj,
    contentType: "application/apply-patch+yaml",
  });
}

/** POST (create); `dryRun` runs admission (PodSecurity, validation) without persisting. */
export async function create(kc: KubeConfig, obj: KubeObject, opts: { dryRun?: boolean } = {}) {
  const { collection } = await pathOf(kc, obj);
  return await kubeRequest<KubeObject>(kc, {
    method: "POST",
    path: collection,
    query: { fieldValidation: "Strict", dryRun: opts.dryRun ? "All" : undefined },
    body: obj,
  });
}

export async function get(
  kc: KubeConfig,
  apiVersion: string,
  kind: string,
  namespace: string | undefined,
  name: string,
): Promise<KubeObject | undefined> {
  const { object } = await pathOf(kc, { apiVersion, kind, metadata: { name, namespace } });
  try {
    return await kubeRequest<KubeObject>(kc, { method: "GET", path: object });
  } catch (err) {
    if (err instanceof KubeApiError && err.code === 404) return undefined;
    throw err;
  }
}

export async function list(
  kc: KubeConfig,
  apiVersion: string,
  kind: string,
  namespace: string | undefined,
): Promise<KubeObject[]> {
  const { collection } = await pathOf(kc, { apiVersion, kind, metadata: { name: "x", namespace } });
  const res = await kubeRequest<{ items: KubeObject[] }>(kc, { method: "GET", path: collection });
  return res.items.map((o) => ({ ...o, apiVersion, kind }));
}

export async function remove(kc: KubeConfig, obj: Pick<KubeObject, "apiVersion" | "kind" | "metadata">) {
  const { object } = await pathOf(kc, obj);
  try {
    await kubeRequest(kc, { method: "DELETE", path: object });
  } catch (err) {
    if (!(err instanceof KubeApiError && err.code === 404)) throw err;
  }
}

/** JSON merge patch of the status subresource (stands in for controllers that do not run here). */
export async function patchStatus(
  kc: KubeConfig,
  obj: Pick<KubeObject, "apiVersion" | "kind" | "metadata">,
  status: Record<string, unknown>,
): Promise<KubeObject> {
  const { object } = await pathOf(kc, obj);
  return await kubeRequest<KubeObject>(kc, {
    method: "PATCH",
    path: `${object}/status`,
    body: { status },
    contentType: "application/merge-patch+json",
  });
}

export { waitFor } from "@vmcp/testenv/test-kit";
