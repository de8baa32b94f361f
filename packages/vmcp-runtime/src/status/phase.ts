import type { BackendHealth, RuntimePhase } from "./types.ts";

/** Routable = ready or unauthenticated. */
export const isRoutable = (h: BackendHealth): boolean => h === "healthy" || h === "unauthenticated";

export interface PhaseInput {
  /** false until the first discovery + listing round finished (omitted: finished). */
  ready?: boolean | undefined;
  backends: ReadonlyArray<{ health: BackendHealth }>;
  /** The aggregate could not be rebuilt; the last good one serves. */
  aggregationError?: string | undefined;
}

export interface PhaseVerdict {
  phase: RuntimePhase;
  message: string;
  /** Reason of the runtime's Ready condition. */
  reason: string;
}

/**
 * The one phase rule, used by /status, the log reporter and the CRD: not yet
 * discovered -> Pending; no backends -> Ready; none checked yet -> Pending; all routable -> Ready;
 * none routable (and none merely degraded) -> Failed; otherwise Degraded. A degraded backend still
 * serves, so a slow or recovering backend makes the phase Degraded, not Failed. An aggregation
 * failure makes any non-Failed phase Degraded.
 */
export function runtimePhase(inp: PhaseInput): PhaseVerdict {
  const v = backendPhase(inp);
  if (inp.ready !== false && inp.aggregationError && v.phase !== "Failed") {
    return {
      phase: "Degraded",
      reason: "AggregationFailed",
      message: inp.aggregationError.slice(0, 4096),
    };
  }
  return v;
}

function backendPhase(inp: PhaseInput): PhaseVerdict {
  const backends = inp.backends;
  const total = backends.length;
  if (inp.ready === false)
    return { phase: "Pending", message: "Discovering backends", reason: "BackendsPending" };
  let routable = 0;
  let degraded = 0;
  let unhealthy = 0;
  let unknown = 0;
  for (const b of backends) {
    if (isRoutable(b.health)) routable++;
    else if (b.health === "degraded") degraded++;
    else if (b.health === "unhealthy") unhealthy++;
    else unknown++;
  }
  const detail = `(${degraded} degraded, ${unhealthy} unavailable, ${unknown} unknown)`;
  if (total === 0)
    return { phase: "Ready", message: "Ready, no backends configured", reason: "AllBackendsRoutable" };
  if (unknown === total)
    return {
      phase: "Pending",
      message: `Waiting for initial health checks (${total} backends configured)`,
      reason: "BackendsPending",
    };
  if (routable === total)
    return { phase: "Ready", message: `All ${total} backends routable`, reason: "AllBackendsRoutable" };
  if (routable === 0 && degraded === 0)
    return { phase: "Failed", message: `No routable backends ${detail}`, reason: "NoRoutableBackends" };
  return {
    phase: "Degraded",
    message: `${routable}/${total} backends routable ${detail}`,
    reason: "SomeBackendsUnhealthy",
  };
}
