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
  remoteUrl: RemoteUrlSchema,
  allowPrivateEndpoint: z.boolean().default(false),
  proxyPort: PortSchema.default(8080),
  transport: z.enum(["sse", "streamable-http"]).default("streamable-http"),
  groupRef: GroupRefSchema.optional(),
  externalAuthConfigRef: NameRefSchema.optional(),
  oidcConfigRef: OidcConfigRefSchema.describe(
    "Accepted for ToolHive compatibility; this operator runs no proxy for this workload, so it has no effect here.",
  ).optional(),
  toolConfigRef: NameRefSchema.optional(),
  headerForward: HeaderForwardSchema.optional(),
  replicas: z.int32().min(0).optional(),
  sessionAffinity: z.enum(["ClientIP", "None"]).optional(),
  serviceAccount: z.string().min(1).max(253).optional(),
  resources: ResourceRequirementsSchema.optional(),
});
export type MCPRemoteProxySpec = z.output<typeof MCPRemoteProxySpecSchema>;

export const MCPRemoteProxyStatusSchema = z.strictObject({
  ...commonStatusShape,
  phase: z.enum(["Pending", "Ready", "Failed", "Terminating"]).optional(),
  url: z.string().max(2048).optional(),
  externalUrl: z.string().max(2048).optional(),
  message: z.string().max(32768).optional(),
  toolConfigHash: z.string().max(128).optional(),
  externalAuthConfigHash: z.string().max(128).optional(),
});
export type MCPRemoteProxyStatus = z.output<typeof MCPRemoteProxyStatusSchema>;

export const MCPRemoteProxySchema = kindObject(
  "MCPRemoteProxy",
  MCPRemoteProxySpecSchema,
  MCPRemoteProxyStatusSchema,
);
export type MCPRemoteProxy = z.output<typeof MCPRemoteProxySchema>;
