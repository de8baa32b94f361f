import { KIND_SCHEMAS } from "@vmcp/shared-types";
import { authzConfigOptions } from "../builders/authz.ts";
import type { ControllerContext } from "../kit/context.ts";
import type { Controller } from "../kit/controller.ts";
import type { RawObject } from "../kit/kinds.ts";
import { issueMessages, validConfigStatus } from "../kit/status.ts";
import { referenceStatus, sharedConfigController, type WorkloadRef } from "./shared-config-refs.ts";

/** Problems with an MCPAuthzConfig: the schema, the authorizer type, and the Cedar parser's view
 * of every policy and of entities_json. */
export function authzConfigProblems(obj: RawObject): string[] {
  const parsed = KIND_SCHEMAS.MCPAuthzConfig.safeParse(obj);
  if (!parsed.success) return issueMessages(parsed.error);
  const opts = authzConfigOptions(parsed.data);
  return opts.ok ? [] : [opts.message];
}

/** Status of an MCPAuthzConfig: `Valid`, `configHash`, and the VirtualMCPServers that use it. */
export function mcpAuthzConfigStatus(
  obj: RawObject,
  refs: WorkloadRef[],
  now = new Date(),
): Record<string, unknown> {
  return {
    ...validConfigStatus(obj, obj.spec ?? {}, authzConfigProblems(obj), now),
    ...referenceStatus(refs),
  };
}

export function mcpAuthzConfigController(ctx: ControllerContext): Controller {
  return sharedConfigController(
    ctx,
    "MCPAuthzConfig",
    "mcpauthzconfig",
    "authzConfigRef",
    mcpAuthzConfigStatus,
  );
}
