import { describe, expect, it } from "vitest";
import { compositeDefinitionStatus } from "../../../src/controllers/compositetooldefinition.ts";
import { mcpExternalAuthConfigStatus } from "../../../src/controllers/mcpexternalauthconfig.ts";
import { mcpGroupStatus } from "../../../src/controllers/mcpgroup.ts";
import { type EntryLookups, mcpServerEntryStatus } from "../../../src/controllers/mcpserverentry.ts";
import { mcpToolConfigStatus } from "../../../src/controllers/mcptoolconfig.ts";
import type { RawObject } from "../../../src/kit/kinds.ts";

const NOW = new Date("2026-11-21T12:00:00Z");
const LATER = new Date("2026-11-21T13:00:00Z");

function obj(kind: string, spec: Record<string, unknown>, status?: Record<string, unknown>): RawObject {
  return {
    apiVersion: "toolhive.stacklok.dev/v1beta1",
    kind,
    metadata: { name: "x", namespace: "ns", generation: 3 },
    spec,
    status,
  };
}

type Cond = { type: string; status: string; reason: string; message: string; lastTransitionTime: string };
const cond = (s: Record<string, unknown>, type: string) =>
  (s.conditions as Cond[]).find((c) => c.type === type);

describe("MCPGroup status", () => {
  it("lists members sorted with counts and is Ready even when empty", () => {
    const s = mcpGroupStatus(
      obj("MCPGroup", {}),
      { servers: ["b", "a"], remoteProxies: [], entries: ["e"] },
      NOW,
    );
    expect(s).toMatchObject({
      phase: "Ready",
      observedGeneration: 3,
      servers: ["a", "b"],
      serverCount: 2,
      remoteProxies: [],
      remoteProxyCount: 0,
      entries: ["e"],
      entryCount: 1,
    });
    expect(cond(s, "MCPServersChecked")).toMatchObject({
      status: "True",
      reason: "ListMCPServersCheckSucceeded",
    });
    const empty = mcpGroupStatus(obj("MCPGroup", {}), { servers: [], remoteProxies: [], entries: [] }, NOW);
    expect(empty.phase).toBe("Ready");
  });

  it("keeps lastTransitionTime of an unchanged condition, so the status compares equal", () => {
    const first = mcpGroupStatus(obj("MCPGroup", {}), { servers: [], remoteProxies: [], entries: [] }, NOW);
    const again = mcpGroupStatus(
      obj("MCPGroup", {}, first),
      { servers: ["a"], remoteProxies: [], entries: [] },
      LATER,
    );
    expect(cond(again, "MCPServersChecked")?.lastTransitionTime).toBe(
      cond(first, "MCPServersChecked")?.lastTransitionTime,
    );
  });
});

describe("MCPServerEntry status", () => {
  const all: EntryLookups = {
    groupExists: () => true,
    authConfigExists: () => true,
    configMapKeys: () => ["ca.crt"],
    secretKeys: () => ["token"],
  };
  const spec = {
    remoteUrl: "https://mcp.example.com/mcp",
    transport: "streamable-http",
    groupRef: { name: "g" },
    externalAuthConfigRef: { name: "auth" },
    caBundleRef: { configMapRef: { name: "ca", key: "ca.crt" } },
    headerForward: {
      addHeadersFromSecret: [{ headerName: "X-Token", valueSecretRef: { name: "s", key: "token" } }],
    },
  };

  it("is Valid when every reference resolves", () => {
    const s = mcpServerEntryStatus(obj("MCPServerEntry", spec), all, {}, NOW);
    expect(s.phase).toBe("Valid");
    for (const [type, reason] of [
      ["Valid", "ConfigValid"],
      ["GroupRefValidated", "GroupRefValid"],
      ["ExternalAuthConfigValidated", "AuthConfigValid"],
      ["CABundleRefValidated", "CABundleRefValid"],
      ["RemoteURLValidated", "RemoteURLValid"],
      ["HeaderSecretRefsValidated", "HeaderSecretsValid"],
    ]) {
      expect(cond(s, type as string)).toMatchObject({ status: "True", reason });
    }
  });

  it("says NotConfigured for optional references that are absent", () => {
    const s = mcpServerEntryStatus(
      obj("MCPServerEntry", { remoteUrl: "https://a.example", transport: "sse", groupRef: { name: "g" } }),
      all,
      {},
      NOW,
    );
    expect(s.phase).toBe("Valid");
    expect(cond(s, "ExternalAuthConfigValidated")?.reason).toBe("AuthConfigNotConfigured");
    expect(cond(s, "CABundleRefValidated")?.reason).toBe("CABundleRefNotConfigured");
  });

  it("is Failed with one reason per broken reference", () => {
    const s = mcpServerEntryStatus(
      obj("MCPServerEntry", { ...spec, remoteUrl: "http://169.254.169.254/latest" }),
      {
        groupExists: () => false,
        authConfigExists: () => false,
        configMapKeys: () => ["other"],
        secretKeys: () => undefined,
      },
      {},
      NOW,
    );
    expect(s.phase).toBe("Failed");
    expect(cond(s, "GroupRefValidated")).toMatchObject({ status: "False", reason: "GroupRefNotFound" });
    expect(cond(s, "ExternalAuthConfigValidated")).toMatchObject({
      status: "False",
      reason: "AuthConfigNotFound",
    });
    expect(cond(s, "CABundleRefValidated")).toMatchObject({
      status: "False",
      reason: "CABundleRefNotFound",
      message: "ConfigMap ca has no key ca.crt",
    });
    expect(cond(s, "RemoteURLValidated")).toMatchObject({ status: "False", reason: "RemoteURLInvalid" });
    expect(cond(s, "HeaderSecretRefsValidated")).toMatchObject({
      status: "False",
      reason: "HeaderSecretNotFound",
      message: "Secret s not found",
    });
    expect(cond(s, "Valid")?.reason).toBe("ConfigInvalid");
    expect(cond(s, "Valid")?.message).toContain("MCPGroup g not found");
  });
});

