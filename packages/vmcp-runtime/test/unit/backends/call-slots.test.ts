import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { CallSlots, NoFreeConnectionError } from "../../../src/backends/call-slots.ts";
import { toBackendError } from "../../../src/backends/errors.ts";
import { attribute } from "../../../src/server/attribution.ts";

describe("CallSlots", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("hands a released slot to the longest waiter and never exceeds the cap", async () => {
    const slots = new CallSlots(2);
    expect(slots.tryAcquire()).toBe(true);
    expect(slots.tryAcquire()).toBe(true);
    expect(slots.tryAcquire()).toBe(false);
    const order: string[] = [];
    const a = slots.acquire(1000).then(() => order.push("a"));
    const b = slots.acquire(1000).then(() => order.push("b"));
    slots.release();
    await a;
    expect(order).toEqual(["a"]);
    expect(slots.inUse).toBe(2);
    slots.release();
    await b;
    expect(order).toEqual(["a", "b"]);
    slots.release();
    slots.release();
    expect(slots.inUse).toBe(0);
  });

  it("fails a wait longer than its limit, and an aborted wait, without leaking the slot", async () => {
    const slots = new CallSlots(1);
    slots.tryAcquire();
    const late = slots.acquire(500).catch((e: unknown) => e);
    const ctl = new AbortController();
    const aborted = slots.acquire(5000, ctl.signal).catch((e: unknown) => e);
    ctl.abort();
    expect(((await aborted) as Error).name).toBe("AbortError");
    await vi.advanceTimersByTimeAsync(500);
    expect(await late).toBeInstanceOf(NoFreeConnectionError);
    expect(slots.waiting).toBe(0);
    slots.release();
    expect(slots.tryAcquire()).toBe(true);
  });

  it("refuses at once when the waiting line is full", async () => {
    const slots = new CallSlots(1);
    slots.tryAcquire();
    const waits = Array.from({ length: slots.maxWaiting }, () => slots.acquire(10_000).catch(() => {}));
    await expect(slots.acquire(10_000)).rejects.toThrow(/16 calls already waiting/);
    for (let i = 0; i < waits.length; i++) slots.release();
    await Promise.all(waits);
  });

  it("a wait that timed out is the gateway's -32603, naming the backend, not the backend's failure", () => {
    const err = new NoFreeConnectionError("no free connection within 1500 ms (all 64 busy)");
    expect(toBackendError("weather", err, 1500).kind).toBe("busy");
    const f = attribute("weather", err, 1500);
    expect(f).toMatchObject({ scope: "gateway", reason: "busy", code: -32603 });
    expect(f.message).toMatch(/^backend 'weather': no free connection within 1500 ms/);
  });
});
