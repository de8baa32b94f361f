import { counterValue, createMetrics } from "@vmcp/kube-kit/metrics";
import { WorkQueue } from "@vmcp/kube-kit/workqueue";
import { afterEach, describe, expect, it, vi } from "vitest";
import { Controller } from "../../../src/kit/controller.ts";

function deferred() {
  let resolve: () => void = () => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

async function until(cond: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setImmediate(r));
  }
}

afterEach(() => {
  vi.useRealTimers();
});

describe("WorkQueue", () => {
  it("stores a waiting key once however often it is added", async () => {
    const q = new WorkQueue();
    q.add("ns/a");
    q.add("ns/a");
    q.add("ns/b");
    q.add("ns/a");
    expect(q.length).toBe(2);
    expect(await q.get()).toBe("ns/a");
    expect(await q.get()).toBe("ns/b");
  });

  it("never hands out a key being processed; a re-add during processing runs once more after done", async () => {
    const q = new WorkQueue();
    q.add("k");
    const k = await q.get();
    q.add("k");
    q.add("k");
    expect(q.length).toBe(0);
    q.done(k as string);
    expect(q.length).toBe(1);
    expect(await q.get()).toBe("k");
    q.done("k");
    expect(q.length).toBe(0);
  });

  it("grows the per-key backoff exponentially up to the cap and resets it on forget", () => {
    const q = new WorkQueue({ baseDelayMs: 5, maxDelayMs: 1000 });
    const delays = Array.from({ length: 10 }, () => q.addRateLimited("k"));
    expect(delays).toEqual([5, 10, 20, 40, 80, 160, 320, 640, 1000, 1000]);
    expect(q.addRateLimited("other")).toBe(5);
    q.forget("k");
    expect(q.addRateLimited("k")).toBe(5);
    q.shutdown();
  });

  it("delivers a delayed key when its time comes, keeping the earliest deadline", async () => {
    vi.useFakeTimers();
    const q = new WorkQueue();
    q.addAfter("k", 1000);
    q.addAfter("k", 100);
    q.addAfter("k", 5000);
    expect(q.length).toBe(0);
    vi.advanceTimersByTime(99);
    expect(q.length).toBe(0);
    vi.advanceTimersByTime(1);
    expect(q.length).toBe(1);
    vi.advanceTimersByTime(10_000);
    expect(q.length).toBe(1);
    q.shutdown();
  });

  it("releases blocked consumers on shutdown and refuses new keys", async () => {
    const q = new WorkQueue();
    const waiting = q.get();
    q.shutdown();
    expect(await waiting).toBeUndefined();
    q.add("k");
    expect(q.length).toBe(0);
  });
});

describe("Controller", () => {
  it("runs one reconcile per key at a time and reprocesses a key added while it ran", async () => {
    const runs: string[] = [];
    let inFlightA = 0;
    let maxInFlightA = 0;
    const gate = deferred();
    const c = new Controller({
      name: "t",
      concurrency: 4,
      reconcile: async (key) => {
        runs.push(key);
        if (key === "a") {
          inFlightA++;
          maxInFlightA = Math.max(maxInFlightA, inFlightA);
          if (runs.length === 1) await gate.promise;
          inFlightA--;
        }
        return undefined;
      },
    });
    c.enqueue("a");
    c.start();
    await until(() => runs.length === 1);
    c.enqueue("a");
    c.enqueue("a");
    c.enqueue("b");
    await until(() => runs.includes("b"));
    expect(runs.filter((k) => k === "a")).toHaveLength(1);
    gate.resolve();
    await until(() => runs.filter((k) => k === "a").length === 2);
    await c.stop();
    expect(runs.filter((k) => k === "a")).toHaveLength(2);
    expect(maxInFlightA).toBe(1);
  });

  it("never runs more reconciles at once than its concurrency", async () => {
    let running = 0;
    let peak = 0;
    const gates = new Map<string, ReturnType<typeof deferred>>();
    const c = new Controller({
      name: "t",
      concurrency: 3,
      reconcile: async (key) => {
        running++;
        peak = Math.max(peak, running);
        const g = deferred();
        gates.set(key, g);
        await g.promise;
        running--;
        return undefined;
      },
    });
    for (let i = 0; i < 10; i++) c.enqueue(`k${i}`);
    c.start();
    await until(() => running === 3);
    expect(c.queue.length).toBe(7);
    let released = 0;
    while (released < 10) {
      await until(() => gates.size > 0);
      for (const [k, g] of [...gates]) {
        gates.delete(k);
        g.resolve();
        released++;
      }
    }
    await c.stop();
    expect(peak).toBe(3);
  });

  it("retries a failing key with growing backoff, resets it after success, and counts results", async () => {
    vi.useFakeTimers();
    const metrics = createMetrics();
    let failuresLeft = 3;
    const at: number[] = [];
    const c = new Controller({
      name: "t",
      metrics,
      baseDelayMs: 100,
      reconcile: async () => {
        at.push(Date.now());
        if (failuresLeft-- > 0) throw new Error("boom");
        return undefined;
      },
    });
    const t0 = Date.now();
    c.enqueue("k");
    c.start();
    await vi.advanceTimersByTimeAsync(1000);
    expect(at.map((t) => t - t0)).toEqual([0, 100, 300, 700]);
    expect(c.queue.failures("k")).toBe(0);
    expect(await counterValue(metrics.reconcileTotal, { result: "error" })).toBe(3);
    expect(await counterValue(metrics.reconcileTotal, { result: "success" })).toBe(1);
    await c.stop();
  });

  it("honours requeueAfter", async () => {
    vi.useFakeTimers();
    let n = 0;
    const c = new Controller({
      name: "t",
      reconcile: async () => {
        n++;
        return n < 3 ? { requeueAfter: 500 } : undefined;
      },
    });
    c.enqueue("k");
    c.start();
    await vi.advanceTimersByTimeAsync(499);
    expect(n).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(n).toBe(2);
    await vi.advanceTimersByTimeAsync(5000);
    expect(n).toBe(3);
    await c.stop();
  });

  it("stop() waits for in-flight reconciles and drops queued keys", async () => {
    const gate = deferred();
    const done: string[] = [];
    const c = new Controller({
      name: "t",
      concurrency: 1,
      reconcile: async (key) => {
        await gate.promise;
        done.push(key);
        return undefined;
      },
    });
    c.enqueue("a");
    c.enqueue("b");
    c.start();
    await until(() => c.queue.processing === 1);
    const stopped = c.stop();
    let finished = false;
    void stopped.then(() => {
      finished = true;
    });
    await new Promise((r) => setImmediate(r));
    expect(finished).toBe(false);
    gate.resolve();
    await stopped;
    expect(done).toEqual(["a"]);
  });
});
