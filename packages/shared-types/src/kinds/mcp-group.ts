// MCPGroup.
import * as z from "zod";
import { setList } from "../meta.ts";
import { commonStatusShape, kindObject } from "./common.ts";

export const MCPGroupSpecSchema = z.strictObject({
  description: z.string().max(4096).optional(),
});
export type MCPGroupSpec = z.output<typeof MCPGroupSpecSchema>;

const memberNames = () => setList(z.string().max(253), 4096).optional();

export const MCPGroupStatusSchema = z.strictObject({
  ...commonStatusShape,
  phase: z.enum(["Ready", "Pending", "Failed"]).default("Pending"),
  servers: memberNames(),
  serverCount: z.int32().min(0).optional(),
  remoteProxies: memberNames(),
  remoteProxyCount: z.int32().min(0).optional(),
  entries: memberNames(),
  entryCount: z.int32().min(0).optional(),
});
export type MCPGroupStatus = z.output<typeof MCPGroupStatusSchema>;

export const MCPGroupSchema = kindObject("MCPGroup", MCPGroupSpecSchema.prefault({}), MCPGroupStatusSchema);
export type MCPGroup = z.output<typeof MCPGroupSchema>;
