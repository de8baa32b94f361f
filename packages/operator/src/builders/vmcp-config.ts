// The pure config generator: VirtualMCPServer + referenced objects -> config.yaml.
import {
  OperationalConfigSchema,
  SESSION_REDIS_PASSWORD_ENV,
  type VirtualMCPServerSpec,
  type VmcpConfig,
  VmcpConfigSchema,
} from "@vmcp/shared-types";
import { ConfigResolutionError, resolveAggregation } from "./aggregation.ts";
import { resolveAuthz } from "./authz.ts";
import { mergeCompositeTools } from "./composite.ts";
import type { ConditionInput } from "./conditions.ts";
import type { CaBundleMount, SecretEnv } from "./deployment.ts";
import { resolveOidc } from "./oidc.ts";
import { buildOutgoingAuth } from "./outgoing-auth.ts";
import { resolveTelemetry } from "./telemetry.ts";
import type { VmcpWorld } from "./world.ts";
import { deterministicYaml } from "./yaml.ts";

export interface GeneratedConfig {
  config: VmcpConfig;
  yaml: string;
  /** Env vars the Deployment fills from Secrets, for the env var names the config carries. */
  secretEnv: SecretEnv[];
  /** Secrets the runtime reads through the API (dynamic mode); they go into its Role. */
  runtimeSecretNames: string[];
  /** CA bundle ConfigMaps the runtime reads through the API (dynamic mode); they go into its Role. */
  runtimeConfigMapNames: string[];
  /** CA bundles mounted into the pod (static mode). */
  caBundles: CaBundleMount[];
  debug: boolean;
  /** Hash of the referenced MCPOIDCConfig's spec (incomingAuth type oidc only). */
  oidcConfigHash?: string;
  /** Hash of the referenced MCPTelemetryConfig's spec (telemetryConfigRef only). */
  telemetryConfigHash?: string;
}

export type ConfigOutcome =
  | { ok: true; value: GeneratedConfig; conditions: ConditionInput[] }
  | { ok: false; reason: string; message: string; conditions: ConditionInput[] };

/** The Redis password reaches the runtime as an env var from its Secret, never through the file. */
function sessionStorageSecretEnv(storage: VirtualMCPServerSpec["sessionStorage"]): SecretEnv[] {
  const ref = storage?.provider === "redis" ? storage.passwordRef : undefined;
  return ref ? [{ env: SESSION_REDIS_PASSWORD_ENV, secretName: ref.name, key: ref.key }] : [];
}

export function generateVmcpConfig(world: VmcpWorld): ConfigOutcome {
  const vmcp = world.vmcp;
  const spec = vmcp.spec;
  const conditions: ConditionInput[] = [];
  const fail = (reason: string, message: string): ConfigOutcome => ({
    ok: false,
    reason,
    message,
    conditions,
  });

  const oidc =
    spec.incomingAuth.type === "oidc"
      ? resolveOidc(spec.incomingAuth.oidcConfigRef, world.oidcConfigs ?? new Map())
      : undefined;
  if (oidc) conditions.push(...oidc.conditions);
  if (oidc && !oidc.ok) return fail(oidc.reason, oidc.message);

  const authz = resolveAuthz(spec.incomingAuth, world.authz ?? { authzConfigs: new Map() });
  conditions.push(...authz.conditions);
  if (!authz.ok) return fail(authz.reason, authz.message);

  const telemetry = resolveTelemetry(spec, vmcp.metadata.name ?? "", world.telemetryConfigs ?? new Map());
  conditions.push(...telemetry.conditions);
  if (!telemetry.ok) return fail(telemetry.reason, telemetry.message);

  const auth = buildOutgoingAuth(world);
  conditions.push(...auth.conditions);
  if (auth.error) {
    conditions.push({
      type: "AuthConfigured",
      status: "False",
      reason: "AuthInvalid",
      message: auth.error.message,
    });
    return fail(auth.error.reason, auth.error.message);
  }
  conditions.push({
    type: "AuthConfigured",
    status: "True",
    reason: "AuthValid",
    message: "Authentication configuration is valid",
  });

  const cfg = spec.config;
  let draft: Record<string, unknown>;
  try {
    draft = {
      name: vmcp.metadata.name,
      groupRef: spec.groupRef.name,
      incomingAuth: {
        ...(oidc?.ok ? { type: "oidc", oidc: oidc.oidc } : { type: "anonymous" }),
        ...(authz.authz ? { authz: authz.authz } : {}),
      },
      outgoingAuth: auth.outgoingAuth,
      aggregation: resolveAggregation(cfg.aggregation, world.toolConfigs),
      operational: OperationalConfigSchema.parse(structuredClone(cfg.operational ?? {})),
    };
    const composite = mergeCompositeTools(cfg.compositeTools, cfg.compositeToolRefs, world.compositeDefs);
    if (composite.length > 0) draft.compositeTools = composite;
  } catch (err) {
    if (err instanceof ConfigResolutionError) return fail(err.reason, err.message);
    return fail("ConfigInvalid", err instanceof Error ? err.message : String(err));
  }
  if (auth.backends) draft.backends = auth.backends;
  const passthrough =
    spec.passthroughHeaders && spec.passthroughHeaders.length > 0
      ? spec.passthroughHeaders
      : cfg.passthroughHeaders;
  if (passthrough && passthrough.length > 0) draft.passthroughHeaders = [...passthrough];
  if (cfg.metadata && Object.keys(cfg.metadata).length > 0) draft.metadata = { ...cfg.metadata };
  if (cfg.audit) draft.audit = structuredClone(cfg.audit);
  if (telemetry.telemetry) draft.telemetry = telemetry.telemetry;
  const storage = spec.sessionStorage;
  if (storage) {
    const { passwordRef: _password, ...runtime } = storage;
    draft.sessionStorage = runtime;
  }

  // The same schema the runtime loads with: what we write is what it accepts.
  const parsed = VmcpConfigSchema.safeParse(draft);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return fail(
      "ConfigInvalid",
      `generated config is invalid at ${issue?.path.join(".")}: ${issue?.message}`,
    );
  }
  const config = parsed.data;
  return {
    ok: true,
    conditions,
    value: {
      config,
      yaml: deterministicYaml(config),
      secretEnv: [
        ...(oidc?.ok ? oidc.secretEnv : []),
        ...auth.secretEnv,
        ...sessionStorageSecretEnv(spec.sessionStorage),
        ...telemetry.secretEnv,
      ],
      runtimeSecretNames: auth.runtimeSecretNames,
      runtimeConfigMapNames: auth.runtimeConfigMapNames,
      caBundles: [...(oidc?.ok ? oidc.caBundles : []), ...auth.caBundles],
      debug: config.operational.logLevel === "debug",
      ...(oidc?.ok ? { oidcConfigHash: oidc.hash } : {}),
      ...(telemetry.hash ? { telemetryConfigHash: telemetry.hash } : {}),
    },
  };
}
