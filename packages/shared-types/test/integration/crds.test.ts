// The generated CRDs on a real API server: full objects round-trip with the server's defaults equal
// to zod's, and invalid objects are rejected naming the offending field.
import { execFileSync } from "node:child_process";
import type { KubeConfig } from "@kubernetes/client-node";
import { createNamespace, ensureBinaries, type TestNamespace } from "@vmcp/testenv";
import { testKubeConfig } from "@vmcp/testenv/vitest";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type * as z from "zod";
import {
  KIND_NAMES,
  type KindName,
  MCPAuthzConfigSpecSchema,
  MCPAuthzConfigStatusSchema,
  MCPExternalAuthConfigSpecSchema,
  MCPExternalAuthConfigStatusSchema,
  MCPGroupSpecSchema,
  MCPGroupStatusSchema,
  MCPOIDCConfigSpecSchema,
  MCPOIDCConfigStatusSchema,
  MCPRemoteProxySpecSchema,
  MCPRemoteProxyStatusSchema,
  MCPServerEntrySpecSchema,
  MCPServerEntryStatusSchema,
  MCPServerSpecSchema,
  MCPServerStatusSchema,
  MCPTelemetryConfigSpecSchema,
  MCPTelemetryConfigStatusSchema,
  MCPToolConfigSpecSchema,
  MCPToolConfigStatusSchema,
  VirtualMCPCompositeToolDefinitionSpecSchema,
  VirtualMCPCompositeToolDefinitionStatusSchema,
  VirtualMCPServerSchema,
  VirtualMCPServerSpecSchema,
  VirtualMCPServerStatusSchema,
} from "../../src/index.ts";
import { INVALID_CASES, invalidObject, minimalObjects, validObjects } from "../fixtures/objects.ts";
import { client, rejection } from "./kube.ts";

const SPEC_SCHEMAS: Record<KindName, z.ZodType> = {
  VirtualMCPServer: VirtualMCPServerSpecSchema,
  MCPGroup: MCPGroupSpecSchema,
  MCPServer: MCPServerSpecSchema,
  MCPRemoteProxy: MCPRemoteProxySpecSchema,
  MCPServerEntry: MCPServerEntrySpecSchema,
  MCPExternalAuthConfig: MCPExternalAuthConfigSpecSchema,
  MCPToolConfig: MCPToolConfigSpecSchema,
  VirtualMCPCompositeToolDefinition: VirtualMCPCompositeToolDefinitionSpecSchema,
  MCPAuthzConfig: MCPAuthzConfigSpecSchema,
  MCPOIDCConfig: MCPOIDCConfigSpecSchema,
  MCPTelemetryConfig: MCPTelemetryConfigSpecSchema,
};

const STATUS_SCHEMAS: Record<KindName, z.ZodType> = {
  VirtualMCPServer: VirtualMCPServerStatusSchema,
  MCPGroup: MCPGroupStatusSchema,
  MCPServer: MCPServerStatusSchema,
  MCPRemoteProxy: MCPRemoteProxyStatusSchema,
  MCPServerEntry: MCPServerEntryStatusSchema,
  MCPExternalAuthConfig: MCPExternalAuthConfigStatusSchema,
  MCPToolConfig: MCPToolConfigStatusSchema,
  VirtualMCPCompositeToolDefinition: VirtualMCPCompositeToolDefinitionStatusSchema,
  MCPAuthzConfig: MCPAuthzConfigStatusSchema,
  MCPOIDCConfig: MCPOIDCConfigStatusSchema,
  MCPTelemetryConfig: MCPTelemetryConfigStatusSchema,
};

type Stored = {
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
  metadata: { generation?: number };
};

let kc: KubeConfig;
let ns: TestNamespace;
let api: ReturnType<typeof client>;

beforeAll(async () => {
  kc = testKubeConfig();
  ns = await createNamespace(kc, "shared-types-crds");
  api = client(kc);
});
afterAll(async () => {
  await ns?.delete();
});

