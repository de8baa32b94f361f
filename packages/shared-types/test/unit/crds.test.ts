import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { buildCrds, PRINTER_COLUMNS } from "../../src/crd/build.ts";
import { crdFileName, renderCrdFiles } from "../../src/crd/render.ts";
import { crdDrift, DEFAULT_CRD_DIR } from "../../src/generate-crds.ts";
import { KIND_INFO, KIND_NAMES } from "../../src/index.ts";
import { nodeAt, preservedPaths, structuralViolations } from "./structural.ts";

const crds = buildCrds();
const schemaOf = (kind: string) => {
  const crd = crds.find((c) => c.spec.names.kind === kind);
  if (!crd) throw new Error(kind);
  return crd.spec.versions[0]!.schema.openAPIV3Schema;
};

describe("generated CRDs", () => {
  it("one per kind, namespaced, v1beta1 served and stored, with a status subresource", () => {
    expect(crds.map((c) => c.spec.names.kind)).toEqual([...KIND_NAMES]);
    for (const crd of crds) {
      expect(crd.metadata.name).toBe(`${crd.spec.names.plural}.toolhive.stacklok.dev`);
      expect(crd.spec.scope).toBe("Namespaced");
      expect(crd.spec.versions).toHaveLength(1);
      expect(crd.spec.versions[0]).toMatchObject({
        name: "v1beta1",
        served: true,
        storage: true,
        subresources: { status: {} },
      });
      expect(crd.spec.names.categories).toEqual(["toolhive"]);
      expect(crd.spec.names.shortNames).toEqual(
        KIND_INFO[crd.spec.names.kind as keyof typeof KIND_INFO].shortNames,
      );
    }
  });

  it.each(KIND_NAMES)("%s schema is structural", (kind) => {
    expect(structuralViolations(schemaOf(kind))).toEqual([]);
  });

  it("the structural checker catches what the API server would refuse", () => {
    expect(structuralViolations({ type: "object", properties: { a: {} } })).toEqual([".a: no type"]);
    expect(
      structuralViolations({
        type: "object",
        properties: { a: { type: "string" } },
        additionalProperties: { type: "string" },
      }),
    ).toContain("<root>: properties next to additionalProperties");
    expect(
      structuralViolations({
        type: "array",
        items: { type: "object", properties: {} },
        "x-kubernetes-list-type": "map",
        "x-kubernetes-list-map-keys": ["name"],
      }),
    ).toContain("<root>: map key name is not an item property");
  });

  it("preserves unknown fields only where the content is free-form JSON", () => {
    const vmcp = preservedPaths(schemaOf("VirtualMCPServer"));
    expect(vmcp.sort()).toEqual(
      [
        ".spec.podTemplateSpec",
        ".spec.podTemplateSpec.spec",
        ".spec.config.compositeTools[].parameters",
        ".spec.config.compositeTools[].steps[].arguments",
        ".spec.config.compositeTools[].steps[].schema",
        ".spec.config.compositeTools[].steps[].defaultResults",
        ".spec.config.compositeTools[].steps[].step.arguments",
        ".spec.config.compositeTools[].output.properties{}.properties",
        ".spec.config.compositeTools[].output.properties{}.default",
      ].sort(),
    );
  });

  it("conditions and discoveredBackends are map lists, so two field managers can share them", () => {
    for (const kind of KIND_NAMES) {
      const conditions = nodeAt(schemaOf(kind), "status.conditions");
      expect(conditions?.["x-kubernetes-list-type"], kind).toBe("map");
      expect(conditions?.["x-kubernetes-list-map-keys"], kind).toEqual(["type"]);
    }
    const backends = nodeAt(schemaOf("VirtualMCPServer"), "status.discoveredBackends");
    expect(backends).toMatchObject({
      "x-kubernetes-list-type": "map",
      "x-kubernetes-list-map-keys": ["name"],
    });
    expect(nodeAt(schemaOf("MCPGroup"), "status.servers")?.["x-kubernetes-list-type"]).toBe("set");
    expect(nodeAt(schemaOf("MCPToolConfig"), "spec.toolsFilter")?.["x-kubernetes-list-type"]).toBe("set");
  });

  it("carries the ToolHive defaults for the API server to apply", () => {
    const vmcp = schemaOf("VirtualMCPServer");
    expect(nodeAt(vmcp, "spec.outgoingAuth.source")?.default).toBe("discovered");
    expect(nodeAt(vmcp, "spec.serviceType")?.default).toBe("ClusterIP");
    expect(nodeAt(vmcp, "spec.sessionAffinity")?.default).toBe("ClientIP");
    expect(nodeAt(vmcp, "spec.config.aggregation.conflictResolution")?.default).toBe("prefix");
    expect(nodeAt(vmcp, "status.phase")?.default).toBe("Pending");
    expect(nodeAt(vmcp, "spec.config.operational.failureHandling")?.default).toEqual({
      healthCheckInterval: "30s",
      unhealthyThreshold: 3,
      healthCheckTimeout: "10s",
      statusReportingInterval: "30s",
      partialFailureMode: "fail",
      circuitBreaker: { enabled: false, failureThreshold: 5, timeout: "60s" },
    });
    expect(nodeAt(schemaOf("MCPServerEntry"), "spec.transport")?.default).toBeUndefined();
  });

  it("has the cross-field CEL rules with ToolHive's messages", () => {
    const vmcp = schemaOf("VirtualMCPServer");
    expect(nodeAt(vmcp, "spec.incomingAuth")?.["x-kubernetes-validations"]).toEqual([
      {
        rule: "self.type != 'oidc' || has(self.oidcConfigRef)",
        message: "spec.incomingAuth.oidcConfigRef is required when type is oidc",
        fieldPath: ".oidcConfigRef",
        reason: "FieldValueRequired",
      },
      {
        rule: "!(has(self.authzConfig) && has(self.authzConfigRef))",
        message:
          "authzConfig and authzConfigRef are mutually exclusive; use authzConfigRef to reference a shared MCPAuthzConfig",
        fieldPath: ".authzConfigRef",
        reason: "FieldValueForbidden",
      },
    ]);
    const auth = nodeAt(schemaOf("MCPExternalAuthConfig"), "spec");
    expect(auth?.["x-kubernetes-validations"]?.map((r) => r.fieldPath)).toEqual([
      ".headerInjection",
      ".bearerToken",
      ".tokenExchange",
    ]);
  });

  it("printer columns match ToolHive's", () => {
    const vmcp = crds.find((c) => c.spec.names.kind === "VirtualMCPServer")!;
    expect(vmcp.spec.versions[0]!.additionalPrinterColumns).toEqual([
      { name: "Phase", type: "string", jsonPath: ".status.phase" },
      { name: "URL", type: "string", jsonPath: ".status.url" },
      { name: "Backends", type: "integer", jsonPath: ".status.backendCount" },
      { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
      { name: "Ready", type: "string", jsonPath: ".status.conditions[?(@.type=='Ready')].status" },
    ]);
    for (const kind of KIND_NAMES) {
      expect(
        PRINTER_COLUMNS[kind].some((c) => c.name === "Age"),
        kind,
      ).toBe(true);
    }
  });

  it("is deterministic", () => {
    expect(renderCrdFiles(buildCrds())).toEqual(renderCrdFiles(buildCrds()));
  });
});

describe("committed crds/", () => {
  // Fails when a schema changed without `make crds`.
  it("equals the generator's output (run `make crds` after changing a schema)", () => {
    expect(crdDrift()).toEqual({ missing: [], changed: [], extra: [] });
  });

  it("each file parses back to the CRD it was generated from", () => {
    const files = readdirSync(DEFAULT_CRD_DIR).filter((f) => f.endsWith(".yaml"));
    expect(files.sort()).toEqual(crds.map(crdFileName).sort());
    for (const crd of crds) {
      expect(parse(readFileSync(join(DEFAULT_CRD_DIR, crdFileName(crd)), "utf8"))).toEqual(crd);
    }
  });
});
