import type { Informer, InformerEvent } from "@vmcp/kube-kit/informer";
import type { ConditionInput } from "@vmcp/shared-types";
import type { ControllerContext } from "../kit/context.ts";
import type { Controller } from "../kit/controller.ts";
import { type RawObject, rawKindInformer } from "../kit/kinds.ts";
import { objectStatusController } from "../kit/object-controller.ts";
import { Settler, type SettleTiming } from "../kit/settle.ts";
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
 * When a group's status is written after membership changes: once they have settled (no change for
 * `quietMs`: a chart installing 50 members, a group created with its members), and at the latest
 * `maxWaitMs` after the first unwritten change, so steady churn still shows up.
 */
export const MEMBERSHIP_SETTLE: SettleTiming = { quietMs: 500, maxWaitMs: 2000 };

/** What the group controller reads: the groups, and the three member kinds indexed by group. */
export interface GroupSources {
  groups: Pick<Informer<RawObject>, "get" | "onEvent">;
  members: readonly Pick<Informer<RawObject>, "byIndex" | "onEvent">[];
}

/** Writes a group's status if it changed; returns whether it wrote. */
export type GroupStatusWriter = (group: RawObject, status: Record<string, unknown>) => Promise<boolean>;

/**
 * The MCPGroup controller over its sources: every event (the group's own, a member joining,
 * leaving or moving) touches the group's settle timer, and once it fires a reconcile writes the
 * status computed from the member indexes when it differs from the live one.
 */
export function groupStatusController(
  ctx: Pick<ControllerContext, "logger" | "metrics"> & {
    settings?: Pick<ControllerContext["settings"], "concurrency">;
  },
  src: GroupSources,
  writeStatus: GroupStatusWriter,
  settle: SettleTiming = MEMBERSHIP_SETTLE,
): Controller {
  const [servers, proxies, entries] = src.members;
  const names = (inf: GroupSources["members"][number] | undefined, key: string) =>
    (inf?.byIndex(GROUP_REF_INDEX, key) ?? []).map((o) => o.metadata.name);
  const settler = new Settler(settle, (key) => controller.enqueue(key));
  const controller: Controller = objectStatusController(
    ctx,
    "mcpgroup",
    src.groups,
    async (group, { key }) => {
      const status = mcpGroupStatus(group, {
        servers: names(servers, key),
        remoteProxies: names(proxies, key),
        entries: names(entries, key),
      });
      await writeStatus(group, status);
    },
    (key) => settler.touch(key),
  );
  const onMember = (ev: InformerEvent<RawObject>) => {
    const now = groupRefIndex(ev.obj);
    const before = ev.old ? groupRefIndex(ev.old) : [];
    // A member's own status write (every new member gets one) leaves membership as it was: touching
    // the group for it would push the group's first status back by another quiet period, and every
    // server of the group waits for that status.
    if (ev.type === "update" && now.join() === before.join()) return;
    for (const k of new Set([...now, ...before])) settler.touch(k);
  };
  for (const inf of src.members) inf.onEvent(onMember);
  return controller;
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
  const members = (["MCPServer", "MCPRemoteProxy", "MCPServerEntry"] as const).map((kind) => {
    const inf = rawKindInformer(ctx.informers, kind);
    inf.addIndexer(GROUP_REF_INDEX, groupRefIndex);
    return inf;
  });
  return groupStatusController(
    ctx,
    { groups: rawKindInformer(ctx.informers, "MCPGroup"), members },
    (group, status) => writeStatusIfChanged(ctx, group, status),
  );
}
