// VirtualMCPCompositeToolDefinition: the spec is the composite tool config inline.
import * as z from "zod";
import { CompositeToolConfigSchema } from "../composite.ts";
import { atomicList, setList } from "../meta.ts";
import { commonStatusShape, kindObject } from "./common.ts";

export const VirtualMCPCompositeToolDefinitionSpecSchema = CompositeToolConfigSchema;
export type VirtualMCPCompositeToolDefinitionSpec = z.output<
  typeof VirtualMCPCompositeToolDefinitionSpecSchema
>;

export const VirtualMCPCompositeToolDefinitionStatusSchema = z.strictObject({
  ...commonStatusShape,
  validationStatus: z
    .enum(["Valid", "Invalid", "Unknown"])
    .describe("Valid, Invalid, or Unknown before validation.")
    .optional(),
  validationErrors: atomicList(z.string().max(4096), 256)
    .describe("Why the definition is Invalid.")
    .optional(),
  referencingVirtualServers: setList(z.string().max(253), 1024)
    .describe("VirtualMCPServers that reference this definition.")
    .optional(),
});
export type VirtualMCPCompositeToolDefinitionStatus = z.output<
  typeof VirtualMCPCompositeToolDefinitionStatusSchema
>;

export const VirtualMCPCompositeToolDefinitionSchema = kindObject(
  "VirtualMCPCompositeToolDefinition",
  VirtualMCPCompositeToolDefinitionSpecSchema,
  VirtualMCPCompositeToolDefinitionStatusSchema,
);
export type VirtualMCPCompositeToolDefinition = z.output<typeof VirtualMCPCompositeToolDefinitionSchema>;
