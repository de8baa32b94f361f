import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import {
  applyPrefix,
  compareStrings,
  DEFAULT_PREFIX_FORMAT,
  isValidToolName,
  sanitizeToolName,
} from "./tool-names.ts";
import type { AggregationConfigInput, ToolOverrideInput } from "./types.ts";

/** A backend tool after per-workload overrides, before conflict resolution. */
export interface ToolCandidate {
  backend: string;
  /** Name the backend knows it by. */
  originalName: string;
  /** Name after override (what filters match). */
  name: string;
  tool: Tool;
  override: ToolOverrideInput | undefined;
}

export interface ResolvedTool {
  finalName: string;
  cand: ToolCandidate;
  /** True when the resolver rewrote the name (prefix, sanitising); plain names win a later tie. */
  rewritten: boolean;
}

function byBackendThenName(a: ToolCandidate, b: ToolCandidate): number {
  return compareStrings(a.backend, b.backend) || compareStrings(a.originalName, b.originalName);
}

function groupBy(cands: ToolCandidate[], key: (c: ToolCandidate) => string): Map<string, ToolCandidate[]> {
  const out = new Map<string, ToolCandidate[]>();
  for (const c of cands) {
    const k = key(c);
    const list = out.get(k);
    if (list) list.push(c);
    else out.set(k, [c]);
  }
  return out;
}

function resolvePrefix(cands: ToolCandidate[], prefixFormat: string): ResolvedTool[] {
  return cands.map((cand) => ({
    finalName: applyPrefix(prefixFormat, cand.backend, cand.name),
    cand,
    rewritten: true,
  }));
}

function resolvePriority(cands: ToolCandidate[], order: string[], warnings: string[]): ResolvedTool[] {
  const rank = new Map<string, number>();
  order.forEach((b, i) => {
    if (!rank.has(b)) rank.set(b, i);
  });
  const out: ResolvedTool[] = [];
  for (const [name, group] of groupBy(cands, (c) => c.name)) {
    if (group.length === 1) {
      out.push({ finalName: name, cand: group[0]!, rewritten: false });
      continue;
    }
    const listed = group.filter((c) => rank.has(c.backend));
    if (listed.length === 0) {
      // Nobody has priority: keep every copy under the default prefix rather than lose tools.
      for (const cand of group) {
        out.push({
          finalName: applyPrefix(DEFAULT_PREFIX_FORMAT, cand.backend, name),
          cand,
          rewritten: true,
        });
      }
      continue;
    }
    listed.sort((a, b) => rank.get(a.backend)! - rank.get(b.backend)!);
    const winner = listed[0]!;
    out.push({ finalName: name, cand: winner, rewritten: false });
    const losers = group.filter((c) => c !== winner).map((c) => c.backend);
    warnings.push(
      `tool "${name}": served by ${winner.backend} (priorityOrder); dropped from ${losers.sort(compareStrings).join(", ")}`,
    );
  }
  return out;
}

/** Under manual a clash is the user's to resolve, and guessing a winner would make the catalog
 * depend on which backends happen to be listed: every tool still named after the clash is
 * withheld, on every backend (fail closed), and the clash is reported. Renamed ones are served. */
function resolveManual(cands: ToolCandidate[], conflicts: string[]): ResolvedTool[] {
  const withheld = new Set<ToolCandidate>();
  for (const [name, group] of groupBy(cands, (c) => c.originalName)) {
    if (group.length < 2) continue;
    const missing = group.filter((c) => !c.override?.name);
    if (missing.length > 0) {
      const all = group.map((c) => c.backend).sort(compareStrings);
      for (const c of missing) withheld.add(c);
      conflicts.push(
        `tool "${name}" is offered by ${all.join(", ")}; add a renaming override for ${missing
          .map((c) => c.backend)
          .sort(compareStrings)
          .map((b) => `aggregation.tools[workload=${b}].overrides.${name}.name`)
          .join(", ")}`,
      );
    }
  }
  return cands
    .filter((cand) => !withheld.has(cand))
    .map((cand) => ({ finalName: cand.name, cand, rewritten: false }));
}

