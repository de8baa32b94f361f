import { runtimePhase } from "./phase.ts";
import type { BackendHealth, BackendStatus, RuntimeStatus } from "./types.ts";

export interface StatusInputs {
  ready: boolean;
  backends: BackendStatus[];
  toolCount: number;
  /** Advertised (valid) composite tools. */
  compositeToolCount?: number;
  /** Composite definitions left out, one line each. */
  compositeToolProblems?: string[];
  resourceCount: number;
  promptCount: number;
  aggregationError?: string;
  aggregationWarnings: string[];
}

const countsAsHealthy = (h: BackendHealth): boolean => h === "healthy" || h === "degraded";

/** Pure: the runtime status. The phase comes from runtimePhase, the same rule the CRD uses. */
export function computeStatus(inp: StatusInputs): RuntimeStatus {
  const backends = [...inp.backends].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const healthy = backends.filter((b) => countsAsHealthy(b.health)).length;
  const { phase, message } = runtimePhase({
    ready: inp.ready,
    backends,
    aggregationError: inp.aggregationError,
  });
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
    compositeToolCount: inp.compositeToolCount ?? 0,
    compositeToolProblems: inp.compositeToolProblems ?? [],
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
