// MCPServer: the fields discovery reads, plus ToolHive's deployment fields (image, args, env,
// secrets, resources, resourceOverrides, permissionProfile, serviceAccount, podTemplateSpec). The
// operator deploys servers with an image (stdio ones behind an attach proxy); see docs/crds.md for
// what each field becomes.
import * as z from "zod";
import { atomicList, boundedRecord, jsonObject, mapList } from "../meta.ts";
import { GroupRefSchema, NameRefSchema, OidcConfigRefSchema } from "../refs.ts";
import { commonStatusShape, kindObject, workloadStatusShape } from "./common.ts";
import { PortSchema, ResourceRequirementsSchema } from "./workload.ts";

export const EnvVarSchema = z.strictObject({
  name: z.string().min(1).max(253).describe("Environment variable name."),
  value: z.string().max(32768).describe("Environment variable value.").optional(),
});

export const SecretEnvRefSchema = z.strictObject({
  name: z.string().min(1).max(253).describe("Secret (same namespace) holding the value."),
  key: z.string().min(1).max(253).describe("Key in the Secret."),
  targetEnvName: z
    .string()
    .min(1)
    .max(253)
    .describe("Environment variable the value is exposed as; default: the key.")
    .optional(),
});

const metadataMap = (what: string) =>
  boundedRecord(z.string().min(1).max(317), z.string().max(8192), 64).describe(what).optional();

const ObjectMetadataOverridesSchema = z.strictObject({
  labels: metadataMap("Labels added to the object (the operator's own selector labels win)."),
  annotations: metadataMap("Annotations added to the object."),
});

export const ResourceOverridesSchema = z.strictObject({
  proxyDeployment: z
    .strictObject({
      ...ObjectMetadataOverridesSchema.shape,
      podTemplateMetadataOverrides: ObjectMetadataOverridesSchema.describe(
        "Labels and annotations added to the proxy's pods.",
      ).optional(),
      env: mapList(EnvVarSchema, ["name"], 64)
        .describe("Environment of the proxy container (stdio servers; an HTTP server has no proxy).")
        .optional(),
    })
    .describe("The Deployment the operator runs: the proxy of a stdio server, the server itself otherwise.")
    .optional(),
  proxyService: ObjectMetadataOverridesSchema.describe("Service mcp-<name>-proxy.").optional(),
});

export const PermissionProfileRefSchema = z.strictObject({
  type: z.enum(["builtin", "configmap"]).describe("builtin (none, network) or a ConfigMap's key."),
  name: z.string().min(1).max(253).describe("Built-in profile name, or the ConfigMap's name."),
  key: z.string().min(1).max(253).describe("Key in the ConfigMap holding the profile.").optional(),
});

export const MCPServerSpecSchema = z.strictObject({
  groupRef: GroupRefSchema.optional(),
  transport: z
    .enum(["stdio", "streamable-http", "sse"])
    .default("stdio")
    .describe("MCP transport of the server."),
  proxyMode: z
    .enum(["sse", "streamable-http"])
    .default("streamable-http")
    .describe("Transport the proxy exposes for stdio servers; default streamable-http."),
  proxyPort: PortSchema.default(8080).describe(
    "Port of the Service mcp-<name>-proxy that status.url points at; default 8080.",
  ),
  mcpPort: PortSchema.describe(
    "Port the MCP server listens on inside the pod (passed as MCP_PORT); default proxyPort.",
  ).optional(),
  externalAuthConfigRef: NameRefSchema.describe(
    "MCPExternalAuthConfig (same namespace) the gateway uses to call this backend.",
  ).optional(),
  oidcConfigRef: OidcConfigRefSchema.describe(
    "Accepted for ToolHive compatibility; this operator runs no proxy for this workload, so it has no effect here.",
  ).optional(),
  toolConfigRef: NameRefSchema.describe(
    "MCPToolConfig (same namespace) filtering and renaming this backend's tools.",
  ).optional(),
  image: z
    .string()
    .min(1)
    .max(1024)
    .describe(
      "Container image of the MCP server. Unset: the operator deploys nothing and leaves the status to whoever runs the server.",
    )
    .optional(),
  args: atomicList(z.string().max(4096), 256).describe("Arguments of the MCP server container.").optional(),
  env: mapList(EnvVarSchema, ["name"], 256)
    .describe("Environment of the MCP server container (replaces the MCP_* variables the operator sets).")
    .optional(),
  secrets: mapList(SecretEnvRefSchema, ["name"], 64)
    .describe("Secret keys exposed to the MCP server container as environment variables.")
    .optional(),
  resources: ResourceRequirementsSchema.describe(
    "Resources of the MCP server container; default requests 10m CPU / 64Mi, limits 500m / 512Mi.",
  ).optional(),
  resourceOverrides: ResourceOverridesSchema.describe(
    "Labels, annotations and (stdio proxy) env added to the Deployment, its pods and the Service.",
  ).optional(),
  permissionProfile: PermissionProfileRefSchema.describe(
    "Accepted for ToolHive compatibility, no effect: ToolHive's container permission profile (network and file access) has no pod setting here; the pod always runs under the restricted Pod Security Standard.",
  ).optional(),
  serviceAccount: z
    .string()
    .min(1)
    .max(253)
    .describe(
      "Accepted for ToolHive compatibility and refused (Valid=False, ServiceAccountNotAllowed): the pod runs with no API token.",
    )
    .optional(),
  podTemplateSpec: jsonObject()
    .describe(
      "Pod template overlay for the server's pod (container name mcp); the same allow-list as the VirtualMCPServer's.",
    )
    .optional(),
});
export type MCPServerSpec = z.output<typeof MCPServerSpecSchema>;

export const MCPServerStatusSchema = z.strictObject({
  ...commonStatusShape,
  phase: z
    .enum(["Pending", "Ready", "Failed", "Terminating", "Stopped"])
    .describe("Lifecycle phase; the gateway uses only members in phase Ready (or Valid for entries).")
    .optional(),
  readyReplicas: z.int32().min(0).describe("Ready pods of the server.").optional(),
  ...workloadStatusShape,
});
export type MCPServerStatus = z.output<typeof MCPServerStatusSchema>;

export const MCPServerSchema = kindObject(
  "MCPServer",
  MCPServerSpecSchema.prefault({}),
  MCPServerStatusSchema,
);
export type MCPServer = z.output<typeof MCPServerSchema>;
