import type { CompositeToolConfig, VirtualMCPCompositeToolDefinition } from "@vmcp/shared-types";
import { ConfigResolutionError } from "./aggregation.ts";

/** Inline composite tools plus the referenced definitions; a repeated name is an error. */
export function mergeCompositeTools(
  inline: readonly CompositeToolConfig[] | undefined,
  refs: readonly { name: string }[] | undefined,
  defs: ReadonlyMap<string, VirtualMCPCompositeToolDefinition>,
): CompositeToolConfig[] {
  const out: CompositeToolConfig[] = [];
  const seen = new Map<string, string>();
  const add = (tool: CompositeToolConfig, source: string): void => {
    const prev = seen.get(tool.name);
    if (prev !== undefined) {
      throw new ConfigResolutionError(
        "DuplicateCompositeTool",
        `duplicate composite tool name ${JSON.stringify(tool.name)} (${prev} and ${source})`,
      );
    }
    seen.set(tool.name, source);
    out.push(tool);
  };
  for (const t of inline ?? []) add(structuredClone(t), "inline compositeTools");
  for (const ref of refs ?? []) {
    const def = defs.get(ref.name);
    if (!def) {
      throw new ConfigResolutionError(
        "CompositeToolRefNotFound",
        `VirtualMCPCompositeToolDefinition ${ref.name} not found`,
      );
    }
    add(structuredClone(def.spec as CompositeToolConfig), `VirtualMCPCompositeToolDefinition ${ref.name}`);
  }
  return out;
}
