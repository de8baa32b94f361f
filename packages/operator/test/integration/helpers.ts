import type { KubeConfig } from "@kubernetes/client-node";
import { kubeRequest } from "@vmcp/kube-kit/http";
import { objectPath, resourceFor } from "@vmcp/kube-kit/resources";

export { eventually } from "@vmcp/testenv/test-kit";

export interface Obj {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    resourceVersion?: string;
    generation?: number;
    [k: string]: unknown;
  };
  status?: Record<string, unknown>;
  [k: string]: unknown;
}

async function pathOf(
  kc: KubeConfig,
  o: { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } },
) {
  const ref = await resourceFor(kc, o.apiVersion, o.kind);
  return objectPath(ref, o.metadata.namespace, o.metadata.name);
}

export async function create(kc: KubeConfig, o: Obj): Promise<Obj> {
  const path = await pathOf(kc, o);
  return kubeRequest<Obj>(kc, { method: "POST", path: path.slice(0, path.lastIndexOf("/")), body: o });
}

export async function get(
  kc: KubeConfig,
  apiVersion: string,
  kind: string,
  namespace: string,
  name: string,
): Promise<Obj | undefined> {
  try {
    return await kubeRequest<Obj>(kc, {
      method: "GET",
      path: await pathOf(kc, { apiVersion, kind, metadata: { name, namespace } }),
    });
  } catch (err) {
    if ((err as { code?: number }).code === 404) return undefined;
    throw err;
  }
}

export async function patch(
  kc: KubeConfig,
  o: { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } },
  body: unknown,
): Promise<Obj> {
  return kubeRequest<Obj>(kc, {
    method: "PATCH",
    path: await pathOf(kc, o),
    body,
    contentType: "application/merge-patch+json",
  });
}

export async function remove(
  kc: KubeConfig,
  o: { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } },
): Promise<void> {
  await kubeRequest(kc, { method: "DELETE", path: await pathOf(kc, o) });
}

export const configMap = (namespace: string, name: string, data: Record<string, string> = {}): Obj => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, namespace },
  data,
});
