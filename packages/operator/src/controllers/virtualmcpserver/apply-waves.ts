import type { KubernetesObject } from "@kubernetes/client-node";

/**
 * Groups a VirtualMCPServer's children into waves applied one after another; a wave's objects are
 * applied in parallel. Only the orders that matter are kept: a RoleBinding after its Role (without
 * the `bind` verb the apiserver's escalation check reads the Role being bound), and the Deployment
 * last, so its pods start with their ServiceAccount, RBAC, ConfigMap and Secret in place.
 */
export function applyWaves(objects: readonly KubernetesObject[]): KubernetesObject[][] {
  const waves: KubernetesObject[][] = [[], [], []];
  for (const o of objects) {
    const wave = o.kind === "Deployment" ? 2 : o.kind === "RoleBinding" ? 1 : 0;
    waves[wave]?.push(o);
  }
  return waves.filter((w) => w.length > 0);
}

/** Runs every task even when one fails (no request left unobserved), then throws the first error. */
export async function settleAll<T>(tasks: readonly (() => Promise<T>)[]): Promise<T[]> {
  const results = await Promise.allSettled(tasks.map((t) => t()));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<T>).value);
}
