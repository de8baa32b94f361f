import { randomBytes } from "node:crypto";
import type { Identity } from "../backends/types.ts";
import type { Logger } from "../logger.ts";
import type { SessionKv } from "../sessions/kv.ts";
import { decodeState, encodeState, identityBinding, type SessionState } from "../sessions/token.ts";
import { adoptSession } from "./adopt-session.ts";
import type { ClientSession } from "./session.ts";
import { type AddResult, type SessionMap, SessionStorageError, type SessionStore } from "./sessions.ts";

/** Largest session state written to or accepted from Redis. */
export const MAX_STORED_SESSION_BYTES = 16 * 1024;
/** 32 random bytes, base64url: the whole id, nothing derived from the session. */
const ID_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export interface RedisSessionOptions {
  kv: SessionKv;
  /** This replica's live session objects (created or rebuilt here); built with `portable: true`. */
  store: SessionStore;
  keyPrefix: string;
  /** Idle lifetime: every request moves the key's expiry this far ahead. */
  ttlMs: number;
  /** Backends whose sessions are opened at initialize, so other replicas continue them. */
  eagerBackends: () => string[];
  rebuild: (id: string, state: SessionState, identity: Identity | undefined) => ClientSession;
  log: Logger;
  onResumed?: () => void;
  onRefused?: (reason: RedisRefusal) => void;
}

export type { SessionKv };

export type RedisRefusal = "malformed" | "unknown" | "too-large" | "other-identity" | "full";

/** Sessions whose state lives in Redis under a random id, so any replica sharing the Redis
 * continues any session. Redis is the source of truth: every request reads (and refreshes) the
 * key, so a session deleted or lost there ends everywhere at once; the local store only caches
 * the live objects (backend connections, streams). */
export class RedisSessionMap implements SessionMap {
  #o: RedisSessionOptions;
  #bindings = new WeakMap<ClientSession, string>();

  constructor(o: RedisSessionOptions) {
    this.#o = o;
  }

  get size(): number {
    return this.#o.store.size;
  }

  #key(id: string): string {
    return `${this.#o.keyPrefix}${id}`;
  }

  async issue(s: ClientSession): Promise<string | undefined> {
    s.portable = true;
    s.id = randomBytes(32).toString("base64url");
    await Promise.allSettled(this.#o.eagerBackends().map((name) => s.backendSession(name)));
    const binding = identityBinding(s.identity);
    this.#bindings.set(s, binding);
    const backends = s.resumable();
    const encode = () =>
      encodeState({
        protocolVersion: s.protocolVersion,
        clientCapabilities: s.clientCapabilities,
        clientInfo: s.clientInfo,
        binding,
        issuedAt: Date.now(),
        backends,
      });
    let value = encode();
    while (Buffer.byteLength(value) > MAX_STORED_SESSION_BYTES && backends.length > 0) {
      backends.pop();
      value = encode();
    }
    if (Buffer.byteLength(value) > MAX_STORED_SESSION_BYTES) {
      void s.close();
      return `client capabilities and clientInfo are too large to store (limit ${MAX_STORED_SESSION_BYTES} bytes)`;
    }
    let created: boolean;
    try {
      created = await this.#o.kv.create(this.#key(s.id), value, this.#o.ttlMs);
    } catch (err) {
      void s.close();
      throw storageError("cannot store the new session", err);
    }
    if (!created) {
      void s.close();
      throw new SessionStorageError("session storage: a fresh random session id already exists");
    }
    return undefined;
  }

  async get(id: string, identity?: Identity): Promise<ClientSession | undefined> {
    if (!ID_PATTERN.test(id)) return this.#refuse(id.length > 43 ? "too-large" : "malformed");
    let value: string | null;
    try {
      value = await this.#o.kv.touch(this.#key(id), this.#o.ttlMs);
    } catch (err) {
      throw storageError("cannot read the session", err);
    }
    if (value === null) {
      // Ended by another replica, expired, or lost with Redis's data: gone here too.
      this.#o.store.delete(id);
      return this.#refuse("unknown");
    }
    if (Buffer.byteLength(value) > MAX_STORED_SESSION_BYTES) return this.#refuse("too-large");
    const state = decodeState(value);
    if (!state) return this.#refuse("malformed");
    const binding = identityBinding(identity);
    if (state.binding !== binding) return this.#refuse("other-identity");
    // Checked after the await: a concurrent request may have rebuilt it meanwhile.
    const local = this.#o.store.get(id);
    if (local) return this.#bindings.get(local) === binding ? local : this.#refuse("other-identity");
    return adoptSession(this.#o, this.#bindings, id, state, identity, binding) ?? this.#refuse("full");
  }

  #refuse(reason: RedisRefusal): undefined {
    this.#o.log.debug({ reason }, "session id refused");
    this.#o.onRefused?.(reason);
    return undefined;
  }

  add(s: ClientSession, caller: string): AddResult {
    return this.#o.store.add(s, caller);
  }

  async delete(id: string): Promise<void> {
    this.#o.store.delete(id);
    try {
      await this.#o.kv.del(this.#key(id));
    } catch (err) {
      // The client asked to end it and it is gone here; in Redis it expires after the idle TTL.
      this.#o.log.warn({ err: String(err) }, "session storage: could not delete an ended session");
    }
  }

  all(): IterableIterator<ClientSession> {
    return this.#o.store.all();
  }

  async closeAll(): Promise<void> {
    await this.#o.store.closeAll();
    await this.#o.kv.close();
  }
}

function storageError(what: string, err: unknown): SessionStorageError {
  const why = err instanceof Error ? err.message : String(err);
  return new SessionStorageError(`session storage (Redis) unavailable: ${what}: ${why}`);
}
