import type { BackendHealth, BackendStatus, RuntimePhase, RuntimeStatus } from "./types.ts";

export interface StatusInputs {
  ready: boolean;
  backends: BackendStatus[];
  toolCount: number;
  resourceCount: number;
  promptCount: number;
  aggregationError?: string;
  aggregationWarnings: string[];
}

const countsAsHealthy = (h: BackendHealth): boolean => h === "healthy" || h === "degraded";

/** Pure: phase from backend health. No backends configured is Ready (an empty group is valid);
 * all backends unhealthy is Failed; some is Degraded; not yet listed is Pending. */
export function computeStatus(inp: StatusInputs): RuntimeStatus {
  const backends = [...inp.backends].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const healthy = backends.filter((b) => countsAsHealthy(b.health)).length;
  const unhealthy = backends.filter((b) => b.health === "unhealthy" || b.health === "unauthenticated");
  let phase: RuntimePhase;
  let message: string;
  if (!inp.ready) {
    phase = "Pending";
    message = "discovering backends";
  } else if (inp.aggregationError) {
    phase = "Degraded";
    message = `aggregation failed: ${inp.aggregationError}`;
  } else if (backends.length === 0) {
    phase = "Ready";
    message = "no backends";
  } else if (unhealthy.length === backends.length) {
    phase = "Failed";
    message = `all ${backends.length} backends unavailable`;
  } else if (unhealthy.length > 0) {
    phase = "Degraded";
    message = `${unhealthy.length}/${backends.length} backends unavailable: ${unhealthy.map((b) => b.name).join(", ")}`;
  } else {
    phase = "Ready";
    message = `${healthy}/${backends.length} backends healthy`;
  }
  const aggregationMessages = inp.aggregationError
    ? [inp.aggregationError, ...inp.aggregationWarnings]
    : [...inp.aggregationWarnings];
  return {
    phase,
    message,
    backends,
    backendCount: backends.length,
    healthyBackendCount: healthy,
    toolCount: inp.toolCount,
    resourceCount: inp.resourceCount,
    promptCount: inp.promptCount,
    ready: inp.ready,
    aggregationMessages,
  };
}

/** The status without timestamps, to decide whether anything worth reporting changed. */
export function statusFingerprint(s: RuntimeStatus): string {
  return JSON.stringify({
    ...s,
    backends: s.backends.map(({ lastCheckTime: _c, lastTransitionTime: _t, ...rest }) => rest),
  });
}
