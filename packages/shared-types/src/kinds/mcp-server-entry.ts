// MCPServerEntry, all fields: a catalog entry with no infrastructure.
import * as z from "zod";
import { GroupRefSchema, NameRefSchema } from "../refs.ts";
import { commonStatusShape, HeaderForwardSchema, kindObject } from "./common.ts";
import { RemoteUrlSchema } from "./mcp-remote-proxy.ts";

export const CaBundleRefSchema = z.strictObject({
  configMapRef: z.strictObject({
    name: z.string().min(1).max(253),
    key: z.string().min(1).max(253).default("ca.crt"),
  }),
});

export const MCPServerEntrySpecSchema = z.strictObject({
  remoteUrl: RemoteUrlSchema,
  allowPrivateEndpoint: z.boolean().default(false),
  // No default on purpose.
  transport: z.enum(["sse", "streamable-http"]),
  groupRef: GroupRefSchema,
  externalAuthConfigRef: NameRefSchema.optional(),
  headerForward: HeaderForwardSchema.optional(),
  caBundleRef: CaBundleRefSchema.optional(),
});
export type MCPServerEntrySpec = z.output<typeof MCPServerEntrySpecSchema>;

export const MCPServerEntryStatusSchema = z.strictObject({
  ...commonStatusShape,
  phase: z.enum(["Valid", "Pending", "Failed"]).default("Pending"),
});
export type MCPServerEntryStatus = z.output<typeof MCPServerEntryStatusSchema>;

export const MCPServerEntrySchema = kindObject(
  "MCPServerEntry",
  MCPServerEntrySpecSchema,
  MCPServerEntryStatusSchema,
);
export type MCPServerEntry = z.output<typeof MCPServerEntrySchema>;
