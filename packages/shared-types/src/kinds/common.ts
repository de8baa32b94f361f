// Pieces every kind shares: group/version constants, object metadata, the whole-object builder.
import * as z from "zod";
import { ConditionsSchema } from "../conditions.ts";
import { boundedRecord, mapList, withRule } from "../meta.ts";
import { HEADER_NAME_PATTERN, HeaderNameSchema, SecretKeyRefSchema } from "../refs.ts";

export const GROUP = "toolhive.stacklok.dev";
export const VERSION = "v1beta1";
export const API_VERSION = `${GROUP}/${VERSION}`;

/** The subset of ObjectMeta this project reads; the rest passes through. */
export const ObjectMetaSchema = z.looseObject({
  name: z.string().optional(),
  generateName: z.string().optional(),
  namespace: z.string().optional(),
  uid: z.string().optional(),
  resourceVersion: z.string().optional(),
  generation: z.int().optional(),
  creationTimestamp: z.string().optional(),
  deletionTimestamp: z.string().optional(),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  finalizers: z.array(z.string()).optional(),
});
export type ObjectMeta = z.output<typeof ObjectMetaSchema>;

export const ObservedGenerationSchema = z
  .int()
  .min(0)
  .describe("metadata.generation the controller last acted on.");

/** Status fields every config-like kind carries. */
export const commonStatusShape = {
  conditions: ConditionsSchema.optional(),
  observedGeneration: ObservedGenerationSchema.optional(),
};

/** Status fields of the kinds whose controller runs a workload the gateway calls (MCPServer,
 * MCPRemoteProxy): where it answers, why it is in its phase, which referenced configs it runs. */
export const workloadStatusShape = {
  url: z.string().max(2048).describe("URL the gateway calls; set by the workload's controller.").optional(),
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
};

export function kindObject<K extends string, S extends z.ZodType, T extends z.ZodType>(
  kind: K,
  spec: S,
  status: T,
) {
  return z.object({
    apiVersion: z.literal(API_VERSION),
    kind: z.literal(kind),
    metadata: ObjectMetaSchema,
    spec,
    status: status.optional(),
  });
}

/** Header forwarding to a remote backend (MCPServerEntry, MCPRemoteProxy). */
export const HeaderForwardSchema = z.strictObject({
  addPlaintextHeaders: withRule(
    boundedRecord(HeaderNameSchema, z.string().max(8192), 64),
    {
      rule: `self.all(k, k.matches("${HEADER_NAME_PATTERN.source}"))`,
      message: "addPlaintextHeaders keys must be HTTP header names",
    },
    (m) => Object.keys(m).every((k) => HEADER_NAME_PATTERN.test(k)),
  )
    .describe("Header name to literal value; never put secrets here.")
    .optional(),
  addHeadersFromSecret: mapList(
    z.strictObject({
      headerName: HeaderNameSchema.describe("HTTP header name."),
      valueSecretRef: SecretKeyRefSchema.describe("Secret key holding the header value."),
    }),
    ["headerName"],
    64,
  )
    .describe("Headers whose values come from Secrets.")
    .optional(),
});
export type HeaderForward = z.output<typeof HeaderForwardSchema>;
