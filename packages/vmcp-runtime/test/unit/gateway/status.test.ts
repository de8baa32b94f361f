import { describe, expect, it } from "vitest";
import { computeStatus, statusFingerprint } from "../../../src/status/compute.ts";
import { MemoryStatusReporter } from "../../../src/status/memory-reporter.ts";
import type { BackendStatus } from "../../../src/status/types.ts";

const b = (name: string, health: BackendStatus["health"]): BackendStatus => ({
  name,
  url: `http://${name}`,
  transport: "streamable-http",
  authType: "unauthenticated",
  health,
  toolCount: 1,
  resourceCount: 0,
  promptCount: 0,
});
const base = { toolCount: 2, resourceCount: 0, promptCount: 0, aggregationWarnings: [] };

describe("computeStatus", () => {
  it("derives the phase from backend health", () => {
    expect(computeStatus({ ...base, ready: false, backends: [b("a", "healthy")] }).phase).toBe("Pending");
    expect(computeStatus({ ...base, ready: true, backends: [] }).phase).toBe("Ready");
    // A degraded backend still serves but is not routable-healthy: Degraded, as on the CRD.
    expect(
      computeStatus({ ...base, ready: true, backends: [b("a", "healthy"), b("b", "degraded")] }).phase,
    ).toBe("Degraded");
    expect(
      computeStatus({ ...base, ready: true, backends: [b("a", "healthy"), b("b", "unauthenticated")] }).phase,
    ).toBe("Ready");
    const degraded = computeStatus({
      ...base,
      ready: true,
      backends: [b("b", "unhealthy"), b("a", "healthy")],
    });
    expect(degraded).toMatchObject({ phase: "Degraded", healthyBackendCount: 1, backendCount: 2 });
    expect(degraded.message).toBe("1/2 backends routable (0 degraded, 1 unavailable, 0 unknown)");
    expect(degraded.backends.map((x) => x.name)).toEqual(["a", "b"]);
    expect(computeStatus({ ...base, ready: true, backends: [b("a", "unhealthy")] }).phase).toBe("Failed");
    expect(
      computeStatus({ ...base, ready: true, backends: [b("a", "healthy")], aggregationError: "clash" }),
    ).toMatchObject({
      phase: "Degraded",
      aggregationMessages: ["clash"],
    });
  });

  it("reports only real changes, not timestamp refreshes", () => {
    const r = new MemoryStatusReporter();
    const s1 = computeStatus({
      ...base,
      ready: true,
      backends: [{ ...b("a", "healthy"), lastCheckTime: "t1" }],
    });
    const s2 = computeStatus({
      ...base,
      ready: true,
      backends: [{ ...b("a", "healthy"), lastCheckTime: "t2" }],
    });
    expect(statusFingerprint(s1)).toBe(statusFingerprint(s2));
    r.report(s1);
    r.report(s2);
    r.report(computeStatus({ ...base, ready: true, backends: [b("a", "unhealthy")] }));
    expect(r.history.map((s) => s.phase)).toEqual(["Ready", "Failed"]);
  });
});
