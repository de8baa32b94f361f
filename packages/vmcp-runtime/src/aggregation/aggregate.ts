import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import { AggregationError } from "./errors.ts";
import { mergePrompts } from "./prompts.ts";
import { type ResolvedTool, resolveTools, type ToolCandidate } from "./resolve-tools.ts";
import { mergeResources, mergeResourceTemplates } from "./resources.ts";
import { compareStrings } from "./tool-names.ts";
import type {
  AggregateOptions,
  AggregateResult,
  AggregationConfigInput,
  BackendCapabilities,
  Route,
} from "./types.ts";
import {
  applyOverride,
  buildWorkloadConfigs,
  type EffectiveWorkloadConfig,
  shouldAdvertise,
} from "./workload-config.ts";

export { AggregationError } from "./errors.ts";
export { TOOL_NAME_PATTERN } from "./tool-names.ts";
export type * from "./types.ts";

/**
 * Builds the gateway's view from every routable backend's capabilities.
 * Pure and deterministic: the order of `caps` never changes the result.
 */
export function aggregate(
  caps: BackendCapabilities[],
  cfg: AggregationConfigInput,
  opts: AggregateOptions = {},
): AggregateResult {
  const warnings: string[] = [];
  const sortedCaps = sortUnique(caps);
  const workloads = buildWorkloadConfigs(cfg, opts, warnings);
  warnings.push(...presenceWarnings(cfg, workloads, new Set(sortedCaps.map((c) => c.backend))));

  const candidates: ToolCandidate[] = [];
  const backendTools = new Map<string, Map<string, string>>();
  for (const c of sortedCaps) {
    const own = backendCandidates(c, workloads.get(c.backend), warnings);
    backendTools.set(c.backend, own.index);
    candidates.push(...own.candidates);
  }

  const conflicts: string[] = [];
  const resolved: ResolvedTool[] = resolveTools(candidates, cfg, warnings, conflicts);
  const toolRoutes = new Map<string, Route>();
  const tools: Tool[] = [];
  for (const r of [...resolved].sort((a, b) => compareStrings(a.finalName, b.finalName))) {
    toolRoutes.set(r.finalName, { backend: r.cand.backend, name: r.cand.originalName });
    if (shouldAdvertise(cfg, workloads.get(r.cand.backend), r.cand.name)) {
      tools.push({ ...r.cand.tool, name: r.finalName });
    }
  }

  const { resources, resourceRoutes } = mergeResources(sortedCaps, warnings);
  const resourceTemplates = mergeResourceTemplates(sortedCaps, warnings);
  const { prompts, promptRoutes } = mergePrompts(sortedCaps, cfg, warnings);

  return {
    tools,
    toolRoutes,
    resources,
    resourceRoutes,
    resourceTemplates,
    prompts,
    promptRoutes,
    warnings,
    conflicts,
    backendTools,
  };
}

/** The view of no backends. */
export function emptyAggregateResult(): AggregateResult {
  return {
    tools: [],
    toolRoutes: new Map(),
    resources: [],
    resourceRoutes: new Map(),
    resourceTemplates: [],
    prompts: [],
    promptRoutes: new Map(),
    warnings: [],
    conflicts: [],
    backendTools: new Map(),
  };
}

/** `caps` sorted by backend; throws when a backend name appears twice. */
export function sortUnique(caps: BackendCapabilities[]): BackendCapabilities[] {
  const sortedCaps = [...caps].sort((a, b) => compareStrings(a.backend, b.backend));
  const dupes = sortedCaps.filter((c, i) => i > 0 && sortedCaps[i - 1]!.backend === c.backend);
  if (dupes.length > 0) {
    throw new AggregationError(
      "backend names must be unique",
      [...new Set(dupes.map((d) => d.backend))].map((b) => `backend "${b}" appears more than once`),
    );
  }
  return sortedCaps;
}

/** Settings that name a backend which is not there. */
export function presenceWarnings(
  cfg: AggregationConfigInput,
  workloads: ReadonlyMap<string, EffectiveWorkloadConfig>,
  present: ReadonlySet<string>,
): string[] {
  const warnings: string[] = [];
  for (const w of [...workloads.keys()].sort(compareStrings)) {
    if (!present.has(w)) {
      warnings.push(`aggregation.tools: workload "${w}" matches no backend; its settings are not applied`);
    }
  }
  if (cfg.conflictResolution === "priority") {
    for (const b of cfg.conflictResolutionConfig?.priorityOrder ?? []) {
      if (!present.has(b)) warnings.push(`priorityOrder: "${b}" matches no backend`);
    }
  }
  return warnings;
}

/** One backend's tools after its workload's overrides, and its name index for `<workload>.<tool>`
 * refs: what depends on that backend alone. */
export function backendCandidates(
  c: BackendCapabilities,
  wl: EffectiveWorkloadConfig | undefined,
  warnings: string[],
): { candidates: ToolCandidate[]; index: Map<string, string> } {
  const candidates: ToolCandidate[] = [];
  const index = new Map<string, string>();
  const seen = new Set<string>();
  for (const tool of [...c.tools].sort((a, b) => compareStrings(a.name, b.name))) {
    if (seen.has(tool.name)) {
      warnings.push(`backend ${c.backend} lists tool "${tool.name}" more than once; the first copy is used`);
      continue;
    }
    seen.add(tool.name);
    const override = wl?.overrides.get(tool.name);
    const effective = applyOverride(tool, override);
    index.set(tool.name, tool.name);
    candidates.push({
      backend: c.backend,
      originalName: tool.name,
      name: effective.name,
      tool: effective,
      override,
    });
  }
  // Aliases second, so a real backend tool name always wins over another tool's override name.
  for (const cand of candidates) if (!index.has(cand.name)) index.set(cand.name, cand.originalName);
  return { candidates, index };
}

/**
 * Finds the backend tool behind a reference from a composite step or a client:
 * first the exact resolved name (hidden tools included), then `<workload>.<tool>` where `<tool>` is
 * the backend's own name or its override name. Workload names may contain dots, so every split
 * point is tried, leftmost first.
 */
export function resolveToolRef(
  result: Pick<AggregateResult, "toolRoutes" | "backendTools">,
  ref: string,
): Route | undefined {
  const exact = result.toolRoutes.get(ref);
  if (exact) return exact;
  for (let i = ref.indexOf("."); i > 0; i = ref.indexOf(".", i + 1)) {
    const original = result.backendTools.get(ref.slice(0, i))?.get(ref.slice(i + 1));
    if (original !== undefined) return { backend: ref.slice(0, i), name: original };
  }
  return undefined;
}
