import type { Prompt } from "@modelcontextprotocol/sdk/types.js";
import { applyPrefix, compareStrings, DEFAULT_PREFIX_FORMAT } from "./tool-names.ts";
import type { AggregationConfigInput, BackendCapabilities, Route } from "./types.ts";

/**
 * Prompt naming follows ToolHive, so prompt names do not change when a
 * ToolHive config is moved here: prompts are always prefixed with the prefixFormat (default
 * `{workload}_`), even without a clash, under `prefix` and `manual`. Under `priority`, backends
 * listed in priorityOrder keep bare names (a clash among them goes to the earliest listed) and
 * unlisted ones stay prefixed. Any remaining clash is ambiguous: every copy is dropped, with a warning.
 * Tool filters and visibility never apply to prompts.
 */
export function mergePrompts(
  sortedCaps: BackendCapabilities[],
  cfg: AggregationConfigInput,
  warnings: string[],
): { prompts: Prompt[]; promptRoutes: Map<string, Route> } {
  const strategy = cfg.conflictResolution || "prefix";
  const prefixFormat = cfg.conflictResolutionConfig?.prefixFormat || DEFAULT_PREFIX_FORMAT;
  const order = strategy === "priority" ? (cfg.conflictResolutionConfig?.priorityOrder ?? []) : [];
  const rank = new Map<string, number>();
  order.forEach((b, i) => {
    if (!rank.has(b)) rank.set(b, i);
  });

  interface Candidate {
    name: string;
    backend: string;
    prompt: Prompt;
    bare: boolean;
  }
  const byName = new Map<string, Candidate[]>();
  for (const caps of sortedCaps) {
    const seen = new Set<string>();
    for (const p of caps.prompts) {
      if (seen.has(p.name)) continue;
      seen.add(p.name);
      const bare = rank.has(caps.backend);
      const name = bare ? p.name : applyPrefix(prefixFormat, caps.backend, p.name);
      const list = byName.get(name) ?? [];
      list.push({ name, backend: caps.backend, prompt: p, bare });
      byName.set(name, list);
    }
  }

  const promptRoutes = new Map<string, Route>();
  const prompts: Prompt[] = [];
  for (const [name, group] of byName) {
    let winner: Candidate | undefined = group[0];
    if (group.length > 1) {
      const allBare = group.every((c) => c.bare);
      if (allBare) {
        group.sort((a, b) => rank.get(a.backend)! - rank.get(b.backend)!);
        winner = group[0];
        warnings.push(
          `prompt "${name}": served by ${winner!.backend} (priorityOrder); dropped from ${group
            .slice(1)
            .map((c) => c.backend)
            .join(", ")}`,
        );
      } else {
        winner = undefined;
        warnings.push(
          `prompt name "${name}" is ambiguous (${group.map((c) => `${c.backend}.${c.prompt.name}`).join(", ")}); all copies dropped`,
        );
      }
    }
    if (!winner) continue;
    promptRoutes.set(name, { backend: winner.backend, name: winner.prompt.name });
    prompts.push({ ...winner.prompt, name });
  }
  prompts.sort((a, b) => compareStrings(a.name, b.name));
  return { prompts, promptRoutes };
}
