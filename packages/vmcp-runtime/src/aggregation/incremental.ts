import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import { backendCandidates, emptyAggregateResult, presenceWarnings, sortUnique } from "./aggregate.ts";
import { mergePrompts } from "./prompts.ts";
import { type ResolvedTool, resolutionKeys, resolveTools, type ToolCandidate } from "./resolve-tools.ts";
import { mergeResources, mergeResourceTemplates } from "./resources.ts";
import { compareStrings } from "./tool-names.ts";
import type {
  AggregateOptions,
  AggregateResult,
  AggregationConfigInput,
  BackendCapabilities,
} from "./types.ts";
import { buildWorkloadConfigs, type EffectiveWorkloadConfig, shouldAdvertise } from "./workload-config.ts";

// The aggregate kept current one backend's listing at a time. `aggregate` stays the reference:
// for any sequence of changes, `result` equals `aggregate` over the current listings, except that
// warnings are sorted here (the property test compares them as sets).

/** Tool candidates whose resolution depends on each other (see `resolutionKeys`). One per
 * tool when nothing clashes, so it holds no more than it must (no empty arrays). */
interface Component {
  cands: ToolCandidate[];
  resolved: ResolvedTool[];
  warnings?: string[];
  conflicts?: string[];
}

interface BackendPart {
  candidates: ToolCandidate[];
  index: Map<string, string>;
  /** Duplicate tool names in this backend's own listing. */
  warnings: string[];
}

export type ResolveFn = typeof resolveTools;

export interface IncrementalAggregate {
  readonly result: AggregateResult;
  readonly cfg: AggregationConfigInput;
  readonly resolve: ResolveFn;
  readonly workloads: ReadonlyMap<string, EffectiveWorkloadConfig>;
  readonly configWarnings: readonly string[];
  readonly caps: ReadonlyMap<string, BackendCapabilities>;
  readonly parts: ReadonlyMap<string, BackendPart>;
  /** Resolution key -> the component holding every candidate with that key. */
  readonly components: ReadonlyMap<string, Component>;
  /** Candidates so linked that splitting them does not pay (see `updateAggregate`): one
   * component, not in `components`; a key found nowhere else may belong to it. */
  readonly linked: Component | undefined;
  /** Smallest re-resolution considered for `linked` (tests lower it). */
  readonly linkedAbove: number;
  /** Components with warnings or conflicts, so collecting them does not visit every component. */
  readonly noisy: ReadonlySet<Component>;
  readonly otherWarnings: readonly string[];
}

/** The aggregate of no backend. `resolve` is injectable so tests can see what is re-resolved. */
export function emptyIncremental(
  cfg: AggregationConfigInput,
  opts: AggregateOptions = {},
  resolve: ResolveFn = resolveTools,
  linkedAbove = 64,
): IncrementalAggregate {
  const configWarnings: string[] = [];
  const workloads = buildWorkloadConfigs(cfg, opts, configWarnings);
  const empty: IncrementalAggregate = {
    cfg,
    resolve,
    workloads,
    configWarnings,
    caps: new Map(),
    parts: new Map(),
    components: new Map(),
    linked: undefined,
    linkedAbove,
    noisy: new Set(),
    otherWarnings: [],
    result: emptyAggregateResult(),
  };
  empty.result.warnings = collectWarnings(empty, []);
  return empty;
}

/**
 * The next aggregate after some backends' listings changed (`undefined`: the backend is gone).
 * Only the tools of the changed backends, and of the components they share a resolution key
 * with, are resolved again; the rest of the view is carried over. Pure: `prev` is not modified.
 */
