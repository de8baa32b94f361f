import type * as z from "zod";
import type { KindName } from "./info.ts";
import { MCPAuthzConfigSchema } from "./mcp-authz-config.ts";
import { MCPExternalAuthConfigSchema } from "./mcp-external-auth-config.ts";
import { MCPGroupSchema } from "./mcp-group.ts";
import { MCPOIDCConfigSchema } from "./mcp-oidc-config.ts";
import { MCPRemoteProxySchema } from "./mcp-remote-proxy.ts";
import { MCPServerSchema } from "./mcp-server.ts";
import { MCPServerEntrySchema } from "./mcp-server-entry.ts";
import { MCPTelemetryConfigSchema } from "./mcp-telemetry-config.ts";
import { MCPToolConfigSchema } from "./mcp-tool-config.ts";
import { VirtualMCPCompositeToolDefinitionSchema } from "./virtual-mcp-composite-tool-definition.ts";
import { VirtualMCPServerSchema } from "./virtual-mcp-server.ts";

/** The whole-object schema of each kind, by kind name. */
export const KIND_SCHEMAS = {
  VirtualMCPServer: VirtualMCPServerSchema,
  MCPGroup: MCPGroupSchema,
  MCPServer: MCPServerSchema,
  MCPRemoteProxy: MCPRemoteProxySchema,
  MCPServerEntry: MCPServerEntrySchema,
  MCPExternalAuthConfig: MCPExternalAuthConfigSchema,
  MCPToolConfig: MCPToolConfigSchema,
  VirtualMCPCompositeToolDefinition: VirtualMCPCompositeToolDefinitionSchema,
  MCPAuthzConfig: MCPAuthzConfigSchema,
  MCPOIDCConfig: MCPOIDCConfigSchema,
  MCPTelemetryConfig: MCPTelemetryConfigSchema,
} as const satisfies Record<KindName, z.ZodType>;
