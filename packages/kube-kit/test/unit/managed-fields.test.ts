import { describe, expect, it } from "vitest";
import { appliedFieldSet, needsApply } from "../../src/managed-fields.ts";

const ME = "vmcp-operator";

// What we apply: a Deployment with one container, two env vars, a port, an annotation and an
// atomic label selector.
function desired(): Record<string, unknown> {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: {
      name: "demo",
      namespace: "ns",
      annotations: { "example.com/checksum": "abc" },
      ownerReferences: [{ apiVersion: "v1", kind: "X", name: "demo", uid: "u-1", controller: true }],
    },
    spec: {
      selector: { matchLabels: { app: "demo" } },
      template: {
        metadata: { labels: { app: "demo" } },
        spec: {
          containers: [
            {
              name: "vmcp",
              image: "vmcp:1",
              args: ["--config", "/etc/vmcp"],
              env: [
                { name: "A", value: "1" },
                { name: "B", value: "2" },
              ],
              ports: [{ name: "http", containerPort: 4483, protocol: "TCP" }],
            },
          ],
          volumes: [{ name: "config", configMap: { name: "demo-config" } }],
        },
      },
    },
  };
}

// The FieldsV1 the API server records for that apply (shape copied from a real kube-apiserver).
function ownedFields(): Record<string, unknown> {
  return {
    "f:metadata": {
      "f:annotations": { "f:example.com/checksum": {} },
      "f:ownerReferences": {
        // An owner reference is an atomic struct: its entry lists no fields.
        'k:{"uid":"u-1"}': {},
      },
    },
    "f:spec": {
      "f:selector": {},
      "f:template": {
        "f:metadata": { "f:labels": { "f:app": {} } },
        "f:spec": {
          "f:containers": {
            'k:{"name":"vmcp"}': {
              ".": {},
              "f:args": {},
              "f:env": {
                'k:{"name":"A"}': { ".": {}, "f:name": {}, "f:value": {} },
                'k:{"name":"B"}': { ".": {}, "f:name": {}, "f:value": {} },
              },
              "f:image": {},
              "f:name": {},
              "f:ports": {
                'k:{"containerPort":4483,"protocol":"TCP"}': {
                  ".": {},
                  "f:containerPort": {},
                  "f:name": {},
                  "f:protocol": {},
                },
              },
            },
          },
          "f:volumes": {
            'k:{"name":"config"}': { ".": {}, "f:configMap": { "f:name": {} }, "f:name": {} },
          },
        },
      },
    },
  };
}
// The live object: what we applied plus server defaults and other managers' fields.
function live(fields = ownedFields(), d = desired()): Record<string, unknown> {
  const obj = structuredClone(d) as Record<string, Record<string, unknown>>;
  const meta = obj.metadata as Record<string, unknown>;
  meta.uid = "server-uid";
  meta.resourceVersion = "42";
  meta.generation = 3;
  (meta.annotations as Record<string, string>)["deployment.kubernetes.io/revision"] = "2";
  meta.managedFields = [
    { manager: ME, operation: "Apply", fieldsType: "FieldsV1", fieldsV1: fields },
    {
      manager: "kube-controller-manager",
      operation: "Update",
      fieldsType: "FieldsV1",
      fieldsV1: { "f:metadata": { "f:annotations": { "f:deployment.kubernetes.io/revision": {} } } },
    },
  ];
  const spec = obj.spec as Record<string, unknown>;
  spec.replicas = 1;
  spec.revisionHistoryLimit = 10;
  const c = container(obj);
  c.imagePullPolicy = "IfNotPresent";
  c.terminationMessagePath = "/dev/termination-log";
  obj.status = { replicas: 1 };
  return obj;
}

type Json = Record<string, unknown>;

/** The object at `path` below `obj` (a test fixture bug when missing). */
function at(obj: Json, ...path: (string | number)[]): Json {
  let cur: unknown = obj;
  for (const p of path) cur = (cur as Record<string | number, unknown> | undefined)?.[p];
  if (typeof cur !== "object" || cur === null) throw new Error(`fixture has no ${path.join(".")}`);
  return cur as Json;
}

const container = (d: Json): Json => at(d, "spec", "template", "spec", "containers", 0);

