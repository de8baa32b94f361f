// Status shared by MCPAuthzConfig, MCPOIDCConfig and MCPTelemetryConfig: which workloads reference
// the object. Only VirtualMCPServers are counted: they are the only workloads this operator runs.

import type { InformerEvent } from "@vmcp/kube-kit/informer";
import type { KindName } from "@vmcp/shared-types";
import type { ControllerContext } from "../kit/context.ts";
import type { Controller } from "../kit/controller.ts";
import { type RawObject, rawKindInformer } from "../kit/kinds.ts";
import { objectStatusController } from "../kit/object-controller.ts";
import { writeStatusIfChanged } from "../kit/status.ts";

export interface WorkloadRef {
  kind: "VirtualMCPServer";
  name: string;
}

/** The reference fields of a VirtualMCPServer that name a shared config object. */
export type SharedConfigRefField = "authzConfigRef" | "oidcConfigRef" | "telemetryConfigRef";

type Ref = { name?: unknown } | undefined;

/** Name of the object a VirtualMCPServer references at spec.incomingAuth.<field>, or at
 * spec.telemetryConfigRef. */
function sharedRefName(vmcp: RawObject | undefined, field: SharedConfigRefField): string | undefined {
  const spec = vmcp?.spec as { incomingAuth?: Record<string, Ref>; telemetryConfigRef?: Ref } | undefined;
  const name =
    field === "telemetryConfigRef" ? spec?.telemetryConfigRef?.name : spec?.incomingAuth?.[field]?.name;
  return typeof name === "string" && name !== "" ? name : undefined;
}

/** Keeps `controller` told about VirtualMCPServers that start or stop referencing an object, and
 * answers which ones reference it now. */
export function trackReferences(
  ctx: ControllerContext,
  field: SharedConfigRefField,
  controller: Controller,
): (namespace: string, name: string) => WorkloadRef[] {
  const vmcps = rawKindInformer(ctx.informers, "VirtualMCPServer");
  const index = `vmcp:${field}`;
  vmcps.addIndexer(index, (o) => {
    const n = sharedRefName(o, field);
    return n ? [`${o.metadata.namespace ?? ""}/${n}`] : [];
  });
  vmcps.onEvent((ev: InformerEvent<RawObject>) => {
    const ns = ev.obj.metadata.namespace ?? "";
    for (const n of new Set([sharedRefName(ev.obj, field), sharedRefName(ev.old, field)]))
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

/**
 * The controller of a shared config kind: on each change to an object, or to a VirtualMCPServer
 * referencing it at `field`, writes `status(obj, refs)` if it differs from the live status.
 */
export function sharedConfigController(
  ctx: ControllerContext,
  kind: KindName,
  name: string,
  field: SharedConfigRefField,
  status: (obj: RawObject, refs: WorkloadRef[]) => Record<string, unknown>,
): Controller {
  const configs = rawKindInformer(ctx.informers, kind);
  let referencing: (namespace: string, name: string) => WorkloadRef[] = () => [];
  const controller = objectStatusController(ctx, name, configs, async (obj, { namespace }) => {
    await writeStatusIfChanged(ctx, obj, status(obj, referencing(namespace, obj.metadata.name)));
  });
  referencing = trackReferences(ctx, field, controller);
  return controller;
}
