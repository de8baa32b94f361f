// Typed test objects built through the real zod schemas, so defaults match what the operator reads.
import {
  API_VERSION,
  MCPExternalAuthConfigSchema,
  MCPGroupSchema,
  MCPOIDCConfigSchema,
  MCPRemoteProxySchema,
  MCPServerEntrySchema,
  MCPServerSchema,
  MCPTelemetryConfigSchema,
  MCPToolConfigSchema,
  VirtualMCPCompositeToolDefinitionSchema,
  VirtualMCPServerSchema,
} from "@vmcp/shared-types";
import type { VmcpWorld } from "../../../src/builders/world.ts";

export const NS = "team-a";
const meta = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  namespace: NS,
  uid: `uid-${name}`,
  ...extra,
});

export const vmcp = (spec: Record<string, unknown> = {}, name = "demo") =>
  VirtualMCPServerSchema.parse({
    apiVersion: API_VERSION,
    kind: "VirtualMCPServer",
    metadata: meta(name, { generation: 3 }),
    spec: { groupRef: { name: "tools" }, incomingAuth: { type: "anonymous" }, ...spec },
  });

export const group = (phase = "Ready", name = "tools") =>
  MCPGroupSchema.parse({
    apiVersion: API_VERSION,
    kind: "MCPGroup",
    metadata: meta(name),
    spec: {},
    status: { phase },
  });

export const server = (
  name: string,
  spec: Record<string, unknown> = {},
  status: Record<string, unknown> = {},
) =>
  MCPServerSchema.parse({
    apiVersion: API_VERSION,
    kind: "MCPServer",
    metadata: meta(name),
    spec: { groupRef: { name: "tools" }, ...spec },
    status,
  });

export const proxy = (
  name: string,
  spec: Record<string, unknown> = {},
  status: Record<string, unknown> = {},
) =>
  MCPRemoteProxySchema.parse({
    apiVersion: API_VERSION,
    kind: "MCPRemoteProxy",
    metadata: meta(name),
    spec: { groupRef: { name: "tools" }, remoteUrl: "https://remote.example.com/mcp", ...spec },
    status,
  });

export const entry = (name: string, spec: Record<string, unknown> = {}, phase = "Valid") =>
  MCPServerEntrySchema.parse({
    apiVersion: API_VERSION,
    kind: "MCPServerEntry",
    metadata: meta(name),
    spec: {
      groupRef: { name: "tools" },
      remoteUrl: `https://${name}.example.com/mcp`,
      transport: "streamable-http",
      ...spec,
    },
    status: { phase },
  });

export const authConfig = (
  name: string,
  spec: Record<string, unknown>,
  status: Record<string, unknown> = {},
) =>
  MCPExternalAuthConfigSchema.parse({
    apiVersion: API_VERSION,
    kind: "MCPExternalAuthConfig",
    metadata: meta(name),
    spec,
    status,
  });

export const headerAuth = (name: string, secret = "api-keys", key = "token") =>
  authConfig(name, {
    type: "headerInjection",
    headerInjection: { headerName: "X-API-Key", valueSecretRef: { name: secret, key } },
  });

export const toolConfig = (name: string, spec: Record<string, unknown>) =>
  MCPToolConfigSchema.parse({ apiVersion: API_VERSION, kind: "MCPToolConfig", metadata: meta(name), spec });

export const composite = (name: string, toolName = name, status: Record<string, unknown> = {}) =>
  VirtualMCPCompositeToolDefinitionSchema.parse({
    apiVersion: API_VERSION,
    kind: "VirtualMCPCompositeToolDefinition",
    metadata: meta(name),
    spec: { name: toolName, description: "a workflow", steps: [{ id: "s1", tool: "a_fetch" }] },
    status,
  });

export const oidcConfig = (name: string, spec: Record<string, unknown>) =>
  MCPOIDCConfigSchema.parse({ apiVersion: API_VERSION, kind: "MCPOIDCConfig", metadata: meta(name), spec });

export const telemetryConfig = (name: string, spec: Record<string, unknown>) =>
  MCPTelemetryConfigSchema.parse({
    apiVersion: API_VERSION,
    kind: "MCPTelemetryConfig",
    metadata: meta(name),
    spec,
  });

const mapOf = <T extends { metadata: { name?: string | undefined } }>(xs: T[]): Map<string, T> =>
  new Map(xs.map((x) => [x.metadata.name ?? "", x]));

export function world(parts: {
  vmcp?: ReturnType<typeof vmcp>;
  group?: ReturnType<typeof group> | null;
  servers?: ReturnType<typeof server>[];
  proxies?: ReturnType<typeof proxy>[];
  entries?: ReturnType<typeof entry>[];
  authConfigs?: ReturnType<typeof authConfig>[];
  toolConfigs?: ReturnType<typeof toolConfig>[];
  composites?: ReturnType<typeof composite>[];
  oidcConfigs?: ReturnType<typeof oidcConfig>[];
  telemetryConfigs?: ReturnType<typeof telemetryConfig>[];
}): VmcpWorld {
  return {
    vmcp: parts.vmcp ?? vmcp(),
    group: parts.group === null ? undefined : (parts.group ?? group()),
    servers: parts.servers ?? [],
    proxies: parts.proxies ?? [],
    entries: parts.entries ?? [],
    authConfigs: mapOf(parts.authConfigs ?? []),
    toolConfigs: mapOf(parts.toolConfigs ?? []),
    compositeDefs: mapOf(parts.composites ?? []),
    oidcConfigs: mapOf(parts.oidcConfigs ?? []),
    telemetryConfigs: mapOf(parts.telemetryConfigs ?? []),
  };
}
