import { describe, expect, it } from "vitest";
import { emptyAggregateResult as emptyAggregate } from "../../../src/aggregation/aggregate.ts";
import { PassiveHealth } from "../../../src/health/state.ts";
import type { HealthEvents } from "../../../src/health/types.ts";
import { silentLogger } from "../../../src/logger.ts";
import { BackendRegistry } from "../../../src/registry/registry.ts";
import { Catalog } from "../../../src/server/catalog.ts";
import { Gateway } from "../../../src/server/gateway.ts";
import type { RuntimeStatus } from "../../../src/status/types.ts";

const spec = {
  name: "a",
  url: "http://127.0.0.1:9/mcp",
  transport: "streamable-http" as const,
  timeoutMs: 1000,
  authType: "unauthenticated",
};

/** A pool whose backends cannot be set up: the catalog must say so to the health stage. */
const refusingPool = {
  open: async () => {
    throw new Error("CA bundle unreadable");
  },
  close: async () => {},
};

/** Passive health plus the one event the monitor adds for the catalog: a backend withdrawn. */
class WithdrawingHealth extends PassiveHealth {
  readonly #withdrawn = new Set<string>();
  readonly #listeners = new Set<() => void>();
  override advertised(name: string): boolean {
    return !this.#withdrawn.has(name);
  }
  override on<E extends keyof HealthEvents>(event: E, l: HealthEvents[E]): () => void {
    if (event !== "advertised") return super.on(event, l);
    const listener = l as HealthEvents["advertised"];
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
  withdraw(name: string): void {
    this.#withdrawn.add(name);
    for (const l of this.#listeners) l();
  }
}

describe("the catalog stage", () => {
  it("reports a backend it cannot set up to health, and re-aggregates when health withdraws one", async () => {
    const registry = new BackendRegistry();
    registry.replaceAll([spec]);
    const health = new WithdrawingHealth();
    let aggregations = 0;
    const catalog = new Catalog({
      registry,
      pool: refusingPool,
      health,
      log: silentLogger(),
      aggregate: () => {
        aggregations++;
        return emptyAggregate();
      },
    });
    await catalog.start();
    expect(catalog.ready).toBe(true);
    expect(catalog.entry("a")).toBeUndefined();
    expect(health.get("a")).toMatchObject({ health: "unhealthy" });
    expect(health.get("a").message).toContain("cannot be set up: CA bundle unreadable");
    const before = aggregations;
    health.withdraw("a");
    expect(aggregations).toBe(before + 1);
    await catalog.close();
    // Closed: the catalog no longer listens.
    health.withdraw("b");
    expect(aggregations).toBe(before + 1);
  });
});

describe("the gateway stage", () => {
  it("publishes one frozen snapshot per change to its subscribers, built from catalog and health", async () => {
    const registry = new BackendRegistry();
    registry.replaceAll([spec]);
    const health = new PassiveHealth();
    const catalog = new Catalog({
      registry,
      pool: refusingPool,
      health,
      log: silentLogger(),
      aggregate: () => emptyAggregate(),
    });
    const gateway = new Gateway({ name: "g", catalog, health });
    const seen: RuntimeStatus[] = [];
    gateway.onStatus((s) => seen.push(s));
    await gateway.start("127.0.0.1", 0);
    try {
      await expect.poll(() => seen.at(-1)?.ready).toBe(true);
      const last = seen.at(-1) as RuntimeStatus;
      expect(Object.isFrozen(last)).toBe(true);
      expect(last.backends.map((b) => [b.name, b.health])).toEqual([["a", "unhealthy"]]);
      const n = seen.length;
      health.ok("a");
      await expect.poll(() => seen.length).toBeGreaterThan(n);
      expect(seen.at(-1)?.backends[0]?.health).toBe("healthy");
    } finally {
      await gateway.close();
    }
  });
});
