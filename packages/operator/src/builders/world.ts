import type {
  MCPExternalAuthConfig,
  MCPGroup,
  MCPOIDCConfig,
  MCPRemoteProxy,
  MCPServer,
  MCPServerEntry,
  MCPTelemetryConfig,
  MCPToolConfig,
  VirtualMCPCompositeToolDefinition,
  VirtualMCPServer,
} from "@vmcp/shared-types";
import type { AuthzInputs } from "./authz.ts";

/**
 * Everything one VirtualMCPServer's desired state depends on, read from the informer caches in a
 * single pass so every builder sees the same snapshot. Members are the group's MCPServers,
 * MCPRemoteProxies and MCPServerEntries (by spec.groupRef.name), in any order.
 */
export interface VmcpWorld {
  vmcp: VirtualMCPServer;
  group: MCPGroup | undefined;
  servers: MCPServer[];
  proxies: MCPRemoteProxy[];
  entries: MCPServerEntry[];
  authConfigs: ReadonlyMap<string, MCPExternalAuthConfig>;
  toolConfigs: ReadonlyMap<string, MCPToolConfig>;
  compositeDefs: ReadonlyMap<string, VirtualMCPCompositeToolDefinition>;
  /** What spec.incomingAuth's authorization refers to; absent means nothing is referenced. */
  authz?: AuthzInputs;
  /** MCPOIDCConfigs of the namespace, by name; absent means none. */
  oidcConfigs?: ReadonlyMap<string, MCPOIDCConfig>;
  /** MCPTelemetryConfigs of the namespace, by name; absent means none. */
  telemetryConfigs?: ReadonlyMap<string, MCPTelemetryConfig>;
}

/** Objects of one namespace keyed by name: how the builders look up a reference. */
export const byNameMap = <T extends { metadata: { name?: string | undefined } }>(
  items: T[],
): Map<string, T> => new Map(items.map((i) => [i.metadata.name ?? "", i]));

export const byName = <T extends { metadata: { name?: string | undefined } }>(a: T, b: T): number => {
  const x = a.metadata.name ?? "";
  const y = b.metadata.name ?? "";
  return x < y ? -1 : x > y ? 1 : 0;
};
