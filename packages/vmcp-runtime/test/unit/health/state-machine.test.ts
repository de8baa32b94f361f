import { describe, expect, it } from "vitest";
import {
  advertisable,
  type CheckResult,
  type HealthPolicy,
  type HealthRecord,
  initialRecord,
  nextHealth,
} from "../../../src/health/state-machine.ts";

const policy: HealthPolicy = { unhealthyThreshold: 3, degradedAfterMs: 5000, hasAuth: false };
const ok: CheckResult = { ok: true, latencyMs: 20 };
const fail = (kind: Extract<CheckResult, { ok: false }>["kind"] = "error"): CheckResult => ({
  ok: false,
  kind,
  message: "boom",
});
const run = (results: CheckResult[], p = policy, start: HealthRecord = initialRecord()) =>
  results.reduce((rec, r, i) => nextHealth(rec, r, p, 1000 + i), start);

describe("health state machine", () => {
  it("a first success is healthy; a slow one is degraded but still advertised", () => {
    expect(run([ok]).health).toBe("healthy");
    const slow = run([{ ok: true, latencyMs: 6000 }]);
    expect(slow.health).toBe("degraded");
    expect(advertisable(slow.health, false)).toBe(true);
  });

  it("needs unhealthyThreshold consecutive failures; a first failure stays unknown", () => {
    expect(run([fail()]).health).toBe("unknown");
    expect(run([ok, fail(), fail()]).health).toBe("healthy");
    const down = run([ok, fail(), fail(), fail()]);
    expect(down.health).toBe("unhealthy");
    expect(down.consecutiveFailures).toBe(3);
    expect(advertisable(down.health, false)).toBe(false);
  });

  it("the message of a backend that stays down is the same on every check (no counter)", () => {
    const third = run([ok, fail(), fail(), fail()]);
    const tenth = run([ok, ...Array.from({ length: 10 }, () => fail())]);
    expect(tenth.consecutiveFailures).toBe(10);
    expect(tenth.message).toBe(third.message);
    expect(run([ok, fail("refused"), fail("refused")]).message).toBe(run([ok, fail("refused")]).message);
  });

  it("a refused connection is unhealthy at once", () => {
    const r = run([ok, fail("refused")]);
    expect(r.health).toBe("unhealthy");
    expect(r.message).toContain("Connection refused");
  });

  it("recovers through degraded for one round, then healthy, with the count reset", () => {
    const down = run([ok, fail(), fail(), fail()]);
    const recovering = nextHealth(down, ok, policy, 5000);
    expect(recovering).toMatchObject({ health: "degraded", consecutiveFailures: 0 });
    expect(recovering.message).toBe("Recovering from failed checks");
    expect(nextHealth(recovering, ok, policy, 6000).health).toBe("healthy");
  });

  it("HTTP 429 is pressure: degraded, not counted as a failure", () => {
    const r = run([ok, fail(), fail("pressure")]);
    expect(r.health).toBe("degraded");
    expect(r.consecutiveFailures).toBe(1);
  });

  it("401/403: unauthenticated without outgoing auth, a success when auth is configured", () => {
    expect(run([fail("auth"), fail("auth"), fail("auth")]).health).toBe("unauthenticated");
    expect(run([fail("auth")], { ...policy, hasAuth: true }).health).toBe("healthy");
  });

  it("a backend with an open circuit is not advertised", () => {
    expect(advertisable("healthy", true)).toBe(false);
  });

  it("records the transition time only when the verdict changes", () => {
    const a = nextHealth(initialRecord(), ok, policy, 10);
    const b = nextHealth(a, ok, policy, 20);
    expect(a.lastTransition).toBe(10);
    expect(b.lastTransition).toBe(10);
    expect(b.lastCheck).toBe(20);
  });
});
