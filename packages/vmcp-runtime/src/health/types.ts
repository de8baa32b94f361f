/** Health of one backend as the runtime sees it. `degraded` and `unauthenticated` come from the
 * active checks; passive call outcomes alone yield unknown/healthy/unhealthy. */
export type BackendHealth = "unknown" | "healthy" | "degraded" | "unhealthy" | "unauthenticated";

export type CircuitState = "closed" | "open" | "half-open";

export interface BackendState {
  readonly health: BackendHealth;
  readonly message: string | undefined;
  readonly lastTransition: number | undefined;
  readonly lastCheck: number | undefined;
}

/** Why calls to a withdrawn backend are refused (what the client's error says). */
export interface Unavailability {
  /** e.g. "circuit open" or "unhealthy: Connection refused". */
  reason: string;
  /** ISO time when the gateway tries the backend again (circuit half-open), when known. */
  retryAfter?: string;
}

export interface HealthEvents {
  /** A backend's published health or message changed. */
  change: (name: string, s: BackendState) => void;
  /** The set of advertised backends changed (the catalog re-aggregates). */
  advertised: () => void;
  /** An active check saw a bad backend come back (the catalog re-lists it now). */
  recovered: (name: string) => void;
}

/** What the health stage publishes: read-only verdicts and change events. The catalog reads what
 * is advertised, the call path whether a backend may be called and why not, /status the rest. */
export interface HealthView {
  get(name: string): BackendState;
  /** false: fail calls fast without touching the backend (circuit not closed). */
  routable(name: string): boolean;
  /** false: the backend's capabilities are withdrawn (unhealthy, circuit not closed). */
  advertised(name: string): boolean;
  unavailable(name: string): Unavailability | undefined;
  circuitState(name: string): CircuitState | undefined;
  on<E extends keyof HealthEvents>(event: E, l: HealthEvents[E]): () => void;
}

/** What real exchanges (calls, listings, backend setup) tell the health stage. */
export interface HealthReports {
  ok(name: string): void;
  failed(name: string, message: string): void;
  /** The backend left the catalog: its record goes. */
  forget(name: string): void;
}

export type RuntimeHealth = HealthView & HealthReports;
