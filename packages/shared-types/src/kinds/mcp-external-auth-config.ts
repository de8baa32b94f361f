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
    .regex(/^https?:\/\//, "must start with http:// or https://"),
  clientId: z.string().max(512).optional(),
  clientSecretRef: SecretKeyRefSchema.optional(),
  audience: z.string().min(1).max(2048),
  scopes: z.array(z.string().max(256)).max(64).meta({ "x-kubernetes-list-type": "atomic" }).optional(),
  subjectTokenType: z
    .string()
    .regex(SUBJECT_TOKEN_TYPE_PATTERN, "must be access_token, id_token, jwt or their URN")
    .optional(),
});

export const HeaderInjectionConfigSchema = z.strictObject({
  headerName: HeaderNameSchema,
  valueSecretRef: SecretKeyRefSchema,
});

export const BearerTokenConfigSchema = z.strictObject({
  tokenSecretRef: SecretKeyRefSchema,
});

const SUB_OBJECTS = ["headerInjection", "bearerToken", "tokenExchange"] as const;

let spec = z.strictObject({
  type: z.enum(EXTERNAL_AUTH_TYPES),
  tokenExchange: TokenExchangeConfigSchema.optional(),
  headerInjection: HeaderInjectionConfigSchema.optional(),
  bearerToken: BearerTokenConfigSchema.optional(),
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
  configHash: z.string().max(128).optional(),
});
export type MCPExternalAuthConfigStatus = z.output<typeof MCPExternalAuthConfigStatusSchema>;

export const MCPExternalAuthConfigSchema = kindObject(
  "MCPExternalAuthConfig",
  MCPExternalAuthConfigSpecSchema,
  MCPExternalAuthConfigStatusSchema,
);
export type MCPExternalAuthConfig = z.output<typeof MCPExternalAuthConfigSchema>;
