import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import type {
  AggregateOptions,
  AggregationConfigInput,
  ToolConfigSpecInput,
  ToolOverrideInput,
  WorkloadToolConfigInput,
} from "./types.ts";

/** One workload's effective tool settings after merging its MCPToolConfig. */
export interface EffectiveWorkloadConfig {
  /** Allow-list on the post-override name; undefined = no filter. */
  filter: Set<string> | undefined;
  overrides: Map<string, ToolOverrideInput>;
  excludeAll: boolean;
}

function lookupToolConfig(
  toolConfigs: NonNullable<AggregateOptions["toolConfigs"]>,
  name: string,
): ToolConfigSpecInput | undefined {
  if (toolConfigs instanceof Map) return toolConfigs.get(name);
  const rec = toolConfigs as Record<string, ToolConfigSpecInput>;
  return Object.hasOwn(rec, name) ? rec[name] : undefined;
}

function mergeEntry(
  entry: WorkloadToolConfigInput,
  opts: AggregateOptions,
  warnings: string[],
): EffectiveWorkloadConfig {
  const overrides = new Map<string, ToolOverrideInput>();
  for (const [tool, ov] of Object.entries(entry.overrides ?? {})) if (ov) overrides.set(tool, ov);
  let filter = entry.filter && entry.filter.length > 0 ? new Set(entry.filter) : undefined;
  let excludeAll = entry.excludeAll === true;

  const ref = entry.toolConfigRef?.name;
  if (ref && opts.toolConfigs) {
    const spec = lookupToolConfig(opts.toolConfigs, ref);
    if (!spec) {
      // Fail closed: a missing MCPToolConfig may have been the thing hiding dangerous tools.
      warnings.push(
        `aggregation.tools[workload=${entry.workload}]: MCPToolConfig "${ref}" not found; ` +
          `all tools of ${entry.workload} are hidden until it exists`,
      );
      excludeAll = true;
    } else {
      // Inline filter wins when non-empty; inline overrides win per tool.
      if (!filter && spec.toolsFilter && spec.toolsFilter.length > 0) filter = new Set(spec.toolsFilter);
      for (const [tool, ov] of Object.entries(spec.toolsOverride ?? {})) {
        if (ov && !overrides.has(tool)) overrides.set(tool, ov);
      }
    }
  }
  return { filter, overrides, excludeAll };
}

export function buildWorkloadConfigs(
  cfg: AggregationConfigInput,
  opts: AggregateOptions,
  warnings: string[],
): Map<string, EffectiveWorkloadConfig> {
  const out = new Map<string, EffectiveWorkloadConfig>();
  for (const entry of cfg.tools ?? []) {
    if (out.has(entry.workload)) {
      warnings.push(
        `aggregation.tools: duplicate entry for workload ${entry.workload}; the first one is used`,
      );
      continue;
    }
    out.set(entry.workload, mergeEntry(entry, opts, warnings));
  }
  return out;
}

/** Applies name/description/annotation overrides; the input schema object is forwarded untouched. */
export function applyOverride(tool: Tool, ov: ToolOverrideInput | undefined): Tool {
  if (!ov) return tool;
  const out: Tool = { ...tool };
  if (ov.name) out.name = ov.name;
  if (ov.description) out.description = ov.description;
  if (ov.annotations) {
    const merged: Record<string, unknown> = { ...(tool.annotations ?? {}) };
    for (const [k, v] of Object.entries(ov.annotations)) if (v !== undefined) merged[k] = v;
    out.annotations = merged as Tool["annotations"];
  }
  return out;
}

/** Whether a resolved tool appears in tools/list. */
export function shouldAdvertise(
  cfg: AggregationConfigInput,
  wl: EffectiveWorkloadConfig | undefined,
  nameAfterOverride: string,
): boolean {
  if (cfg.excludeAllTools) return false;
  if (!wl) return cfg.defaultToolVisibility !== "deny";
  if (wl.excludeAll) return false;
  if (wl.filter) return wl.filter.has(nameAfterOverride);
  return true;
}
