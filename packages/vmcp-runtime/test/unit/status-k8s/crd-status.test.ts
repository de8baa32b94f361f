import { describe, expect, it } from "vitest";
import {
  buildCrdStatus,
  type CrdBackendInput,
  type CrdStatusInput,
  crdBackendStatus,
  decideWrite,
  runtimePhase,
} from "../../../src/status/crd-status.ts";
import type { BackendHealth } from "../../../src/status/types.ts";

const b = (name: string, health: BackendHealth, extra: Partial<CrdBackendInput> = {}): CrdBackendInput => ({
  name,
  url: `http://${name}/mcp`,
  health,
  ...extra,
});
const input = (backends: CrdBackendInput[], extra: Partial<CrdStatusInput> = {}): CrdStatusInput => ({
  backends,
  capabilities: { toolCount: 2, resourceCount: 0, promptCount: 1, compositeToolCount: 0 },
  generation: 4,
  previousConditions: [],
  now: "2026-11-22T00:00:00.000Z",
  ...extra,
});

describe("runtime phase", () => {
  it.each([
    [[], "Ready"],
    [["unknown", "unknown"], "Pending"],
    [["healthy", "unauthenticated"], "Ready"],
    [["healthy", "unhealthy"], "Degraded"],
    [["healthy", "degraded"], "Degraded"],
    [["unhealthy", "unhealthy"], "Failed"],
    [["unhealthy", "degraded"], "Degraded"],
    [["unknown", "unhealthy"], "Failed"],
  ] as [BackendHealth[], string][])("%j -> %s", (healths, phase) => {
    expect(runtimePhase({ backends: healths.map((h) => ({ health: h })) }).phase).toBe(phase);
  });

  it("explains itself", () => {
    expect(runtimePhase({ backends: [{ health: "healthy" }, { health: "unhealthy" }] }).message).toBe(
      "1/2 backends routable (0 degraded, 1 unavailable, 0 unknown)",
    );
  });
});

describe("status -> CRD", () => {
  it("maps health to the CRD enum", () => {
    expect(
      (["healthy", "degraded", "unhealthy", "unauthenticated", "unknown"] as BackendHealth[]).map(
        crdBackendStatus,
      ),
    ).toEqual(["ready", "degraded", "unavailable", "unauthenticated", "unknown"]);
  });

  it("sorts backends by name, counts routable ones, carries health detail", () => {
    const s = buildCrdStatus(
      input([
        b("zeta", "healthy", { circuitState: "closed", consecutiveFailures: 0 }),
        b("alpha", "unhealthy", {
          message: "Connection refused",
          consecutiveFailures: 3,
          authConfigRef: "cfg",
          authType: "header_injection",
        }),
        b("mid", "unauthenticated"),
      ]),
    );
    expect(s.discoveredBackends.map((d) => d.name)).toEqual(["alpha", "mid", "zeta"]);
    expect(s.discoveredBackends[0]).toEqual({
      name: "alpha",
      url: "http://alpha/mcp",
      status: "unavailable",
      message: "Connection refused",
      consecutiveFailures: 3,
      authConfigRef: "cfg",
      authType: "header_injection",
    });
    expect(s.backendCount).toBe(2);
    expect(s.phase).toBe("Degraded");
    expect(s.capabilities.promptCount).toBe(1);
  });

  it("conditions carry observedGeneration; Degraded only while a backend is degraded", () => {
    const s = buildCrdStatus(input([b("a", "degraded"), b("b", "healthy")]));
    expect(s.conditions.map((c) => [c.type, c.status, c.reason])).toEqual([
      ["Ready", "False", "SomeBackendsUnhealthy"],
      ["BackendsDiscovered", "True", "BackendsDiscovered"],
      ["Degraded", "True", "BackendsDegraded"],
    ]);
    expect(s.conditions.every((c) => c.observedGeneration === 4)).toBe(true);
    expect(buildCrdStatus(input([b("a", "healthy")])).conditions.map((c) => c.type)).toEqual([
      "Ready",
      "BackendsDiscovered",
    ]);
  });

  it("composite definitions left out show as a condition, without changing the phase", () => {
    const problem = 'composite tool "x" not advertised: ToolNotFound: step "a" calls unknown tool "b.c"';
    const s = buildCrdStatus(input([b("a", "healthy")], { compositeToolProblems: [problem] }));
    expect(s.phase).toBe("Ready");
    expect(s.conditions.find((c) => c.type === "CompositeToolsUnavailable")).toMatchObject({
      status: "True",
      reason: "CompositeToolInvalid",
      message: problem,
    });
    const fixed = buildCrdStatus(input([b("a", "healthy")], { compositeToolProblems: [] }));
    expect(fixed.conditions.map((c) => c.type)).not.toContain("CompositeToolsUnavailable");
    expect(decideWrite(fixed, s, 0, 1, 60_000)).toEqual({ write: "now" });
  });

  it("an aggregation failure degrades the phase with the reason", () => {
    const s = buildCrdStatus(input([b("a", "healthy")], { aggregationError: "tool name clash: fetch" }));
    expect(s.phase).toBe("Degraded");
    expect(s.message).toContain("tool name clash: fetch");
    expect(s.conditions[0]).toMatchObject({ type: "Ready", status: "False", reason: "AggregationFailed" });
  });

  it("keeps lastTransitionTime while a condition's status is unchanged", () => {
    const first = buildCrdStatus(input([b("a", "healthy")], { now: "2026-01-01T00:00:00.000Z" }));
    const again = buildCrdStatus(
      input([b("a", "healthy"), b("b", "healthy")], {
        now: "2026-01-02T00:00:00.000Z",
        previousConditions: first.conditions,
      }),
    );
    expect(again.conditions[0]?.lastTransitionTime).toBe("2026-01-01T00:00:00.000Z");
    const flipped = buildCrdStatus(
      input([b("a", "unhealthy")], { now: "2026-01-03T00:00:00.000Z", previousConditions: first.conditions }),
    );
    expect(flipped.conditions[0]?.lastTransitionTime).toBe("2026-01-03T00:00:00.000Z");
  });
});

