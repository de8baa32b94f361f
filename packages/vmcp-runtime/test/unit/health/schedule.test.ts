import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { HealthMonitor } from "../../../src/health/monitor.ts";
import { firstProbeDelay, nextProbeDelay, ProbeSlots } from "../../../src/health/schedule.ts";
import { fakePool } from "../../fixtures/fake-pool.ts";
import { registryOf, seeded } from "../../fixtures/probe-world.ts";

describe("probe schedule", () => {
  it("puts the first check anywhere in the interval and re-arms at the interval +-10 %", () => {
    expect(firstProbeDelay(30_000, () => 0)).toBe(0);
    expect(firstProbeDelay(30_000, () => 0.5)).toBe(15_000);
    expect(nextProbeDelay(30_000, () => 0)).toBe(27_000);
    expect(nextProbeDelay(30_000, () => 0.5)).toBe(30_000);
    expect(nextProbeDelay(30_000, () => 0.999_999)).toBe(33_000);
    const r = seeded(7);
    for (let i = 0; i < 1000; i++) {
      const d = nextProbeDelay(10_000, r);
      expect(d).toBeGreaterThanOrEqual(9_000);
      expect(d).toBeLessThanOrEqual(11_000);
    }
  });

  it("ProbeSlots never runs more than its cap and runs every job", async () => {
    const slots = new ProbeSlots(3);
    let inflight = 0;
    let peak = 0;
    const gates: Array<() => void> = [];
    const jobs = Array.from({ length: 10 }, () =>
      slots.run(async () => {
        inflight++;
        peak = Math.max(peak, inflight);
        await new Promise<void>((r) => gates.push(r));
        inflight--;
      }),
    );
    while (gates.length > 0 || inflight > 0) {
      await Promise.resolve();
      gates.shift()?.();
      await new Promise((r) => setImmediate(r));
    }
    await Promise.all(jobs);
    expect(peak).toBe(3);
    expect(slots.running).toBe(0);
  });
});

describe("health monitor schedule with many backends", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("spreads 200 backends' probes over the interval, 8 at a time, with no burst above twice the mean", async () => {
    const B = 200;
    const INTERVAL = 30_000;
    const registry = registryOf(B);
    let inflight = 0;
    let peak = 0;
    const starts: number[] = [];
    const monitor = new HealthMonitor({
      registry,
      pool: fakePool,
      intervalMs: INTERVAL,
      timeoutMs: 5_000,
      unhealthyThreshold: 3,
      random: seeded(42),
      probe: async () => {
        starts.push(Date.now());
        inflight++;
        peak = Math.max(peak, inflight);
        // A slow backend: each probe takes 400 ms.
        await new Promise((r) => setTimeout(r, 400));
        inflight--;
        return { ok: true, latencyMs: 400 };
      },
    });
    const t0 = Date.now();
    monitor.start();
    try {
      await vi.advanceTimersByTimeAsync(3 * INTERVAL);
    } finally {
      monitor.stop();
    }
    expect(peak).toBeLessThanOrEqual(8);
    // Every backend is checked about once per interval.
    expect(starts.length).toBeGreaterThanOrEqual(2 * B);
    // First probes: spread over the interval, not all in its first second.
    const firstSecond = starts.filter((t) => t - t0 <= 1000).length;
    expect(firstSecond).toBeLessThan(B / 10);
    const buckets = new Map<number, number>();
    for (const t of starts) {
      const k = Math.floor((t - t0) / 3000);
      buckets.set(k, (buckets.get(k) ?? 0) + 1);
    }
    const counts = [...buckets.values()];
    const mean = starts.length / Math.ceil((3 * INTERVAL) / 3000);
    expect(Math.max(...counts)).toBeLessThanOrEqual(2 * mean);
    // Fake timers still run every timer callback: a few seconds on a loaded machine.
  }, 30_000);
});
