import type { BackendSpec } from "../registry/types.ts";
import { type BackendPools, createBackendPools, type PoolOptions } from "./pools.ts";
import type { OutgoingAuth } from "./types.ts";

/** One backend's connections and outgoing auth, as set up for its current spec. */
export interface PooledBackend {
  spec: BackendSpec;
  pools: BackendPools;
  auth: OutgoingAuth;
}

export interface BackendPoolOptions {
  outgoingAuth: (spec: BackendSpec) => OutgoingAuth;
  /** Largest answer accepted from a backend (JSON body or one SSE event). */
  maxBackendAnswerBytes?: number | undefined;
  /** Connections per backend for calls (default 64). */
  maxConnectionsPerBackend?: number | undefined;
}

/** The backend pool stage: the HTTP connections and auth of every backend the catalog holds,
 * which the catalog (listings), client sessions (calls) and health checks (probes) all use. The
 * catalog opens and closes entries as the registry changes; everyone else only reads. */
export class BackendPool {
  readonly #o: BackendPoolOptions;
  readonly #backends = new Map<string, PooledBackend>();

  constructor(o: BackendPoolOptions) {
    this.#o = o;
  }

  /** Sets up a backend's connections; throws (bad CA bundle, refused address) without keeping it. */
  async open(spec: BackendSpec): Promise<PooledBackend> {
    const opts: PoolOptions = {};
    if (this.#o.maxBackendAnswerBytes) opts.maxAnswerBytes = this.#o.maxBackendAnswerBytes;
    if (this.#o.maxConnectionsPerBackend) opts.maxConnections = this.#o.maxConnectionsPerBackend;
    const pools = await createBackendPools(spec, opts);
    const b: PooledBackend = { spec, pools, auth: this.#o.outgoingAuth(spec) };
    this.#backends.set(spec.name, b);
    return b;
  }

  get(name: string): PooledBackend | undefined {
    return this.#backends.get(name);
  }

  /** Closes what `open` returned; the entry of a newer spec opened meanwhile under the same name
   * (a backend removed and added again) is left alone. */
  async close(b: Pick<PooledBackend, "spec" | "pools">): Promise<void> {
    if (this.#backends.get(b.spec.name)?.pools === b.pools) this.#backends.delete(b.spec.name);
    await b.pools.close();
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.#backends.values()].map((b) => this.close(b)));
  }
}
