import type { V1Deployment, V1ManagedFieldsEntry } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import {
  computeOperatorStatus,
  deploymentState,
  ownedStatusFields,
  type StatusInput,
  statusNeedsApply,
} from "../../../src/builders/status.ts";

const T0 = new Date("2026-11-21T10:00:00Z");
const T1 = new Date("2026-11-21T10:05:00Z");
const dep = (status: V1Deployment["status"]): V1Deployment => ({
  spec: { selector: {}, template: {} },
  status,
});

const input = (over: Partial<StatusInput> = {}): StatusInput => ({
  name: "demo",
  namespace: "ns",
  generation: 2,
  live: undefined,
  managedFields: undefined,
  conditions: [{ type: "Valid", status: "True", reason: "ValidationSucceeded", message: "ok" }],
  deployment: undefined,
  serviceExists: true,
  now: T0,
  ...over,
});

const managed = (manager: string, status: Record<string, unknown>): V1ManagedFieldsEntry => ({
  manager,
  operation: "Apply",
  subresource: "status",
  fieldsType: "FieldsV1",
  fieldsV1: { "f:status": status },
});

describe("deployment state", () => {
  it("distinguishes missing, progressing, available and failed", () => {
    expect(deploymentState(undefined).kind).toBe("missing");
    expect(deploymentState(dep({ replicas: 1 })).kind).toBe("progressing");
    expect(deploymentState(dep({ replicas: 1, availableReplicas: 1 })).kind).toBe("available");
    expect(
      deploymentState(
        dep({
          conditions: [
            { type: "Progressing", status: "False", reason: "ProgressDeadlineExceeded", message: "stuck" },
          ],
        }),
      ),
    ).toEqual({ kind: "failed", message: "stuck" });
  });
});

describe("operator status", () => {
  it("publishes url, observedGeneration and infrastructure conditions", () => {
    const s = computeOperatorStatus(input({ deployment: dep({ replicas: 1 }) }));
    expect(s.url).toBe("http://vmcp-demo.ns.svc.cluster.local:4483");
    expect(s.observedGeneration).toBe(2);
    expect(s.conditions.map((c) => c.type)).toEqual(["DeploymentReady", "ServiceReady", "Valid"]);
    expect(s.conditions.every((c) => c.observedGeneration === 2)).toBe(true);
    expect(computeOperatorStatus(input({ serviceExists: false })).url).toBeUndefined();
  });

  it("owns phase while the runtime cannot run: blocked, Deployment failed, no available replica", () => {
    expect(
      computeOperatorStatus(
        input({ blocked: { phase: "Failed", message: "Referenced MCPGroup g not found" } }),
      ),
    ).toMatchObject({
      phase: "Failed",
      message: "Referenced MCPGroup g not found",
    });
    expect(computeOperatorStatus(input({ deployment: dep({ replicas: 1 }) }))).toMatchObject({
      phase: "Pending",
    });
    expect(
      computeOperatorStatus(
        input({
          deployment: dep({ conditions: [{ type: "ReplicaFailure", status: "True", message: "quota" }] }),
        }),
      ),
    ).toMatchObject({ phase: "Failed", message: "Deployment failed: quota" });
  });

  it("leaves phase and message out once a replica is available", () => {
    const s = computeOperatorStatus(input({ deployment: dep({ replicas: 1, availableReplicas: 1 }) }));
    expect(s).not.toHaveProperty("phase");
    expect(s).not.toHaveProperty("message");
  });

  it("does not overwrite a phase the runtime already reports while its pod is starting", () => {
    const mf = [managed("vmcp-runtime", { "f:phase": {}, "f:discoveredBackends": {} })];
    const s = computeOperatorStatus(input({ deployment: dep({ replicas: 1 }), managedFields: mf }));
    expect(s).not.toHaveProperty("phase");
    // ... but with no pods at all the runtime's old value is stale
    expect(computeOperatorStatus(input({ deployment: dep({ replicas: 0 }), managedFields: mf })).phase).toBe(
      "Pending",
    );
  });

  it("keeps lastTransitionTime unless a condition's status flips", () => {
    const first = computeOperatorStatus(input({ now: T0 }));
    const same = computeOperatorStatus(input({ now: T1, live: { conditions: first.conditions } }));
    expect(same.conditions).toEqual(first.conditions);
    const flipped = computeOperatorStatus(
      input({
        now: T1,
        live: { conditions: first.conditions },
        conditions: [{ type: "Valid", status: "False", reason: "ValidationFailed", message: "bad" }],
      }),
    );
    expect(flipped.conditions.find((c) => c.type === "Valid")?.lastTransitionTime).toBe(
      "2026-11-21T10:05:00Z",
    );
  });
});

describe("status write decision and field ownership", () => {
  it("sends nothing when the live status already holds the desired values (with runtime fields beside them)", () => {
    const desired = computeOperatorStatus(input({ deployment: dep({ replicas: 1, availableReplicas: 1 }) }));
    const live = {
      ...desired,
      phase: "Degraded",
      message: "1/2 backends routable",
      conditions: [
        ...desired.conditions,
        {
          type: "Ready",
          status: "False" as const,
          reason: "SomeBackendsUnhealthy",
          message: "x",
          lastTransitionTime: "2026-11-21T09:00:00Z",
        },
      ],
    };
    const mf = [
      managed("vmcp-operator", {
        "f:url": {},
        "f:observedGeneration": {},
        "f:conditions": { 'k:{"type":"Valid"}': {} },
      }),
      managed("vmcp-runtime", {
        "f:phase": {},
        "f:message": {},
        "f:conditions": { 'k:{"type":"Ready"}': {} },
      }),
    ];
    expect(statusNeedsApply(desired, live, mf)).toBe(false);
  });

  it("writes to release a phase the operator still owns once the runtime should own it", () => {
    const desired = computeOperatorStatus(input({ deployment: dep({ replicas: 1, availableReplicas: 1 }) }));
    const live = { ...desired, phase: "Pending", message: "Waiting for an available vmcp replica" };
    const mf = [managed("vmcp-operator", { "f:phase": {}, "f:message": {}, "f:url": {} })];
    expect(statusNeedsApply(desired, live, mf)).toBe(true);
  });

  it("writes to drop a condition type the operator no longer reports", () => {
    const desired = computeOperatorStatus(input());
    const mf = [
      managed("vmcp-operator", { "f:conditions": { 'k:{"type":"DiscoveredAuthConfig-old"}': {} } }),
    ];
    expect(statusNeedsApply(desired, { ...desired }, mf)).toBe(true);
  });

  it("writes when a value differs", () => {
    const desired = computeOperatorStatus(input());
    expect(statusNeedsApply(desired, { ...desired, url: "http://elsewhere" }, [])).toBe(true);
    expect(statusNeedsApply(desired, undefined, [])).toBe(true);
  });

  it("reads owned fields per manager from managedFields", () => {
    const owned = ownedStatusFields(
      [
        managed("vmcp-operator", { "f:url": {}, "f:conditions": { 'k:{"type":"Valid"}': {}, ".": {} } }),
        { manager: "vmcp-operator", operation: "Apply", fieldsV1: { "f:spec": { "f:x": {} } } },
      ],
      "vmcp-operator",
    );
    expect([...owned.scalars]).toEqual(["url"]);
    expect([...owned.conditionTypes]).toEqual(["Valid"]);
  });
});
