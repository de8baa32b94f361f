// Names, short names and categories of the kinds.
export const KIND_NAMES = [
  "VirtualMCPServer",
  "MCPGroup",
  "MCPServer",
  "MCPRemoteProxy",
  "MCPServerEntry",
  "MCPExternalAuthConfig",
  "MCPToolConfig",
  "VirtualMCPCompositeToolDefinition",
  "MCPAuthzConfig",
  "MCPOIDCConfig",
  "MCPTelemetryConfig",
] as const;
export type KindName = (typeof KIND_NAMES)[number];

export interface KindInfo {
  kind: KindName;
  plural: string;
  singular: string;
  shortNames: readonly string[];
  categories: readonly string[];
}

const info = (kind: KindName, plural: string, shortNames: string[]): KindInfo => ({
  kind,
  plural,
  singular: kind.toLowerCase(),
  shortNames,
  categories: ["toolhive"],
});

export const KIND_INFO: Record<KindName, KindInfo> = {
  VirtualMCPServer: info("VirtualMCPServer", "virtualmcpservers", ["vmcp", "virtualmcp"]),
  MCPGroup: info("MCPGroup", "mcpgroups", ["mcpg", "mcpgroup"]),
  MCPServer: info("MCPServer", "mcpservers", ["mcpserver", "mcpservers"]),
  MCPRemoteProxy: info("MCPRemoteProxy", "mcpremoteproxies", ["rp", "mcprp"]),
  MCPServerEntry: info("MCPServerEntry", "mcpserverentries", ["mcpentry"]),
  MCPExternalAuthConfig: info("MCPExternalAuthConfig", "mcpexternalauthconfigs", ["extauth", "mcpextauth"]),
  MCPToolConfig: info("MCPToolConfig", "mcptoolconfigs", ["tc", "toolconfig"]),
  VirtualMCPCompositeToolDefinition: info(
    "VirtualMCPCompositeToolDefinition",
    "virtualmcpcompositetooldefinitions",
    ["vmcpctd", "compositetool"],
  ),
  MCPAuthzConfig: info("MCPAuthzConfig", "mcpauthzconfigs", ["authzcfg"]),
  MCPOIDCConfig: info("MCPOIDCConfig", "mcpoidcconfigs", ["mcpoidc"]),
  MCPTelemetryConfig: info("MCPTelemetryConfig", "mcptelemetryconfigs", ["mcpotel"]),
};
