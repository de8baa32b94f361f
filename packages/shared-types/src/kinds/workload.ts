// Fields shared by the workload kinds we discover but do not run (MCPServer, MCPRemoteProxy).
import * as z from "zod";

export const ResourceListSchema = z.strictObject({
  cpu: z.string().max(64).describe("CPU quantity, e.g. 500m.").optional(),
  memory: z.string().max(64).describe("Memory quantity, e.g. 256Mi.").optional(),
});

export const ResourceRequirementsSchema = z.strictObject({
  limits: ResourceListSchema.describe("Most the container may use.").optional(),
  requests: ResourceListSchema.describe("What the container is guaranteed.").optional(),
});

export const PortSchema = z.int32().min(1).max(65535);
