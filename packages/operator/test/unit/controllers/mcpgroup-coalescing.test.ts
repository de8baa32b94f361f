import type { InformerEvent, InformerHandler } from "@vmcp/kube-kit/informer";
import { silentLogger } from "@vmcp/kube-kit/logger";
import { createMetrics } from "@vmcp/kube-kit/metrics";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  GROUP_REF_INDEX,
  groupRefIndex,
  groupStatusController,
  MEMBERSHIP_SETTLE,
} from "../../../src/controllers/mcpgroup.ts";
import type { Controller } from "../../../src/kit/controller.ts";
import type { RawObject } from "../../../src/kit/kinds.ts";
import type { SettleTiming } from "../../../src/kit/settle.ts";

/** An informer over a map: what the controller reads, with events emitted by the test. */
class FakeInformer {
  readonly objects = new Map<string, RawObject>();
  readonly #handlers: InformerHandler<RawObject>[] = [];
  get(namespace: string | undefined, name: string): RawObject | undefined {
    return this.objects.get(`${namespace ?? ""}/${name}`);
  }
  byIndex(index: string, value: string): RawObject[] {
    if (index !== GROUP_REF_INDEX) return [];
    return [...this.objects.values()].filter((o) => groupRefIndex(o).includes(value));
  }
  onEvent(h: InformerHandler<RawObject>): () => void {
    this.#handlers.push(h);
    return () => {};
  }
  put(obj: RawObject): void {
    const key = `${obj.metadata.namespace ?? ""}/${obj.metadata.name}`;
    const old = this.objects.get(key);
    this.objects.set(key, obj);
    const ev: InformerEvent<RawObject> = old ? { type: "update", obj, old } : { type: "add", obj };
    for (const h of this.#handlers) h(ev);
  }
}

const raw = (kind: string, name: string, spec: Record<string, unknown> = {}): RawObject => ({
  apiVersion: "toolhive.stacklok.dev/v1beta1",
  kind,
  metadata: { name, namespace: "ns", generation: 1 },
  spec,
});

/** The apiserver's side: a status write takes `latencyMs`, then the cache shows it (an update event). */
function setup(settle?: SettleTiming, latencyMs = 5) {
  const groups = new FakeInformer();
  const members = [new FakeInformer(), new FakeInformer(), new FakeInformer()] as const;
  const writes: Record<string, unknown>[] = [];
  const controller = groupStatusController(
    { logger: silentLogger(), metrics: createMetrics() },
    { groups, members },
    async (group, status) => {
      if (JSON.stringify(group.status) === JSON.stringify(status)) return false;
      writes.push(status);
      await new Promise((r) => setTimeout(r, latencyMs));
      groups.put({ ...group, status });
      return true;
    },
    settle,
  );
  return { groups, servers: members[0], controller, writes };
}

const idle = (c: Controller) => c.queue.length === 0 && c.queue.processing === 0;

/** Lets every settle timer fire, then runs the controller to idle. */
async function settleAndDrain(c: Controller): Promise<void> {
  await vi.advanceTimersByTimeAsync(MEMBERSHIP_SETTLE.maxWaitMs + 100);
  for (let t = 0; t < 100 && !idle(c); t++) await vi.advanceTimersByTimeAsync(50);
  expect(idle(c)).toBe(true);
}

let controller: Controller | undefined;
beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(async () => {
  vi.useRealTimers();
  await controller?.stop();
  controller = undefined;
});

/** A group created, then 50 MCPServers joining it 2 ms apart (a chart install), run to quiet. */
async function burstOf50(settle?: SettleTiming) {
  const s = setup(settle);
  controller = s.controller;
  s.controller.start();
  s.groups.put(raw("MCPGroup", "g"));
  for (let i = 0; i < 50; i++) {
    s.servers.put(raw("MCPServer", `m${i}`, { groupRef: { name: "g" } }));
    await vi.advanceTimersByTimeAsync(2);
  }
  await settleAndDrain(s.controller);
  return s;
}

describe("MCPGroup status under a burst of membership changes", () => {
  it("writes once or twice for 50 members joining in one burst, the last write listing all 50", async () => {
    const { writes } = await burstOf50();
    expect(writes.length).toBeGreaterThanOrEqual(1);
    expect(writes.length).toBeLessThanOrEqual(2);
    expect(writes.at(-1)).toMatchObject({ serverCount: 50 });
  });

  it("writes per member without the settle window (what the window saves)", async () => {
    const { writes } = await burstOf50({ quietMs: 0, maxWaitMs: 0 });
    expect(writes.length).toBeGreaterThan(10);
    expect(writes.at(-1)).toMatchObject({ serverCount: 50 });
  });

  it("shows a single change once it settled, not later", async () => {
    const s = setup();
    controller = s.controller;
    s.controller.start();
    s.groups.put(raw("MCPGroup", "g"));
    await vi.advanceTimersByTimeAsync(MEMBERSHIP_SETTLE.quietMs + 50);
    expect(s.writes).toHaveLength(1);
    s.servers.put(raw("MCPServer", "late", { groupRef: { name: "g" } }));
    await vi.advanceTimersByTimeAsync(MEMBERSHIP_SETTLE.quietMs + 50);
    expect(s.writes).toHaveLength(2);
    expect(s.writes[1]).toMatchObject({ servers: ["late"], serverCount: 1 });
  });

  it("under steady churn still writes every maxWait, not only when it stops", async () => {
    const s = setup();
    controller = s.controller;
    s.controller.start();
    s.groups.put(raw("MCPGroup", "g"));
    // One member every 100 ms for 5 s: never quiet for 500 ms.
    for (let i = 0; i < 50; i++) {
      s.servers.put(raw("MCPServer", `m${i}`, { groupRef: { name: "g" } }));
      await vi.advanceTimersByTimeAsync(100);
    }
    const during = s.writes.length;
    expect(during).toBeGreaterThanOrEqual(2);
    expect(during).toBeLessThanOrEqual(3);
    await settleAndDrain(s.controller);
    expect(s.writes.at(-1)).toMatchObject({ serverCount: 50 });
  });

  it("a member's status write does not push the group's first status back", async () => {
    const s = setup();
    controller = s.controller;
    s.controller.start();
    s.groups.put(raw("MCPGroup", "g"));
    s.servers.put(raw("MCPServer", "m", { groupRef: { name: "g" } }));
    // The member's controller writes its phase just before the group's quiet period ends: the
    // member is still the same member, so the group's status is due at the same time.
    await vi.advanceTimersByTimeAsync(MEMBERSHIP_SETTLE.quietMs - 100);
    s.servers.put({ ...raw("MCPServer", "m", { groupRef: { name: "g" } }), status: { phase: "Ready" } });
    await vi.advanceTimersByTimeAsync(150);
    expect(s.writes).toEqual([expect.objectContaining({ servers: ["m"], serverCount: 1 })]);
  });

  it("a member moving to another group touches both groups", async () => {
    const s = setup();
    controller = s.controller;
    s.controller.start();
    s.groups.put(raw("MCPGroup", "g"));
    s.groups.put(raw("MCPGroup", "h"));
    s.servers.put(raw("MCPServer", "m", { groupRef: { name: "g" } }));
    await settleAndDrain(s.controller);
    s.servers.put(raw("MCPServer", "m", { groupRef: { name: "h" } }));
    await settleAndDrain(s.controller);
    expect(s.groups.get("ns", "g")?.status).toMatchObject({ servers: [], serverCount: 0 });
    expect(s.groups.get("ns", "h")?.status).toMatchObject({ servers: ["m"], serverCount: 1 });
  });
});
