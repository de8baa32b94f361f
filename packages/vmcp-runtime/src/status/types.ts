import type { BackendHealth } from "../health/types.ts";

export type { BackendHealth };

export type RuntimePhase = "Pending" | "Ready" | "Degraded" | "Failed";

export interface BackendStatus {
  name: string;
  url: string;
  transport: string;
  authType: string;
  health: BackendHealth;
  /** Short reason for the last failure; never contains credentials. */
  message?: string;
  /** ISO time of the last health transition. */
  lastTransitionTime?: string;
  /** ISO time of the last exchange that told us something (call, listing, probe). */
  lastCheckTime?: string;
  toolCount: number;
  resourceCount: number;
  promptCount: number;
  /** Protocol version the backend negotiated with our control session. */
  protocolVersion?: string;
  /** Circuit breaker state, when the health monitor runs with circuitBreaker.enabled. */
  circuitState?: "closed" | "open" | "half-open";
}

export interface RuntimeStatus {
  phase: RuntimePhase;
  message: string;
  backends: BackendStatus[];
  backendCount: number;
  healthyBackendCount: number;
  /** Advertised backend tools (composite tools not included). */
  toolCount: number;
  /** Advertised composite tools (valid definitions only). */
  compositeToolCount: number;
  /** Composite definitions left out (unknown step tool, name clash...), one line each. */
  compositeToolProblems: string[];
  resourceCount: number;
  promptCount: number;
  /** false until the first discovery + listing round has finished. */
  ready: boolean;
  /** Warnings/errors from aggregation (e.g. a manual-strategy clash), newest view. */
  aggregationMessages: string[];
}

/** One interface, three implementations (Kubernetes later, log, memory). `report` is
 * called with the full current status whenever anything may have changed; implementations decide
 * what to send (dedupe, coalescing) and must never throw into the data plane. */
export interface StatusReporter {
  start(): Promise<void>;
  report(status: RuntimeStatus): void;
  stop(): Promise<void>;
}