describe("coalescing: when to write", () => {
  const at = (t: string) => buildCrdStatus(input([b("a", "healthy", { lastCheck: t })]));
  const base = at("2026-01-01T00:00:00.000Z");

  it("writes at once when there is nothing live yet or a real change", () => {
    expect(decideWrite(base, undefined, undefined, 0, 30_000)).toEqual({ write: "now" });
    const changed = buildCrdStatus(input([b("a", "unhealthy", { lastCheck: "2026-01-01T00:00:00.000Z" })]));
    expect(decideWrite(changed, base, 1000, 1001, 30_000)).toEqual({ write: "now" });
  });

  it("never re-sends an unchanged status", () => {
    expect(decideWrite(at("2026-01-01T00:00:00.000Z"), base, 1000, 99_999_999, 30_000)).toEqual({
      write: "never",
    });
  });

  it("refreshes lastHealthCheck alone at most every statusReportingInterval", () => {
    const newer = at("2026-01-01T00:00:05.000Z");
    expect(decideWrite(newer, base, 1000, 5000, 30_000)).toEqual({ write: "later", atMs: 31_000 });
    expect(decideWrite(newer, base, 1000, 31_000, 30_000)).toEqual({ write: "now" });
  });

  it("a growing failure count alone waits for the refresh like lastHealthCheck", () => {
    const down = (n: number) =>
      buildCrdStatus(
        input([b("a", "unhealthy", { consecutiveFailures: n, message: "Connection refused: x" })]),
      );
    expect(decideWrite(down(5), down(4), 1000, 5000, 30_000)).toEqual({ write: "later", atMs: 31_000 });
  });

  it("a removed backend or a dropped Degraded condition is a change", () => {
    const two = buildCrdStatus(input([b("a", "healthy"), b("b", "degraded")]));
    const one = buildCrdStatus(input([b("a", "healthy")]));
    expect(decideWrite(one, two, 0, 1, 30_000)).toEqual({ write: "now" });
  });
});

describe("Ready against the operator's conditions", () => {
  const op = (type: string, status: "True" | "False", reason = `${type}Reason`) => ({
    type,
    status,
    reason,
    message: `${type} is ${status}`,
    lastTransitionTime: "2026-11-22T00:00:00.000Z",
  });
  const ready = (s: ReturnType<typeof buildCrdStatus>) => s.conditions.find((c) => c.type === "Ready");

  it.each(["Valid", "DeploymentReady", "ServiceReady"])(
    "%s False: Ready False, phase Pending, naming it",
    (type) => {
      const s = buildCrdStatus(
        input([b("a", "healthy")], { operatorConditions: [op(type, "False", "NotYet")] }),
      );
      expect(s.phase).toBe("Pending");
      expect(ready(s)).toMatchObject({ status: "False", reason: "NotYet" });
      expect(s.message).toBe(`Serving, waiting for ${type}: ${type} is False`);
    },
  );

  it("all True, absent, or another writer's other conditions: Ready as the backends say", () => {
    for (const operatorConditions of [
      [op("Valid", "True"), op("DeploymentReady", "True"), op("ServiceReady", "True")],
      [],
      [op("GroupRefValidated", "False")],
    ]) {
      const s = buildCrdStatus(input([b("a", "healthy")], { operatorConditions }));
      expect(s.phase).toBe("Ready");
      expect(ready(s)).toMatchObject({ status: "True", reason: "AllBackendsRoutable" });
    }
  });

  it.each(["ImagePullFailed", "DeploymentFailed"])(
    "DeploymentReady False for %s (a stuck rollout beside serving replicas): Ready as the backends say",
    (reason) => {
      const s = buildCrdStatus(
        input([b("a", "healthy")], { operatorConditions: [op("DeploymentReady", "False", reason)] }),
      );
      expect(s.phase).toBe("Ready");
      expect(ready(s)).toMatchObject({ status: "True", reason: "AllBackendsRoutable" });
    },
  );

  it("a Degraded or Failed runtime keeps its own phase and reason", () => {
    const s = buildCrdStatus(
      input([b("a", "healthy"), b("b", "unhealthy")], {
        operatorConditions: [op("DeploymentReady", "False")],
      }),
    );
    expect(s.phase).toBe("Degraded");
    expect(ready(s)?.status).toBe("False");
  });
});
