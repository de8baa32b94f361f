// MCPOIDCConfig: an OIDC provider shared by the workloads of a namespace. Audience, scopes and the
// public resource URL stay per workload (oidcConfigRef), so tokens are never valid for two servers.
import * as z from "zod";
import { withRule } from "../meta.ts";
import { CaBundleRefSchema, SecretKeyRefSchema } from "../refs.ts";
import { kindObject } from "./common.ts";
import { sharedConfigStatusShape } from "./mcp-authz-config.ts";

const UrlSchema = z
  .string()
  .max(2048)
  .regex(/^https?:\/\//, "must start with http:// or https://");

export const DEFAULT_KUBERNETES_ISSUER = "https://kubernetes.default.svc";

export const KubernetesServiceAccountOidcSchema = z
  .strictObject({
    serviceAccount: z
      .string()
      .max(253)
      .describe(
        "Only tokens of this ServiceAccount are accepted; unset accepts any ServiceAccount of the namespace.",
      )
      .optional(),
    namespace: z
      .string()
      .max(63)
      .describe("Namespace of the ServiceAccount; unset means the workload's namespace.")
      .optional(),
    issuer: UrlSchema.default(DEFAULT_KUBERNETES_ISSUER).describe(
      "The cluster's service-account token issuer; default https://kubernetes.default.svc.",
    ),
    jwksUrl: UrlSchema.describe("JWKS endpoint; unset uses OIDC discovery on the issuer.").optional(),
    introspectionUrl: UrlSchema.describe(
      "Token introspection endpoint (not implemented by this gateway; rejected at reconcile).",
    ).optional(),
    useClusterAuth: z
      .boolean()
      .describe("Trust the pod's cluster CA for the issuer's TLS (default true).")
      .optional(),
  })
  .describe("Validate Kubernetes service-account tokens.");

export const InlineOidcSchema = z
  .strictObject({
    issuer: UrlSchema.describe("OIDC issuer URL; tokens must carry it as iss."),
    jwksUrl: UrlSchema.describe("JWKS endpoint; unset uses OIDC discovery on the issuer.").optional(),
    introspectionUrl: UrlSchema.describe(
      "Token introspection endpoint (not implemented by this gateway; rejected at reconcile).",
    ).optional(),
    clientId: z.string().max(512).describe("OAuth client id of the gateway at the issuer.").optional(),
    clientSecretRef: SecretKeyRefSchema.describe(
      "Secret key holding the client secret; mounted as an env var, never in the ConfigMap.",
    ).optional(),
    caBundleRef: CaBundleRefSchema.describe(
      "CA bundle for TLS to the issuer; mounted into the pod.",
    ).optional(),
    jwksAuthTokenPath: z
      .string()
      .max(4096)
      .describe(
        "Bearer token file for JWKS requests (not implemented by this gateway; rejected at reconcile).",
      )
      .optional(),
    jwksAllowPrivateIP: z.boolean().default(false).describe("Allow a JWKS endpoint on a private address."),
    protectedResourceAllowPrivateIP: z
      .boolean()
      .default(false)
      .describe("Allow the protected-resource metadata to name a private address."),
    insecureAllowHTTP: z
      .boolean()
      .default(false)
      .describe("Allow an http:// issuer and JWKS URL; for development only."),
  })
  .describe("An OIDC provider given by its URLs.");

export const MCPOIDCConfigSpecSchema = withRule(
  withRule(
    z.strictObject({
      type: z.enum(["kubernetesServiceAccount", "inline"]).describe("Where the provider settings come from."),
      kubernetesServiceAccount: KubernetesServiceAccountOidcSchema.optional(),
      inline: InlineOidcSchema.optional(),
    }),
    {
      rule: "self.type == 'kubernetesServiceAccount' ? has(self.kubernetesServiceAccount) : !has(self.kubernetesServiceAccount)",
      message:
        "kubernetesServiceAccount must be set when type is 'kubernetesServiceAccount', and must not be set otherwise",
    },
    (s) => (s.type === "kubernetesServiceAccount") === (s.kubernetesServiceAccount !== undefined),
  ),
  {
    rule: "self.type == 'inline' ? has(self.inline) : !has(self.inline)",
    message: "inline must be set when type is 'inline', and must not be set otherwise",
  },
  (s) => (s.type === "inline") === (s.inline !== undefined),
);
export type MCPOIDCConfigSpec = z.output<typeof MCPOIDCConfigSpecSchema>;

export const MCPOIDCConfigStatusSchema = z.strictObject(sharedConfigStatusShape);

export const MCPOIDCConfigSchema = kindObject(
  "MCPOIDCConfig",
  MCPOIDCConfigSpecSchema,
  MCPOIDCConfigStatusSchema,
);
export type MCPOIDCConfig = z.output<typeof MCPOIDCConfigSchema>;
