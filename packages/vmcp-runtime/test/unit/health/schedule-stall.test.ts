import { describe, expect, it } from "vitest";
import { HealthMonitor } from "../../../src/health/monitor.ts";
import type { ProbeClock } from "../../../src/health/schedule.ts";
import { fakePool } from "../../fixtures/fake-pool.ts";
import { registryOf, seeded } from "../../fixtures/probe-world.ts";

/** A clock whose event loop can stall: a timer due inside a stall fires when the stall ends, as a
 * blocked Node event loop runs it, with the clock reading the stall's end. */
class StallingClock implements ProbeClock {
  #now = 0;
  #seq = 0;
  #timers = new Map<number, { due: number; seq: number; f: () => void }>();
  #stalls: Array<{ from: number; to: number }> = [];

  now(): number {
    return this.#now;
  }
  setTimeout(f: () => void, ms: number): unknown {
    const id = ++this.#seq;
    this.#timers.set(id, { due: this.#now + Math.max(0, ms), seq: id, f });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as number);
  }
  stall(from: number, to: number): void {
    this.#stalls.push({ from, to });
  }

  /** Runs timers in order up to `until`, letting each fired callback's promises settle. */
  async runUntil(until: number): Promise<void> {
    for (;;) {
      let next: [number, { due: number; seq: number; f: () => void }] | undefined;
      for (const e of this.#timers)
        if (!next || e[1].due < next[1].due || (e[1].due === next[1].due && e[1].seq < next[1].seq)) next = e;
      if (!next || next[1].due > until) break;
      this.#timers.delete(next[0]);
      const stall = this.#stalls.find((s) => next[1].due >= s.from && next[1].due < s.to);
      this.#now = Math.max(this.#now, stall ? stall.to : next[1].due);
      next[1].f();
      await new Promise((r) => setImmediate(r));
    }
    this.#now = Math.max(this.#now, until);
  }
}

describe("probe schedule under event-loop stalls", () => {
  it("re-spreads the checks whose slots passed during a stall: no second holds more than twice the mean", async () => {
    const B = 2000;
    const INTERVAL = 30_000;
    const clock = new StallingClock();
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
      clock,
      probe: async () => {
        starts.push(clock.now());
        inflight++;
        peak = Math.max(peak, inflight);
        await Promise.resolve();
        inflight--;
        return { ok: true, latencyMs: 1 };
      },
    });
    // Three stalls of the kind a multi-megabyte answer or a long GC causes, of 10, 4 and 2 s.
    clock.stall(40_000, 50_000);
    clock.stall(61_000, 65_000);
    clock.stall(75_000, 77_000);
    monitor.start();
    const END = 4 * INTERVAL;
    try {
      await clock.runUntil(END);
    } finally {
      monitor.stop();
    }
    expect(peak).toBeLessThanOrEqual(8);
    // Every backend is still checked about once per interval.
    expect(starts.length).toBeGreaterThanOrEqual(3 * B);
    const perSecond = new Array<number>(END / 1000).fill(0);
    for (const t of starts) if (t < END) perSecond[Math.floor(t / 1000)]! += 1;
    const mean = starts.length / (END / 1000);
    expect(Math.max(...perSecond)).toBeLessThanOrEqual(2 * mean);
  }, 30_000);
});
