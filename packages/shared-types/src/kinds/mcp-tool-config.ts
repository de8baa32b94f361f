// MCPToolConfig.
import * as z from "zod";
import { boundedRecord, setList } from "../meta.ts";
import { ToolOverrideSchema } from "../refs.ts";
import { commonStatusShape, kindObject } from "./common.ts";

export const MCPToolConfigSpecSchema = z.strictObject({
  toolsFilter: setList(z.string().max(256), 1024)
    .describe("Only these tools are advertised; empty advertises all.")
    .optional(),
  toolsOverride: boundedRecord(z.string().max(256), ToolOverrideSchema, 1024)
    .describe("Per tool: a new name and/or description, keyed by the backend's tool name.")
    .optional(),
});
export type MCPToolConfigSpec = z.output<typeof MCPToolConfigSpecSchema>;

export const MCPToolConfigStatusSchema = z.strictObject({
  ...commonStatusShape,
  configHash: z.string().max(128).describe("Hash of the spec, changed whenever the spec changes.").optional(),
});
export type MCPToolConfigStatus = z.output<typeof MCPToolConfigStatusSchema>;

export const MCPToolConfigSchema = kindObject(
  "MCPToolConfig",
  MCPToolConfigSpecSchema.prefault({}),
  MCPToolConfigStatusSchema,
);
export type MCPToolConfig = z.output<typeof MCPToolConfigSchema>;
