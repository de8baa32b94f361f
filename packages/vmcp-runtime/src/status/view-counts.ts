/** How many advertised tools, resources and prompts each backend contributes to a view. */
export interface BackendCounts {
  toolCount: number;
  resourceCount: number;
  promptCount: number;
}

/** The parts of the aggregate view the counts read (structural, so status does not depend on
 * the server layer). */
export interface CountableView {
  tools: ReadonlyArray<{ name: string }>;
  toolRoutes: ReadonlyMap<string, { backend: string }>;
  resources: ReadonlyArray<{ uri: string }>;
  resourceRoutes: ReadonlyMap<string, string>;
  prompts: ReadonlyArray<{ name: string }>;
  promptRoutes: ReadonlyMap<string, { backend: string }>;
}

export const NO_COUNTS: Readonly<BackendCounts> = Object.freeze({
  toolCount: 0,
  resourceCount: 0,
  promptCount: 0,
});

/** Pure, one pass over the view: each tool, resource and prompt is looked at once, so the cost
 * grows with the catalog, not with catalog x backends. */
export function countByBackend(view: CountableView): Map<string, BackendCounts> {
  const out = new Map<string, BackendCounts>();
  const of = (backend: string): BackendCounts => {
    let c = out.get(backend);
    if (!c) {
      c = { toolCount: 0, resourceCount: 0, promptCount: 0 };
      out.set(backend, c);
    }
    return c;
  };
  for (const t of view.tools) {
    const b = view.toolRoutes.get(t.name)?.backend;
    if (b !== undefined) of(b).toolCount++;
  }
  for (const r of view.resources) {
    const b = view.resourceRoutes.get(r.uri);
    if (b !== undefined) of(b).resourceCount++;
  }
  for (const p of view.prompts) {
    const b = view.promptRoutes.get(p.name)?.backend;
    if (b !== undefined) of(b).promptCount++;
  }
  return out;
}

/** countByBackend once per view object: views are replaced, never mutated, so the object is
 * the version. Weakly held, so old views are not kept alive by their counts. */
export function cachedCounter(): (view: CountableView) => Map<string, BackendCounts> {
  const cache = new WeakMap<CountableView, Map<string, BackendCounts>>();
  return (view) => {
    let c = cache.get(view);
    if (!c) {
      c = countByBackend(view);
      cache.set(view, c);
    }
    return c;
  };
}
