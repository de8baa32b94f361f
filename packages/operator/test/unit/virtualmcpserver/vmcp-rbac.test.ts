import { GROUP } from "@vmcp/shared-types";
import { describe, expect, it } from "vitest";
import { buildRole, buildRoleBinding, buildServiceAccount, roleRules } from "../../../src/builders/rbac.ts";

const owner = { apiVersion: `${GROUP}/v1beta1`, kind: "VirtualMCPServer", name: "demo", uid: "u1" };

describe("runtime RBAC", () => {
  it("dynamic mode: reads the member kinds, its own object and status, named Secrets and its Lease", () => {
    const rules = roleRules({
      owner,
      source: "discovered",
      secretNames: ["b-secret", "a-secret", "a-secret"],
      configMapNames: ["corp-ca", "corp-ca"],
    });
    expect(rules).toContainEqual({
      apiGroups: [GROUP],
      resources: ["virtualmcpservers"],
      resourceNames: ["demo"],
      verbs: ["get", "list", "watch"],
    });
    expect(rules).toContainEqual({
      apiGroups: [GROUP],
      resources: ["virtualmcpservers/status"],
      resourceNames: ["demo"],
      verbs: ["get", "patch"],
    });
    expect(rules).toContainEqual({
      apiGroups: [GROUP],
      resources: [
        "mcpgroups",
        "mcpservers",
        "mcpremoteproxies",
        "mcpserverentries",
        "mcpexternalauthconfigs",
      ],
      verbs: ["get", "list", "watch"],
    });
    expect(rules).toContainEqual({
      apiGroups: [""],
      resources: ["configmaps"],
      resourceNames: ["corp-ca"],
      verbs: ["get"],
    });
    expect(rules).toContainEqual({
      apiGroups: [""],
      resources: ["secrets"],
      resourceNames: ["a-secret", "b-secret"],
      verbs: ["get"],
    });
    expect(rules).toContainEqual({
      apiGroups: ["coordination.k8s.io"],
      resources: ["leases"],
      resourceNames: ["demo-vmcp-status"],
      verbs: ["get", "update"],
    });
  });

  it("never grants Secrets without names, tool configs, writes to other kinds, or wildcards", () => {
    for (const source of ["discovered", "inline"] as const) {
      const rules = roleRules({ owner, source, secretNames: [], configMapNames: [] });
      for (const r of rules) {
        expect(r.verbs).not.toContain("*");
        expect(r.resources).not.toContain("*");
        if (r.resourceNames) expect(r.resourceNames.length).toBeGreaterThan(0);
        expect(r.resources).not.toContain("mcptoolconfigs");
        expect(r.verbs).not.toContain("delete");
        // Events are the one kind it creates (backend transitions), and it may only add to them.
        if (r.resources?.includes("events")) {
          expect(r).toEqual({
            apiGroups: ["events.k8s.io"],
            resources: ["events"],
            verbs: ["create", "patch"],
          });
          continue;
        }
        expect(r.verbs).not.toContain("create");
        if (r.verbs.some((v) => ["patch", "update"].includes(v))) {
          expect((r.resources ?? []).every((x) => x === "virtualmcpservers/status" || x === "leases")).toBe(
            true,
          );
        }
      }
      expect(rules.some((r) => r.resources?.includes("secrets"))).toBe(false);
      expect(rules.some((r) => r.resources?.includes("configmaps"))).toBe(false);
    }
  });

  it("static mode: only its own object, its status, the Lease and Events", () => {
    const rules = roleRules({ owner, source: "inline", secretNames: ["ignored"], configMapNames: ["x"] });
    expect(rules.flatMap((r) => r.resources)).toEqual([
      "virtualmcpservers",
      "virtualmcpservers/status",
      "leases",
      "events",
    ]);
  });

  it("names every object <name>-vmcp, binds the SA and sets controller owner references", () => {
    const input = {
      owner,
      namespace: "ns",
      source: "discovered" as const,
      secretNames: [],
      configMapNames: [],
      imagePullSecrets: [{ name: "reg" }],
    };
    const sa = buildServiceAccount(input);
    const role = buildRole(input);
    const rb = buildRoleBinding(input);
    for (const o of [sa, role, rb]) {
      expect(o.metadata?.name).toBe("demo-vmcp");
      expect(o.metadata?.namespace).toBe("ns");
      expect(o.metadata?.ownerReferences).toEqual([
        {
          apiVersion: owner.apiVersion,
          kind: "VirtualMCPServer",
          name: "demo",
          uid: "u1",
          controller: true,
          blockOwnerDeletion: true,
        },
      ]);
    }
    expect(sa.imagePullSecrets).toEqual([{ name: "reg" }]);
    expect(rb.roleRef).toEqual({ apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "demo-vmcp" });
    expect(rb.subjects).toEqual([{ kind: "ServiceAccount", name: "demo-vmcp", namespace: "ns" }]);
  });
});
