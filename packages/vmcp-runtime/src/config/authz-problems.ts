// `vmcp validate` for incomingAuth.authz: the Cedar parser's verdict on the raw config, so an
// invalid policy set stops the runtime before it serves instead of leaving the gateway open.
import { cedarProblems, type PolicyProblem } from "@vmcp/shared-types";

export function authzConfigProblems(raw: unknown): PolicyProblem[] {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return [];
  const a = raw as Record<string, unknown>;
  if (a.type !== "cedar" || !Array.isArray(a.policies)) return [];
  // Non-string items and size limits are the schema's to report.
  const policies = a.policies.filter((p): p is string => typeof p === "string");
  if (policies.length !== a.policies.length) return [];
  return cedarProblems(policies, typeof a.entitiesJson === "string" ? a.entitiesJson : undefined);
}
