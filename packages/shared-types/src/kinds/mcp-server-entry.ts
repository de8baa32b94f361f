// MCPServerEntry, all fields: a catalog entry with no infrastructure.
import * as z from "zod";
import { CaBundleRefSchema, GroupRefSchema, NameRefSchema } from "../refs.ts";
import { commonStatusShape, HeaderForwardSchema, kindObject } from "./common.ts";
import { RemoteUrlSchema } from "./mcp-remote-proxy.ts";

export const MCPServerEntrySpecSchema = z.strictObject({
  remoteUrl: RemoteUrlSchema.describe("URL of the remote MCP server (http:// or https://)."),
  allowPrivateEndpoint: z
    .boolean()
    .default(false)
    .describe("Allow remoteUrl to resolve to a private or loopback address."),
  // No default on purpose.
  transport: z.enum(["sse", "streamable-http"]).describe("MCP transport of the server."),
  groupRef: GroupRefSchema,
  externalAuthConfigRef: NameRefSchema.describe(
    "MCPExternalAuthConfig (same namespace) the gateway uses to call this backend.",
  ).optional(),
  headerForward: HeaderForwardSchema.describe("Headers added to every request to the backend.").optional(),
  caBundleRef: CaBundleRefSchema.describe("CA bundle that signs the remote server's certificate.").optional(),
});
export type MCPServerEntrySpec = z.output<typeof MCPServerEntrySpecSchema>;

export const MCPServerEntryStatusSchema = z.strictObject({
  ...commonStatusShape,
  phase: z
    .enum(["Valid", "Pending", "Failed"])
    .default("Pending")
    .describe("Lifecycle phase; the gateway uses only members in phase Ready (or Valid for entries)."),
});
export type MCPServerEntryStatus = z.output<typeof MCPServerEntryStatusSchema>;

export const MCPServerEntrySchema = kindObject(
  "MCPServerEntry",
  MCPServerEntrySpecSchema,
  MCPServerEntryStatusSchema,
);
export type MCPServerEntry = z.output<typeof MCPServerEntrySchema>;