export function updateAggregate(
  prev: IncrementalAggregate,
  changes: ReadonlyMap<string, BackendCapabilities | undefined>,
): IncrementalAggregate {
  const { cfg, workloads } = prev;
  const keys = memoKeys(cfg);
  const caps = new Map(prev.caps);
  const parts = new Map(prev.parts);
  const owner = (k: string) => prev.components.get(k) ?? prev.linked;
  const affected = new Set<Component>();
  const pool: ToolCandidate[] = [];
  for (const [backend, next] of changes) {
    for (const cand of prev.parts.get(backend)?.candidates ?? []) affected.add(owner(keys(cand)[0]!)!);
    caps.delete(backend);
    parts.delete(backend);
    if (!next) continue;
    caps.set(backend, next);
    const warnings: string[] = [];
    const part = { ...backendCandidates(next, workloads.get(backend), warnings), warnings };
    parts.set(backend, part);
    for (const cand of part.candidates) {
      pool.push(cand);
      for (const k of keys(cand)) {
        const c = owner(k);
        if (c) affected.add(c);
      }
    }
  }
  let changed = pool.length;
  for (const c of affected) for (const cand of c.cands) if (!changes.has(cand.backend)) pool.push(cand);
  for (const b of changes.keys()) changed += prev.parts.get(b)?.candidates.length ?? 0;
  let total = 0;
  for (const p of parts.values()) total += p.candidates.length;
  // A small change that drags in most tools (every backend offering the same names) re-resolves
  // them all whatever is done; splitting them again each time would only add bookkeeping, so
  // they stay one component until a large change (a re-listing of most backends) splits them.
  // (There is at most one such component: an untouched one stays, and the rest are split.)
  const asOne =
    (!prev.linked || affected.has(prev.linked)) &&
    pool.length > prev.linkedAbove &&
    pool.length * 2 > total &&
    changed * 4 < pool.length;

  const components = new Map(prev.components);
  const noisy = new Set(prev.noisy);
  const toolRoutes = new Map(prev.result.toolRoutes);
  const gone = new Set<string>();
  for (const c of affected) {
    noisy.delete(c);
    for (const r of c.resolved) gone.add(r.finalName);
  }
  const added: Tool[] = [];
  const fresh = new Set<string>();
  let linked = prev.linked && !affected.has(prev.linked) ? prev.linked : undefined;
  for (const c of resolveComponents(asOne ? [pool] : split(pool, keys), cfg, prev.resolve)) {
    if (c.warnings || c.conflicts) noisy.add(c);
    if (asOne) linked = c;
    else for (const cand of c.cands) for (const k of keys(cand)) components.set(k, c);
    for (const r of c.resolved) {
      fresh.add(r.finalName);
      toolRoutes.set(r.finalName, { backend: r.cand.backend, name: r.cand.originalName });
      if (shouldAdvertise(cfg, workloads.get(r.cand.backend), r.cand.name))
        added.push({ ...r.cand.tool, name: r.finalName });
    }
  }
  // Keys and names the re-resolved components no longer hold (a removed tool or backend).
  for (const c of affected) {
    if (c === prev.linked) continue; // not in `components`
    for (const cand of c.cands) for (const k of keys(cand)) if (components.get(k) === c) components.delete(k);
  }
  for (const name of gone) if (!fresh.has(name)) toolRoutes.delete(name);

  const backendTools = new Map(prev.result.backendTools);
  for (const backend of changes.keys()) {
    const part = parts.get(backend);
    if (part) backendTools.set(backend, part.index);
    else backendTools.delete(backend);
  }

  const sortedCaps = [...caps.values()].sort((a, b) => compareStrings(a.backend, b.backend));
  let { resources, resourceRoutes, resourceTemplates, prompts, promptRoutes } = prev.result;
  let otherWarnings = prev.otherWarnings;
  // Resources and prompts are merged whole, and only when a change touches them: they are
  // merged in one linear pass, without a per-name resolver.
  if ([...changes].some(([b, next]) => hasOthers(prev.caps.get(b)) || hasOthers(next))) {
    const w: string[] = [];
    ({ resources, resourceRoutes } = mergeResources(sortedCaps, w));
    resourceTemplates = mergeResourceTemplates(sortedCaps, w);
    ({ prompts, promptRoutes } = mergePrompts(sortedCaps, cfg, w));
    otherWarnings = w;
  }

  const next: IncrementalAggregate = {
    ...prev,
    caps,
    parts,
    components,
    linked,
    noisy,
    otherWarnings,
    result: prev.result,
  };
  const conflicts = [...noisy].flatMap((c) => c.conflicts ?? []).sort(compareStrings);
  return {
    ...next,
    result: {
      // Unchanged tools keep the array (and the bytes cached for it) of the previous view.
      tools:
        gone.size === 0 && added.length === 0
          ? prev.result.tools
          : mergeSorted(
              prev.result.tools.filter((t) => !gone.has(t.name)),
              added.sort((a, b) => compareStrings(a.name, b.name)),
            ),
      toolRoutes,
      resources,
      resourceRoutes,
      resourceTemplates,
      prompts,
      promptRoutes,
      warnings: collectWarnings(next, sortedCaps),
      conflicts,
      backendTools,
    },
  };
}

/** A stateful `(caps) => view` over `updateAggregate`: each call passes every listing, and the
 * backends whose listing arrays are not the ones of the previous call count as changed. */
