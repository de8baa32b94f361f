// MCPRemoteProxy: discovery fields plus what ToolHive manifests commonly set. The operator runs
// the runtime in single-backend mode in front of remoteUrl, with the proxy's own incoming OIDC
// (oidcConfigRef), outgoing auth to the remote (externalAuthConfigRef) and fixed headers
// (headerForward).
import * as z from "zod";
import { CaBundleRefSchema, GroupRefSchema, NameRefSchema, OidcConfigRefSchema } from "../refs.ts";
import { commonStatusShape, HeaderForwardSchema, kindObject, workloadStatusShape } from "./common.ts";
import { PortSchema, ResourceRequirementsSchema } from "./workload.ts";

export const RemoteUrlSchema = z
  .string()
  .max(2048)
  .regex(/^https?:\/\//, "must start with http:// or https://");

/**
 * What the proxy pod serves its clients, whatever spec.transport says: spec.transport is how the
 * proxy talks to the remote, while the runtime serves Streamable HTTP only. The gateway dials a
 * proxy with this.
 */
export const REMOTE_PROXY_SERVED_TRANSPORT = "streamable-http" as const;

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
    .describe(
      "MCP transport of the remote server; the proxy itself always serves Streamable HTTP at status.url.",
    ),
  caBundleRef: CaBundleRefSchema.describe(
    "Not in ToolHive: CA bundle that signs remoteUrl's certificate, trusted (besides the system CAs) for the connection to the remote only. The OIDC issuer's CA is the MCPOIDCConfig's caBundleRef.",
  ).optional(),
  groupRef: GroupRefSchema.optional(),
  externalAuthConfigRef: NameRefSchema.describe(
    "MCPExternalAuthConfig (same namespace): how the proxy authenticates to the remote (token exchange of the validated caller token, a bearer token or an injected header).",
  ).optional(),
  oidcConfigRef: OidcConfigRefSchema.describe(
    "MCPOIDCConfig (same namespace) and the audience the proxy validates incoming bearer tokens against; unset, the proxy accepts every request.",
  ).optional(),
  toolConfigRef: NameRefSchema.describe(
    "MCPToolConfig (same namespace) filtering and renaming this backend's tools.",
  ).optional(),
  headerForward: HeaderForwardSchema.describe(
    "Headers the proxy adds to every request to the remote (values from Secrets reach the pod as env vars).",
  ).optional(),
  replicas: z
    .int32()
    .min(0)
    .describe("Replicas of the proxy pod; unset: Kubernetes' default (1), left to kubectl scale.")
    .optional(),
  trustProxyHeaders: z
    .boolean()
    .default(false)
    .describe(
      "Trust X-Forwarded-* headers when building URLs; default false, as ToolHive's. true is refused (Valid=False, Unsupported): the proxy never trusts them.",
    ),
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
  externalUrl: z
    .string()
    .max(2048)
    .describe("URL reachable from outside the cluster, when exposed.")
    .optional(),
  ...workloadStatusShape,
  oidcConfigHash: z
    .string()
    .max(128)
    .describe("configHash of the referenced MCPOIDCConfig last applied.")
    .optional(),
});
export type MCPRemoteProxyStatus = z.output<typeof MCPRemoteProxyStatusSchema>;

export const MCPRemoteProxySchema = kindObject(
  "MCPRemoteProxy",
  MCPRemoteProxySpecSchema,
  MCPRemoteProxyStatusSchema,
);
export type MCPRemoteProxy = z.output<typeof MCPRemoteProxySchema>;
