import { KIND_SCHEMAS } from "@vmcp/shared-types";
import { unsupportedOidcFeatures } from "../builders/oidc.ts";
import type { ControllerContext } from "../kit/context.ts";
import type { Controller } from "../kit/controller.ts";
import type { RawObject } from "../kit/kinds.ts";
import { issueMessages, validConfigStatus } from "../kit/status.ts";
import { referenceStatus, sharedConfigController, type WorkloadRef } from "./shared-config-refs.ts";

/** Problems with an MCPOIDCConfig: the schema, then each setting this gateway cannot serve. */
export function oidcConfigProblems(obj: RawObject): string[] {
  const parsed = KIND_SCHEMAS.MCPOIDCConfig.safeParse(obj);
  if (!parsed.success) return issueMessages(parsed.error);
  return unsupportedOidcFeatures(parsed.data.spec);
}

/** Status of an MCPOIDCConfig: `Valid`, `configHash`, and the VirtualMCPServers that use it. */
export function mcpOidcConfigStatus(
  obj: RawObject,
  refs: WorkloadRef[],
  now = new Date(),
): Record<string, unknown> {
  return {
    ...validConfigStatus(obj, obj.spec ?? {}, oidcConfigProblems(obj), now),
    ...referenceStatus(refs),
  };
}

export function mcpOidcConfigController(ctx: ControllerContext): Controller {
  return sharedConfigController(ctx, "MCPOIDCConfig", "mcpoidcconfig", "oidcConfigRef", mcpOidcConfigStatus);
}
