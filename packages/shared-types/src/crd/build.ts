// Builds the CustomResourceDefinitions from the zod schemas (pure; the CLI writes them).
import type * as z from "zod";
import { GROUP, VERSION } from "../kinds/common.ts";
import { KIND_INFO, KIND_NAMES, type KindName } from "../kinds/info.ts";
import { MCPAuthzConfigSpecSchema, MCPAuthzConfigStatusSchema } from "../kinds/mcp-authz-config.ts";
import {
  MCPExternalAuthConfigSpecSchema,
  MCPExternalAuthConfigStatusSchema,
} from "../kinds/mcp-external-auth-config.ts";
import { MCPGroupSpecSchema, MCPGroupStatusSchema } from "../kinds/mcp-group.ts";
import { MCPOIDCConfigSpecSchema, MCPOIDCConfigStatusSchema } from "../kinds/mcp-oidc-config.ts";
import { MCPRemoteProxySpecSchema, MCPRemoteProxyStatusSchema } from "../kinds/mcp-remote-proxy.ts";
import { MCPServerSpecSchema, MCPServerStatusSchema } from "../kinds/mcp-server.ts";
import { MCPServerEntrySpecSchema, MCPServerEntryStatusSchema } from "../kinds/mcp-server-entry.ts";
import {
  MCPTelemetryConfigSpecSchema,
  MCPTelemetryConfigStatusSchema,
} from "../kinds/mcp-telemetry-config.ts";
import { MCPToolConfigSpecSchema, MCPToolConfigStatusSchema } from "../kinds/mcp-tool-config.ts";
import {
  VirtualMCPCompositeToolDefinitionSpecSchema,
  VirtualMCPCompositeToolDefinitionStatusSchema,
} from "../kinds/virtual-mcp-composite-tool-definition.ts";
import {
  MAX_VIRTUAL_MCP_SERVER_NAME,
  VIRTUAL_MCP_SERVER_NAME_PATTERN,
  VirtualMCPServerSpecSchema,
  VirtualMCPServerStatusSchema,
} from "../kinds/virtual-mcp-server.ts";
import { type JSONSchemaProps, toOpenApi } from "./openapi.ts";

export interface PrinterColumn {
  name: string;
  type: "string" | "integer" | "date" | "boolean" | "number";
  jsonPath: string;
  description?: string;
}

/** apiextensions.k8s.io/v1 CustomResourceDefinition, as plain JSON (wire field names). */
export interface CustomResourceDefinition {
  apiVersion: "apiextensions.k8s.io/v1";
  kind: "CustomResourceDefinition";
  metadata: { name: string; labels: Record<string, string> };
  spec: {
    group: string;
    names: {
      kind: string;
      listKind: string;
      plural: string;
      singular: string;
      shortNames: string[];
      categories: string[];
    };
    scope: "Namespaced";
    versions: {
      name: string;
      served: boolean;
      storage: boolean;
      subresources: { status: Record<string, never> };
      additionalPrinterColumns: PrinterColumn[];
      schema: { openAPIV3Schema: JSONSchemaProps };
    }[];
  };
}

/** Kept for compatibility with ToolHive's CRDs; harmless with a single version. */
export const AUTO_MIGRATE_LABEL = "toolhive.stacklok.dev/auto-migrate-storage-version";

