import type { Identity } from "../backends/types.ts";
import type { ClientSession } from "./session.ts";

export interface SessionStoreOptions {
  ttlMs: number;
  maxSessions: number;
  /** Sessions one caller (see McpHandler's caller key) may hold. */
  maxPerCaller: number;
  onClosed?: (s: ClientSession) => void;
  /** Other replicas may continue these sessions: letting go of one here (idle expiry, shutdown)
   * leaves its backend sessions open; only the client's DELETE ends them. */
  portable?: boolean;
}

export type AddResult = "added" | "full" | "caller-full";

/** The shared session store could not be reached: the client gets 503 naming it, and may retry. */
export class SessionStorageError extends Error {
  override name = "SessionStorageError";
}

/** Where /mcp finds client sessions. The in-memory store knows only the sessions this process
 * created; the token map (token-sessions.ts) also rebuilds a session from its id, and the Redis
 * map (redis-sessions.ts) from the state it keeps in Redis, so any replica can serve it. */
export interface SessionMap {
  readonly size: number;
  /** The session for `id` as `identity` may use it, or undefined (the client gets 404). A map
   * backed by shared storage answers with a promise, rejected with SessionStorageError when the
   * storage is unreachable. */
  get(id: string, identity?: Identity): ClientSession | undefined | Promise<ClientSession | undefined>;
  /** Gives a new session its final id; an error message when it cannot be issued. Rejects with
   * SessionStorageError when the session cannot be stored. */
  issue?(s: ClientSession): Promise<string | undefined>;
  add(s: ClientSession, caller: string): AddResult;
  /** A map backed by shared storage resolves once the storage has forgotten the session too. */
  delete(id: string): void | Promise<void>;
  all(): IterableIterator<ClientSession>;
  closeAll(): Promise<void>;
}

/** Bounded session map with idle expiry. Clients rarely send DELETE, so idle sessions are swept.
 * A full map or a caller's full quota refuses the new session: evicting a live one would let one
 * caller end everyone else's sessions by opening new ones. */
export class SessionStore implements SessionMap {
  #map = new Map<string, ClientSession>();
  #owner = new Map<string, string>();
  #perCaller = new Map<string, number>();
  #o: SessionStoreOptions;
  #timer: NodeJS.Timeout;

  constructor(o: SessionStoreOptions) {
    this.#o = o;
    this.#timer = setInterval(() => this.sweep(), Math.max(50, Math.min(o.ttlMs / 4, 30_000)));
    this.#timer.unref();
  }

  get size(): number {
    return this.#map.size;
  }

  #expired(s: ClientSession, now: number): boolean {
    return s.inflight === 0 && !s.hasStream && now - s.lastSeen > this.#o.ttlMs;
  }

  get(id: string): ClientSession | undefined {
    const s = this.#map.get(id);
    if (!s) return undefined;
    const now = Date.now();
    if (this.#expired(s, now)) {
      this.#drop(id, true);
      return undefined;
    }
    s.lastSeen = now;
    return s;
  }

  add(s: ClientSession, caller: string): AddResult {
    const full = () =>
      this.#map.size >= this.#o.maxSessions || (this.#perCaller.get(caller) ?? 0) >= this.#o.maxPerCaller;
    if (full()) this.sweep();
    if (this.#map.size >= this.#o.maxSessions) return "full";
    const held = this.#perCaller.get(caller) ?? 0;
    if (held >= this.#o.maxPerCaller) return "caller-full";
    this.#map.set(s.id, s);
    this.#owner.set(s.id, caller);
    this.#perCaller.set(caller, held + 1);
    return "added";
  }

  delete(id: string): void {
    this.#drop(id, false);
  }

  #drop(id: string, expired: boolean): void {
    const s = this.#map.get(id);
    if (!s) return;
    this.#map.delete(id);
    this.#release(id);
    void s.close({ keepBackends: expired && this.#o.portable === true });
    this.#o.onClosed?.(s);
  }

  #release(id: string): void {
    const caller = this.#owner.get(id);
    if (caller === undefined) return;
    this.#owner.delete(id);
    const left = (this.#perCaller.get(caller) ?? 1) - 1;
    if (left > 0) this.#perCaller.set(caller, left);
    else this.#perCaller.delete(caller);
  }

  sweep(): void {
    const now = Date.now();
    for (const [id, s] of this.#map) if (this.#expired(s, now)) this.#drop(id, true);
  }

  all(): IterableIterator<ClientSession> {
    return this.#map.values();
  }

  async closeAll(): Promise<void> {
    clearInterval(this.#timer);
    const all = [...this.#map.values()];
    this.#map.clear();
    this.#owner.clear();
    this.#perCaller.clear();
    const keepBackends = this.#o.portable === true;
    await Promise.allSettled(all.map((s) => s.close({ keepBackends })));
  }
}
