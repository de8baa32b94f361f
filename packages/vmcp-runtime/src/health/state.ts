import type { BackendHealth, BackendState, HealthEvents, RuntimeHealth } from "./types.ts";

type Listeners = { [E in keyof HealthEvents]: Set<HealthEvents[E]> };

/** Per-backend health records and their change listeners; the hot path only compares a field.
 * The health monitor keeps its verdicts here; alone (no monitor) it is PassiveHealth. */
export class HealthStore {
  readonly #states = new Map<
    string,
    BackendState & { -readonly [K in keyof BackendState]: BackendState[K] }
  >();
  readonly listeners: Listeners = { change: new Set(), advertised: new Set(), recovered: new Set() };

  get(name: string): BackendState {
    let s = this.#states.get(name);
    if (!s) {
      s = { health: "unknown", message: undefined, lastTransition: undefined, lastCheck: undefined };
      this.#states.set(name, s);
    }
    return s;
  }

  set(name: string, health: BackendHealth, message: string | undefined): void {
    const s = this.get(name) as { -readonly [K in keyof BackendState]: BackendState[K] };
    const now = Date.now();
    s.lastCheck = now;
    if (s.health === health && s.message === message) return;
    if (s.health !== health) s.lastTransition = now;
    s.health = health;
    s.message = message;
    for (const l of this.listeners.change) l(name, s);
  }

  delete(name: string): void {
    this.#states.delete(name);
  }

  on<E extends keyof HealthEvents>(event: E, l: HealthEvents[E]): () => void {
    const set = this.listeners[event] as Set<HealthEvents[E]>;
    set.add(l);
    return () => set.delete(l);
  }
}

/** Health from real exchanges only (no active checks, no breakers): a success is healthy, a
 * failure unhealthy, and everything stays advertised and routable. What an embedding without a
 * health monitor (unit and gateway tests) runs on. */
export class PassiveHealth implements RuntimeHealth {
  readonly #store = new HealthStore();

  get(name: string): BackendState {
    return this.#store.get(name);
  }
  routable(_name: string): boolean {
    return true;
  }
  advertised(_name: string): boolean {
    return true;
  }
  unavailable(_name: string): undefined {
    return undefined;
  }
  circuitState(_name: string): undefined {
    return undefined;
  }
  on<E extends keyof HealthEvents>(event: E, l: HealthEvents[E]): () => void {
    return this.#store.on(event, l);
  }
  ok(name: string): void {
    if (this.#store.get(name).health !== "healthy") this.#store.set(name, "healthy", undefined);
  }
  failed(name: string, message: string): void {
    this.#store.set(name, "unhealthy", message);
  }
  forget(name: string): void {
    this.#store.delete(name);
  }
}