export function incrementalAggregator(
  cfg: AggregationConfigInput,
  opts: AggregateOptions = {},
): (caps: BackendCapabilities[]) => AggregateResult {
  let state = emptyIncremental(cfg, opts);
  return (caps) => {
    const sorted = sortUnique(caps);
    const changes = new Map<string, BackendCapabilities | undefined>();
    const present = new Set<string>();
    for (const c of sorted) {
      present.add(c.backend);
      const was = state.caps.get(c.backend);
      if (!was || !sameListing(was, c)) changes.set(c.backend, c);
    }
    for (const b of state.caps.keys()) if (!present.has(b)) changes.set(b, undefined);
    if (changes.size > 0) state = updateAggregate(state, changes);
    return state.result;
  };
}

function sameListing(a: BackendCapabilities, b: BackendCapabilities): boolean {
  return (
    a.tools === b.tools &&
    a.resources === b.resources &&
    a.resourceTemplates === b.resourceTemplates &&
    a.prompts === b.prompts
  );
}

function hasOthers(c: BackendCapabilities | undefined): boolean {
  return !!c && (c.resources.length > 0 || c.resourceTemplates.length > 0 || c.prompts.length > 0);
}

/** Resolution keys computed once per candidate and update (each is asked for several times). */
function memoKeys(cfg: AggregationConfigInput): (cand: ToolCandidate) => string[] {
  const memo = new Map<ToolCandidate, string[]>();
  return (cand) => {
    let k = memo.get(cand);
    if (!k) {
      k = resolutionKeys(cand, cfg);
      memo.set(cand, k);
    }
    return k;
  };
}

/** Connected components of candidates linked by shared resolution keys (union-find). */
function split(pool: ToolCandidate[], keys: (cand: ToolCandidate) => string[]): ToolCandidate[][] {
  const parent = pool.map((_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]!]!;
      i = parent[i]!;
    }
    return i;
  };
  const owner = new Map<string, number>();
  pool.forEach((cand, i) => {
    for (const k of keys(cand)) {
      const o = owner.get(k);
      if (o === undefined) owner.set(k, i);
      else parent[find(i)] = find(o);
    }
  });
  const out = new Map<number, ToolCandidate[]>();
  pool.forEach((cand, i) => {
    const root = find(i);
    const c = out.get(root);
    if (c) c.push(cand);
    else out.set(root, [cand]);
  });
  return [...out.values()];
}

/**
 * Resolves each component on its own (so its warnings and conflicts are its own), except that
 * the single-tool components, the usual case, go to the resolver together: one call instead of
 * one per tool. Independent candidates resolve the same together as alone, and when that call
 * warns about anything they are resolved one by one so each warning finds its component.
 */
function resolveComponents(
  groups: ToolCandidate[][],
  cfg: AggregationConfigInput,
  resolve: ResolveFn,
): Component[] {
  const out: Component[] = [];
  const one = (cands: ToolCandidate[]) => {
    const warnings: string[] = [];
    const conflicts: string[] = [];
    const c: Component = { cands, resolved: resolve(cands, cfg, warnings, conflicts) };
    if (warnings.length > 0) c.warnings = warnings;
    if (conflicts.length > 0) c.conflicts = conflicts;
    out.push(c);
  };
  const singles = groups.filter((g) => g.length === 1);
  for (const g of groups) if (g.length > 1) one(g);
  if (singles.length < 2) {
    for (const g of singles) one(g);
    return out;
  }
  const warnings: string[] = [];
  const conflicts: string[] = [];
  const together = resolve(singles.flat(), cfg, warnings, conflicts);
  if (warnings.length > 0 || conflicts.length > 0) {
    for (const g of singles) one(g);
    return out;
  }
  const byCand = new Map(together.map((r) => [r.cand, r]));
  for (const cands of singles) {
    const r = byCand.get(cands[0]!);
    out.push({ cands, resolved: r ? [r] : [] });
  }
  return out;
}

function mergeSorted(a: Tool[], b: Tool[]): Tool[] {
  if (b.length === 0) return a;
  const out: Tool[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && compareStrings(a[i]!.name, b[j]!.name) <= 0)) out.push(a[i++]!);
    else out.push(b[j++]!);
  }
  return out;
}

function collectWarnings(s: IncrementalAggregate, sortedCaps: BackendCapabilities[]): string[] {
  return [
    ...s.configWarnings,
    ...presenceWarnings(s.cfg, s.workloads, new Set(s.caps.keys())),
    ...sortedCaps.flatMap((c) => s.parts.get(c.backend)?.warnings ?? []),
    ...[...s.noisy].flatMap((c) => c.warnings ?? []).sort(compareStrings),
    ...s.otherWarnings,
  ];
}
