import type { ConditionInput } from "@vmcp/shared-types";
import { validateCompositeTool } from "@vmcp/shared-types";
import type { ControllerContext } from "../kit/context.ts";
import type { Controller } from "../kit/controller.ts";
import { type RawObject, rawKindInformer } from "../kit/kinds.ts";
import { objectStatusController } from "../kit/object-controller.ts";
import { ownedConditions, writeStatusIfChanged } from "../kit/status.ts";

export const COMPOSITE_REF_INDEX = "spec.config.compositeToolRefs.name";

export function compositeRefIndex(vmcp: RawObject): string[] {
  const refs = (vmcp.spec as { config?: { compositeToolRefs?: { name?: unknown }[] } } | undefined)?.config
    ?.compositeToolRefs;
  const ns = vmcp.metadata.namespace ?? "";
  return Array.isArray(refs)
    ? [...new Set(refs.map((r) => r?.name).filter((n): n is string => typeof n === "string"))].map(
        (n) => `${ns}/${n}`,
      )
    : [];
}

/**
 * Status of a VirtualMCPCompositeToolDefinition: validationStatus Valid/Invalid,
 * validationErrors, the VirtualMCPServers that reference it, and WorkflowValidated/Ready.
 */
export function compositeDefinitionStatus(
  def: RawObject,
  referencing: string[],
  now = new Date(),
): Record<string, unknown> {
  const gen = def.metadata.generation;
  const errors = validateCompositeTool(def.spec);
  const ok = errors.length === 0;
  // The most specific reason wins: a cycle, then a template error, then anything else.
  const reason = ok
    ? "ValidationSuccess"
    : (["DependencyCycle", "TemplateInvalid", "SchemaInvalid"].find((r) =>
        errors.some((e) => e.reason === r),
      ) ?? "ValidationFailed");
  const messages = errors.map((e) => e.message);
  const conds: ConditionInput[] = [
    {
      type: "WorkflowValidated",
      status: ok ? "True" : "False",
      reason,
      message: ok ? "Workflow is valid" : messages.join("; "),
      observedGeneration: gen,
    },
    {
      type: "Ready",
      status: ok ? "True" : "False",
      reason: ok ? "WorkflowReady" : "WorkflowNotReady",
      message: ok ? "Workflow is ready" : "Workflow validation failed",
      observedGeneration: gen,
    },
  ];
  return {
    observedGeneration: gen,
    validationStatus: ok ? "Valid" : "Invalid",
    validationErrors: messages,
    referencingVirtualServers: [...new Set(referencing)].sort(),
    conditions: ownedConditions(def.status?.conditions, conds, now),
  };
}

export function compositeToolDefinitionController(ctx: ControllerContext): Controller {
  const defs = rawKindInformer(ctx.informers, "VirtualMCPCompositeToolDefinition");
  const vmcps = rawKindInformer(ctx.informers, "VirtualMCPServer");
  vmcps.addIndexer(COMPOSITE_REF_INDEX, compositeRefIndex);
  const controller = objectStatusController(ctx, "compositetooldefinition", defs, async (def, { key }) => {
    const referencing = vmcps.byIndex(COMPOSITE_REF_INDEX, key).map((v) => v.metadata.name);
    const before = def.status?.validationStatus;
    const status = compositeDefinitionStatus(def, referencing);
    if (
      (await writeStatusIfChanged(ctx, def, status)) &&
      status.validationStatus === "Invalid" &&
      before !== "Invalid"
    ) {
      ctx.events.record(def, "Warning", "ValidationFailed", (status.validationErrors as string[]).join("; "));
    }
  });
  vmcps.onEvent((ev) => {
    for (const k of new Set([...compositeRefIndex(ev.obj), ...(ev.old ? compositeRefIndex(ev.old) : [])])) {
      controller.enqueue(k);
    }
  });
  return controller;
}