const age: PrinterColumn = { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" };
const cond = (name: string, type: string): PrinterColumn => ({
  name,
  type: "string",
  jsonPath: `.status.conditions[?(@.type=='${type}')].status`,
});
const phase: PrinterColumn = { name: "Phase", type: "string", jsonPath: ".status.phase" };

/** Printer columns exactly as ToolHive's CRDs print them. */
export const PRINTER_COLUMNS: Record<KindName, PrinterColumn[]> = {
  VirtualMCPServer: [
    phase,
    { name: "URL", type: "string", jsonPath: ".status.url" },
    { name: "Backends", type: "integer", jsonPath: ".status.backendCount" },
    age,
    cond("Ready", "Ready"),
  ],
  MCPGroup: [
    { name: "Servers", type: "integer", jsonPath: ".status.serverCount" },
    { name: "Proxies", type: "integer", jsonPath: ".status.remoteProxyCount" },
    phase,
    cond("Checked", "MCPServersChecked"),
    age,
  ],
  MCPServer: [
    { name: "Status", type: "string", jsonPath: ".status.phase" },
    cond("Ready", "Ready"),
    { name: "Replicas", type: "integer", jsonPath: ".status.readyReplicas" },
    { name: "URL", type: "string", jsonPath: ".status.url" },
    age,
  ],
  MCPRemoteProxy: [
    phase,
    { name: "Remote URL", type: "string", jsonPath: ".spec.remoteUrl" },
    { name: "URL", type: "string", jsonPath: ".status.url" },
    cond("Ready", "Ready"),
    age,
  ],
  MCPServerEntry: [
    phase,
    { name: "Transport", type: "string", jsonPath: ".spec.transport" },
    { name: "Remote URL", type: "string", jsonPath: ".spec.remoteUrl" },
    { name: "Group", type: "string", jsonPath: ".spec.groupRef.name" },
    age,
  ],
  MCPExternalAuthConfig: [
    { name: "Type", type: "string", jsonPath: ".spec.type" },
    cond("Valid", "Valid"),
    age,
  ],
  MCPToolConfig: [cond("Valid", "Valid"), age],
  VirtualMCPCompositeToolDefinition: [
    { name: "Workflow", type: "string", jsonPath: ".spec.name" },
    { name: "Status", type: "string", jsonPath: ".status.validationStatus" },
    age,
    cond("Ready", "Ready"),
  ],
  MCPAuthzConfig: [
    { name: "Type", type: "string", jsonPath: ".spec.type" },
    cond("Valid", "Valid"),
    { name: "References", type: "integer", jsonPath: ".status.referenceCount" },
    age,
  ],
  MCPOIDCConfig: [
    { name: "Source", type: "string", jsonPath: ".spec.type" },
    cond("Valid", "Valid"),
    { name: "References", type: "integer", jsonPath: ".status.referenceCount" },
    age,
  ],
  MCPTelemetryConfig: [
    { name: "Endpoint", type: "string", jsonPath: ".spec.openTelemetry.endpoint" },
    cond("Valid", "Valid"),
    { name: "Tracing", type: "boolean", jsonPath: ".spec.openTelemetry.tracing.enabled" },
    { name: "Metrics", type: "boolean", jsonPath: ".spec.openTelemetry.metrics.enabled" },
    { name: "References", type: "integer", jsonPath: ".status.referenceCount" },
    age,
  ],
};

interface KindSchemas {
  spec: z.ZodType;
  status: z.ZodType;
  specRequired: boolean;
  /** Restrictions on metadata.name (the only metadata field a CRD may constrain, with generateName). */
  metadataName?: JSONSchemaProps;
}

const SCHEMAS: Record<KindName, KindSchemas> = {
  VirtualMCPServer: {
    spec: VirtualMCPServerSpecSchema,
    status: VirtualMCPServerStatusSchema,
    specRequired: true,
    metadataName: {
      type: "string",
      maxLength: MAX_VIRTUAL_MCP_SERVER_NAME,
      pattern: VIRTUAL_MCP_SERVER_NAME_PATTERN.source,
    },
  },
  MCPGroup: { spec: MCPGroupSpecSchema, status: MCPGroupStatusSchema, specRequired: false },
  MCPServer: { spec: MCPServerSpecSchema, status: MCPServerStatusSchema, specRequired: false },
  MCPRemoteProxy: { spec: MCPRemoteProxySpecSchema, status: MCPRemoteProxyStatusSchema, specRequired: true },
  MCPServerEntry: { spec: MCPServerEntrySpecSchema, status: MCPServerEntryStatusSchema, specRequired: true },
  MCPExternalAuthConfig: {
    spec: MCPExternalAuthConfigSpecSchema,
    status: MCPExternalAuthConfigStatusSchema,
    specRequired: true,
  },
  MCPToolConfig: { spec: MCPToolConfigSpecSchema, status: MCPToolConfigStatusSchema, specRequired: false },
  VirtualMCPCompositeToolDefinition: {
    spec: VirtualMCPCompositeToolDefinitionSpecSchema,
    status: VirtualMCPCompositeToolDefinitionStatusSchema,
    specRequired: true,
  },
  MCPAuthzConfig: { spec: MCPAuthzConfigSpecSchema, status: MCPAuthzConfigStatusSchema, specRequired: true },
  MCPOIDCConfig: { spec: MCPOIDCConfigSpecSchema, status: MCPOIDCConfigStatusSchema, specRequired: true },
  MCPTelemetryConfig: {
    spec: MCPTelemetryConfigSpecSchema,
    status: MCPTelemetryConfigStatusSchema,
    specRequired: false,
  },
};

export function buildOpenApiSchema(kind: KindName): JSONSchemaProps {
  const { spec, status, specRequired, metadataName } = SCHEMAS[kind];
  const specProps = toOpenApi(spec, "spec");
  // An omitted optional spec is still defaulted by zod; the API server needs the explicit default.
  if (!specRequired) specProps.default = spec.parse({});
  const root: JSONSchemaProps = {
    type: "object",
    description: `${kind} (${GROUP}/${VERSION}). Generated from packages/shared-types; do not edit.`,
    properties: {
      apiVersion: { type: "string" },
      kind: { type: "string" },
      metadata: metadataName ? { type: "object", properties: { name: metadataName } } : { type: "object" },
      spec: specProps,
      status: toOpenApi(status, "status"),
    },
  };
  if (specRequired) root.required = ["spec"];
  return root;
}

export function buildCrd(kind: KindName): CustomResourceDefinition {
  const info = KIND_INFO[kind];
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `${info.plural}.${GROUP}`, labels: { [AUTO_MIGRATE_LABEL]: "true" } },
    spec: {
      group: GROUP,
      names: {
        kind,
        listKind: `${kind}List`,
        plural: info.plural,
        singular: info.singular,
        shortNames: [...info.shortNames],
        categories: [...info.categories],
      },
      scope: "Namespaced",
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: PRINTER_COLUMNS[kind],
          schema: { openAPIV3Schema: buildOpenApiSchema(kind) },
        },
      ],
    },
  };
}

/** Every CRD, in KIND_NAMES order. */
export function buildCrds(): CustomResourceDefinition[] {
  return KIND_NAMES.map(buildCrd);
}
