import { KIND_SCHEMAS } from "@vmcp/shared-types";
import { telemetryConfigProblems } from "../builders/telemetry.ts";
import type { ControllerContext } from "../kit/context.ts";
import type { Controller } from "../kit/controller.ts";
import type { RawObject } from "../kit/kinds.ts";
import { issueMessages, validConfigStatus } from "../kit/status.ts";
import { referenceStatus, sharedConfigController, type WorkloadRef } from "./shared-config-refs.ts";

/** Problems with an MCPTelemetryConfig: the schema, then each setting that cannot work here. */
export function mcpTelemetryConfigProblems(obj: RawObject): string[] {
  const parsed = KIND_SCHEMAS.MCPTelemetryConfig.safeParse(obj);
  if (!parsed.success) return issueMessages(parsed.error);
  return telemetryConfigProblems(parsed.data.spec);
}

/** Status of an MCPTelemetryConfig: `Valid`, `configHash`, and the VirtualMCPServers that use it. */
export function mcpTelemetryConfigStatus(
  obj: RawObject,
  refs: WorkloadRef[],
  now = new Date(),
): Record<string, unknown> {
  return {
    ...validConfigStatus(obj, obj.spec ?? {}, mcpTelemetryConfigProblems(obj), now),
    ...referenceStatus(refs),
  };
}

export function mcpTelemetryConfigController(ctx: ControllerContext): Controller {
  return sharedConfigController(
    ctx,
    "MCPTelemetryConfig",
    "mcptelemetryconfig",
    "telemetryConfigRef",
    mcpTelemetryConfigStatus,
  );
}
