import { parseDuration, type VmcpConfig } from "@vmcp/shared-types";
import type { HealthMonitorOptions } from "./monitor.ts";

export type HealthSettings = Omit<HealthMonitorOptions, "registry" | "pool" | "log">;

/** operational.failureHandling as the monitor's settings: the same in standalone and Kubernetes
 * mode. `degradedAfterMs`: success slower than this is degraded (default 5 s). */
export function healthSettingsFromConfig(
  fh: VmcpConfig["operational"]["failureHandling"],
  degradedAfterMs?: number,
): HealthSettings {
  const cb = fh.circuitBreaker;
  return {
    intervalMs: parseDuration(fh.healthCheckInterval),
    timeoutMs: parseDuration(fh.healthCheckTimeout),
    unhealthyThreshold: fh.unhealthyThreshold,
    degradedAfterMs,
    breaker: cb.enabled
      ? { failureThreshold: cb.failureThreshold, openMs: parseDuration(cb.timeout) }
      : undefined,
    maxConcurrentProbes: fh.maxConcurrentHealthChecks,
  };
}
