// MCPRemoteProxy: discovery fields plus what ToolHive manifests commonly set.
// The proxy's own incoming auth: oidcConfigRef is accepted (this operator runs no proxy); authz is rejected.
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
    "Accepted for ToolHive compatibility; this operator runs no proxy for this workload, so it has no effect here.",
  ).optional(),
  toolConfigRef: NameRefSchema.describe(
    "MCPToolConfig (same namespace) filtering and renaming this backend's tools.",
  ).optional(),
  headerForward: HeaderForwardSchema.describe("Headers added to every request to the backend.").optional(),
  replicas: z
    .int32()
    .min(0)
    .describe("Pod replicas (accepted for ToolHive compatibility; this operator does not deploy it).")
    .optional(),
  sessionAffinity: z
    .enum(["ClientIP", "None"])
    .describe("Service session affinity (accepted; not deployed by this operator).")
    .optional(),
  serviceAccount: z
    .string()
    .min(1)
    .max(253)
    .describe("ServiceAccount of the pods (accepted; not deployed by this operator).")
    .optional(),
  resources: ResourceRequirementsSchema.describe(
    "Container resources (accepted; not deployed by this operator).",
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
