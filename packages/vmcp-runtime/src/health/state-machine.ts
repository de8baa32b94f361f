import type { BackendHealth } from "./types.ts";

/** What one exchange with a backend told us (an active probe or a real call). */
export type CheckResult =
  | { ok: true; latencyMs: number }
  | {
      ok: false;
      /** auth: HTTP 401/403; pressure: HTTP 429; refused: nothing listens (counts at once). */
      kind: "auth" | "pressure" | "timeout" | "refused" | "error";
      message: string;
    };

export interface HealthRecord {
  health: BackendHealth;
  message: string;
  consecutiveFailures: number;
  /** ms epoch of the last result, success or not. */
  lastCheck: number | undefined;
  lastTransition: number | undefined;
}

export interface HealthPolicy {
  unhealthyThreshold: number;
  /** A success slower than this is `degraded`. */
  degradedAfterMs: number;
  /** The backend has an outgoing auth strategy other than unauthenticated. */
  hasAuth: boolean;
}

export const DEFAULT_DEGRADED_AFTER_MS = 5_000;

export function initialRecord(): HealthRecord {
  return {
    health: "unknown",
    message: "Not checked yet",
    consecutiveFailures: 0,
    lastCheck: undefined,
    lastTransition: undefined,
  };
}

/**
 * Pure transition of one backend's health (ToolHive's rules, with two deliberate changes):
 * - a refused connection is unhealthy at once: nothing listens, so waiting for more probes only
 *   delays what users already see as failed calls;
 * - HTTP 429 is pressure, not death: `degraded`, and it neither counts as a failure nor resets
 *   the count.
 * Below the threshold a failure keeps the previous verdict (a first result that fails stays
 * `unknown`); the first success after failures is `degraded` ("recovering") for one round.
 */
export function nextHealth(prev: HealthRecord, r: CheckResult, p: HealthPolicy, now: number): HealthRecord {
  let health: BackendHealth;
  let message: string;
  let failures = prev.consecutiveFailures;
  const authAsSuccess = !r.ok && r.kind === "auth" && p.hasAuth;
  if (r.ok || authAsSuccess) {
    const latency = r.ok ? r.latencyMs : 0;
    if (failures > 0) {
      health = "degraded";
      message = "Recovering from failed checks";
    } else if (latency > p.degradedAfterMs) {
      health = "degraded";
      message = `Degraded performance (check slower than ${p.degradedAfterMs} ms)`;
    } else {
      health = "healthy";
      message = "Healthy";
    }
    failures = 0;
  } else if (r.kind === "pressure") {
    health = "degraded";
    message = `Backend under pressure: ${r.message}`;
  } else {
    failures++;
    const failed: BackendHealth = r.kind === "auth" ? "unauthenticated" : "unhealthy";
    const label =
      r.kind === "auth"
        ? "Authentication required (backend answered 401/403, no outgoing auth configured)"
        : r.kind === "timeout"
          ? "Health check timed out"
          : r.kind === "refused"
            ? "Connection refused"
            : "Health check failed";
    // No counter in the message: it is written to the VirtualMCPServer status, and a message that
    // changes on every check is an API write per check while a backend stays down. The count is
    // consecutiveFailures, which the reporter sends only with its periodic refresh.
    health = failures >= p.unhealthyThreshold || r.kind === "refused" ? failed : prev.health;
    message = `${label}: ${r.message}`;
  }
  return {
    health,
    message: message.slice(0, 1024),
    consecutiveFailures: failures,
    lastCheck: now,
    lastTransition: health !== prev.health ? now : prev.lastTransition,
  };
}

/** Whether a backend's capabilities belong in the advertised aggregate. */
export function advertisable(health: BackendHealth, circuitOpen: boolean): boolean {
  return !circuitOpen && health !== "unhealthy";
}
