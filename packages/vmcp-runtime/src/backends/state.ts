import type { BackendHealth } from "../status/types.ts";

/** Why calls to a withdrawn backend are refused (what the client's error says). */
export interface Unavailability {
  /** e.g. "circuit open" or "unhealthy: Connection refused". */
  reason: string;
  /** ISO time when the gateway tries the backend again (circuit half-open), when known. */
  retryAfter?: string;
}

/** The health monitor's view, read by the catalog (what is advertised), the call path (why a
 * withdrawn backend is refused) and /status (circuit state). Absent without a monitor. */
export interface HealthVerdicts {
  /** false: the backend's capabilities are withdrawn (unhealthy, circuit not closed). */
  advertised(name: string): boolean;
  unavailable(name: string): Unavailability | undefined;
  circuitState(name: string): "closed" | "open" | "half-open" | undefined;
}

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
  /** Seam for the health monitor: when set, call outcomes go to it and it decides the
   * verdict (thresholds, breakers) through `set`. */
  outcomes: { ok(name: string): void; failed(name: string, message: string): void } | undefined;
  /** Set by the health monitor while it runs. */
  verdicts: HealthVerdicts | undefined;

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
