import { BackendPool, type BackendPoolOptions } from "../backends/pool.ts";
import { HealthMonitor } from "../health/monitor.ts";
import type { HealthSettings } from "../health/settings.ts";
import { PassiveHealth } from "../health/state.ts";
import type { RuntimeHealth } from "../health/types.ts";
import type { Logger } from "../logger.ts";
import type { BackendRegistry } from "../registry/registry.ts";
import { Catalog } from "../server/catalog.ts";
import type { AggregateFn } from "../server/types.ts";

export interface BackendStagesOptions extends BackendPoolOptions {
  registry: BackendRegistry;
  aggregate: AggregateFn;
  log: Logger;
  /** Active checks and breakers; undefined: health from real exchanges only (PassiveHealth). */
  health?: HealthSettings | undefined;
  /** Backoff for re-listing failed backends (tests shorten it). */
  retry?: { initialMs: number; maxMs: number } | undefined;
}

export interface BackendStages {
  pool: BackendPool;
  health: RuntimeHealth;
  /** The health monitor when active checks run (health is it then). */
  monitor: HealthMonitor | undefined;
  catalog: Catalog;
}

/** registry -> backend pool -> health -> catalog, each built from the ones before it only. The
 * monitor is started here (it only schedules probes); the catalog starts with the gateway. */
export function buildBackendStages(o: BackendStagesOptions): BackendStages {
  const pool = new BackendPool(o);
  const monitor = o.health
    ? new HealthMonitor({ ...o.health, registry: o.registry, pool, log: o.log })
    : undefined;
  monitor?.start();
  const health = monitor ?? new PassiveHealth();
  const catalog = new Catalog({
    registry: o.registry,
    pool,
    health,
    aggregate: o.aggregate,
    log: o.log,
    retry: o.retry,
  });
  return { pool, health, monitor, catalog };
}