describe("round trip", () => {
  it.each(KIND_NAMES)("%s: a full object comes back as zod parses it", async (kind) => {
    const sent = validObjects()[kind];
    await api.create(kind, ns.name, sent);
    const stored = (await api.get(kind, ns.name, sent.metadata.name)) as Stored;
    expect(stored.spec).toEqual(SPEC_SCHEMAS[kind].parse(sent.spec));
  });

  it.each(KIND_NAMES)("%s: the server applies the same defaults as zod", async (kind) => {
    const sent = minimalObjects()[kind];
    await api.create(kind, ns.name, sent);
    const stored = (await api.get(kind, ns.name, sent.metadata.name)) as Stored;
    expect(stored.spec).toEqual(SPEC_SCHEMAS[kind].parse(sent.spec ?? {}));
  });

  it("names the ToolHive defaults a user relies on", async () => {
    const vmcp = (await api.get("VirtualMCPServer", ns.name, "vmcp-min")) as Stored;
    expect(vmcp.spec).toMatchObject({
      outgoingAuth: { source: "discovered" },
      serviceType: "ClusterIP",
      sessionAffinity: "ClientIP",
      config: {
        aggregation: {
          conflictResolution: "prefix",
          conflictResolutionConfig: { prefixFormat: "{workload}_" },
        },
        operational: {
          timeouts: { default: "30s" },
          failureHandling: {
            healthCheckInterval: "30s",
            unhealthyThreshold: 3,
            healthCheckTimeout: "10s",
            statusReportingInterval: "30s",
            partialFailureMode: "fail",
            circuitBreaker: { enabled: false, failureThreshold: 5, timeout: "60s" },
          },
        },
      },
    });
    const server = (await api.get("MCPServer", ns.name, "bare")) as Stored;
    expect(server.spec).toEqual({ transport: "stdio", proxyMode: "streamable-http", proxyPort: 8080 });
    const proxy = (await api.get("MCPRemoteProxy", ns.name, "bare")) as Stored;
    expect(proxy.spec).toMatchObject({
      transport: "streamable-http",
      proxyPort: 8080,
      allowPrivateEndpoint: false,
    });
    const entry = (await api.get("MCPServerEntry", ns.name, "bare")) as Stored;
    expect(entry.spec).toMatchObject({ caBundleRef: { configMapRef: { name: "ca", key: "ca.crt" } } });
    const def = (await api.get("VirtualMCPCompositeToolDefinition", ns.name, "bare")) as Stored;
    expect(def.spec).toMatchObject({ steps: [{ id: "only", type: "tool", tool: "echo" }] });
  });

  it("status: written through the subresource, phase defaults to Pending, capabilities kept", async () => {
    const current = (await api.get("VirtualMCPServer", ns.name, "vmcp-full")) as Stored;
    const status = {
      observedGeneration: current.metadata.generation,
      message: "1/1 backends routable",
      url: "http://vmcp-vmcp-full.ns.svc.cluster.local:4483",
      backendCount: 1,
      capabilities: { toolCount: 4, resourceCount: 1, promptCount: 0, compositeToolCount: 2 },
      discoveredBackends: [
        {
          name: "github",
          url: "http://mcp-github-proxy.ns.svc.cluster.local:9090/sse#github",
          status: "ready",
          authConfigRef: "gh-token",
          authType: "token_exchange",
          lastHealthCheck: "2026-11-21T10:00:00Z",
          message: "Healthy",
          circuitBreakerState: "closed",
          circuitLastChanged: "2026-11-21T09:00:00Z",
          consecutiveFailures: 0,
          mcpRevision: "2025-11-25",
        },
      ],
      conditions: [
        {
          type: "Ready",
          status: "True",
          reason: "AllBackendsRoutable",
          message: "All backends routable",
          lastTransitionTime: "2026-11-21T10:00:00Z",
          observedGeneration: current.metadata.generation,
        },
      ],
    };
    await api.replaceStatus("VirtualMCPServer", ns.name, "vmcp-full", { ...current, status });
    const stored = await api.get("VirtualMCPServer", ns.name, "vmcp-full");
    const parsed = VirtualMCPServerSchema.parse(stored);
    expect(parsed.status).toEqual({ ...status, phase: "Pending" });
    expect((stored as Stored).status?.phase).toBe("Pending");
  });

  const cond = (type: string, reason: string) => ({
    type,
    status: "True",
    reason,
    message: "",
    lastTransitionTime: "2026-11-21T10:00:00Z",
  });
  const STATUSES: [KindName, Record<string, unknown>][] = [
    [
      "MCPGroup",
      {
        servers: ["github"],
        serverCount: 1,
        remoteProxies: [],
        remoteProxyCount: 0,
        entries: ["docs"],
        entryCount: 1,
        conditions: [cond("MCPServersChecked", "ListMCPServersCheckSucceeded")],
      },
    ],
    [
      "MCPServer",
      {
        phase: "Ready",
        url: "http://mcp-github-proxy.ns.svc.cluster.local:9090/sse#github",
        readyReplicas: 1,
      },
    ],
    [
      "MCPRemoteProxy",
      {
        phase: "Ready",
        url: "http://mcp-remote-remote-proxy.ns.svc.cluster.local:8443",
        externalUrl: "https://r.example.com",
      },
    ],
    ["MCPServerEntry", { phase: "Valid", observedGeneration: 1, conditions: [cond("Valid", "ConfigValid")] }],
    ["MCPExternalAuthConfig", { configHash: "abc123", conditions: [cond("Valid", "ValidationSucceeded")] }],
    ["MCPToolConfig", { configHash: "def456", observedGeneration: 1 }],
    [
      "VirtualMCPCompositeToolDefinition",
      {
        validationStatus: "Valid",
        validationErrors: [],
        referencingVirtualServers: ["vmcp-full"],
        conditions: [cond("WorkflowValidated", "ValidationSuccess")],
      },
    ],
  ];

  it.each(STATUSES)(
    "%s status: written through the subresource and read back as zod parses it",
    async (kind, status) => {
      const name = validObjects()[kind].metadata.name;
      const current = (await api.get(kind, ns.name, name)) as Stored;
      await api.replaceStatus(kind, ns.name, name, { ...current, status });
      const stored = (await api.get(kind, ns.name, name)) as Stored;
      expect(stored.status).toEqual(STATUS_SCHEMAS[kind].parse(status));
    },
  );

  it("status: a duplicate backend name and an unknown backend status are rejected", async () => {
    const current = (await api.get("VirtualMCPServer", ns.name, "vmcp-full")) as Stored;
    const dup = await rejection(
      api.replaceStatus("VirtualMCPServer", ns.name, "vmcp-full", {
        ...current,
        status: { discoveredBackends: [{ name: "a" }, { name: "a" }] },
      }),
    );
    expect(dup.fields).toContain("status.discoveredBackends[1]");
    const bad = await rejection(
      api.replaceStatus("VirtualMCPServer", ns.name, "vmcp-full", {
        ...current,
        status: { discoveredBackends: [{ name: "a", status: "healthy" }] },
      }),
    );
    expect(bad.fields).toContain("status.discoveredBackends[0].status");
  });
});