describe("needsApply (decide from the fields our manager owns)", () => {
  it("unchanged: server defaults and other managers' fields do not cause a write", () => {
    expect(needsApply(desired(), live(), ME)).toBe(false);
  });

  it("a removed env entry causes a write", () => {
    const d = desired();
    container(d).env = [{ name: "A", value: "1" }];
    expect(needsApply(d, live(), ME)).toBe(true);
  });

  it("a removed annotation causes a write", () => {
    const d = desired();
    (d.metadata as Record<string, unknown>).annotations = undefined;
    expect(needsApply(d, live(), ME)).toBe(true);
  });

  it("an added field or entry causes a write", () => {
    const d = desired();
    container(d).env = [
      { name: "A", value: "1" },
      { name: "B", value: "2" },
      { name: "C", value: "3" },
    ];
    expect(needsApply(d, live(), ME)).toBe(true);
    const d2 = desired();
    container(d2).workingDir = "/tmp";
    expect(needsApply(d2, live(), ME)).toBe(true);
  });

  it("replicas set by another manager (an autoscaler on the scale subresource) does not cause a write", () => {
    const l = live();
    (l.spec as Record<string, unknown>).replicas = 7;
    (l.metadata as { managedFields: unknown[] }).managedFields.push({
      manager: "horizontal-pod-autoscaler",
      operation: "Update",
      subresource: "scale",
      fieldsType: "FieldsV1",
      fieldsV1: { "f:spec": { "f:replicas": {} } },
    });
    expect(needsApply(desired(), l, ME)).toBe(false);
  });

  it("drift of a field we own causes a write (a changed env value, image, or selector)", () => {
    const l = live();
    ((container(l).env as Record<string, unknown>[])[1] as Record<string, unknown>).value = "changed";
    expect(needsApply(desired(), l, ME)).toBe(true);
    const l2 = live();
    container(l2).image = "other:2";
    expect(needsApply(desired(), l2, ME)).toBe(true);
    const l3 = live();
    ((l3.spec as Record<string, unknown>).selector as Record<string, unknown>).matchLabels = {
      app: "demo",
      extra: "x",
    };
    expect(needsApply(desired(), l3, ME)).toBe(true);
  });

  it("a changed desired value causes a write (an atomic list, an entry owned whole)", () => {
    const d = desired();
    container(d).args = ["--config", "/etc/other"];
    expect(needsApply(d, live(), ME)).toBe(true);
    const d2 = desired();
    const meta = d2.metadata as { ownerReferences: Record<string, unknown>[] };
    meta.ownerReferences = [{ ...meta.ownerReferences[0], blockOwnerDeletion: true }];
    expect(needsApply(d2, live(), ME)).toBe(true);
  });

  it("anything uncertain applies: no live object, no managed fields of ours, positional lists", () => {
    expect(needsApply(desired(), undefined, ME)).toBe(true);
    expect(needsApply(desired(), live(), "someone-else")).toBe(true);
    const l = live();
    (l.metadata as Record<string, unknown>).managedFields = undefined;
    expect(needsApply(desired(), l, ME)).toBe(true);
    const fields = ownedFields();
    at(fields, "f:spec", "f:template", "f:spec")["f:volumes"] = { "i:0": {} };
    expect(needsApply(desired(), live(fields), ME)).toBe(true);
  });

  it("a list entry keyed without its defaulted key field matches the server's key (protocol TCP)", () => {
    const d = desired();
    container(d).ports = [{ name: "http", containerPort: 4483 }];
    const l = live();
    // Live holds the defaulted protocol; our field set lists only what we sent.
    const fields = ownedFields();
    at(fields, "f:spec", "f:template", "f:spec", "f:containers", 'k:{"name":"vmcp"}')["f:ports"] = {
      'k:{"containerPort":4483,"protocol":"TCP"}': { ".": {}, "f:containerPort": {}, "f:name": {} },
    };
    (l.metadata as Record<string, unknown>).managedFields = [
      { manager: ME, operation: "Apply", fieldsType: "FieldsV1", fieldsV1: fields },
    ];
    expect(needsApply(d, l, ME)).toBe(false);
  });

  it("only our Apply entry on the main resource counts, not our status writes", () => {
    const l = live();
    (l.metadata as Record<string, unknown>).managedFields = [
      { manager: ME, operation: "Apply", subresource: "status", fieldsType: "FieldsV1", fieldsV1: {} },
    ];
    expect(appliedFieldSet(l, ME)).toBeUndefined();
    expect(needsApply(desired(), l, ME)).toBe(true);
  });
});
