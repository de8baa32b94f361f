import { type ConditionInput, MCPToolConfigSpecSchema } from "@vmcp/shared-types";
import type { ControllerContext } from "../kit/context.ts";
import { Controller } from "../kit/controller.ts";
import { configHash } from "../kit/hash.ts";
import { objectKey } from "../kit/informer.ts";
import { type RawObject, rawKindInformer } from "../kit/kinds.ts";
import { ownedConditions, splitKey, writeStatusIfChanged } from "../kit/status.ts";

/** Problems the schema cannot see: two overrides renaming different tools to the same name. */
export function toolConfigProblems(spec: unknown): string[] {
  const problems: string[] = [];
  const parsed = MCPToolConfigSpecSchema.safeParse(spec ?? {});
  if (!parsed.success) {
    for (const i of parsed.error.issues)
      problems.push(i.path.length ? `${i.path.join(".")}: ${i.message}` : i.message);
    return problems;
  }
  const byNewName = new Map<string, string[]>();
  for (const [tool, o] of Object.entries(parsed.data.toolsOverride ?? {})) {
    if (!o.name) continue;
    byNewName.set(o.name, [...(byNewName.get(o.name) ?? []), tool]);
  }
  for (const [newName, tools] of byNewName) {
    if (tools.length > 1)
      problems.push(`toolsOverride: tools ${tools.sort().join(", ")} are all renamed to ${newName}`);
  }
  return problems;
}

/** Status of an MCPToolConfig: `Valid` and `configHash` (stable hash of the spec). */
export function mcpToolConfigStatus(obj: RawObject, now = new Date()): Record<string, unknown> {
  const gen = obj.metadata.generation;
  const problems = toolConfigProblems(obj.spec);
  const valid: ConditionInput = {
    type: "Valid",
    status: problems.length === 0 ? "True" : "False",
    reason: problems.length === 0 ? "ValidationSucceeded" : "ValidationFailed",
    message: problems.length === 0 ? "Configuration is valid" : problems.join("; "),
    observedGeneration: gen,
  };
  return {
    observedGeneration: gen,
    configHash: configHash(obj.spec ?? {}),
    conditions: ownedConditions(obj.status?.conditions, [valid], now),
  };
}

export function mcpToolConfigController(ctx: ControllerContext): Controller {
  const configs = rawKindInformer(ctx.informers, "MCPToolConfig");
  const controller = new Controller({
    name: "mcptoolconfig",
    logger: ctx.logger,
    metrics: ctx.metrics,
    reconcile: async (key) => {
      const { namespace, name } = splitKey(key);
      const obj = configs.get(namespace, name);
      if (!obj || obj.metadata.deletionTimestamp) return undefined;
      await writeStatusIfChanged(ctx, obj, mcpToolConfigStatus(obj));
      return undefined;
    },
  });
  configs.onEvent((ev) => {
    if (ev.type !== "delete") controller.enqueue(objectKey(ev.obj));
  });
  return controller;
}
