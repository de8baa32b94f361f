// MCPServer: the fields discovery reads, plus the deployment fields ToolHive
// manifests commonly carry (image, args, env, resources, serviceAccount, podTemplateSpec), accepted
// so those manifests apply unchanged. This project does not deploy MCPServers; see docs/crds.md.
import * as z from "zod";
import { atomicList, jsonObject, mapList } from "../meta.ts";
import { GroupRefSchema, NameRefSchema, OidcConfigRefSchema } from "../refs.ts";
import { commonStatusShape, kindObject } from "./common.ts";
import { PortSchema, ResourceRequirementsSchema } from "./workload.ts";

export const EnvVarSchema = z.strictObject({
  name: z.string().min(1).max(253),
  value: z.string().max(32768).optional(),
});

export const MCPServerSpecSchema = z.strictObject({
  groupRef: GroupRefSchema.optional(),
  transport: z.enum(["stdio", "streamable-http", "sse"]).default("stdio"),
  proxyMode: z.enum(["sse", "streamable-http"]).default("streamable-http"),
  proxyPort: PortSchema.default(8080),
  mcpPort: PortSchema.optional(),
  externalAuthConfigRef: NameRefSchema.optional(),
  oidcConfigRef: OidcConfigRefSchema.describe(
    "Accepted for ToolHive compatibility; this operator runs no proxy for this workload, so it has no effect here.",
  ).optional(),
  toolConfigRef: NameRefSchema.optional(),
  image: z.string().min(1).max(1024).optional(),
  args: atomicList(z.string().max(4096), 256).optional(),
  env: mapList(EnvVarSchema, ["name"], 256).optional(),
  resources: ResourceRequirementsSchema.optional(),
  serviceAccount: z.string().min(1).max(253).optional(),
  podTemplateSpec: jsonObject().optional(),
});
export type MCPServerSpec = z.output<typeof MCPServerSpecSchema>;

export const MCPServerStatusSchema = z.strictObject({
  ...commonStatusShape,
  phase: z.enum(["Pending", "Ready", "Failed", "Terminating", "Stopped"]).optional(),
  url: z.string().max(2048).optional(),
  readyReplicas: z.int32().min(0).optional(),
  message: z.string().max(32768).optional(),
  toolConfigHash: z.string().max(128).optional(),
  externalAuthConfigHash: z.string().max(128).optional(),
});
export type MCPServerStatus = z.output<typeof MCPServerStatusSchema>;

export const MCPServerSchema = kindObject(
  "MCPServer",
  MCPServerSpecSchema.prefault({}),
  MCPServerStatusSchema,
);
export type MCPServer = z.output<typeof MCPServerSchema>;
