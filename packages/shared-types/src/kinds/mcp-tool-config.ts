// MCPToolConfig.
import * as z from "zod";
import { boundedRecord, setList } from "../meta.ts";
import { ToolOverrideSchema } from "../refs.ts";
import { commonStatusShape, kindObject } from "./common.ts";

export const MCPToolConfigSpecSchema = z.strictObject({
  toolsFilter: setList(z.string().max(256), 1024).optional(),
  toolsOverride: boundedRecord(z.string().max(256), ToolOverrideSchema, 1024).optional(),
});
export type MCPToolConfigSpec = z.output<typeof MCPToolConfigSpecSchema>;

export const MCPToolConfigStatusSchema = z.strictObject({
  ...commonStatusShape,
  configHash: z.string().max(128).optional(),
});
export type MCPToolConfigStatus = z.output<typeof MCPToolConfigStatusSchema>;

export const MCPToolConfigSchema = kindObject(
  "MCPToolConfig",
  MCPToolConfigSpecSchema.prefault({}),
  MCPToolConfigStatusSchema,
);
export type MCPToolConfig = z.output<typeof MCPToolConfigSchema>;
