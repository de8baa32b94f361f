// Fields shared by the workload kinds we discover but do not run (MCPServer, MCPRemoteProxy).
import * as z from "zod";

export const ResourceListSchema = z.strictObject({
  cpu: z.string().max(64).optional(),
  memory: z.string().max(64).optional(),
});

export const ResourceRequirementsSchema = z.strictObject({
  limits: ResourceListSchema.optional(),
  requests: ResourceListSchema.optional(),
});

export const PortSchema = z.int32().min(1).max(65535);
