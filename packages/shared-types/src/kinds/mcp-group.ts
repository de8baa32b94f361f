// MCPGroup.
import * as z from "zod";
import { setList } from "../meta.ts";
import { commonStatusShape, kindObject } from "./common.ts";

export const MCPGroupSpecSchema = z.strictObject({
  description: z.string().max(4096).describe("Human-readable description of the group.").optional(),
});
export type MCPGroupSpec = z.output<typeof MCPGroupSpecSchema>;

const memberNames = () => setList(z.string().max(253), 4096).optional();

export const MCPGroupStatusSchema = z.strictObject({
  ...commonStatusShape,
  phase: z
    .enum(["Ready", "Pending", "Failed"])
    .default("Pending")
    .describe("Ready once the group is validated; Pending before."),
  servers: memberNames().describe("MCPServers in the group."),
  serverCount: z.int32().min(0).describe("Number of MCPServers in the group.").optional(),
  remoteProxies: memberNames().describe("MCPRemoteProxies in the group."),
  remoteProxyCount: z.int32().min(0).describe("Number of MCPRemoteProxies in the group.").optional(),
  entries: memberNames().describe("MCPServerEntries in the group."),
  entryCount: z.int32().min(0).describe("Number of MCPServerEntries in the group.").optional(),
});
export type MCPGroupStatus = z.output<typeof MCPGroupStatusSchema>;

export const MCPGroupSchema = kindObject("MCPGroup", MCPGroupSpecSchema.prefault({}), MCPGroupStatusSchema);
export type MCPGroup = z.output<typeof MCPGroupSchema>;
