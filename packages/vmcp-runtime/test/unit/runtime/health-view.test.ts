import { afterEach, describe, expect, it } from "vitest";
import { HealthMonitor } from "../../../src/health/monitor.ts";
import { PassiveHealth } from "../../../src/health/state.ts";
import type { CheckResult } from "../../../src/health/state-machine.ts";
import { BackendRegistry } from "../../../src/registry/registry.ts";
import { fakePool } from "../../fixtures/fake-pool.ts";

const spec = { name: "a", url: "http://x", transport: "streamable-http" as const, timeoutMs: 1000 };

describe("the health stage", () => {
  let monitor: HealthMonitor | undefined;
  afterEach(() => monitor?.stop());

  it("passive health: a success is healthy, a failure unhealthy, all stays advertised and routable", () => {
    const h = new PassiveHealth();
    const changes: string[] = [];
    h.on("change", (name, s) => changes.push(`${name}:${s.health}`));
    h.ok("a");
    h.ok("a");
    h.failed("a", "refused");
    expect(changes).toEqual(["a:healthy", "a:unhealthy"]);
    expect(h.get("a")).toMatchObject({ health: "unhealthy", message: "refused" });
    expect([h.routable("a"), h.advertised("a"), h.unavailable("a"), h.circuitState("a")]).toEqual([
      true,
      true,
      undefined,
      undefined,
    ]);
    h.forget("a");
    expect(h.get("a").health).toBe("unknown");
  });

  it("the monitor reads only the registry and a pool, and publishes withdrawal and recovery as events", async () => {
    const registry = new BackendRegistry();
    registry.replaceAll([{ ...spec, authType: "unauthenticated" }]);
    let next: CheckResult = { ok: false, kind: "refused", message: "ECONNREFUSED" };
    const dialled: string[] = [];
    monitor = new HealthMonitor({
      registry,
      pool: fakePool,
      intervalMs: 60_000,
      timeoutMs: 500,
      unhealthyThreshold: 1,
      probe: async (t) => {
        dialled.push(t.spec.name);
        return next;
      },
    });
    const events: string[] = [];
    monitor.on("advertised", () => events.push("advertised"));
    monitor.on("recovered", (name) => events.push(`recovered:${name}`));
    monitor.on("change", (name, s) => events.push(`${name}:${s.health}`));
    monitor.start();
    await monitor.checkNow("a");
    expect(monitor.advertised("a")).toBe(false);
    next = { ok: true, latencyMs: 1 };
    await monitor.checkNow("a");
    expect(dialled).toEqual(["a", "a"]);
    expect(events).toEqual(["a:unhealthy", "advertised", "a:degraded", "advertised", "recovered:a"]);
    // A backend leaving the registry leaves the monitor.
    registry.replaceAll([]);
    expect(monitor.snapshot("a")).toBeUndefined();
  });
});
