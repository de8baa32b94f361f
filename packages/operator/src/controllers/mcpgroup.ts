import type { InformerEvent } from "@vmcp/kube-kit/informer";
import type { ConditionInput } from "@vmcp/shared-types";
import type { ControllerContext } from "../kit/context.ts";
import type { Controller } from "../kit/controller.ts";
import { type RawObject, rawKindInformer } from "../kit/kinds.ts";
import { objectStatusController } from "../kit/object-controller.ts";
import { ownedConditions, writeStatusIfChanged } from "../kit/status.ts";

/** Index on the member kinds: "<namespace>/<spec.groupRef.name>". */
export const GROUP_REF_INDEX = "spec.groupRef.name";

export function groupRefIndex(obj: RawObject): string[] {
  const ref = (obj.spec as { groupRef?: { name?: unknown } } | undefined)?.groupRef?.name;
  return typeof ref === "string" && ref ? [`${obj.metadata.namespace ?? ""}/${ref}`] : [];
}

export interface GroupMembers {
  servers: string[];
  remoteProxies: string[];
  entries: string[];
}

/** The status the operator owns on an MCPGroup: members sorted, phase Ready when listing works. */
export function mcpGroupStatus(
  group: RawObject,
  members: GroupMembers,
  now = new Date(),
): Record<string, unknown> {
  const generation = group.metadata.generation;
  const names = (list: string[]) => [...new Set(list)].sort();
  const total = members.servers.length + members.remoteProxies.length + members.entries.length;
  const checked: ConditionInput = {
    type: "MCPServersChecked",
    status: "True",
    reason: "ListMCPServersCheckSucceeded",
    message: `Found ${total} member${total === 1 ? "" : "s"}`,
    observedGeneration: generation,
  };
  return {
    observedGeneration: generation,
    phase: "Ready",
    servers: names(members.servers),
    serverCount: members.servers.length,
    remoteProxies: names(members.remoteProxies),
    remoteProxyCount: members.remoteProxies.length,
    entries: names(members.entries),
    entryCount: members.entries.length,
    conditions: ownedConditions(group.status?.conditions, [checked], now),
  };
}

/**
 * MCPGroup controller. Membership comes from the informer caches (index on spec.groupRef.name of
 * MCPServer, MCPRemoteProxy and MCPServerEntry), so listing cannot fail once the caches are synced
 * and the phase is always Ready (ToolHive sets Failed only when its List call fails).
 * No finalizer, unlike the anchor: its finalizer only exists to mark members GroupRefNotFound on
 * deletion, which our member controllers already do by watching groups; and a finalizer would block
 * namespace deletion whenever the operator is down.
 */
export function mcpGroupController(ctx: ControllerContext): Controller {
  const groups = rawKindInformer(ctx.informers, "MCPGroup");
  const memberInformers = (["MCPServer", "MCPRemoteProxy", "MCPServerEntry"] as const).map((kind) => {
    const inf = rawKindInformer(ctx.informers, kind);
    inf.addIndexer(GROUP_REF_INDEX, groupRefIndex);
    return inf;
  });
  const [servers, proxies, entries] = memberInformers as [
    (typeof memberInformers)[0],
    (typeof memberInformers)[0],
    (typeof memberInformers)[0],
  ];

  const controller = objectStatusController(ctx, "mcpgroup", groups, async (group, { key }) => {
    const names = (list: RawObject[]) => list.map((o) => o.metadata.name);
    const status = mcpGroupStatus(group, {
      servers: names(servers.byIndex(GROUP_REF_INDEX, key)),
      remoteProxies: names(proxies.byIndex(GROUP_REF_INDEX, key)),
      entries: names(entries.byIndex(GROUP_REF_INDEX, key)),
    });
    await writeStatusIfChanged(ctx, group, status);
  });
  const onMember = (ev: InformerEvent<RawObject>) => {
    for (const k of new Set([...groupRefIndex(ev.obj), ...(ev.old ? groupRefIndex(ev.old) : [])])) {
      controller.enqueue(k);
    }
  };
  for (const inf of memberInformers) inf.onEvent(onMember);
  return controller;
}
