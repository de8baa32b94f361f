// VirtualMCPServer. spec.config reuses the runtime config sub-schemas.
import * as z from "zod";
import { AuthzConfigSchema } from "../authz.ts";
import { ConditionsSchema } from "../conditions.ts";
import { CapabilitiesSummarySchema, DiscoveredBackendsSchema } from "../discovered-backend.ts";
import { atomicList, boundedRecord, withMeta, withRule } from "../meta.ts";
import { GroupRefSchema, NameRefSchema, OidcConfigRefSchema, PassthroughHeadersSchema } from "../refs.ts";
import { SessionStorageSchema } from "../session-storage.ts";
import { OPERATOR_OWNED_CONFIG_FIELDS, VmcpConfigSchema } from "../vmcp-config.ts";
import { kindObject, ObservedGenerationSchema } from "./common.ts";
import { TelemetryConfigRefSchema } from "./mcp-telemetry-config.ts";

/** Above this a typo or an attack, not a plan; an autoscaler owns the count when replicas is unset. */
export const MAX_REPLICAS = 100;

/**
 * The pod-level fields that can never be allowed in podTemplateSpec, typed so CEL can refuse them
 * at admission. The operator checks the full allow-list (fields inside containers and volumes are
 * beyond what CEL can check cheaply) and reports the rest in PodTemplateSpecValid.
 */
const FORBIDDEN_POD_FIELDS = [
  ["hostNetwork", z.boolean()],
  ["hostPID", z.boolean()],
  ["hostIPC", z.boolean()],
  ["nodeName", z.string().max(253)],
  ["serviceAccountName", z.string().max(253)],
  ["automountServiceAccountToken", z.boolean()],
] as const;

const PodSpecOverlaySchema = FORBIDDEN_POD_FIELDS.reduce<z.ZodType<Record<string, unknown>>>(
  (schema, [field]) =>
    withRule(
      schema,
      {
        rule: `!has(self.${field})`,
        message: `podTemplateSpec.spec.${field} is not allowed`,
        fieldPath: `.${field}`,
        reason: "FieldValueForbidden",
      },
      (spec) => spec[field] === undefined,
    ),
  z.looseObject(
    Object.fromEntries(
      FORBIDDEN_POD_FIELDS.map(([f, t]) => [
        f,
        t.describe("Not allowed: the operator owns this field.").optional(),
      ]),
    ),
  ),
);

const PodTemplateOverlaySchema = z.looseObject({
  spec: PodSpecOverlaySchema.describe("Pod spec fields merged over the operator's.").optional(),
});

export const VmcpIncomingAuthSchema = withRule(
  withRule(
    z.strictObject({
      type: z
        .enum(["anonymous", "oidc"])
        .describe("anonymous: no authentication; oidc: bearer tokens validated per oidcConfigRef."),
      oidcConfigRef: OidcConfigRefSchema.optional(),
      authzConfig: AuthzConfigSchema.describe("Cedar authorization for MCP requests.").optional(),
      authzConfigRef: NameRefSchema.describe(
        "An MCPAuthzConfig (same namespace) holding the Cedar authorization; exclusive with authzConfig.",
      ).optional(),
    }),
    {
      rule: "self.type != 'oidc' || has(self.oidcConfigRef)",
      message: "spec.incomingAuth.oidcConfigRef is required when type is oidc",
      fieldPath: ".oidcConfigRef",
      reason: "FieldValueRequired",
    },
    (a) => a.type !== "oidc" || a.oidcConfigRef !== undefined,
  ),
  {
    rule: "!(has(self.authzConfig) && has(self.authzConfigRef))",
    message:
      "authzConfig and authzConfigRef are mutually exclusive; use authzConfigRef to reference a shared MCPAuthzConfig",
    fieldPath: ".authzConfigRef",
    reason: "FieldValueForbidden",
  },
  (a) => !(a.authzConfig !== undefined && a.authzConfigRef !== undefined),
);
export type VmcpIncomingAuth = z.output<typeof VmcpIncomingAuthSchema>;

export const BackendAuthConfigSchema = withRule(
  z.strictObject({
    type: z
      .enum(["discovered", "externalAuthConfigRef"])
      .describe(
        "discovered: the backend's own externalAuthConfigRef; externalAuthConfigRef: the one named here.",
      ),
    externalAuthConfigRef: NameRefSchema.describe(
      "MCPExternalAuthConfig (same namespace) to use when type is externalAuthConfigRef.",
    ).optional(),
  }),
  {
    rule: "self.type != 'externalAuthConfigRef' || has(self.externalAuthConfigRef)",
    message: "externalAuthConfigRef is required when type is externalAuthConfigRef",
    fieldPath: ".externalAuthConfigRef",
    reason: "FieldValueRequired",
  },
  (b) => b.type !== "externalAuthConfigRef" || b.externalAuthConfigRef !== undefined,
);
export type BackendAuthConfig = z.output<typeof BackendAuthConfigSchema>;

export const VmcpOutgoingAuthSchema = z.strictObject({
  source: z
    .enum(["discovered", "inline"])
    .default("discovered")
    .describe("discovered (default): each backend's own auth config; inline: default and backends below."),
  default: BackendAuthConfigSchema.describe("Auth for backends not named in backends.").optional(),
  backends: boundedRecord(z.string().min(1).max(253), BackendAuthConfigSchema, 256)
    .describe("Auth per backend name, overriding default.")
    .optional(),
});
export type VmcpOutgoingAuth = z.output<typeof VmcpOutgoingAuthSchema>;

const omitted = Object.fromEntries(OPERATOR_OWNED_CONFIG_FIELDS.map((f) => [f, true] as const)) as {
  [K in (typeof OPERATOR_OWNED_CONFIG_FIELDS)[number]]: true;
};

