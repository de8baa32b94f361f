// spec.telemetryConfigRef -> the runtime's config.telemetry. The collector comes from the
// MCPTelemetryConfig; the service name stays on the reference (default: the server's name) so two
// servers sharing a collector stay apart. sensitiveHeaders travel as env vars filled from their
// Secrets (telemetry.headersEnv names them): their values never reach the config ConfigMap.
import type {
  MCPTelemetryConfig,
  MCPTelemetryConfigSpec,
  TelemetryConfigInput,
  VirtualMCPServerSpec,
} from "@vmcp/shared-types";
import { configHash } from "../kit/hash.ts";
import type { ConditionInput } from "./conditions.ts";
import type { SecretEnv } from "./deployment.ts";

export const OTEL_HEADER_ENV_PREFIX = "VMCP_OTEL_HEADER_";

export type TelemetryOutcome =
  | {
      ok: true;
      /** The runtime's telemetry block; absent leaves telemetry off. */
      telemetry?: TelemetryConfigInput;
      secretEnv: SecretEnv[];
      /** Hash of the referenced MCPTelemetryConfig's spec: published in status.telemetryConfigHash. */
      hash?: string;
      conditions: ConditionInput[];
    }
  | { ok: false; reason: string; message: string; conditions: ConditionInput[] };

/** What an MCPTelemetryConfig asks for that cannot work; each names the field. */
export function telemetryConfigProblems(spec: MCPTelemetryConfigSpec): string[] {
  const otel = spec.openTelemetry;
  if (!otel) return [];
  const out: string[] = [];
  const signals = (otel.tracing?.enabled ?? false) || (otel.metrics?.enabled ?? false);
  if (otel.endpoint !== undefined && !signals)
    out.push("openTelemetry.endpoint requires at least one of tracing or metrics to be enabled");
  if (otel.enabled && signals && otel.endpoint === undefined)
    out.push("openTelemetry.endpoint is required when tracing or metrics is enabled");
  if (otel.caBundleRef)
    out.push(
      "openTelemetry.caBundleRef is not implemented by this gateway: the collector's certificate must be trusted by the system CAs",
    );
  return out;
}

/** The runtime's telemetry block for a valid MCPTelemetryConfig, or undefined when it exports nothing. */
function renderTelemetry(
  spec: MCPTelemetryConfigSpec,
  serviceName: string,
): { telemetry?: TelemetryConfigInput; secretEnv: SecretEnv[] } {
  const otel = spec.openTelemetry;
  const tracing = otel?.tracing?.enabled ?? false;
  const metrics = otel?.metrics?.enabled ?? false;
  if (!otel?.enabled || otel.endpoint === undefined || !(tracing || metrics)) return { secretEnv: [] };
  const telemetry: TelemetryConfigInput = {
    endpoint: otel.endpoint,
    serviceName,
    tracingEnabled: tracing,
    metricsEnabled: metrics,
    insecure: otel.insecure,
    useLegacyAttributes: otel.useLegacyAttributes,
  };
  if (tracing && otel.tracing) telemetry.samplingRate = otel.tracing.samplingRate;
  if (otel.headers && Object.keys(otel.headers).length > 0) telemetry.headers = { ...otel.headers };
  if (otel.resourceAttributes && Object.keys(otel.resourceAttributes).length > 0)
    telemetry.customAttributes = { ...otel.resourceAttributes };
  const secretEnv: SecretEnv[] = [];
  // Numbered in header-name order: header names need not be valid env var names, and the numbering
  // must not depend on the list's order in the object.
  const sensitive = [...(otel.sensitiveHeaders ?? [])].sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
  );
  if (sensitive.length > 0) {
    const headersEnv: Record<string, string> = {};
    sensitive.forEach((h, i) => {
      const env = `${OTEL_HEADER_ENV_PREFIX}${i}`;
      headersEnv[h.name] = env;
      secretEnv.push({ env, secretName: h.secretKeyRef.name, key: h.secretKeyRef.key });
    });
    telemetry.headersEnv = headersEnv;
  }
  return { telemetry, secretEnv };
}

export function resolveTelemetry(
  spec: Pick<VirtualMCPServerSpec, "telemetryConfigRef" | "config">,
  serverName: string,
  telemetryConfigs: ReadonlyMap<string, MCPTelemetryConfig>,
): TelemetryOutcome {
  const ref = spec.telemetryConfigRef;
  if (!ref) {
    const inline = spec.config.telemetry;
    return {
      ok: true,
      ...(inline ? { telemetry: structuredClone(inline) } : {}),
      secretEnv: [],
      conditions: [],
    };
  }
  const conditions: ConditionInput[] = [];
  const fail = (reason: string, message: string): TelemetryOutcome => {
    conditions.push({ type: "TelemetryConfigRefValidated", status: "False", reason, message });
    return { ok: false, reason: "TelemetryConfigInvalid", message, conditions };
  };
  const cfg = telemetryConfigs.get(ref.name);
  if (!cfg) return fail("TelemetryConfigRefNotFound", `Referenced MCPTelemetryConfig ${ref.name} not found`);
  const problems = telemetryConfigProblems(cfg.spec);
  if (problems.length > 0)
    return fail(
      "TelemetryConfigRefNotValid",
      `MCPTelemetryConfig ${ref.name} is not valid: ${problems.join("; ")}`,
    );
  conditions.push({
    type: "TelemetryConfigRefValidated",
    status: "True",
    reason: "TelemetryConfigRefValid",
    message: `MCPTelemetryConfig ${ref.name} is valid`,
  });
  const rendered = renderTelemetry(cfg.spec, ref.serviceName ?? serverName);
  return { ok: true, ...rendered, hash: configHash(cfg.spec), conditions };
}
