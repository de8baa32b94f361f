import type { KubernetesObject } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { applyWaves, settleAll } from "../../../src/controllers/virtualmcpserver/apply-waves.ts";

const obj = (kind: string): KubernetesObject => ({ kind, metadata: { name: kind.toLowerCase() } });
const kinds = (waves: KubernetesObject[][]) => waves.map((w) => w.map((o) => o.kind));

describe("applyWaves", () => {
  it("applies everything independent at once, the RoleBinding after its Role, the Deployment last", () => {
    const children = [
      "ServiceAccount",
      "Role",
      "RoleBinding",
      "Lease",
      "ConfigMap",
      "Deployment",
      "Service",
      "PodDisruptionBudget",
    ].map(obj);
    expect(kinds(applyWaves(children))).toEqual([
      ["ServiceAccount", "Role", "Lease", "ConfigMap", "Service", "PodDisruptionBudget"],
      ["RoleBinding"],
      ["Deployment"],
    ]);
  });

  it("has no empty waves", () => {
    expect(kinds(applyWaves([obj("Deployment")]))).toEqual([["Deployment"]]);
    expect(applyWaves([])).toEqual([]);
  });
});

describe("settleAll", () => {
  it("waits for every task before throwing the first failure", async () => {
    let finished = 0;
    const slow = async () => {
      await new Promise((r) => setImmediate(r));
      finished++;
    };
    await expect(
      settleAll([
        async () => {
          throw new Error("apply refused");
        },
        slow,
        slow,
      ]),
    ).rejects.toThrow("apply refused");
    expect(finished).toBe(2);
  });
});
