import type { Identity } from "../backends/types.ts";
import type { Logger } from "../logger.ts";
import type { SessionKeys } from "../sessions/keys.ts";
import {
  type BackendResume,
  identityBinding,
  MAX_TOKEN_BYTES,
  type OpenFailure,
  openSession,
  type SessionState,
  sealSession,
} from "../sessions/token.ts";
import { adoptSession } from "./adopt-session.ts";
import type { ClientSession } from "./session.ts";
import type { AddResult, SessionMap, SessionStore } from "./sessions.ts";

export const DEFAULT_SESSION_MAX_AGE_MS = 24 * 60 * 60 * 1000;

export interface TokenSessionOptions {
  keys: SessionKeys;
  /** This replica's live sessions (created here or rebuilt here); built with `portable: true`. */
  store: SessionStore;
  /** Backends whose sessions are opened at initialize, so the id can carry them. */
  eagerBackends: () => string[];
  /** A session object for state read from a token (not yet stored). */
  rebuild: (id: string, state: SessionState, identity: Identity | undefined) => ClientSession;
  /** A token older than this is refused: it cannot be revoked, so its life is bounded. */
  maxAgeMs?: number;
  log: Logger;
  onResumed?: () => void;
  onRefused?: (reason: RefusalReason) => void;
}

/** Why a session id was refused (a bounded set: a metrics label). */
export type RefusalReason = OpenFailure | "other-identity" | "expired" | "full";

/** Sessions whose id is a sealed token carrying what any replica needs to continue them, so a
 * client may reach a different replica on every request (no shared store, no affinity). The
 * local store is a cache of live objects; a miss rebuilds from the token. */
export class TokenSessionMap implements SessionMap {
  #o: TokenSessionOptions;
  #bindings = new WeakMap<ClientSession, string>();
  #maxAgeMs: number;

  constructor(o: TokenSessionOptions) {
    this.#o = o;
    this.#maxAgeMs = o.maxAgeMs ?? DEFAULT_SESSION_MAX_AGE_MS;
  }

  get size(): number {
    return this.#o.store.size;
  }

  /** Opens every routable Streamable HTTP backend now (a backend that fails is opened lazily
   * later, per replica), then seals. Backends are dropped from the token, last first, if the
   * whole would exceed the size bound. */
  async issue(s: ClientSession): Promise<string | undefined> {
    s.portable = true;
    await Promise.allSettled(this.#o.eagerBackends().map((name) => s.backendSession(name)));
    const binding = identityBinding(s.identity);
    this.#bindings.set(s, binding);
    const backends: BackendResume[] = s.resumable();
    const seal = () =>
      sealSession(
        {
          protocolVersion: s.protocolVersion,
          clientCapabilities: s.clientCapabilities,
          clientInfo: s.clientInfo,
          binding,
          issuedAt: Date.now(),
          backends,
        },
        this.#o.keys,
      );
    let token = seal();
    while (token.length > MAX_TOKEN_BYTES && backends.length > 0) {
      backends.pop();
      token = seal();
    }
    if (token.length > MAX_TOKEN_BYTES) {
      void s.close();
      return `client capabilities and clientInfo are too large for a session id (limit ${MAX_TOKEN_BYTES} bytes sealed)`;
    }
    s.id = token;
    return undefined;
  }

  get(id: string, identity?: Identity): ClientSession | undefined {
    if (id.length > MAX_TOKEN_BYTES) return this.#refuse("too-large");
    const binding = identityBinding(identity);
    const local = this.#o.store.get(id);
    if (local) return this.#bindings.get(local) === binding ? local : this.#refuse("other-identity");
    const opened = openSession(id, this.#o.keys);
    if (!opened.ok) return this.#refuse(opened.reason);
    const state = opened.state;
    if (state.binding !== binding) return this.#refuse("other-identity");
    if (Date.now() - state.issuedAt > this.#maxAgeMs) return this.#refuse("expired");
    // Nothing above awaits: no other request can have stored the same id meanwhile.
    return adoptSession(this.#o, this.#bindings, id, state, identity, binding) ?? this.#refuse("full");
  }

  #refuse(reason: RefusalReason): undefined {
    this.#o.log.debug({ reason }, "session id refused");
    this.#o.onRefused?.(reason);
    return undefined;
  }

  add(s: ClientSession, caller: string): AddResult {
    return this.#o.store.add(s, caller);
  }

  delete(id: string): void {
    this.#o.store.delete(id);
  }

  all(): IterableIterator<ClientSession> {
    return this.#o.store.all();
  }

  closeAll(): Promise<void> {
    return this.#o.store.closeAll();
  }
}
