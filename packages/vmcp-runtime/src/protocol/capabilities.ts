import type { Prompt, Resource, ResourceTemplate, Tool } from "@modelcontextprotocol/sdk/types.js";

/** What one backend offers: its listings, as the control session reads them and aggregation
 * (aggregation/aggregate.ts) merges them. */
export interface BackendCapabilities {
  backend: string;
  tools: Tool[];
  resources: Resource[];
  resourceTemplates: ResourceTemplate[];
  prompts: Prompt[];
}
