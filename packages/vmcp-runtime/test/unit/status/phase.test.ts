import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { computeStatus } from "../../../src/status/compute.ts";
import { buildCrdStatus } from "../../../src/status/crd-status.ts";
import { runtimePhase } from "../../../src/status/phase.ts";
import type { BackendHealth, BackendStatus } from "../../../src/status/types.ts";

const HEALTHS: BackendHealth[] = ["unknown", "healthy", "degraded", "unhealthy", "unauthenticated"];

const backend = (name: string, health: BackendHealth): BackendStatus => ({
  name,
  url: `http://${name}/mcp`,
  transport: "streamable-http",
  authType: "unauthenticated",
  health,
  toolCount: 0,
  resourceCount: 0,
  promptCount: 0,
});

describe("runtimePhase: the one phase rule", () => {
  it.each([
    [true, [], undefined, "Ready"],
    [false, ["healthy"], undefined, "Pending"],
    [true, ["unknown", "unknown"], undefined, "Pending"],
    [true, ["healthy", "unauthenticated"], undefined, "Ready"],
    [true, ["healthy", "degraded"], undefined, "Degraded"],
    [true, ["degraded"], undefined, "Degraded"],
    [true, ["unhealthy", "unknown"], undefined, "Failed"],
    [true, ["healthy"], "clash", "Degraded"],
    [true, ["unhealthy"], "clash", "Failed"],
    [false, ["healthy"], "clash", "Pending"],
  ] as [boolean, BackendHealth[], string | undefined, string][])(
    "ready=%s %j aggregationError=%s -> %s",
    (ready, healths, aggregationError, phase) => {
      expect(
        runtimePhase({ ready, backends: healths.map((h) => ({ health: h })), aggregationError }).phase,
      ).toBe(phase);
    },
  );

  it("/status and the CRD report the same phase and message for any backend mix", () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...HEALTHS), { maxLength: 8 }),
        fc.option(fc.string({ minLength: 1, maxLength: 20 }), { nil: undefined }),
        (healths, aggregationError) => {
          const backends = healths.map((h, i) => backend(`b${i}`, h));
          const status = computeStatus({
            ready: true,
            backends,
            toolCount: 0,
            resourceCount: 0,
            promptCount: 0,
            aggregationWarnings: [],
            ...(aggregationError !== undefined ? { aggregationError } : {}),
          });
          const crd = buildCrdStatus({
            backends,
            capabilities: { toolCount: 0, resourceCount: 0, promptCount: 0, compositeToolCount: 0 },
            generation: 1,
            previousConditions: [],
            now: "2026-11-22T00:00:00.000Z",
            aggregationError,
            ready: status.ready,
          });
          expect(crd.phase).toBe(status.phase);
          expect(crd.message).toBe(status.message);
          expect(crd.conditions.find((c) => c.type === "Ready")?.status).toBe(
            status.phase === "Ready" ? "True" : "False",
          );
        },
      ),
    );
  });
});
