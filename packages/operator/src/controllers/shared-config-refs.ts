// Status shared by MCPAuthzConfig and MCPOIDCConfig: which workloads reference the object. Only
// VirtualMCPServers are counted: they are the only workloads this operator runs.

import type { InformerEvent } from "@vmcp/kube-kit/informer";
import type { ControllerContext } from "../kit/context.ts";
import type { Controller } from "../kit/controller.ts";
import { type RawObject, rawKindInformer } from "../kit/kinds.ts";

export interface WorkloadRef {
  kind: "VirtualMCPServer";
  name: string;
}

/** Name of the object a VirtualMCPServer references at spec.incomingAuth.<field>. */
export function incomingRefName(
  vmcp: RawObject | undefined,
  field: "authzConfigRef" | "oidcConfigRef",
): string | undefined {
  const incoming = (
    vmcp?.spec as { incomingAuth?: Record<string, { name?: unknown } | undefined> } | undefined
  )?.incomingAuth;
  const name = incoming?.[field]?.name;
  return typeof name === "string" && name !== "" ? name : undefined;
}

/** Keeps `controller` told about VirtualMCPServers that start or stop referencing an object, and
 * answers which ones reference it now. */
export function trackReferences(
  ctx: ControllerContext,
  field: "authzConfigRef" | "oidcConfigRef",
  controller: Controller,
): (namespace: string, name: string) => WorkloadRef[] {
  const vmcps = rawKindInformer(ctx.informers, "VirtualMCPServer");
  const index = `vmcp:${field}`;
  vmcps.addIndexer(index, (o) => {
    const n = incomingRefName(o, field);
    return n ? [`${o.metadata.namespace ?? ""}/${n}`] : [];
  });
  vmcps.onEvent((ev: InformerEvent<RawObject>) => {
    const ns = ev.obj.metadata.namespace ?? "";
    for (const n of new Set([incomingRefName(ev.obj, field), incomingRefName(ev.old, field)]))
      if (n) controller.enqueue(`${ns}/${n}`);
  });
  return (namespace, name) =>
    vmcps
      .byIndex(index, `${namespace}/${name}`)
      .map((v) => ({ kind: "VirtualMCPServer" as const, name: v.metadata.name }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export function referenceStatus(refs: WorkloadRef[]): Record<string, unknown> {
  return { referenceCount: refs.length, referencingWorkloads: refs };
}
