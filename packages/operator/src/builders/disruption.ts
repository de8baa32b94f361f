import type { V1PodDisruptionBudget } from "@kubernetes/client-node";
import { disruptionBudgetName, workloadLabels } from "./names.ts";
import { controllerRef, type OwnerInfo } from "./owner.ts";

/** At most one runtime pod evicted at a time: a drain never takes the whole gateway away. Every
 * VirtualMCPServer gets one, whatever its replicas: with a single pod `maxUnavailable: 1` still
 * lets a drain evict it, so the budget never blocks, and the operator never has to delete it when
 * the replica count changes (it holds no delete verb). */
export function buildDisruptionBudget(o: { owner: OwnerInfo; namespace: string }): V1PodDisruptionBudget {
  const labels = workloadLabels(o.owner.name);
  return {
    apiVersion: "policy/v1",
    kind: "PodDisruptionBudget",
    metadata: {
      name: disruptionBudgetName(o.owner.name),
      namespace: o.namespace,
      labels,
      ownerReferences: [controllerRef(o.owner)],
    },
    spec: { maxUnavailable: 1, selector: { matchLabels: labels } },
  };
}
