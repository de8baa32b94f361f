// Where client sessions live: ToolHive's sessionStorage field.
import * as z from "zod";
import { withRule } from "./meta.ts";
import { SecretKeyRefSchema } from "./refs.ts";

/** The runtime reads the Redis password from this env var; the Deployment fills it from passwordRef. */
export const SESSION_REDIS_PASSWORD_ENV = "VMCP_SESSION_REDIS_PASSWORD";

const fields = {
  provider: z
    .enum(["memory", "redis"])
    .describe(
      "memory: sessions stay in the replica that created them (needs sessionAffinity); redis: session state in the Redis at address, shared by every replica. Unset: sealed session ids any replica can continue.",
    ),
  address: z
    .string()
    .min(1)
    .max(1024)
    .describe("host:port of the Redis server; required when provider is redis.")
    .optional(),
  db: z.int32().min(0).default(0).describe("Redis logical database number."),
  keyPrefix: z
    .string()
    .max(256)
    .describe("Prefix of every key the gateway writes (default vmcp:session:<name>:).")
    .optional(),
};

const addressRule = {
  rule: "self.provider != 'redis' || has(self.address)",
  message: "address is required",
  fieldPath: ".address",
  reason: "FieldValueRequired",
} as const;

/** The runtime config's form: no password (that comes from the environment, never the file). */
export const RuntimeSessionStorageSchema = withRule(
  z.strictObject(fields),
  addressRule,
  (s) => s.provider !== "redis" || s.address !== undefined,
);
export type RuntimeSessionStorage = z.output<typeof RuntimeSessionStorageSchema>;

/** spec.sessionStorage on a VirtualMCPServer. */
export const SessionStorageSchema = withRule(
  z.strictObject({
    ...fields,
    passwordRef: SecretKeyRefSchema.describe(
      "Secret key holding the Redis password (given to the gateway as an env var, never in its ConfigMap).",
    ).optional(),
  }),
  addressRule,
  (s) => s.provider !== "redis" || s.address !== undefined,
);
export type SessionStorage = z.output<typeof SessionStorageSchema>;