describe("rejections", () => {
  it("covers at least 30 invalid objects", () => {
    expect(INVALID_CASES.length).toBeGreaterThanOrEqual(30);
  });

  it.each(INVALID_CASES.map((c, i) => [c.name, c, i] as const))("%s", async (_name, c, i) => {
    const body = invalidObject(c, `invalid-${i}`);
    const error = await rejection(api.create(c.kind, ns.name, body));
    // Schema/CEL errors come back as 422 with causes; unknown fields (Strict) as 400 naming the field.
    if (error.status === 400) expect(error.message).toContain(`unknown field "${c.field}"`);
    else {
      expect(error.status).toBe(422);
      expect(error.fields, error.message).toContain(c.field);
    }
  });
});

describe("kubectl", () => {
  it("get vmcp shows the printer columns", async () => {
    const { kubectl } = await ensureBinaries();
    const out = execFileSync(
      kubectl,
      ["--kubeconfig", inject("kubeconfigPath"), "get", "vmcp", "-n", ns.name, "vmcp-full"],
      { encoding: "utf8" },
    );
    const [header, row] = out.trim().split("\n");
    expect(header?.split(/\s+/)).toEqual(["NAME", "PHASE", "URL", "BACKENDS", "AGE", "READY"]);
    expect(row).toMatch(/^vmcp-full\s+Pending\s+http:\/\/vmcp-vmcp-full\S+\s+1\s+\S+\s+True$/);
  });

  it("short names and the toolhive category resolve", async () => {
    const { kubectl } = await ensureBinaries();
    const run = (...args: string[]) =>
      execFileSync(kubectl, ["--kubeconfig", inject("kubeconfigPath"), "-n", ns.name, ...args], {
        encoding: "utf8",
      });
    expect(run("get", "extauth", "-o", "name")).toContain(
      "mcpexternalauthconfig.toolhive.stacklok.dev/gh-token",
    );
    expect(run("get", "compositetool", "-o", "name")).toContain("shared-workflow");
    const all = run("get", "toolhive", "-o", "name");
    for (const kind of [
      "virtualmcpserver",
      "mcpgroup",
      "mcpserver",
      "mcpremoteproxy",
      "mcpserverentry",
      "mcptoolconfig",
    ]) {
      expect(all).toContain(`${kind}.toolhive.stacklok.dev/`);
    }
  });
});
