import { parseDuration, type VmcpConfig } from "@vmcp/shared-types";
import type { Logger } from "../logger.ts";
import type { BackendRegistry } from "../registry/registry.ts";
import type { Gateway } from "../server/gateway.ts";
import { HealthMonitor } from "./monitor.ts";

export interface AttachHealthOptions {
  gateway: Gateway;
  registry: BackendRegistry;
  failureHandling: VmcpConfig["operational"]["failureHandling"];
  log: Logger;
  /** Success slower than this is degraded (default 5 s). */
  degradedAfterMs?: number;
}

/** Active checks and circuit breakers (operational.failureHandling) on a gateway's backends, the
 * same in standalone and Kubernetes mode: verdicts go to the gateway's state tracker (/status,
 * the StatusReporter), withdrawn backends leave the aggregate, a recovered one is re-listed. */
export function startHealthMonitor(o: AttachHealthOptions): HealthMonitor {
  const { gateway: gw, failureHandling: fh } = o;
  const cb = fh.circuitBreaker;
  const monitor = new HealthMonitor({
    registry: o.registry,
    state: gw.state,
    target: (name) => {
      const e = gw.catalog.entry(name);
      return e ? { spec: e.spec, dispatcher: e.pools.streams, auth: e.auth, control: e.control } : undefined;
    },
    intervalMs: parseDuration(fh.healthCheckInterval),
    timeoutMs: parseDuration(fh.healthCheckTimeout),
    unhealthyThreshold: fh.unhealthyThreshold,
    degradedAfterMs: o.degradedAfterMs,
    breaker: cb.enabled
      ? { failureThreshold: cb.failureThreshold, openMs: parseDuration(cb.timeout) }
      : undefined,
    maxConcurrentProbes: fh.maxConcurrentHealthChecks,
    onAdvertiseChange: () => gw.catalog.reaggregate(),
    onRecovered: (name) => void gw.catalog.refresh(name),
    log: o.log,
  });
  monitor.start();
  return monitor;
}
