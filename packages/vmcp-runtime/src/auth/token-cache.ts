/** Exchanged tokens by cache key, valid until `expiresAt - skew`; bounded, with request coalescing. */
export interface CachedToken {
  token: string;
  expiresAt: number;
}

export class TokenCache {
  readonly #entries = new Map<string, CachedToken>();
  readonly #inflight = new Map<string, Promise<CachedToken>>();
  readonly #skewMs: number;
  readonly #maxEntries: number;
  readonly #now: () => number;

  constructor(opts: { skewMs: number; maxEntries: number; now: () => number }) {
    this.#skewMs = opts.skewMs;
    this.#maxEntries = opts.maxEntries;
    this.#now = opts.now;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The cached token, or the result of `fetch` (one fetch per key at a time). */
  async get(key: string, fetch: () => Promise<CachedToken>): Promise<string> {
    const hit = this.#entries.get(key);
    if (hit && this.#now() < hit.expiresAt - this.#skewMs) return hit.token;
    if (hit) this.#entries.delete(key);
    let pending = this.#inflight.get(key);
    if (!pending) {
      pending = fetch().finally(() => this.#inflight.delete(key));
      this.#inflight.set(key, pending);
    }
    const fresh = await pending;
    if (this.#now() < fresh.expiresAt - this.#skewMs) this.#store(key, fresh);
    return fresh.token;
  }

  #store(key: string, value: CachedToken): void {
    this.#entries.delete(key);
    if (this.#entries.size >= this.#maxEntries) {
      const now = this.#now();
      for (const [k, v] of this.#entries) if (now >= v.expiresAt - this.#skewMs) this.#entries.delete(k);
      // Still full: drop the oldest insertion (Map iterates in insertion order).
      if (this.#entries.size >= this.#maxEntries) {
        const oldest = this.#entries.keys().next();
        if (!oldest.done) this.#entries.delete(oldest.value);
      }
    }
    this.#entries.set(key, value);
  }
}
