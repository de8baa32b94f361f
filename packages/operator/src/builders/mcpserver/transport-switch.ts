// An MCPServer switched between transport stdio and an HTTP transport: which of the objects the
// old transport needed the new one does not. stdio runs StatefulSet <name>, proxy Deployment <name>
// (selector with component=proxy) and the proxy's ServiceAccount, Role and RoleBinding
// <name>-proxy-runner; HTTP runs Deployment <name> (selector without it). Service mcp-<name>-proxy
// is shared (its selector is mutable and re-applied). A Deployment whose selector must change is
// stale too: the selector is immutable, so it is deleted and created again.

import { isDeepStrictEqual } from "node:util";
import type { KubernetesObject } from "@kubernetes/client-node";
import { mcpServerDeploymentName, stdioProxyRbacName, stdioServerStatefulSetName } from "./names.ts";

/** What is read of an object here: its identity, its controller and (Deployments) its selector. */
export interface SwitchObject {
  kind?: string | undefined;
  metadata?: {
    name?: string | undefined;
    ownerReferences?:
      | ReadonlyArray<{ controller?: boolean | undefined; uid?: string | undefined }>
      | undefined;
  };
  spec?: unknown;
}

const selectorOf = (o: SwitchObject): unknown =>
  (o.spec as { selector?: { matchLabels?: unknown } } | undefined)?.selector?.matchLabels;

/** The kinds and names either transport may have created for `server`: nothing else is considered. */
export function transportObjectNames(server: string): Array<[kind: string, name: string]> {
  const rbac = stdioProxyRbacName(server);
  return [
    ["Deployment", mcpServerDeploymentName(server)],
    ["StatefulSet", stdioServerStatefulSetName(server)],
    ["ServiceAccount", rbac],
    ["Role", rbac],
    ["RoleBinding", rbac],
  ];
}

const controlledBy = (o: SwitchObject, uid: string): boolean =>
  uid !== "" && (o.metadata?.ownerReferences ?? []).some((r) => r.controller === true && r.uid === uid);

/**
 * The live objects to delete before applying `desired`: among `live` (the candidates of
 * `transportObjectNames`, as cached), those controlled by the MCPServer with `uid` that `desired`
 * has no object of that kind and name for, or a Deployment whose selector differs from desired's.
 */
export function staleTransportObjects<T extends SwitchObject>(
  uid: string,
  desired: readonly KubernetesObject[],
  live: readonly T[],
): T[] {
  const want = new Map<string, SwitchObject>(desired.map((d) => [`${d.kind}/${d.metadata?.name}`, d]));
  return live.filter((l) => {
    if (!controlledBy(l, uid)) return false;
    const d = want.get(`${l.kind}/${l.metadata?.name}`);
    if (!d) return true;
    return l.kind === "Deployment" && !isDeepStrictEqual(selectorOf(l), selectorOf(d));
  });
}
