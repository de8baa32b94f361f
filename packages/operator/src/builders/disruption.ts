import type { V1PodDisruptionBudget } from "@kubernetes/client-node";
import { disruptionBudgetName, workloadLabels } from "./names.ts";
import { controllerRef, type OwnerInfo } from "./owner.ts";

/** Whether a VirtualMCPServer gets a PodDisruptionBudget: whenever it may run more than one pod
 * (replicas unset leaves the count to an HPA). With one pod, a budget could only block drains. */
export const wantsDisruptionBudget = (replicas: number | undefined): boolean =>
  replicas === undefined || replicas > 1;

/** At most one runtime pod evicted at a time: a drain never takes the whole gateway away. */
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
