// An informer cache lags the apiserver by a watch round trip, and objects created together (a
// group, its entry, its server) arrive in the operator's caches in any order. A referenced object
// missing from the cache is therefore read once from the apiserver before it is reported missing:
// reporting it costs a status write and a Warning Event now and another status write a moment
// later, for a state the user never caused. The object's own cache event re-queues the referrer.
import type { KubeConfig } from "@kubernetes/client-node";
import { isNotFound, kubeRequest } from "@vmcp/kube-kit/http";
import { objectPath, type ResourceRef } from "@vmcp/kube-kit/resources";
import { GROUP, KIND_INFO, VERSION } from "@vmcp/shared-types";

const GROUPS: ResourceRef = { group: GROUP, version: VERSION, plural: KIND_INFO.MCPGroup.plural };

/** Whether the MCPGroup exists on the apiserver (one GET). */
export async function groupExistsOnServer(kc: KubeConfig, namespace: string, name: string): Promise<boolean> {
  try {
    await kubeRequest(kc, { method: "GET", path: objectPath(GROUPS, namespace, name) });
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}
