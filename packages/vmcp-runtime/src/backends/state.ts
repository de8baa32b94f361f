import type { BackendHealth } from "../status/types.ts";

export interface BackendState {
  health: BackendHealth;
  message: string | undefined;
  lastTransition: number | undefined;
  lastCheck: number | undefined;
}

/** Tracks backend reachability from real exchanges (calls and listings). The hot path only
 * compares a field; listeners fire on transitions. A health monitor (active probes, circuit
 * breakers) will feed `set` with its own verdicts and may veto routing via `routable`. */
export class BackendStateTracker {
  #states = new Map<string, BackendState>();
  #listeners = new Set<(name: string, s: BackendState) => void>();
  /** Seam for circuit breakers: return false to fail calls fast without touching the backend. */
  routable: (name: string) => boolean = () => true;
  /** Seam for the health monitor (issue 5): when set, call outcomes go to it and it decides the
   * verdict (thresholds, breakers) through `set`. */
  outcomes: { ok(name: string): void; failed(name: string, message: string): void } | undefined;

  get(name: string): BackendState {
    let s = this.#states.get(name);
    if (!s) {
      s = { health: "unknown", message: undefined, lastTransition: undefined, lastCheck: undefined };
      this.#states.set(name, s);
    }
    return s;
  }

  onChange(l: (name: string, s: BackendState) => void): () => void {
    this.#listeners.add(l);
    return () => this.#listeners.delete(l);
  }

  ok(name: string): void {
    if (this.outcomes) {
      this.outcomes.ok(name);
      return;
    }
    const s = this.get(name);
    if (s.health === "healthy") return;
    this.set(name, "healthy", undefined);
  }

  failed(name: string, message: string): void {
    if (this.outcomes) {
      this.outcomes.failed(name, message);
      return;
    }
    this.set(name, "unhealthy", message);
  }

  set(name: string, health: BackendHealth, message: string | undefined): void {
    const s = this.get(name);
    const now = Date.now();
    s.lastCheck = now;
    if (s.health === health && s.message === message) return;
    if (s.health !== health) s.lastTransition = now;
    s.health = health;
    s.message = message;
    for (const l of this.#listeners) l(name, s);
  }

  delete(name: string): void {
    this.#states.delete(name);
  }
}
