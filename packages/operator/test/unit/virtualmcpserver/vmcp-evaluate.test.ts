import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { evaluate } from "../../../src/builders/evaluate.ts";
import { composite, entry, group, vmcp, world } from "./fixtures.ts";

const opts = { image: "vmcp:test" };
const types = (ev: ReturnType<typeof evaluate>) => ev.conditions.map((c) => `${c.type}=${c.status}`);

describe("evaluate: validation order and outcome", () => {
  it("a missing group blocks with Failed/GroupRefNotFound and builds nothing", () => {
    const ev = evaluate(world({ group: null }), opts);
    expect(ev.blocked).toEqual({
      phase: "Failed",
      reason: "GroupRefNotFound",
      message: "Referenced MCPGroup tools not found",
    });
    expect(ev.objects).toEqual([]);
    expect(types(ev)).toEqual([
      "Valid=True",
      "PodTemplateSpecValid=True",
      "ServiceAccountValid=True",
      "GroupRefValidated=False",
    ]);
  });

  it("a group that is not Ready blocks with Pending/GroupRefNotReady", () => {
    const ev = evaluate(world({ group: group("Pending") }), opts);
    expect(ev.blocked?.phase).toBe("Pending");
    expect(ev.conditions.at(-1)).toMatchObject({
      reason: "GroupRefNotReady",
      message: "Referenced MCPGroup tools is not ready (phase: Pending)",
    });
  });

  it("an invalid podTemplateSpec stops before the group is looked at, with a warning", () => {
    const ev = evaluate(
      world({ vmcp: vmcp({ podTemplateSpec: { spec: { containers: [{}] } } }), group: null }),
      opts,
    );
    expect(ev.blocked).toMatchObject({ phase: "Failed", reason: "InvalidPodTemplateSpec" });
    expect(ev.warnings.map((w) => w.reason)).toEqual(["InvalidPodTemplateSpec"]);
    expect(types(ev)).toEqual(["Valid=True", "PodTemplateSpecValid=False"]);
  });

  it("composite refs: missing -> NotFound, Invalid -> errors joined", () => {
    const v = vmcp({ config: { compositeToolRefs: [{ name: "wf" }] } });
    expect(evaluate(world({ vmcp: v }), opts).blocked?.reason).toBe("CompositeToolRefNotFound");
    const bad = composite("wf", "wf", {
      validationStatus: "Invalid",
      validationErrors: ["cycle a->b", "bad template"],
    });
    const ev = evaluate(world({ vmcp: v, composites: [bad] }), opts);
    expect(ev.blocked?.reason).toBe("CompositeToolRefInvalid");
    expect(ev.blocked?.message).toContain("cycle a->b; bad template");
  });

  it("happy path: RBAC, status Lease, ConfigMap, Deployment, Service, PodDisruptionBudget in order", () => {
    const ev = evaluate(world({}), opts);
    expect(ev.blocked).toBeUndefined();
    expect(ev.objects.map((o) => `${o.kind}/${o.metadata?.name}`)).toEqual([
      "ServiceAccount/demo-vmcp",
      "Role/demo-vmcp",
      "RoleBinding/demo-vmcp",
      "Lease/demo-vmcp-status",
      "ConfigMap/demo-vmcp-config",
      "Deployment/demo",
      "Service/vmcp-demo",
      "PodDisruptionBudget/demo-vmcp",
    ]);
    expect(types(ev)).toEqual(
      expect.arrayContaining([
        "GroupRefValidated=True",
        "CompositeToolRefsValidated=True",
        "AuthConfigured=True",
        "ConfigGenerated=True",
      ]),
    );
  });

  it("refuses spec.serviceAccount naming an existing ServiceAccount: Failed, a Warning, nothing built", () => {
    const ev = evaluate(world({ vmcp: vmcp({ serviceAccount: "cluster-admin-sa" }) }), opts);
    expect(ev.objects).toEqual([]);
    expect(ev.blocked).toMatchObject({ phase: "Failed", reason: "ServiceAccountNotAllowed" });
    expect(ev.blocked?.message).toMatch(/^spec\.serviceAccount: not allowed \("cluster-admin-sa"\)/);
    expect(ev.warnings.map((w) => w.reason)).toEqual(["ServiceAccountNotAllowed"]);
    expect(types(ev)).toEqual(["Valid=True", "PodTemplateSpecValid=True", "ServiceAccountValid=False"]);
  });

  it("accepts spec.serviceAccount naming the generated ServiceAccount, and runs the pod as it", () => {
    const ev = evaluate(world({ vmcp: vmcp({ serviceAccount: "demo-vmcp" }) }), opts);
    expect(ev.blocked).toBeUndefined();
    const dep = ev.objects.find((o) => o.kind === "Deployment") as {
      spec: { template: { spec: { serviceAccountName: string } } };
    };
    expect(dep.spec.template.spec.serviceAccountName).toBe("demo-vmcp");
    expect(ev.objects.slice(0, 3).map((o) => o.kind)).toEqual(["ServiceAccount", "Role", "RoleBinding"]);
  });

  it("renders sessionStorage into the ConfigMap and the Redis password only as env from its Secret", () => {
    const spec = {
      sessionStorage: {
        provider: "redis",
        address: "redis.cache:6379",
        db: 2,
        keyPrefix: "team-a:",
        passwordRef: { name: "redis-auth", key: "password" },
      },
    };
    const ev = evaluate(world({ vmcp: vmcp(spec) }), opts);
    expect(ev.blocked).toBeUndefined();
    const cm = ev.objects.find((o) => o.kind === "ConfigMap") as { data: Record<string, string> };
    const yaml = Object.values(cm.data).join("\n");
    expect(parse(yaml).sessionStorage).toEqual({
      provider: "redis",
      address: "redis.cache:6379",
      db: 2,
      keyPrefix: "team-a:",
    });
    expect(yaml).not.toContain("redis-auth");
    const dep = ev.objects.find((o) => o.kind === "Deployment") as {
      spec: { template: { spec: { containers: { env: unknown[] }[] } } };
    };
    expect(dep.spec.template.spec.containers[0]?.env).toContainEqual({
      name: "VMCP_SESSION_REDIS_PASSWORD",
      valueFrom: { secretKeyRef: { name: "redis-auth", key: "password" } },
    });
  });

  it("budgets one eviction at a time, whatever the replicas (never a budget that blocks a drain)", () => {
    const pdb = (replicas?: number) =>
      evaluate(world({ vmcp: vmcp(replicas === undefined ? {} : { replicas }) }), opts).objects.find(
        (o) => o.kind === "PodDisruptionBudget",
      ) as { spec: unknown } | undefined;
    const oneAtATime = {
      maxUnavailable: 1,
      selector: { matchLabels: expect.objectContaining({ "toolhive-name": "demo" }) },
    };
    expect(pdb()?.spec).toEqual(oneAtATime);
    expect(pdb(3)?.spec).toEqual(oneAtATime);
    expect(pdb(1)?.spec).toEqual(oneAtATime);
  });

  it("rolls the pod template iff the config content changes", () => {
    const checksum = (w: ReturnType<typeof world>) => {
      const dep = evaluate(w, opts).objects.find((o) => o.kind === "Deployment") as {
        spec: { template: { metadata: { annotations: Record<string, string> } } };
      };
      return dep.spec.template.metadata.annotations["toolhive.stacklok.dev/runconfig-checksum"];
    };
    const inline = vmcp({ outgoingAuth: { source: "inline" } });
    const a = checksum(world({ vmcp: inline, entries: [entry("x")] }));
    expect(checksum(world({ vmcp: inline, entries: [entry("x")] }))).toBe(a);
    expect(checksum(world({ vmcp: inline, entries: [entry("x"), entry("y")] }))).not.toBe(a);
    // dynamic mode: membership is the runtime's business, no rollout
    expect(checksum(world({ entries: [entry("x")] }))).toBe(
      checksum(world({ entries: [entry("x"), entry("y")] })),
    );
  });

  it("a static VMCP without usable backends is blocked with a clear condition", () => {
    const ev = evaluate(world({ vmcp: vmcp({ outgoingAuth: { source: "inline" } }) }), opts);
    expect(ev.blocked?.reason).toBe("NoStaticBackends");
    expect(ev.conditions.at(-1)).toMatchObject({
      type: "ConfigGenerated",
      status: "False",
      reason: "NoStaticBackends",
    });
  });
});
