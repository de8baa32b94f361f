import { isDeepStrictEqual } from "node:util";
import { UriTemplate } from "@modelcontextprotocol/sdk/shared/uriTemplate.js";
import { emptyAggregateResult } from "../aggregation/aggregate.ts";
import { aggregateInstructions } from "../aggregation/instructions.ts";
import type { ListingResult } from "../backends/control-session.ts";
import type { BackendPool, PooledBackend } from "../backends/pool.ts";
import type { RuntimeHealth } from "../health/types.ts";
import type { Logger } from "../logger.ts";
import type { BackendRegistry } from "../registry/registry.ts";
import type { BackendSpec, RegistryChange } from "../registry/types.ts";
import type { AggregateFn, AggregateView } from "./types.ts";

export type ListKind = "tools" | "resources" | "prompts";

/** Longest a listing waits to be aggregated while several backends are being added. */
const BATCH_AGGREGATE_MS = 500;

/** The catalog's view of a pooled backend: the pool's entry (connections, auth, the control
 * session it lists on) plus the listing state. */
export interface BackendEntry extends PooledBackend {
  listing: ListingResult | undefined;
  lastError: string | undefined;
  refreshing: Promise<void> | undefined;
  again: boolean;
  retryTimer: NodeJS.Timeout | undefined;
  retryDelay: number;
  closed: boolean;
}

export interface CatalogOptions {
  registry: BackendRegistry;
  /** Where each backend's connections and control session are opened and closed. */
  pool: Pick<BackendPool, "open" | "close">;
  /** What is advertised (withdrawn backends are left out); listings report their outcome here. */
  health: RuntimeHealth;
  aggregate: AggregateFn;
  log: Logger;
  /** Backoff for re-listing a backend whose listing failed. */
  retry?: { initialMs: number; maxMs: number };
}

/** The aggregate view of all backends, kept current by events (backend list_changed, registry
 * changes, lost control sessions) rather than per-request fan-out: a slow backend can only delay
 * its own refresh, and its last good listing keeps serving meanwhile. */
export class Catalog {
  #o: CatalogOptions;
  #entries = new Map<string, BackendEntry>();
  #pendingEntries = new Map<string, Promise<BackendEntry | undefined>>();
  #view: AggregateView = emptyAggregateResult();
  #templates: Array<{ t: UriTemplate; backend: string }> = [];
  #aggregationError: string | undefined;
  #withdrawn: WithdrawnRoutes = { tools: new Map(), prompts: new Map(), resources: new Map() };
  #ready = false;
  #listChanged = new Set<(kinds: ListKind[]) => void>();
  #removed = new Set<(name: string) => void>();
  #updated = new Set<() => void>();
  #unsubscribe: Array<() => void> = [];
  /** Registry changes of several backends in progress: their listings are aggregated together
   * (at the end, and at most every BATCH_AGGREGATE_MS meanwhile) instead of once per listing,
   * which made adding B backends cost B full aggregations. */
  #batches = 0;
  #batchDirty = false;
  #batchTimer: NodeJS.Timeout | undefined;

  constructor(o: CatalogOptions) {
    this.#o = o;
  }

  /** Every backend the registry names, set up or not (what /status lists). */
  specs(): BackendSpec[] {
    return this.#o.registry.list();
  }

  get view(): AggregateView {
    return this.#view;
  }
  get ready(): boolean {
    return this.#ready;
  }
  get aggregationError(): string | undefined {
    return this.#aggregationError;
  }

  onListChanged(l: (kinds: ListKind[]) => void): void {
    this.#listChanged.add(l);
  }
  onBackendRemoved(l: (name: string) => void): void {
    this.#removed.add(l);
  }
  onUpdated(l: () => void): void {
    this.#updated.add(l);
  }

  entry(name: string): BackendEntry | undefined {
    return this.#entries.get(name);
  }
  entries(): BackendEntry[] {
    return [...this.#entries.values()].sort((a, b) => (a.spec.name < b.spec.name ? -1 : 1));
  }

  /** Backends that have never been listed successfully (what `partialFailureMode: fail` refuses). */
  unlisted(): BackendEntry[] {
    return this.entries().filter((e) => !e.listing);
  }

  async start(): Promise<void> {
    this.#unsubscribe = [
      this.#o.registry.onChange((changes) => void this.#apply(changes)),
      this.#o.health.on("advertised", () => this.#reaggregate()),
      // A backend came back: re-list it now rather than at the next retry.
      this.#o.health.on("recovered", (name) => void this.refresh(name)),
    ];
    const initial = this.#o.registry
      .list()
      .map((spec) => ({ type: "added", backend: spec }) as RegistryChange);
    await this.#apply(initial);
    this.#ready = true;
    this.#emitUpdated();
  }

