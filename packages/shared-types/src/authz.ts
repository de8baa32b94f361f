// Cedar authorization settings: the runtime's config.yaml shape (`incomingAuth.authz`) and the
// VirtualMCPServer/MCPAuthzConfig shapes the operator resolves into it.
import * as z from "zod";
import { withRule } from "./meta.ts";

/** Bounds: a policy set is meant to be read by people; these keep a hostile spec from costing the
 * gateway memory or CPU per request. */
export const MAX_POLICIES = 512;
export const MAX_POLICY_CHARS = 64 * 1024;
export const MAX_ENTITIES_JSON_CHARS = 1024 * 1024;
export const DEFAULT_GROUP_ENTITY_TYPE = "THVGroup";
export const DEFAULT_AUTHZ_CONFIGMAP_KEY = "authz.json";
/** Claims looked up, in order, when groupClaimName is not set (what common IdPs use). */
export const DEFAULT_GROUP_CLAIMS = ["groups", "roles", "cognito:groups"] as const;

const CEDAR_TYPE_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

const PoliciesSchema = z
  .array(z.string().min(1).max(MAX_POLICY_CHARS))
  .min(1)
  .max(MAX_POLICIES)
  .meta({ "x-kubernetes-list-type": "atomic" })
  .describe(
    "Cedar policies, one policy statement per item. With at least one policy, anything no policy permits is denied.",
  );

const EntitiesJsonSchema = z
  .string()
  .max(MAX_ENTITIES_JSON_CHARS)
  .describe(
    'Cedar entities as a JSON array (Cedar entity JSON format) that policies may refer to; default "[]".',
  );

const GroupEntityTypeSchema = z
  .string()
  .max(63)
  .regex(CEDAR_TYPE_PATTERN, "must be a Cedar entity type name (letters, digits, _; no namespace)");

const claimSettings = {
  groupClaimName: z
    .string()
    .max(253)
    .describe(
      'Token claim holding the caller\'s groups; each value becomes a parent of the principal (principal in THVGroup::"<group>"). Unset: the first of groups, roles, cognito:groups the token has.',
    )
    .optional(),
  roleClaimName: z
    .string()
    .max(253)
    .describe(
      "Token claim holding the caller's roles, read in addition to the groups; each value also becomes a parent of type groupEntityType.",
    )
    .optional(),
  groupEntityType: GroupEntityTypeSchema.describe(
    'Cedar entity type of the group and role parents; default "THVGroup".',
  ).optional(),
};

/** config.yaml `incomingAuth.authz`: what the runtime enforces. */
export const RuntimeAuthzConfigSchema = withRule(
  z.strictObject({
    type: z.enum(["cedar", "none"]).describe("cedar enforces the policies; none turns authorization off."),
    policies: PoliciesSchema.optional(),
    entitiesJson: EntitiesJsonSchema.optional(),
    ...claimSettings,
  }),
  {
    rule: "self.type != 'cedar' || (has(self.policies) && size(self.policies) > 0)",
    message: "policies must hold at least one policy when type is cedar",
    fieldPath: ".policies",
    reason: "FieldValueRequired",
  },
  (a) => a.type !== "cedar" || (a.policies?.length ?? 0) > 0,
);
export type RuntimeAuthzConfig = z.output<typeof RuntimeAuthzConfigSchema>;

export const InlineAuthzSchema = z
  .strictObject({
    policies: PoliciesSchema,
    entitiesJson: EntitiesJsonSchema.default("[]"),
    primaryUpstreamProvider: z
      .string()
      .min(1)
      .max(63)
      .regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/, "must be a DNS label")
      .describe(
        "Accepted for ToolHive compatibility and ignored: it names an upstream of an embedded authorization server, which this gateway does not have; policies always see the incoming token's claims.",
      )
      .optional(),
  })
  .describe("Policies written in the resource itself.");

export const AuthzConfigMapRefSchema = z
  .strictObject({
    name: z.string().min(1).max(253).describe("ConfigMap in the same namespace."),
    key: z
      .string()
      .min(1)
      .max(253)
      .default(DEFAULT_AUTHZ_CONFIGMAP_KEY)
      .describe(
        'Key holding the authorization file, JSON or YAML: {version: "1.0", type: cedarv1, cedar: {policies: [...], entities_json: "[]"}}; default authz.json.',
      ),
  })
  .describe("Policies read from a ConfigMap; the operator re-reads it when it changes.");

/** VirtualMCPServer `spec.incomingAuth.authzConfig`. */
export const AuthzConfigSchema = withRule(
  withRule(
    z.strictObject({
      type: z
        .enum(["configMap", "inline"])
        .default("configMap")
        .describe("Where the policies come from: configMap (default) or inline."),
      configMap: AuthzConfigMapRefSchema.optional(),
      inline: InlineAuthzSchema.optional(),
      ...claimSettings,
    }),
    {
      rule: "self.type == 'configMap' ? has(self.configMap) : !has(self.configMap)",
      message: "configMap must be set when type is 'configMap', and must not be set otherwise",
    },
    (a) => (a.type === "configMap") === (a.configMap !== undefined),
  ),
  {
    rule: "self.type == 'inline' ? has(self.inline) : !has(self.inline)",
    message: "inline must be set when type is 'inline', and must not be set otherwise",
  },
  (a) => (a.type === "inline") === (a.inline !== undefined),
);
export type AuthzConfig = z.output<typeof AuthzConfigSchema>;

/** Cedar settings as ToolHive writes them in files and in MCPAuthzConfig `spec.config`
 * (snake_case keys). Claim settings in a VirtualMCPServer spec win over these. */
export const CedarOptionsSchema = z.object({
  policies: PoliciesSchema,
  entities_json: EntitiesJsonSchema.optional(),
  group_claim_name: z.string().max(253).optional(),
  role_claim_name: z.string().max(253).optional(),
  group_entity_type: GroupEntityTypeSchema.optional(),
  primary_upstream_provider: z.string().max(63).optional(),
});
export type CedarOptions = z.output<typeof CedarOptionsSchema>;

/** The ConfigMap file format (ToolHive's authorization config file). */
export const AuthzFileSchema = z.object({
  version: z.string().max(16).optional(),
  type: z.literal("cedarv1", { error: 'type must be "cedarv1" (the only authorizer this gateway has)' }),
  cedar: CedarOptionsSchema,
});
export type AuthzFile = z.output<typeof AuthzFileSchema>;
