// aggregation: defaults filled and MCPToolConfig references resolved into the inline tool entries,
// because the runtime has no access to MCPToolConfig objects (its Role does not list them).
import {
  type AggregationConfig,
  AggregationConfigSchema,
  type MCPToolConfig,
  type WorkloadToolConfig,
} from "@vmcp/shared-types";

export class ConfigResolutionError extends Error {
  readonly reason: string;
  constructor(reason: string, message: string) {
    super(message);
    this.name = "ConfigResolutionError";
    this.reason = reason;
  }
}

export function resolveAggregation(
  spec: AggregationConfig | undefined,
  toolConfigs: ReadonlyMap<string, MCPToolConfig>,
): AggregationConfig {
  const agg = AggregationConfigSchema.parse(structuredClone(spec ?? {}));
  if (!agg.tools) return agg;
  agg.tools = agg.tools.map((tool) => resolveTool(tool, toolConfigs));
  return agg;
}

function resolveTool(
  tool: WorkloadToolConfig,
  toolConfigs: ReadonlyMap<string, MCPToolConfig>,
): WorkloadToolConfig {
  const { toolConfigRef, ...rest } = tool;
  if (!toolConfigRef) return rest;
  const tc = toolConfigs.get(toolConfigRef.name);
  if (!tc) {
    throw new ConfigResolutionError(
      "ToolConfigNotFound",
      `MCPToolConfig resolution failed for ${tool.workload}: MCPToolConfig ${toolConfigRef.name} not found`,
    );
  }
  const out: WorkloadToolConfig = { ...rest };
  // The inline filter wins as a whole; the referenced one applies only when there is none.
  if ((!out.filter || out.filter.length === 0) && tc.spec.toolsFilter && tc.spec.toolsFilter.length > 0) {
    out.filter = [...tc.spec.toolsFilter];
  }
  // Overrides merge per tool name, inline entries winning.
  const referenced = tc.spec.toolsOverride ?? {};
  if (Object.keys(referenced).length > 0) {
    out.overrides = { ...structuredClone(referenced), ...(out.overrides ?? {}) };
  }
  return out;
}