  async #apply(changes: RegistryChange[]): Promise<void> {
    const batch = changes.length > 1;
    if (batch) this.#batches++;
    try {
      await Promise.all(
        changes.map(async (c) => {
          if (c.type === "removed" || c.type === "updated") await this.#remove(c.backend.name);
          if (c.type === "added" || c.type === "updated") {
            const e = await this.#add(c.backend);
            if (e) await this.refresh(e.spec.name);
          }
        }),
      );
    } finally {
      if (batch) this.#batches--;
    }
    if (changes.some((c) => c.type !== "added") || (this.#batches === 0 && this.#batchDirty)) {
      this.#batchDirty = false;
      clearTimeout(this.#batchTimer);
      this.#batchTimer = undefined;
      this.#reaggregate();
    }
  }

  /** A listing changed: aggregate now, or with the rest of the batch. */
  #listed(): void {
    if (this.#batches === 0) {
      this.#reaggregate();
      return;
    }
    this.#batchDirty = true;
    // A slow backend must not hold back the others: what has been listed shows up meanwhile.
    this.#batchTimer ??= setTimeout(() => {
      this.#batchTimer = undefined;
      if (!this.#batchDirty) return;
      this.#batchDirty = false;
      this.#reaggregate();
    }, BATCH_AGGREGATE_MS);
    this.#batchTimer.unref();
  }

  async #add(spec: BackendSpec): Promise<BackendEntry | undefined> {
    const p = (async () => {
      try {
        const pooled = await this.#o.pool.open(spec, {
          onChanged: () => void this.refresh(spec.name),
          onLost: () => this.#scheduleRetry(spec.name, 250),
        });
        const entry: BackendEntry = {
          ...pooled,
          listing: undefined,
          lastError: undefined,
          refreshing: undefined,
          again: false,
          retryTimer: undefined,
          retryDelay: this.#o.retry?.initialMs ?? 1000,
          closed: false,
        };
        this.#entries.set(spec.name, entry);
        return entry;
      } catch (err) {
        const msg = `backend '${spec.name}' cannot be set up: ${err instanceof Error ? err.message : String(err)}`;
        this.#o.log.error({ backend: spec.name }, msg);
        this.#o.health.failed(spec.name, msg);
        return undefined;
      } finally {
        this.#pendingEntries.delete(spec.name);
      }
    })();
    this.#pendingEntries.set(spec.name, p);
    return p;
  }

  async #remove(name: string): Promise<void> {
    const e = this.#entries.get(name);
    if (!e) return;
    e.closed = true;
    this.#entries.delete(name);
    clearTimeout(e.retryTimer);
    for (const l of this.#removed) l(name);
    this.#o.health.forget(name);
    await this.#o.pool.close(e);
  }

  /** Re-list one backend; concurrent triggers coalesce into one extra round. */
  refresh(name: string): Promise<void> {
    const e = this.#entries.get(name);
    if (!e || e.closed) return Promise.resolve();
    if (e.refreshing) {
      e.again = true;
      return e.refreshing;
    }
    e.refreshing = (async () => {
      do {
        e.again = false;
        await this.#listOnce(e);
      } while (e.again && !e.closed);
      e.refreshing = undefined;
    })();
    return e.refreshing;
  }

  async #listOnce(e: BackendEntry): Promise<void> {
    const name = e.spec.name;
    try {
      const listing = await e.control.list(e.spec.timeoutMs);
      if (e.closed) return;
      e.listing = listing;
      e.lastError = undefined;
      e.retryDelay = this.#o.retry?.initialMs ?? 1000;
      this.#o.health.ok(name);
      this.#listed();
    } catch (err) {
      if (e.closed) return;
      const msg = err instanceof Error ? err.message : String(err);
      e.lastError = msg;
      this.#o.log.warn({ backend: name, err: msg }, "listing backend failed; serving its last good view");
      this.#o.health.failed(name, msg);
      this.#scheduleRetry(name, e.retryDelay);
      e.retryDelay = Math.min(e.retryDelay * 2, this.#o.retry?.maxMs ?? 30_000);
      this.#emitUpdated();
    }
  }

  #scheduleRetry(name: string, delay: number): void {
    const e = this.#entries.get(name);
    if (!e || e.closed || e.retryTimer) return;
    e.retryTimer = setTimeout(() => {
      e.retryTimer = undefined;
      void this.refresh(name);
    }, delay);
    e.retryTimer.unref();
  }

  #reaggregate(): void {
    const health = this.#o.health;
    const listed = this.entries().filter((e) => e.listing);
    // Unhealthy backends and open circuits are left out of what clients see.
    const withdrawn = new Set(listed.filter((e) => !health.advertised(e.spec.name)).map((e) => e.spec.name));
    const caps = listed
      .filter((e) => !withdrawn.has(e.spec.name))
      .map((e) => e.listing as ListingResult)
      .map(({ protocolVersion: _p, instructions: _i, ...c }) => c);
    let next: AggregateView;
    try {
      next = this.#o.aggregate(caps);
    } catch (err) {
      this.#aggregationError = `aggregation failed, serving the last good catalog: ${err instanceof Error ? err.message : String(err)}`;
      this.#o.log.error({ err: this.#aggregationError }, "aggregation failed; keeping the previous catalog");
      this.#emitUpdated();
      return;
    }
    const conflicts = next.conflicts ?? [];
    const clash =
      conflicts.length > 0
        ? `conflictResolution is manual but some tool names clash; withheld on every backend until resolved:\n  - ${conflicts.join("\n  - ")}`
        : undefined;
    if (clash && clash !== this.#aggregationError)
      this.#o.log.warn({ conflicts }, "unresolved tool name clash");
    this.#aggregationError = clash;
    const prev = this.#view;
    // Standalone mode has no CRD status to carry these; the log must.
    if (next.warnings.length > 0 && !isDeepStrictEqual(prev.warnings, next.warnings))
      this.#o.log.warn({ warnings: next.warnings }, "aggregation warnings");
    this.#withdrawn = keepWithdrawn(this.#withdrawn, prev, next, withdrawn);
    this.#view = next;
    this.#templates = next.resourceTemplates.map((t) => ({
      t: new UriTemplate(t.uriTemplate),
      backend: t.backend,
    }));
    const kinds: ListKind[] = [];
    if (!isDeepStrictEqual(prev.tools, next.tools)) kinds.push("tools");
    if (
      !isDeepStrictEqual(prev.resources, next.resources) ||
      !isDeepStrictEqual(prev.resourceTemplates, next.resourceTemplates)
    ) {
      kinds.push("resources");
    }
    if (!isDeepStrictEqual(prev.prompts, next.prompts)) kinds.push("prompts");
    if (kinds.length > 0) for (const l of this.#listChanged) l(kinds);
    this.#emitUpdated();
  }

  #emitUpdated(): void {
    for (const l of this.#updated) l();
  }

  /** The gateway's own instructions followed by those of every advertised backend. */
  instructions(own: string | undefined): string | undefined {
    const advertised = this.entries().filter((e) => e.listing && this.#o.health.advertised(e.spec.name));
    return aggregateInstructions(
      own,
      advertised.map((e) => ({ backend: e.spec.name, instructions: e.listing?.instructions })),
    );
  }

  /** The backend behind a name or URI that was advertised before its backend was withdrawn for
   * health (unhealthy, circuit open): such calls fail with "unavailable", not "unknown". Only
   * read on the miss path. */
  withdrawnBackend(kind: "tools" | "prompts" | "resources", key: string): string | undefined {
    return this.#withdrawn[kind].get(key);
  }

  /** Backend for a resource URI: exact match first, then templates in catalog order. */
  resourceBackend(uri: string): string | undefined {
    const exact = this.#view.resourceRoutes.get(uri);
    if (exact) return exact;
    for (const { t, backend } of this.#templates) if (t.match(uri)) return backend;
    return undefined;
  }

  async close(): Promise<void> {
    for (const u of this.#unsubscribe) u();
    clearTimeout(this.#batchTimer);
    await Promise.allSettled([...this.#pendingEntries.values()]);
    await Promise.all([...this.#entries.keys()].map((n) => this.#remove(n)));
  }
}

/** Advertised name (tools, prompts) or URI (resources) -> backend, of withdrawn backends. */
interface WithdrawnRoutes {
  tools: Map<string, string>;
  prompts: Map<string, string>;
  resources: Map<string, string>;
}

/** The last advertised routes of backends withdrawn now: carried over while they stay withdrawn,
 * added from the previous view when they leave it, dropped when they return (or the name is
 * served by another backend). */
function keepWithdrawn(
  before: WithdrawnRoutes,
  prev: AggregateView,
  next: AggregateView,
  withdrawn: ReadonlySet<string>,
): WithdrawnRoutes {
  const carry = (
    old: Map<string, string>,
    seen: Iterable<[string, string]>,
    live: (k: string) => boolean,
  ) => {
    const m = new Map<string, string>();
    if (withdrawn.size === 0) return m;
    for (const [k, b] of old) if (withdrawn.has(b)) m.set(k, b);
    for (const [k, b] of seen) if (withdrawn.has(b)) m.set(k, b);
    for (const k of m.keys()) if (live(k)) m.delete(k);
    return m;
  };
  const routed = (list: Array<{ name: string }>, routes: Map<string, { backend: string }>) =>
    list.flatMap((x): Array<[string, string]> => {
      const r = routes.get(x.name);
      return r ? [[x.name, r.backend]] : [];
    });
  return {
    tools: carry(before.tools, routed(prev.tools, prev.toolRoutes), (k) => next.toolRoutes.has(k)),
    prompts: carry(before.prompts, routed(prev.prompts, prev.promptRoutes), (k) => next.promptRoutes.has(k)),
    resources: carry(before.resources, prev.resourceRoutes, (k) => next.resourceRoutes.has(k)),
  };
}