/**
 * spec.config: the runtime config minus what the operator derives from the spec
 * (name, groupRef, backends, incomingAuth, outgoingAuth): setting those is a field error.
 */
export const VirtualMCPServerConfigSchema = withMeta(VmcpConfigSchema.omit(omitted), {
  description:
    "Runtime configuration (vMCP config.yaml) without the fields the operator derives from the spec.",
});
export type VirtualMCPServerConfig = z.output<typeof VirtualMCPServerConfigSchema>;

export const VirtualMCPServerSpecSchema = withRule(
  z.strictObject({
    groupRef: GroupRefSchema,
    incomingAuth: VmcpIncomingAuthSchema.describe(
      "How clients authenticate to the gateway: anonymous or oidc.",
    ),
    outgoingAuth: VmcpOutgoingAuthSchema.prefault({}).describe(
      "How the gateway authenticates to backends; source discovered reads each backend's externalAuthConfigRef.",
    ),
    passthroughHeaders: PassthroughHeadersSchema.optional(),
    serviceType: z
      .enum(["ClusterIP", "NodePort", "LoadBalancer"])
      .default("ClusterIP")
      .describe("Type of the vmcp-<name> Service."),
    sessionAffinity: z
      .enum(["ClientIP", "None"])
      .default("ClientIP")
      .describe("Copied to the Service's sessionAffinity."),
    serviceAccount: z
      .string()
      .min(1)
      .max(253)
      .describe(
        "ToolHive's field, refused here unless it names the generated <name>-vmcp: any other value sets ServiceAccountValid=False and nothing is deployed (see docs/security.md).",
      )
      .optional(),
    podTemplateSpec: withMeta(PodTemplateOverlaySchema, {
      description:
        "Strategic-merge patch applied to the generated pod template; the container is named vmcp. Only the fields listed in docs/security.md are allowed.",
    }).optional(),
    config: VirtualMCPServerConfigSchema.prefault({}),
    replicas: z
      .int32()
      .min(0)
      .max(MAX_REPLICAS)
      .describe("Deployment replicas; unset leaves them to an autoscaler.")
      .optional(),
    imagePullSecrets: atomicList(NameRefSchema, 64)
      .describe("Secrets used to pull the gateway image.")
      .optional(),
    sessionStorage: SessionStorageSchema.describe(
      "Where client sessions live (ToolHive's field); unset: sealed session ids any replica can continue.",
    ).optional(),
    telemetryConfigRef: TelemetryConfigRefSchema.optional(),
  }),
  {
    rule: "!(has(self.telemetryConfigRef) && has(self.config) && has(self.config.telemetry))",
    message:
      "telemetryConfigRef and config.telemetry are mutually exclusive; use telemetryConfigRef to reference a shared MCPTelemetryConfig",
    fieldPath: ".telemetryConfigRef",
    reason: "FieldValueForbidden",
  },
  (s) => !(s.telemetryConfigRef !== undefined && s.config.telemetry !== undefined),
);
export type VirtualMCPServerSpec = z.output<typeof VirtualMCPServerSpecSchema>;

export const VIRTUAL_MCP_SERVER_PHASES = ["Pending", "Ready", "Degraded", "Failed"] as const;

export const VirtualMCPServerStatusSchema = z.strictObject({
  conditions: ConditionsSchema.optional(),
  observedGeneration: ObservedGenerationSchema.optional(),
  phase: z
    .enum(VIRTUAL_MCP_SERVER_PHASES)
    .default("Pending")
    .describe("Pending, Ready, Degraded (some backends down) or Failed."),
  message: z.string().max(32768).describe("Why the server is in its phase.").optional(),
  url: z.string().max(2048).describe("In-cluster URL of the gateway (written by the operator).").optional(),
  oidcConfigHash: z
    .string()
    .max(128)
    .describe("configHash of the referenced MCPOIDCConfig's spec last applied (incomingAuth type oidc).")
    .optional(),
  telemetryConfigHash: z
    .string()
    .max(128)
    .describe("configHash of the referenced MCPTelemetryConfig's spec last applied (telemetryConfigRef).")
    .optional(),
  discoveredBackends: DiscoveredBackendsSchema.describe(
    "Backends the runtime found, with their health.",
  ).optional(),
  backendCount: z
    .int32()
    .min(0)
    .describe("Number of routable backends (ready or unauthenticated).")
    .optional(),
  capabilities: CapabilitiesSummarySchema.describe(
    "Counts of what the gateway currently advertises.",
  ).optional(),
});
export type VirtualMCPServerStatus = z.output<typeof VirtualMCPServerStatusSchema>;

/**
 * The operator names the Service `vmcp-<name>`, a DNS-1035 label of at most 63 characters, so the
 * name is a DNS label of at most 58. The CRD states it on metadata.name (build.ts).
 */
export const MAX_VIRTUAL_MCP_SERVER_NAME = 58;
export const VIRTUAL_MCP_SERVER_NAME_PATTERN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export const VirtualMCPServerSchema = kindObject(
  "VirtualMCPServer",
  VirtualMCPServerSpecSchema,
  VirtualMCPServerStatusSchema,
).refine(
  (o) =>
    o.metadata.name === undefined ||
    (o.metadata.name.length <= MAX_VIRTUAL_MCP_SERVER_NAME &&
      VIRTUAL_MCP_SERVER_NAME_PATTERN.test(o.metadata.name)),
  {
    message: `must be a DNS label of at most ${MAX_VIRTUAL_MCP_SERVER_NAME} characters (the Service is named vmcp-<name>)`,
    path: ["metadata", "name"],
  },
);
export type VirtualMCPServer = z.output<typeof VirtualMCPServerSchema>;