describe("MCPExternalAuthConfig status", () => {
  const spec = {
    type: "headerInjection",
    headerInjection: { headerName: "X-API-Key", valueSecretRef: { name: "key", key: "v" } },
  };

  it("is Valid with a configHash when the referenced Secret key exists", () => {
    const s = mcpExternalAuthConfigStatus(obj("MCPExternalAuthConfig", spec), () => ["v"], NOW);
    expect(cond(s, "Valid")).toMatchObject({ status: "True", reason: "ValidationSucceeded" });
    expect(s.configHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it("fails validation when the Secret or its key is missing (a rule CEL cannot express)", () => {
    expect(
      cond(
        mcpExternalAuthConfigStatus(obj("MCPExternalAuthConfig", spec), () => undefined, NOW),
        "Valid",
      ),
    ).toMatchObject({
      status: "False",
      reason: "ValidationFailed",
      message: "headerInjection.valueSecretRef: Secret key not found",
    });
    expect(
      cond(
        mcpExternalAuthConfigStatus(obj("MCPExternalAuthConfig", spec), () => ["other"], NOW),
        "Valid",
      )?.message,
    ).toBe("headerInjection.valueSecretRef: Secret key has no key v");
  });

  it("changes configHash when the spec changes and only then", () => {
    const a = mcpExternalAuthConfigStatus(obj("MCPExternalAuthConfig", spec), () => ["v"], NOW);
    const b = mcpExternalAuthConfigStatus(obj("MCPExternalAuthConfig", { ...spec }), () => undefined, LATER);
    const c = mcpExternalAuthConfigStatus(
      obj("MCPExternalAuthConfig", {
        ...spec,
        headerInjection: { ...spec.headerInjection, headerName: "X-Other" },
      }),
      () => ["v"],
      NOW,
    );
    expect(b.configHash).toBe(a.configHash);
    expect(c.configHash).not.toBe(a.configHash);
  });
});

describe("MCPToolConfig status", () => {
  it("is Valid for a plain filter/override", () => {
    const s = mcpToolConfigStatus(
      obj("MCPToolConfig", { toolsFilter: ["a"], toolsOverride: { a: { name: "b" } } }),
      NOW,
    );
    expect(cond(s, "Valid")?.status).toBe("True");
  });
  it("rejects two tools renamed to the same name", () => {
    const s = mcpToolConfigStatus(
      obj("MCPToolConfig", { toolsOverride: { a: { name: "same" }, b: { name: "same" } } }),
      NOW,
    );
    expect(cond(s, "Valid")).toMatchObject({
      status: "False",
      reason: "ValidationFailed",
      message: "toolsOverride: tools a, b are all renamed to same",
    });
  });
});

describe("VirtualMCPCompositeToolDefinition status", () => {
  it("is Invalid with the cycle as the error and reason DependencyCycle", () => {
    const s = compositeDefinitionStatus(
      obj("VirtualMCPCompositeToolDefinition", {
        name: "w",
        steps: [
          { id: "a", tool: "t.x", dependsOn: ["b"] },
          { id: "b", tool: "t.y", dependsOn: ["a"] },
        ],
      }),
      ["v2", "v1"],
      NOW,
    );
    expect(s).toMatchObject({
      validationStatus: "Invalid",
      validationErrors: ["dependency cycle: a -> b -> a"],
      referencingVirtualServers: ["v1", "v2"],
    });
    expect(cond(s, "WorkflowValidated")).toMatchObject({ status: "False", reason: "DependencyCycle" });
    expect(cond(s, "Ready")).toMatchObject({ status: "False", reason: "WorkflowNotReady" });
  });
  it("is Valid with empty errors for a good workflow", () => {
    const s = compositeDefinitionStatus(
      obj("VirtualMCPCompositeToolDefinition", { name: "w", steps: [{ id: "a", tool: "t.x" }] }),
      [],
      NOW,
    );
    expect(s).toMatchObject({
      validationStatus: "Valid",
      validationErrors: [],
      referencingVirtualServers: [],
    });
    expect(cond(s, "WorkflowValidated")?.reason).toBe("ValidationSuccess");
  });
});
