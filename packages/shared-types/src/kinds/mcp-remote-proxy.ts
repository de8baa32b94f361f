// MCPRemoteProxy: discovery fields plus what ToolHive manifests commonly set. The operator runs
// the runtime in single-backend mode in front of remoteUrl; oidcConfigRef, externalAuthConfigRef
// and headerForward are accepted but refused with a condition until the proxy implements them.
import * as z from "zod";
import { GroupRefSchema, NameRefSchema, OidcConfigRefSchema } from "../refs.ts";
import { commonStatusShape, HeaderForwardSchema, kindObject } from "./common.ts";
import { PortSchema, ResourceRequirementsSchema } from "./workload.ts";

export const RemoteUrlSchema = z
  .string()
  .max(2048)
  .regex(/^https?:\/\//, "must start with http:// or https://");

export const MCPRemoteProxySpecSchema = z.strictObject({
  remoteUrl: RemoteUrlSchema.describe("URL of the remote MCP server (http:// or https://)."),
  allowPrivateEndpoint: z
    .boolean()
    .default(false)
    .describe("Allow remoteUrl to resolve to a private or loopback address."),
  proxyPort: PortSchema.default(8080).describe("Port the proxy listens on; default 8080."),
  transport: z
    .enum(["sse", "streamable-http"])
    .default("streamable-http")
    .describe("MCP transport of the server."),
  groupRef: GroupRefSchema.optional(),
  externalAuthConfigRef: NameRefSchema.describe(
    "MCPExternalAuthConfig (same namespace) the gateway uses to call this backend.",
  ).optional(),
  oidcConfigRef: OidcConfigRefSchema.describe(
    "Incoming OIDC of the proxy: not implemented yet, so a proxy that sets it is not deployed (Valid=False).",
  ).optional(),
  toolConfigRef: NameRefSchema.describe(
    "MCPToolConfig (same namespace) filtering and renaming this backend's tools.",
  ).optional(),
  headerForward: HeaderForwardSchema.describe("Headers added to every request to the backend.").optional(),
  replicas: z
    .int32()
    .min(0)
    .describe("Replicas of the proxy pod; unset: Kubernetes' default (1), left to kubectl scale.")
    .optional(),
  sessionAffinity: z
    .enum(["ClientIP", "None"])
    .default("ClientIP")
    .describe("Session affinity of the Service mcp-<name>-remote-proxy; default ClientIP."),
  serviceAccount: z
    .string()
    .min(1)
    .max(253)
    .describe(
      "Accepted for ToolHive compatibility and refused (Valid=False, ServiceAccountNotAllowed): the proxy pod runs with no API token.",
    )
    .optional(),
  resources: ResourceRequirementsSchema.describe(
    "Resources of the proxy container; default requests 50m / 96Mi, limits 500m / 384Mi.",
  ).optional(),
});
export type MCPRemoteProxySpec = z.output<typeof MCPRemoteProxySpecSchema>;

export const MCPRemoteProxyStatusSchema = z.strictObject({
  ...commonStatusShape,
  phase: z
    .enum(["Pending", "Ready", "Failed", "Terminating"])
    .describe("Lifecycle phase; the gateway uses only members in phase Ready (or Valid for entries).")
    .optional(),
  url: z.string().max(2048).describe("URL the gateway calls; set by the workload's controller.").optional(),
  externalUrl: z
    .string()
    .max(2048)
    .describe("URL reachable from outside the cluster, when exposed.")
    .optional(),
  message: z.string().max(32768).describe("Why the object is in its phase.").optional(),
  toolConfigHash: z
    .string()
    .max(128)
    .describe("configHash of the referenced MCPToolConfig last applied.")
    .optional(),
  externalAuthConfigHash: z
    .string()
    .max(128)
    .describe("configHash of the referenced MCPExternalAuthConfig last applied.")
    .optional(),
});
export type MCPRemoteProxyStatus = z.output<typeof MCPRemoteProxyStatusSchema>;

export const MCPRemoteProxySchema = kindObject(
  "MCPRemoteProxy",
  MCPRemoteProxySpecSchema,
  MCPRemoteProxyStatusSchema,
);
export type MCPRemoteProxy = z.output<typeof MCPRemoteProxySchema>;
