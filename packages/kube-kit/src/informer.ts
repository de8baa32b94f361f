import { backoffDelay, sleep } from "./backoff.ts";
import type { KubeConnection } from "./connection.ts";
import { errorFromStatus, isGone, KubeApiError, kubeRequest, openRequest } from "./http.ts";
import { utf8Lines } from "./lines.ts";
import { type Logger, silentLogger } from "./logger.ts";
import { apiVersionOf, collectionPath } from "./resources.ts";

/**
 * One watch event is one object; the API server stores objects up to ~1.5 MiB, so a longer line
 * is a broken or hostile stream: the watch fails and reconnects instead of buffering without end.
 */
const MAX_WATCH_LINE = 8 * 1024 * 1024;

/*
 * A list+watch reflector with an in-memory cache, written on purpose instead of wrapping
 * client-node's ListWatch/makeInformer: in client-node 2.0.1 ListWatch stops for good on any
 * non-410 error (the caller must restart it, and restarting a running one opens a second watch,
 * kubernetes-client/javascript#2385, #1933), its update callbacks carry no old object, and its
 * Watch aborts quiet streams after 30 s. Here one loop owns the only watch, so duplicates cannot
 * happen; every failure is retried with capped backoff; 410 Gone relists and emits synthetic
 * events for whatever changed while we were not watching.
 */

/**
 * The least an informer needs from an object. Looser than client-node's KubernetesObject (whose
 * metadata uses Date for timestamps) so zod-inferred kinds from @vmcp/shared-types fit too.
 */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; resourceVersion?: string; uid?: string };
}

export type InformerEventType = "add" | "update" | "delete";
export interface InformerEvent<T> {
  type: InformerEventType;
  obj: T;
  old?: T;
}
export type InformerHandler<T> = (ev: InformerEvent<T>) => void;

export interface InformerOptions<T extends KubeObject> {
  kc: KubeConnection;
  group: string;
  version: string;
  plural: string;
  /** Omit to watch all namespaces. */
  namespace?: string;
  /** Validates/normalises each object; an object that fails is left out of the cache (and logged). */
  parse?: (raw: unknown) => T;
  indexers?: Record<string, (obj: T) => string[]>;
  labelSelector?: string;
  fieldSelector?: string;
  logger?: Logger;
  /** Reconnect backoff bounds (default 200 ms .. 30 s). */
  backoff?: { initialMs?: number; maxMs?: number };
  /** Server-side watch timeout (default 240-300 s, jittered), after which the watch is resumed. */
  watchTimeoutSeconds?: number;
  /**
   * Derive this informer from another one's cache instead of opening a watch of its own: objects are
   * the source's objects run through `parse`. The registry uses it so a typed and a raw view of one
   * resource share a single watch.
   */
  source?: Informer<KubeObject>;
}

export interface InformerStats {
  lists: number;
  watches: number;
  /** How many times the API server answered 410 Gone (expired resourceVersion). */
  gone: number;
  errors: number;
  activeWatches: number;
}

interface WatchLine {
  type?: string;
  object?: {
    code?: number;
    reason?: string;
    message?: string;
    metadata?: { resourceVersion?: string; name?: string; namespace?: string };
  };
}

interface ListPage {
  kind?: string;
  metadata?: { resourceVersion?: string; continue?: string };
  items?: unknown[];
}

export function objectKey(obj: KubeObject): string {
  const ns = obj.metadata?.namespace ?? "";
  return ns ? `${ns}/${obj.metadata?.name ?? ""}` : (obj.metadata?.name ?? "");
}

export class Informer<T extends KubeObject> {
  readonly stats: InformerStats = { lists: 0, watches: 0, gone: 0, errors: 0, activeWatches: 0 };
  readonly #o: InformerOptions<T>;
  readonly #log: Logger;
  #objects = new Map<string, T>();
  readonly #indexers = new Map<string, (obj: T) => string[]>();
  readonly #indexes = new Map<string, Map<string, Set<string>>>();
  readonly #handlers = new Set<InformerHandler<T>>();
  #rv = "";
  #synced = false;
  #abort: AbortController | undefined;
  #loop: Promise<void> | undefined;
  #syncWaiters: (() => void)[] = [];
  #unsubscribe: (() => void) | undefined;

