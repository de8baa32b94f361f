// spec.incomingAuth.authzConfig / authzConfigRef -> the runtime's incomingAuth.authz, with the
// Cedar parser's verdict at reconcile time: an invalid policy set fails the VirtualMCPServer
// instead of reaching a pod (where it would stop the runtime) or, worse, being dropped.
import {
  type AuthzConfig,
  AuthzFileSchema,
  type CedarOptions,
  CedarOptionsSchema,
  cedarProblems,
  formatPolicyProblems,
  type MCPAuthzConfig,
  type RuntimeAuthzConfig,
} from "@vmcp/shared-types";
import { parse as parseYaml } from "yaml";
import type * as z from "zod";
import type { ConditionInput } from "./conditions.ts";

/** What the reconciler read for the authz references of one VirtualMCPServer. */
export interface AuthzInputs {
  /** The ConfigMap named by authzConfig.configMap: its data, or undefined when it does not exist. */
  configMapData?: Record<string, string> | undefined;
  authzConfigs: ReadonlyMap<string, MCPAuthzConfig>;
}

export type AuthzOutcome =
  | { ok: true; authz: RuntimeAuthzConfig | undefined; conditions: ConditionInput[]; hash?: string }
  | { ok: false; reason: string; message: string; conditions: ConditionInput[] };

const firstIssue = (e: z.ZodError): string => {
  const i = e.issues[0];
  return `${i?.path.join(".") || "value"}: ${i?.message ?? "invalid"}`;
};

function fromOptions(o: CedarOptions, spec: Partial<AuthzConfig>): RuntimeAuthzConfig {
  const out: RuntimeAuthzConfig = { type: "cedar", policies: [...o.policies] };
  if (o.entities_json !== undefined) out.entitiesJson = o.entities_json;
  const group = spec.groupClaimName || o.group_claim_name;
  const role = spec.roleClaimName || o.role_claim_name;
  const entityType = spec.groupEntityType || o.group_entity_type;
  if (group) out.groupClaimName = group;
  if (role) out.roleClaimName = role;
  if (entityType) out.groupEntityType = entityType;
  return out;
}

/** The authorization file a ConfigMap key holds (JSON, or YAML as ToolHive also accepts). */
export function parseAuthzFile(
  text: string,
): { ok: true; options: CedarOptions } | { ok: false; message: string } {
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (err) {
    return { ok: false, message: `not valid JSON or YAML: ${(err as Error).message}` };
  }
  const parsed = AuthzFileSchema.safeParse(value);
  if (!parsed.success) return { ok: false, message: firstIssue(parsed.error) };
  return { ok: true, options: parsed.data.cedar };
}

/** The Cedar options of an MCPAuthzConfig, or why it cannot be used. */
export function authzConfigOptions(
  cfg: MCPAuthzConfig,
): { ok: true; options: CedarOptions } | { ok: false; message: string } {
  if (cfg.spec.type !== "cedarv1")
    return {
      ok: false,
      message: `type ${cfg.spec.type} is not supported; this gateway runs Cedar (cedarv1) only`,
    };
  const parsed = CedarOptionsSchema.safeParse(cfg.spec.config);
  if (!parsed.success) return { ok: false, message: `config.${firstIssue(parsed.error)}` };
  const problems = cedarProblems(parsed.data.policies, parsed.data.entities_json);
  if (problems.length > 0) return { ok: false, message: formatPolicyProblems(problems) };
  return { ok: true, options: parsed.data };
}

export function resolveAuthz(
  incoming: { authzConfig?: AuthzConfig | undefined; authzConfigRef?: { name: string } | undefined },
  inputs: AuthzInputs,
): AuthzOutcome {
  const conditions: ConditionInput[] = [];
  const fail = (reason: string, message: string): AuthzOutcome => {
    conditions.push({ type: "AuthConfigured", status: "False", reason, message });
    return { ok: false, reason, message, conditions };
  };
  const checked = (authz: RuntimeAuthzConfig, where: string): AuthzOutcome => {
    const problems = cedarProblems(authz.policies ?? [], authz.entitiesJson);
    if (problems.length > 0) return fail("AuthInvalid", `${where}: ${formatPolicyProblems(problems)}`);
    return { ok: true, authz, conditions };
  };

  const ref = incoming.authzConfigRef;
  if (ref) {
    const cfg = inputs.authzConfigs.get(ref.name);
    const refFail = (reason: string, message: string): AuthzOutcome => {
      conditions.push({ type: "AuthzConfigRefValidated", status: "False", reason, message });
      return fail("AuthInvalid", message);
    };
    if (!cfg) return refFail("AuthzConfigRefNotFound", `Referenced MCPAuthzConfig ${ref.name} not found`);
    const opts = authzConfigOptions(cfg);
    if (!opts.ok)
      return refFail("AuthzConfigRefNotValid", `MCPAuthzConfig ${ref.name} is not valid: ${opts.message}`);
    conditions.push({
      type: "AuthzConfigRefValidated",
      status: "True",
      reason: "AuthzConfigRefValid",
      message: `MCPAuthzConfig ${ref.name} is valid`,
    });
    const out = { ok: true as const, authz: fromOptions(opts.options, {}), conditions };
    return cfg.status?.configHash ? { ...out, hash: cfg.status.configHash } : out;
  }

  const spec = incoming.authzConfig;
  if (!spec) return { ok: true, authz: undefined, conditions };
  if (spec.type === "inline" && spec.inline) {
    const { policies, entitiesJson } = spec.inline;
    return checked(
      fromOptions({ policies, entities_json: entitiesJson }, spec),
      "spec.incomingAuth.authzConfig.inline",
    );
  }
  const cm = spec.configMap;
  if (!cm)
    return fail("AuthInvalid", "spec.incomingAuth.authzConfig.configMap is required for type configMap");
  if (inputs.configMapData === undefined)
    return fail("AuthzConfigMapNotFound", `Authorization ConfigMap ${cm.name} not found`);
  const text = inputs.configMapData[cm.key];
  if (text === undefined)
    return fail("AuthzConfigMapInvalid", `Authorization ConfigMap ${cm.name} has no key ${cm.key}`);
  const file = parseAuthzFile(text);
  if (!file.ok)
    return fail("AuthzConfigMapInvalid", `Authorization ConfigMap ${cm.name} key ${cm.key}: ${file.message}`);
  const problems = cedarProblems(file.options.policies, file.options.entities_json);
  if (problems.length > 0)
    return fail(
      "AuthzConfigMapInvalid",
      `Authorization ConfigMap ${cm.name} key ${cm.key}: ${formatPolicyProblems(problems)}`,
    );
  return { ok: true, authz: fromOptions(file.options, spec), conditions };
}