/**
 * Keeps advertised names within the accepted pattern and unique. Invalid names are rewritten
 * (reported); for any remaining duplicate the plain name beats a rewritten one, then the lowest
 * backend wins. Under manual, duplicates are the user's to fix, so they are an error.
 */
function settle(
  resolved: ResolvedTool[],
  manual: boolean,
  warnings: string[],
  conflicts: string[],
): ResolvedTool[] {
  for (const r of resolved) {
    if (isValidToolName(r.finalName)) continue;
    const fixed = sanitizeToolName(r.finalName);
    warnings.push(
      `tool "${r.finalName}" from ${r.cand.backend} does not match ^[a-zA-Z0-9_-]{1,64}$; advertised as "${fixed}"`,
    );
    r.finalName = fixed;
    r.rewritten = true;
  }
  const byName = new Map<string, ResolvedTool[]>();
  for (const r of resolved) {
    const list = byName.get(r.finalName);
    if (list) list.push(r);
    else byName.set(r.finalName, [r]);
  }
  const out: ResolvedTool[] = [];
  for (const [name, group] of byName) {
    group.sort((a, b) => Number(a.rewritten) - Number(b.rewritten) || byBackendThenName(a.cand, b.cand));
    const who = group.map((r) => `${r.cand.backend}.${r.cand.originalName}`);
    if (group.length > 1 && manual) {
      // Fail closed, as for an unresolved clash: none of them is served under that name.
      conflicts.push(`collision after override: "${name}" would be served by ${who.join(" and ")}`);
      continue;
    }
    out.push(group[0]!);
    if (group.length > 1)
      warnings.push(`tool name "${name}" collides: kept ${who[0]}, dropped ${who.slice(1).join(", ")}`);
  }
  return out;
}

/** `conflicts` collects what the manual strategy could not resolve (and therefore withheld). */
export function resolveTools(
  cands: ToolCandidate[],
  cfg: AggregationConfigInput,
  warnings: string[],
  conflicts: string[],
): ResolvedTool[] {
  const sorted = [...cands].sort(byBackendThenName);
  const strategy = cfg.conflictResolution || "prefix";
  let resolved: ResolvedTool[];
  switch (strategy) {
    case "prefix":
      resolved = resolvePrefix(sorted, cfg.conflictResolutionConfig?.prefixFormat || DEFAULT_PREFIX_FORMAT);
      break;
    case "priority":
      resolved = resolvePriority(sorted, cfg.conflictResolutionConfig?.priorityOrder ?? [], warnings);
      break;
    case "manual":
      resolved = resolveManual(sorted, conflicts);
      break;
  }
  const out = settle(resolved, strategy === "manual", warnings, conflicts);
  conflicts.sort(compareStrings);
  return out;
}

/**
 * Keys through which the resolution of one candidate can depend on another's: the key its
 * strategy groups by and every name it may be advertised under before `settle` (the unsanitised
 * name is never compared). Candidates sharing no key, directly or through others, resolve
 * independently, so resolving each such component alone gives the same tools, routes, warnings
 * and conflicts as resolving all at once. Group keys and names share one namespace: a group key
 * equal to an unrelated name only joins two components, which is never wrong, only less narrow.
 */
export function resolutionKeys(cand: ToolCandidate, cfg: AggregationConfigInput): string[] {
  const valid = (n: string) => (isValidToolName(n) ? n : sanitizeToolName(n));
  switch (cfg.conflictResolution || "prefix") {
    case "prefix":
      return [
        valid(
          applyPrefix(
            cfg.conflictResolutionConfig?.prefixFormat || DEFAULT_PREFIX_FORMAT,
            cand.backend,
            cand.name,
          ),
        ),
      ];
    case "priority":
      return distinct(
        cand.name,
        valid(cand.name),
        valid(applyPrefix(DEFAULT_PREFIX_FORMAT, cand.backend, cand.name)),
      );
    case "manual":
      return distinct(cand.originalName, valid(cand.name));
  }
}

/** Usually the name is valid and not renamed, so the keys repeat. */
function distinct(...keys: string[]): string[] {
  return keys.filter((k, i) => keys.indexOf(k) === i);
}
