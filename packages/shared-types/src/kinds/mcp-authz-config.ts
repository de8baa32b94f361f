// MCPAuthzConfig: a Cedar policy set shared by the workloads of a namespace.
import * as z from "zod";
import { jsonObject, mapList, withMeta } from "../meta.ts";
import { commonStatusShape, kindObject } from "./common.ts";

export const MCPAuthzConfigSpecSchema = z.strictObject({
  type: z
    .string()
    .min(1)
    .max(63)
    .describe("Authorizer type; cedarv1 is the only one this gateway runs (ToolHive's httpv1 is rejected)."),
  config: withMeta(jsonObject(), {
    description:
      "Authorizer settings; for cedarv1: policies (list of Cedar policy strings), entities_json, group_claim_name, role_claim_name, group_entity_type.",
  }),
});
export type MCPAuthzConfigSpec = z.output<typeof MCPAuthzConfigSpecSchema>;

export const WorkloadReferenceSchema = z.strictObject({
  kind: z
    .enum(["MCPServer", "VirtualMCPServer", "MCPRemoteProxy"])
    .describe("Kind of the referencing workload."),
  name: z.string().min(1).max(253).describe("Name of the referencing workload (same namespace)."),
});

/** Status of the shared config kinds (MCPAuthzConfig, MCPOIDCConfig). */
export const sharedConfigStatusShape = {
  ...commonStatusShape,
  configHash: z
    .string()
    .max(128)
    .describe("Hash of the spec; referencing workloads copy it to roll out changes.")
    .optional(),
  referenceCount: z.int32().min(0).describe("Number of workloads that reference this object.").optional(),
  referencingWorkloads: withMeta(mapList(WorkloadReferenceSchema, ["name"], 1024), {
    description: "The workloads that reference this object.",
  }).optional(),
};

export const MCPAuthzConfigStatusSchema = z.strictObject(sharedConfigStatusShape);

export const MCPAuthzConfigSchema = kindObject(
  "MCPAuthzConfig",
  MCPAuthzConfigSpecSchema,
  MCPAuthzConfigStatusSchema,
);
export type MCPAuthzConfig = z.output<typeof MCPAuthzConfigSchema>;
