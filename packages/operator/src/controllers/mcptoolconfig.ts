import { MCPToolConfigSpecSchema } from "@vmcp/shared-types";
import type { ControllerContext } from "../kit/context.ts";
import type { Controller } from "../kit/controller.ts";
import { type RawObject, rawKindInformer } from "../kit/kinds.ts";
import { objectStatusController } from "../kit/object-controller.ts";
import { issueMessages, validConfigStatus, writeStatusIfChanged } from "../kit/status.ts";

/** Problems the schema cannot see: two overrides renaming different tools to the same name. */
export function toolConfigProblems(spec: unknown): string[] {
  const parsed = MCPToolConfigSpecSchema.safeParse(spec ?? {});
  if (!parsed.success) return issueMessages(parsed.error);
  const problems: string[] = [];
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
  return validConfigStatus(obj, obj.spec ?? {}, toolConfigProblems(obj.spec), now);
}

export function mcpToolConfigController(ctx: ControllerContext): Controller {
  const configs = rawKindInformer(ctx.informers, "MCPToolConfig");
  return objectStatusController(ctx, "mcptoolconfig", configs, async (obj) => {
    await writeStatusIfChanged(ctx, obj, mcpToolConfigStatus(obj));
  });
}
