import { type Logger, silentLogger } from "../logger.ts";
import type { BackendSpec } from "../registry/types.ts";
import {
  type ControlEvents,
  type ControlSession,
  type ControlSessionOptions,
  StreamableControlSession,
} from "./control-session.ts";
import { type BackendPools, createBackendPools, type PoolOptions } from "./pools.ts";
import type { OutgoingAuth } from "./types.ts";

/** One backend's connections, outgoing auth and control session, as set up for its current spec. */
export interface PooledBackend {
  spec: BackendSpec;
  pools: BackendPools;
  auth: OutgoingAuth;
  /** The gateway's own session with the backend (listings, list_changed, health pings). The
   * pool owns it and closes it with the entry; the catalog and health checks borrow it. It
   * dials nothing until first used. */
  control: ControlSession;
}

export interface BackendPoolOptions {
  outgoingAuth: (spec: BackendSpec) => OutgoingAuth;
  /** Largest answer accepted from a backend (JSON body or one SSE event). */
  maxBackendAnswerBytes?: number | undefined;
  /** Connections per backend for calls (default 64). */
  maxConnectionsPerBackend?: number | undefined;
  log?: Logger | undefined;
}

/** The backend pool stage: the HTTP connections, auth and control session of every backend the
 * catalog holds, which the catalog (listings), client sessions (calls) and health checks
 * (probes) all use. The catalog opens and closes entries as the registry changes; everyone else
 * only reads. */
export class BackendPool {
  readonly #o: BackendPoolOptions;
  readonly #backends = new Map<string, PooledBackend>();

  constructor(o: BackendPoolOptions) {
    this.#o = o;
  }

  /** Sets up a backend's connections; throws (bad CA bundle, refused address) without keeping
   * it. `events`: what its control session reports (list_changed, a lost session). */
  async open(spec: BackendSpec, events: ControlEvents): Promise<PooledBackend> {
    const opts: PoolOptions = {};
    if (this.#o.maxBackendAnswerBytes) opts.maxAnswerBytes = this.#o.maxBackendAnswerBytes;
    if (this.#o.maxConnectionsPerBackend) opts.maxConnections = this.#o.maxConnectionsPerBackend;
    const pools = await createBackendPools(spec, opts);
    const auth = this.#o.outgoingAuth(spec);
    const control = await controlSession({
      spec,
      pools,
      auth,
      log: this.#o.log ?? silentLogger(),
      events,
    });
    const b: PooledBackend = { spec, pools, auth, control };
    this.#backends.set(spec.name, b);
    return b;
  }

  get(name: string): PooledBackend | undefined {
    return this.#backends.get(name);
  }

  /** Closes what `open` returned, control session first (its DELETE needs the connections);
   * the entry of a newer spec opened meanwhile under the same name (a backend removed and added
   * again) is left alone. */
  async close(b: Pick<PooledBackend, "spec" | "pools" | "control">): Promise<void> {
    if (this.#backends.get(b.spec.name)?.pools === b.pools) this.#backends.delete(b.spec.name);
    await b.control.close().catch(() => {});
    await b.pools.close();
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.#backends.values()].map((b) => this.close(b)));
  }
}

/** Streamable HTTP backends get a control session on the pool's own exchange path; legacy
 * HTTP+SSE ones the SDK Client, loaded only when there is one. */
async function controlSession(o: ControlSessionOptions): Promise<ControlSession> {
  if (o.spec.transport !== "sse") return new StreamableControlSession(o);
  const { ControlClient } = await import("./control-client.ts");
  return new ControlClient(o);
}
