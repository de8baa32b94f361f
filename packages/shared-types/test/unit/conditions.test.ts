import { describe, expect, it } from "vitest";
import {
  type Condition,
  ConditionSchema,
  conditionsEqual,
  conditionTime,
  findCondition,
  isConditionTrue,
  removeCondition,
  setCondition,
} from "../../src/index.ts";

const t0 = new Date("2026-11-21T10:00:00.500Z");
const t1 = new Date("2026-11-21T10:05:00Z");
const ready = {
  type: "Ready",
  status: "True" as const,
  reason: "AllBackendsRoutable",
  message: "ok",
  observedGeneration: 1,
};

describe("conditions", () => {
  it("times have second precision like metav1.Time", () => {
    expect(conditionTime(t0)).toBe("2026-11-21T10:00:00Z");
  });

  it("setCondition adds, then keeps lastTransitionTime while the status is unchanged", () => {
    const first = setCondition(undefined, ready, t0);
    expect(first).toEqual([{ ...ready, lastTransitionTime: "2026-11-21T10:00:00Z" }]);
    const sameStatus = setCondition(first, { ...ready, message: "still ok", observedGeneration: 2 }, t1);
    expect(sameStatus[0]).toMatchObject({
      message: "still ok",
      observedGeneration: 2,
      lastTransitionTime: "2026-11-21T10:00:00Z",
    });
    const flipped = setCondition(sameStatus, { ...ready, status: "False", reason: "NoRoutableBackends" }, t1);
    expect(flipped[0]?.lastTransitionTime).toBe("2026-11-21T10:05:00Z");
    expect(flipped).toHaveLength(1);
  });

  it("setCondition leaves the input untouched and other types in place", () => {
    const other: Condition = {
      type: "GroupRefValidated",
      status: "True",
      reason: "GroupRefValid",
      message: "",
      lastTransitionTime: "2026-01-01T00:00:00Z",
    };
    const input = [other];
    const out = setCondition(input, ready, t0);
    expect(input).toEqual([other]);
    expect(out.map((c) => c.type)).toEqual(["GroupRefValidated", "Ready"]);
    expect(findCondition(out, "Ready")?.reason).toBe("AllBackendsRoutable");
    expect(isConditionTrue(out, "Ready")).toBe(true);
    expect(isConditionTrue(removeCondition(out, "Ready"), "Ready")).toBe(false);
  });

  it("conditionsEqual ignores times and order, not content", () => {
    const a = setCondition(setCondition([], ready, t0), { ...ready, type: "Degraded", status: "False" }, t0);
    const b = setCondition(setCondition([], { ...ready, type: "Degraded", status: "False" }, t1), ready, t1);
    expect(conditionsEqual(a, b)).toBe(true);
    expect(conditionsEqual(a, setCondition(b, { ...ready, message: "changed" }, t1))).toBe(false);
    expect(conditionsEqual(a, removeCondition(b, "Degraded"))).toBe(false);
    expect(conditionsEqual(undefined, [])).toBe(true);
  });

  it("ConditionSchema enforces the metav1.Condition shape", () => {
    const ok = setCondition([], ready, t0)[0];
    expect(ConditionSchema.safeParse(ok).success).toBe(true);
    expect(ConditionSchema.safeParse({ ...ok, reason: "has space" }).success).toBe(false);
    expect(ConditionSchema.safeParse({ ...ok, status: "Yes" }).success).toBe(false);
    expect(ConditionSchema.safeParse({ ...ok, lastTransitionTime: "yesterday" }).success).toBe(false);
  });
});
