// MCPExternalAuthConfig, types in scope: unauthenticated, headerInjection,
// bearerToken, tokenExchange. The sub-object matching `type` must be set and every other absent.
import * as z from "zod";
import { withRule } from "../meta.ts";
import { HeaderNameSchema, SecretKeyRefSchema } from "../refs.ts";
import { commonStatusShape, kindObject } from "./common.ts";

export const EXTERNAL_AUTH_TYPES = [
  "unauthenticated",
  "headerInjection",
  "bearerToken",
  "tokenExchange",
] as const;

export const SUBJECT_TOKEN_TYPE_PATTERN =
  /^(access_token|id_token|jwt|urn:ietf:params:oauth:token-type:(access_token|id_token|jwt))$/;

export const TokenExchangeConfigSchema = z.strictObject({
  tokenUrl: z
    .string()
    .max(2048)
    .regex(/^https?:\/\//, "must start with http:// or https://")
    .describe("Token endpoint of the authorization server."),
  clientId: z.string().max(512).describe("OAuth client id of the gateway.").optional(),
  clientSecretRef: SecretKeyRefSchema.describe("Secret key holding the client secret.").optional(),
  audience: z.string().min(1).max(2048).describe("Audience requested for the exchanged token."),
  scopes: z
    .array(z.string().max(256))
    .max(64)
    .meta({ "x-kubernetes-list-type": "atomic" })
    .describe("Scopes requested for the exchanged token.")
    .optional(),
  subjectTokenType: z
    .string()
    .regex(SUBJECT_TOKEN_TYPE_PATTERN, "must be access_token, id_token, jwt or their URN")
    .describe("Type of the caller's token: access_token (default), id_token, jwt, or their URN.")
    .optional(),
});

export const HeaderInjectionConfigSchema = z.strictObject({
  headerName: HeaderNameSchema.describe("HTTP header name."),
  valueSecretRef: SecretKeyRefSchema.describe("Secret key holding the header value."),
});

export const BearerTokenConfigSchema = z.strictObject({
  tokenSecretRef: SecretKeyRefSchema.describe("Secret key holding the bearer token."),
});

const SUB_OBJECTS = ["headerInjection", "bearerToken", "tokenExchange"] as const;

let spec = z.strictObject({
  type: z
    .enum(EXTERNAL_AUTH_TYPES)
    .describe("Which strategy: the sub-object of the same name must be set, all others absent."),
  tokenExchange: TokenExchangeConfigSchema.describe(
    "RFC 8693 token exchange of the caller's token for one the backend accepts.",
  ).optional(),
  headerInjection: HeaderInjectionConfigSchema.describe(
    "Send a fixed header whose value comes from a Secret.",
  ).optional(),
  bearerToken: BearerTokenConfigSchema.describe(
    "Send Authorization: Bearer <token> from a Secret.",
  ).optional(),
});
for (const field of SUB_OBJECTS) {
  spec = withRule(
    spec,
    {
      rule: `self.type == '${field}' ? has(self.${field}) : !has(self.${field})`,
      message: `${field} must be set when type is ${field}, and must not be set otherwise`,
      fieldPath: `.${field}`,
    },
    (s) => (s.type === field) === (s[field] !== undefined),
  );
}
export const MCPExternalAuthConfigSpecSchema = spec;
export type MCPExternalAuthConfigSpec = z.output<typeof MCPExternalAuthConfigSpecSchema>;

export const MCPExternalAuthConfigStatusSchema = z.strictObject({
  ...commonStatusShape,
  configHash: z.string().max(128).describe("Hash of the spec, changed whenever the spec changes.").optional(),
});
export type MCPExternalAuthConfigStatus = z.output<typeof MCPExternalAuthConfigStatusSchema>;

export const MCPExternalAuthConfigSchema = kindObject(
  "MCPExternalAuthConfig",
  MCPExternalAuthConfigSpecSchema,
  MCPExternalAuthConfigStatusSchema,
);
export type MCPExternalAuthConfig = z.output<typeof MCPExternalAuthConfigSchema>;
