import { waitFor } from "@vmcp/testenv/test-kit";
import { describe, expect, it } from "vitest";
import { BackendBreaker, type CircuitState, opossumOptions } from "../../../src/health/breaker.ts";

const until = (cond: () => boolean, ms = 3000) => waitFor("condition", cond, ms, 10);

describe("circuit breaker mapping (ToolHive settings -> opossum)", () => {
  it("maps failureThreshold to volumeThreshold and timeout to resetTimeout", () => {
    const o = opossumOptions({ failureThreshold: 5, openMs: 60_000, intervalMs: 30_000 });
    expect(o).toMatchObject({
      volumeThreshold: 5,
      resetTimeout: 60_000,
      errorThresholdPercentage: 99,
      timeout: false,
    });
    // The rolling window holds N checks at the configured interval.
    expect(o.rollingCountTimeout).toBeGreaterThanOrEqual(5 * 30_000);
  });

  it("opens after N consecutive failures, not after N failures interleaved with successes", async () => {
    const states: CircuitState[] = [];
    const b = new BackendBreaker({ failureThreshold: 3, openMs: 60_000, intervalMs: 1000 }, (s) =>
      states.push(s),
    );
    for (const ok of [false, false, true, false, false]) await b.run(async () => ok);
    expect(b.state).toBe("closed");
    await b.run(async () => false);
    expect(b.state).toBe("open");
    expect(states).toEqual(["open"]);
    // While open the probe is not run at all.
    let ran = false;
    expect(await b.run(async () => (ran = true))).toBe(false);
    expect(ran).toBe(false);
    b.shutdown();
  });

  it("passive failures from real calls count too", () => {
    const b = new BackendBreaker({ failureThreshold: 2, openMs: 60_000, intervalMs: 1000 }, () => {});
    b.recordFailure();
    b.recordSuccess();
    b.recordFailure();
    expect(b.state).toBe("closed");
    b.recordFailure();
    expect(b.state).toBe("open");
    b.shutdown();
  });

  it("goes half-open after timeout; one successful probe closes it, a failed one reopens it", async () => {
    const b = new BackendBreaker({ failureThreshold: 1, openMs: 100, intervalMs: 1000 }, () => {});
    await b.run(async () => false);
    expect(b.state).toBe("open");
    await until(() => b.state === "half-open");
    await b.run(async () => false);
    expect(b.state).toBe("open");
    await until(() => b.state === "half-open");
    await b.run(async () => true);
    expect(b.state).toBe("closed");
    expect(b.consecutiveFailures).toBe(0);
    b.shutdown();
  });
});
