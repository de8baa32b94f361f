import type { ClientSession } from "./session.ts";

export interface SessionStoreOptions {
  ttlMs: number;
  maxSessions: number;
  onClosed?: (s: ClientSession) => void;
}

/** Bounded session map with idle expiry. Clients rarely send DELETE, so idle sessions are swept;
 * a session with calls in flight or an open stream is never evicted. */
export class SessionStore {
  #map = new Map<string, ClientSession>();
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
      this.delete(id);
      return undefined;
    }
    s.lastSeen = now;
    return s;
  }

  /** False when the map is full of busy sessions (the caller answers 503). */
  add(s: ClientSession): boolean {
    if (this.#map.size >= this.#o.maxSessions) {
      this.sweep();
      if (this.#map.size >= this.#o.maxSessions && !this.#evictOldestIdle()) return false;
    }
    this.#map.set(s.id, s);
    return true;
  }

  #evictOldestIdle(): boolean {
    let oldest: ClientSession | undefined;
    for (const s of this.#map.values()) {
      if (s.inflight > 0) continue;
      if (!oldest || s.lastSeen < oldest.lastSeen) oldest = s;
    }
    if (!oldest) return false;
    this.delete(oldest.id);
    return true;
  }

  delete(id: string): void {
    const s = this.#map.get(id);
    if (!s) return;
    this.#map.delete(id);
    void s.close();
    this.#o.onClosed?.(s);
  }

  sweep(): void {
    const now = Date.now();
    for (const [id, s] of this.#map) if (this.#expired(s, now)) this.delete(id);
  }

  all(): IterableIterator<ClientSession> {
    return this.#map.values();
  }

  async closeAll(): Promise<void> {
    clearInterval(this.#timer);
    const all = [...this.#map.values()];
    this.#map.clear();
    await Promise.allSettled(all.map((s) => s.close()));
  }
}
