import type { Identity } from "../backends/types.ts";
import type { SessionState } from "../sessions/token.ts";
import type { ClientSession } from "./session.ts";
import type { SessionStore } from "./sessions.ts";

/** What the portable session maps (token, Redis) share to take over a session another replica made. */
export interface AdoptHost {
  store: SessionStore;
  rebuild: (id: string, state: SessionState, identity: Identity | undefined) => ClientSession;
  onResumed?: () => void;
}

/** Rebuilds a session from its portable state, continues its backend sessions and keeps it in this
 * replica's store; undefined when the store is full (the rebuilt session is let go, its backend
 * sessions left open for the replicas that still serve it). */
export function adoptSession(
  host: AdoptHost,
  bindings: WeakMap<ClientSession, string>,
  id: string,
  state: SessionState,
  identity: Identity | undefined,
  binding: string,
): ClientSession | undefined {
  const s = host.rebuild(id, state, identity);
  s.portable = true;
  s.resumeBackends(state.backends);
  bindings.set(s, binding);
  const caller = identity ? `id:${identity.issuer ?? ""}\n${identity.subject}` : `resumed:${id}`;
  if (host.store.add(s, caller) !== "added") {
    void s.close({ keepBackends: true });
    return undefined;
  }
  host.onResumed?.();
  return s;
}
