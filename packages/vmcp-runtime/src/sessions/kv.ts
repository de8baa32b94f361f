/** The few key-value operations the Redis session map (server/redis-sessions.ts) needs;
 * node-redis behind it in production (redis-kv.ts). */
export interface SessionKv {
  /** The value at `key` with its expiry moved to `ttlMs` from now; null when there is none. */
  touch(key: string, ttlMs: number): Promise<string | null>;
  /** Stores `value` at `key` unless the key exists; false when it did. */
  create(key: string, value: string, ttlMs: number): Promise<boolean>;
  del(key: string): Promise<void>;
  close(): Promise<void>;
}
