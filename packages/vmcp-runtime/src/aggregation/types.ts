import type { Prompt, Resource, ResourceTemplate, Tool } from "@modelcontextprotocol/sdk/types.js";

/** What one backend offers, as listed over MCP. */
export interface BackendCapabilities {
  backend: string;
  tools: Tool[];
  resources: Resource[];
  resourceTemplates: ResourceTemplate[];
  prompts: Prompt[];
}

export interface ToolAnnotationOverride {
  title?: string | undefined;
  readOnlyHint?: boolean | undefined;
  destructiveHint?: boolean | undefined;
  idempotentHint?: boolean | undefined;
  openWorldHint?: boolean | undefined;
}

export interface ToolOverrideInput {
  name?: string | undefined;
  description?: string | undefined;
  annotations?: ToolAnnotationOverride | undefined;
}

export interface WorkloadToolConfigInput {
  workload: string;
  toolConfigRef?: { name: string } | undefined;
  filter?: string[] | undefined;
  overrides?: Record<string, ToolOverrideInput | undefined> | undefined;
  excludeAll?: boolean | undefined;
}

/**
 * The parts of `aggregation` the aggregator reads. Structural so both the shared
 * `AggregationConfig` (defaults applied) and hand-written partial objects are accepted.
 */
export interface AggregationConfigInput {
  conflictResolution?: "prefix" | "priority" | "manual" | "" | undefined;
  conflictResolutionConfig?:
    | { prefixFormat?: string | undefined; priorityOrder?: string[] | undefined }
    | undefined;
  tools?: WorkloadToolConfigInput[] | undefined;
  excludeAllTools?: boolean | undefined;
  defaultToolVisibility?: "allow" | "deny" | "" | undefined;
}

/** MCPToolConfig spec as referenced by `aggregation.tools[].toolConfigRef`. */
export interface ToolConfigSpecInput {
  toolsFilter?: string[] | undefined;
  toolsOverride?: Record<string, ToolOverrideInput | undefined> | undefined;
}

export interface AggregateOptions {
  /**
   * MCPToolConfig specs by name. When given, every `toolConfigRef` must resolve (fail closed:
   * an unresolvable ref hides that workload's tools). When absent, refs are assumed to be
   * already merged into the inline entry (what the operator writes into config.yaml).
   */
  toolConfigs?: ReadonlyMap<string, ToolConfigSpecInput> | Record<string, ToolConfigSpecInput>;
}

export interface Route {
  backend: string;
  /** The name the backend knows the capability by. */
  name: string;
}

export interface AggregateResult {
  /** Advertised tools, sorted by name. */
  tools: Tool[];
  /** Every resolved tool, hidden ones included (composite tools call them). */
  toolRoutes: Map<string, Route>;
  resources: Resource[];
  resourceRoutes: Map<string, string>;
  resourceTemplates: Array<ResourceTemplate & { backend: string }>;
  prompts: Prompt[];
  promptRoutes: Map<string, Route>;
  warnings: string[];
  /** Manual-strategy clashes nobody resolved; the clashing tools are withheld on every backend. */
  conflicts: string[];
  /**
   * backend -> (backend tool name or override name -> backend tool name), for every tool each
   * backend offers, including tools dropped by conflict resolution. Backs `<workload>.<tool>` refs.
   */
  backendTools: Map<string, Map<string, string>>;
}

/** The part of aggregation's AggregateResult the data plane reads. */
export interface AggregateView {
  tools: Tool[];
  toolRoutes: Map<string, { backend: string; name: string }>;
  resources: Resource[];
  resourceRoutes: Map<string, string>;
  resourceTemplates: Array<ResourceTemplate & { backend: string }>;
  prompts: Prompt[];
  promptRoutes: Map<string, { backend: string; name: string }>;
  warnings: string[];
  /** Unresolved manual-strategy clashes (their tools are withheld). Optional like backendTools. */
  conflicts?: string[];
  /** backend -> (own or override name -> own name), for `<workload>.<tool>` composite step refs.
   * Optional so hand-built views (tests) need not carry it. */
  backendTools?: Map<string, Map<string, string>>;
}
