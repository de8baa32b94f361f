import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import type { BackendCapabilities } from "../../../src/aggregation/aggregate.ts";

export function tool(name: string, extra: Partial<Tool> = {}): Tool {
  return { name, description: `${name} tool`, inputSchema: { type: "object", properties: {} }, ...extra };
}

export function backend(
  name: string,
  tools: string[],
  extra: Partial<BackendCapabilities> = {},
): BackendCapabilities {
  return {
    backend: name,
    tools: tools.map((t) => tool(t)),
    resources: [],
    resourceTemplates: [],
    prompts: [],
    ...extra,
  };
}