  constructor(opts: InformerOptions<T>) {
    this.#o = opts;
    this.#log = (opts.logger ?? silentLogger()).child({
      informer: opts.plural,
      namespace: opts.namespace ?? "*",
    });
    for (const [name, fn] of Object.entries(opts.indexers ?? {})) this.addIndexer(name, fn);
  }

  get resource(): string {
    return `${this.#o.plural}.${this.#o.group || "core"}`;
  }

  /** Starts the list+watch loop; resolves once the cache holds a full list. Idempotent. */
  start(): Promise<void> {
    if (this.#o.source) return this.#startDerived(this.#o.source);
    // A stop() still winding down: restart once it has finished.
    if (this.#loop && this.#abort?.signal.aborted) return this.#loop.then(() => this.start());
    if (!this.#loop) {
      const abort = new AbortController();
      this.#abort = abort;
      this.#loop = this.#run(abort.signal).finally(() => {
        if (this.#abort === abort) {
          this.#abort = undefined;
          this.#loop = undefined;
        }
      });
    }
    if (this.#synced) return Promise.resolve();
    return new Promise((resolve) => this.#syncWaiters.push(resolve));
  }

  /**
   * Stops watching. The cache and last resourceVersion are kept, so a later start() resumes the
   * watch where it left off (relisting if that version has expired meanwhile).
   */
  async stop(): Promise<void> {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    const loop = this.#loop;
    this.#abort?.abort();
    await loop;
    // Nobody waits forever on a sync that will not happen now.
    for (const w of this.#syncWaiters.splice(0)) w();
  }

  hasSynced(): boolean {
    return this.#synced;
  }

  /** The resourceVersion the next watch resumes from ("" = relist). */
  lastResourceVersion(): string {
    return this.#rv;
  }

  get(namespace: string | undefined, name: string): T | undefined {
    return this.#objects.get(namespace ? `${namespace}/${name}` : name);
  }

  list(namespace?: string): T[] {
    const out: T[] = [];
    for (const obj of this.#objects.values()) {
      if (namespace === undefined || obj.metadata?.namespace === namespace) out.push(obj);
    }
    return out;
  }

  byIndex(index: string, value: string): T[] {
    const idx = this.#indexes.get(index);
    if (!idx) throw new Error(`informer ${this.resource} has no index ${index}`);
    const out: T[] = [];
    for (const key of idx.get(value) ?? []) {
      const obj = this.#objects.get(key);
      if (obj) out.push(obj);
    }
    return out;
  }

  /** Adds an index (shared informers get indexes from several controllers). Same name twice = no-op. */
  addIndexer(name: string, fn: (obj: T) => string[]): void {
    if (this.#indexers.has(name)) return;
    this.#indexers.set(name, fn);
    const idx = new Map<string, Set<string>>();
    this.#indexes.set(name, idx);
    for (const [key, obj] of this.#objects) this.#indexAdd(name, fn, key, obj);
  }

  onEvent(handler: InformerHandler<T>): () => void {
    this.#handlers.add(handler);
    return () => this.#handlers.delete(handler);
  }

  async #run(signal: AbortSignal): Promise<void> {
    const initialMs = this.#o.backoff?.initialMs ?? 200;
    const maxMs = this.#o.backoff?.maxMs ?? 30_000;
    let failures = 0;
    while (!signal.aborted) {
      try {
        if (!this.#rv) await this.#relist(signal);
        this.#markSynced();
        const started = Date.now();
        const result = await this.#watch(signal);
        // A watch that ends at once without events counts as a failure (backoff), so a server that
        // keeps closing streams or keeps answering 410 cannot make us spin.
        const healthy = result.events > 0 || Date.now() - started > 1000;
        if (healthy) failures = 0;
        if (result.gone) {
          this.stats.gone++;
          this.#log.info({ rv: this.#rv }, "watch expired (410 Gone); relisting");
          this.#rv = "";
        }
        if (!healthy) await sleep(backoffDelay(failures++, initialMs, maxMs), signal);
      } catch (err) {
        if (signal.aborted) break;
        if (isGone(err)) {
          this.stats.gone++;
          this.#rv = "";
          await sleep(backoffDelay(failures++, initialMs, maxMs), signal);
          continue;
        }
        this.stats.errors++;
        const delay = backoffDelay(failures++, initialMs, maxMs);
        this.#log.warn({ err: String(err), retryInMs: delay }, "list/watch failed; retrying");
        await sleep(delay, signal);
      }
    }
  }

  async #startDerived(source: Informer<KubeObject>): Promise<void> {
    if (!this.#unsubscribe) {
      // Subscribe first: events of the source's initial list then fill this cache as they come.
      this.#unsubscribe = source.onEvent((ev) => {
        if (ev.type === "delete") this.#derivedUpsert(objectKey(ev.obj), undefined);
        else this.#derivedUpsert(objectKey(ev.obj), this.#parse(ev.obj));
      });
      await source.start();
      // Objects the source already held before we subscribed.
      const present = new Set<string>();
      for (const raw of source.list()) {
        const key = objectKey(raw);
        present.add(key);
        const cur = this.#objects.get(key);
        if (!cur || cur.metadata?.resourceVersion !== raw.metadata?.resourceVersion) {
          this.#derivedUpsert(key, this.#parse(raw));
        }
      }
      for (const key of [...this.#objects.keys()]) if (!present.has(key)) this.#derivedUpsert(key, undefined);
      this.#markSynced();
    }
    if (this.#synced) return;
    await new Promise<void>((resolve) => this.#syncWaiters.push(resolve));
  }

  /** Puts obj under key (undefined = remove) and emits the matching event. */
  #derivedUpsert(key: string, obj: T | undefined): void {
    const old = this.#objects.get(key);
    if (!obj) {
      if (!old) return;
      this.#remove(key);
      this.#objects.delete(key);
      this.#emit({ type: "delete", obj: old });
      return;
    }
    if (old && old.metadata?.resourceVersion === obj.metadata?.resourceVersion) return;
    if (old) this.#remove(key);
    this.#put(key, obj);
    this.#objects.set(key, obj);
    this.#emit(old ? { type: "update", obj, old } : { type: "add", obj });
  }

  #markSynced(): void {
    if (this.#synced) return;
    this.#synced = true;
    const waiters = this.#syncWaiters;
    this.#syncWaiters = [];
    for (const w of waiters) w();
  }

  #query(): Record<string, string | undefined> {
    return { labelSelector: this.#o.labelSelector, fieldSelector: this.#o.fieldSelector };
  }

  #parse(raw: unknown): T | undefined {
    const r = raw as KubeObject;
    try {
      return this.#o.parse ? this.#o.parse(raw) : (raw as T);
    } catch (err) {
      this.#log.warn(
        { name: r?.metadata?.name, ns: r?.metadata?.namespace, err: String(err) },
        "object failed to parse; ignored",
      );
      return undefined;
    }
  }

  async #relist(signal: AbortSignal): Promise<void> {
    this.stats.lists++;
    const path = collectionPath(this.#o, this.#o.namespace);
    const apiVersion = apiVersionOf(this.#o);
    const fresh = new Map<string, T>();
    let cont: string | undefined;
    let listRv = "";
    do {
      const page = await kubeRequest<ListPage>(this.#o.kc, {
        method: "GET",
        path,
        query: { ...this.#query(), limit: 500, continue: cont },
        signal,
      });
      const kind = page.kind?.replace(/List$/, "");
      for (const item of page.items ?? []) {
        // Items of typed lists carry no apiVersion/kind; fill them in so objects look like watch objects.
        const raw = { apiVersion, kind, ...(item as object) } as KubeObject;
        const obj = this.#parse(raw);
        if (obj) fresh.set(objectKey(obj), obj);
      }
      cont = page.metadata?.continue || undefined;
      listRv = page.metadata?.resourceVersion ?? "";
    } while (cont);

    const events: InformerEvent<T>[] = [];
    for (const [key, obj] of fresh) {
      const old = this.#objects.get(key);
      if (!old) events.push({ type: "add", obj });
      else if (old.metadata?.resourceVersion !== obj.metadata?.resourceVersion)
        events.push({ type: "update", obj, old });
    }
    for (const [key, old] of this.#objects) {
      if (!fresh.has(key)) events.push({ type: "delete", obj: old });
    }
    for (const ev of events) {
      const key = objectKey(ev.obj);
      // #remove reads the old map, which is still in place here.
      if (ev.type !== "add") this.#remove(key);
      if (ev.type !== "delete") this.#put(key, ev.obj);
    }
    this.#objects = fresh;
    this.#rv = listRv;
    this.#log.debug({ items: fresh.size, rv: listRv, changes: events.length }, "listed");
    for (const ev of events) this.#emit(ev);
  }

  async #watch(signal: AbortSignal): Promise<{ gone: boolean; events: number }> {
    const timeoutSeconds = this.#o.watchTimeoutSeconds ?? 240 + Math.floor(Math.random() * 60);
    const res = await openRequest(this.#o.kc, {
      method: "GET",
      path: collectionPath(this.#o, this.#o.namespace),
      query: {
        ...this.#query(),
        watch: "true",
        resourceVersion: this.#rv,
        allowWatchBookmarks: "true",
        timeoutSeconds,
      },
      signal,
      // Inactivity guard for half-open connections: the server ends the stream itself by then.
      timeoutMs: (timeoutSeconds + 30) * 1000,
    });
    if (res.statusCode !== 200) {
      const chunks: Buffer[] = [];
      for await (const c of res) chunks.push(c as Buffer);
      throw errorFromStatus(res.statusCode ?? 0, Buffer.concat(chunks).toString("utf8"));
    }
    this.stats.watches++;
    this.stats.activeWatches++;
    let events = 0;
    try {
      for await (const raw of utf8Lines(res, MAX_WATCH_LINE)) {
        const line = raw.trim();
        if (!line) continue;
        let ev: WatchLine;
        try {
          ev = JSON.parse(line) as WatchLine;
        } catch {
          continue;
        }
        if (ev.type === "ERROR") {
          const st = ev.object ?? {};
          res.destroy();
          if (st.code === 410) return { gone: true, events };
          throw new KubeApiError(st.code ?? 500, st.reason ?? "WatchError", st.message ?? "watch error", st);
        }
        events++;
        this.#applyWatchEvent(ev);
      }
    } finally {
      this.stats.activeWatches--;
    }
    return { gone: false, events };
  }

  #applyWatchEvent(ev: WatchLine): void {
    const rv = ev.object?.metadata?.resourceVersion;
    if (ev.type === "BOOKMARK") {
      if (rv) this.#rv = rv;
      return;
    }
    const obj = this.#parse(ev.object);
    if (rv) this.#rv = rv;
    if (!obj) {
      // An object that no longer parses leaves the cache: a stale cached version would mislead.
      const md = ev.object?.metadata;
      const key = md?.namespace ? `${md.namespace}/${md.name ?? ""}` : (md?.name ?? "");
      const old = this.#objects.get(key);
      if (old) {
        this.#remove(key);
        this.#objects.delete(key);
        this.#emit({ type: "delete", obj: old });
      }
      return;
    }
    const key = objectKey(obj);
    const old = this.#objects.get(key);
    if (ev.type === "DELETED") {
      if (!old) return;
      this.#remove(key);
      this.#objects.delete(key);
      this.#emit({ type: "delete", obj: old });
      return;
    }
    if (ev.type !== "ADDED" && ev.type !== "MODIFIED") return;
    if (old && old.metadata?.resourceVersion === obj.metadata?.resourceVersion) return;
    if (old) this.#remove(key);
    this.#put(key, obj);
    this.#objects.set(key, obj);
    this.#emit(old ? { type: "update", obj, old } : { type: "add", obj });
  }

  #put(key: string, obj: T): void {
    for (const [name, fn] of this.#indexers) this.#indexAdd(name, fn, key, obj);
  }

  #remove(key: string): void {
    const old = this.#objects.get(key);
    if (!old) return;
    for (const [name, fn] of this.#indexers) {
      const idx = this.#indexes.get(name);
      for (const v of safeIndex(fn, old)) {
        const set = idx?.get(v);
        set?.delete(key);
        if (set && set.size === 0) idx?.delete(v);
      }
    }
  }

  #indexAdd(name: string, fn: (obj: T) => string[], key: string, obj: T): void {
    const idx = this.#indexes.get(name);
    if (!idx) return;
    for (const v of safeIndex(fn, obj)) {
      let set = idx.get(v);
      if (!set) {
        set = new Set();
        idx.set(v, set);
      }
      set.add(key);
    }
  }

  #emit(ev: InformerEvent<T>): void {
    for (const h of this.#handlers) {
      try {
        h(ev);
      } catch (err) {
        this.#log.error({ err: String(err) }, "informer event handler threw");
      }
    }
  }
}

function safeIndex<T>(fn: (obj: T) => string[], obj: T): string[] {
  try {
    return fn(obj);
  } catch {
    return [];
  }
}
