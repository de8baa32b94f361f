// Map functions: a change to a related object -> the keys ("ns/name") of the VirtualMCPServers
// whose desired state may depend on it. Pure over the lookups, so they are unit-tested with maps.
import { entryCaBundleKeys, groupRefKeys, memberAuthConfigKeys, type RawLike } from "./references.ts";

export interface Lookups {
  /** VMCP keys by index value, for each VMCP index. */
  vmcpsByGroup(nsName: string): string[];
  vmcpsByAuthConfig(nsName: string): string[];
  vmcpsByToolConfig(nsName: string): string[];
  vmcpsByComposite(nsName: string): string[];
  vmcpsByAuthzConfig(nsName: string): string[];
  vmcpsByAuthzConfigMap(nsName: string): string[];
  vmcpsByOidcConfig(nsName: string): string[];
  vmcpsByTelemetryConfig(nsName: string): string[];
  /** Group keys ("ns/group") of members that reference this auth config / CA ConfigMap. */
  memberGroupsByAuthConfig(nsName: string): string[];
  entryGroupsByCaBundle(nsName: string): string[];
}

export interface OwnerRefLike {
  apiVersion?: string;
  kind?: string;
  name?: string;
  controller?: boolean;
}

const keyOf = (o: RawLike): string => `${o.metadata?.namespace ?? ""}/${o.metadata?.name ?? ""}`;
const uniqSorted = (xs: string[]): string[] => [...new Set(xs)].sort();

export function mapGroup(group: RawLike, l: Lookups): string[] {
  return uniqSorted(l.vmcpsByGroup(keyOf(group)));
}

/** MCPServer, MCPRemoteProxy, MCPServerEntry: the VMCPs of its group, before and after the change. */
export function mapMember(member: RawLike, old: RawLike | undefined, l: Lookups): string[] {
  const groups = [...groupRefKeys(member), ...(old ? groupRefKeys(old) : [])];
  return uniqSorted(groups.flatMap((g) => l.vmcpsByGroup(g)));
}

/** Referenced inline (default/backends) or through a group member's own externalAuthConfigRef. */
export function mapAuthConfig(cfg: RawLike, l: Lookups): string[] {
  const k = keyOf(cfg);
  return uniqSorted([
    ...l.vmcpsByAuthConfig(k),
    ...l.memberGroupsByAuthConfig(k).flatMap((g) => l.vmcpsByGroup(g)),
  ]);
}

export function mapToolConfig(cfg: RawLike, l: Lookups): string[] {
  return uniqSorted(l.vmcpsByToolConfig(keyOf(cfg)));
}

export function mapComposite(def: RawLike, l: Lookups): string[] {
  return uniqSorted(l.vmcpsByComposite(keyOf(def)));
}

/** A ConfigMap: the VMCPs of every group with an entry that mounts it as CA bundle, and the
 * VMCPs that read their Cedar policies from it. */
export function mapCaBundleConfigMap(cm: RawLike, l: Lookups): string[] {
  return uniqSorted([
    ...l.entryGroupsByCaBundle(keyOf(cm)).flatMap((g) => l.vmcpsByGroup(g)),
    ...l.vmcpsByAuthzConfigMap(keyOf(cm)),
  ]);
}

export function mapAuthzConfig(cfg: RawLike, l: Lookups): string[] {
  return uniqSorted(l.vmcpsByAuthzConfig(keyOf(cfg)));
}

export function mapOidcConfig(cfg: RawLike, l: Lookups): string[] {
  return uniqSorted(l.vmcpsByOidcConfig(keyOf(cfg)));
}

export function mapTelemetryConfig(cfg: RawLike, l: Lookups): string[] {
  return uniqSorted(l.vmcpsByTelemetryConfig(keyOf(cfg)));
}

/** An owned object (Deployment, Service, ConfigMap, ServiceAccount, Role, RoleBinding): its controller owner. */
export function mapOwned(o: RawLike & { metadata?: { ownerReferences?: OwnerRefLike[] } }): string[] {
  const ref = (o.metadata?.ownerReferences ?? []).find(
    (r) =>
      r.controller === true &&
      r.kind === "VirtualMCPServer" &&
      r.apiVersion?.startsWith("toolhive.stacklok.dev/"),
  );
  return ref?.name ? [`${o.metadata?.namespace ?? ""}/${ref.name}`] : [];
}

/** Group keys of a member and of its previous version (for the member indexes). */
export const memberIndexers = {
  group: groupRefKeys,
  authConfig: memberAuthConfigKeys,
  caBundle: entryCaBundleKeys,
};
