import { waitFor } from "@vmcp/testenv/test-kit";
import { afterEach, describe, expect, it } from "vitest";
import { HealthMonitor, passiveFailure } from "../../../src/health/monitor.ts";
import type { CheckResult } from "../../../src/health/state-machine.ts";
import { BackendRegistry } from "../../../src/registry/registry.ts";
import { fakePool } from "../../fixtures/fake-pool.ts";

const until = (cond: () => boolean, ms = 3000) => waitFor("condition", cond, ms, 5);

let monitor: HealthMonitor | undefined;
afterEach(() => monitor?.stop());

function setup(o: { breaker?: { failureThreshold: number; openMs: number }; intervalMs?: number } = {}) {
  const registry = new BackendRegistry();
  registry.replaceAll([
    {
      name: "a",
      url: "http://127.0.0.1:1/mcp",
      transport: "streamable-http",
      timeoutMs: 1000,
      authType: "unauthenticated",
    },
  ]);
  let next: CheckResult = { ok: true, latencyMs: 1 };
  let probes = 0;
  let advertiseChanges = 0;
  monitor = new HealthMonitor({
    registry,
    // The pool stage, faked: the probe is replaced, so the connections are never dialled.
    pool: fakePool,
    intervalMs: o.intervalMs ?? 60_000,
    timeoutMs: 500,
    unhealthyThreshold: 3,
    breaker: o.breaker,
    probe: async () => {
      probes++;
      return next;
    },
  });
  monitor.on("advertised", () => advertiseChanges++);
  monitor.start();
  return {
    m: monitor,
    // The monitor is the health stage's view and where calls report (no tracker of its own).
    state: monitor,
    setNext: (r: CheckResult) => {
      next = r;
    },
    probes: () => probes,
    advertiseChanges: () => advertiseChanges,
  };
}

describe("health monitor", () => {
  it("a refused connection on a real call marks the backend unavailable at once and withdraws it", async () => {
    const { m, state, advertiseChanges } = setup();
    state.ok("a");
    expect(state.get("a").health).toBe("healthy");
    state.failed("a", "backend 'a' unreachable: ECONNREFUSED connect ECONNREFUSED 127.0.0.1:1");
    expect(state.get("a").health).toBe("unhealthy");
    expect(m.advertised("a")).toBe(false);
    expect(advertiseChanges()).toBe(1);
  });

  it("reports a transition once when a backend goes down and once when it is back, not per check", async () => {
    const { m, setNext } = setup();
    const seen: string[] = [];
    m.onTransition((t) => seen.push(`${t.kind}:${t.message}`));
    await m.checkNow("a");
    setNext({ ok: false, kind: "refused", message: "ECONNREFUSED" });
    for (let i = 0; i < 5; i++) await m.checkNow("a");
    setNext({ ok: true, latencyMs: 1 });
    await m.checkNow("a");
    await m.checkNow("a");
    expect(seen).toEqual([
      "unavailable:Connection refused: ECONNREFUSED",
      "recovered:Recovering from failed checks",
    ]);
  });

  it("a timed-out call counts toward the threshold instead", () => {
    const { state } = setup();
    state.ok("a");
    state.failed("a", "backend 'a' did not answer within 1000 ms");
    expect(state.get("a").health).toBe("healthy");
    expect(state.get("a").message).toMatch(/^Health check timed out: /);
  });

  it("opens the circuit after N failures: calls are refused, capabilities withdrawn; a half-open probe closes it", async () => {
    const t = setup({ breaker: { failureThreshold: 2, openMs: 150 } });
    t.state.ok("a");
    t.setNext({ ok: false, kind: "error", message: "HTTP 500" });
    await t.m.checkNow("a");
    expect(t.state.routable("a")).toBe(true);
    await t.m.checkNow("a");
    expect(t.m.snapshot("a")?.circuitState).toBe("open");
    expect(t.state.routable("a")).toBe(false);
    expect(t.m.advertised("a")).toBe(false);
    expect(t.state.get("a")).toMatchObject({ health: "unhealthy" });
    expect(t.state.get("a").message).toMatch(/^Circuit breaker OPEN - /);
    // What the call path tells a client that still calls the withdrawn backend's tools.
    const opened = t.m.snapshot("a")?.circuitLastChanged ?? 0;
    expect(t.state.unavailable("a")).toEqual({
      reason: "circuit open",
      retryAfter: new Date(opened + 150).toISOString(),
    });
    expect(t.state.circuitState("a")).toBe("open");
    // While open, scheduled checks do not reach the backend.
    const before = t.probes();
    await t.m.checkNow("a");
    expect(t.probes()).toBe(before);
    // After the timeout the breaker lets one probe through by itself; it succeeds -> closed.
    t.setNext({ ok: true, latencyMs: 1 });
    await until(() => t.m.snapshot("a")?.circuitState === "closed");
    expect(t.state.routable("a")).toBe(true);
    expect(t.m.advertised("a")).toBe(true);
    expect(t.state.unavailable("a")).toBeUndefined();
  });

  it("explains an unhealthy backend without a breaker, and forgets its backends on stop", () => {
    const { m, state } = setup();
    state.failed("a", "backend 'a' unreachable: ECONNREFUSED");
    expect(state.advertised("a")).toBe(false);
    expect(state.unavailable("a")?.reason).toMatch(/^unhealthy: /);
    expect(state.circuitState("a")).toBeUndefined();
    m.stop();
    expect(m.snapshot("a")).toBeUndefined();
    expect(m.advertised("a")).toBe(true);
  });

  it("classifies call failure messages", () => {
    expect(passiveFailure("backend 'x' unreachable: ECONNREFUSED connect")).toMatchObject({
      kind: "refused",
    });
    expect(passiveFailure("backend 'x' did not answer within 10 ms")).toMatchObject({ kind: "timeout" });
    expect(passiveFailure("HTTP 429 Too Many Requests")).toMatchObject({ kind: "pressure" });
  });
});
