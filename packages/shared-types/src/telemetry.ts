// config.telemetry (spec.config.telemetry on a VirtualMCPServer): ToolHive's telemetry.Config, the
// same field names. OpenTelemetry traces and metrics exported over OTLP/HTTP; off unless
// tracingEnabled or metricsEnabled is set. The MCPTelemetryConfig kind renders into this block.
import * as z from "zod";
import { boundedRecord, setList, withRule } from "./meta.ts";
import { HeaderNameSchema } from "./refs.ts";

/** "0.05", "1", "1.0": a probability written as a string, as ToolHive's CRDs carry it. */
export const SAMPLING_RATE_PATTERN = /^(0(\.\d+)?|1(\.0+)?)$/;
export const SamplingRateSchema = z
  .string()
  .max(32)
  .regex(SAMPLING_RATE_PATTERN, "must be a number from 0 to 1, e.g. 0.05");
export const DEFAULT_SAMPLING_RATE = "0.05";

const EnvNameSchema = z
  .string()
  .max(253)
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name");

/** host[:port] (the scheme then follows insecure) or an http(s):// URL. */
export const OTLP_ENDPOINT_PATTERN = /^(https?:\/\/)?[^\s/?#@]+(\/[^\s?#]*)?$/;
export const OtlpEndpointSchema = z
  .string()
  .min(1)
  .max(2048)
  .regex(OTLP_ENDPOINT_PATTERN, "must be host[:port] or an http(s):// URL");

const AttributesSchema = boundedRecord(z.string().min(1).max(255), z.string().max(4096), 64);

const TelemetryFieldsSchema = z.strictObject({
  endpoint: OtlpEndpointSchema.describe(
    "OTLP/HTTP collector: host:port (https, or http with insecure) or a URL; /v1/traces and /v1/metrics are appended.",
  ).optional(),
  serviceName: z
    .string()
    .min(1)
    .max(255)
    .describe("service.name of every span and metric; default the server's name.")
    .optional(),
  serviceVersion: z
    .string()
    .min(1)
    .max(255)
    .describe("service.version; default the runtime's version.")
    .optional(),
  tracingEnabled: z.boolean().default(false).describe("Export traces (default false)."),
  metricsEnabled: z.boolean().default(false).describe("Export OTLP metrics (default false)."),
  samplingRate: SamplingRateSchema.default(DEFAULT_SAMPLING_RATE).describe(
    "Share of new traces sampled, 0 to 1 (default 0.05); a client's sampled traceparent is always followed.",
  ),
  headers: boundedRecord(HeaderNameSchema, z.string().max(8192), 32)
    .describe("Headers sent to the collector. Use headersEnv for credentials.")
    .optional(),
  headersEnv: boundedRecord(HeaderNameSchema, EnvNameSchema, 32)
    .describe(
      "Headers sent to the collector whose values come from environment variables (the operator fills them from MCPTelemetryConfig sensitiveHeaders Secrets).",
    )
    .optional(),
  insecure: z
    .boolean()
    .default(false)
    .describe("Plain http:// to an endpoint given as host:port (default https)."),
  enablePrometheusMetricsPath: z
    .boolean()
    .default(false)
    .describe("Accepted for ToolHive compatibility: this runtime always serves Prometheus /metrics."),
  environmentVariables: setList(EnvNameSchema, 64)
    .describe("Environment variables whose values become resource attributes (named after the variable).")
    .optional(),
  customAttributes: AttributesSchema.describe("Resource attributes on every span and metric.").optional(),
  useLegacyAttributes: z
    .boolean()
    .default(true)
    .describe(
      "Accepted for ToolHive compatibility; this runtime emits only the MCP semantic-convention attribute names.",
    ),
});

export const TelemetryConfigSchema = withRule(
  withRule(
    TelemetryFieldsSchema,
    {
      rule: "!has(self.endpoint) || (has(self.tracingEnabled) && self.tracingEnabled) || (has(self.metricsEnabled) && self.metricsEnabled)",
      message: "endpoint requires at least one of tracingEnabled or metricsEnabled",
      fieldPath: ".endpoint",
    },
    (t) => t.endpoint === undefined || t.tracingEnabled || t.metricsEnabled,
  ),
  {
    rule: "has(self.endpoint) || !((has(self.tracingEnabled) && self.tracingEnabled) || (has(self.metricsEnabled) && self.metricsEnabled))",
    message: "tracingEnabled and metricsEnabled need an endpoint",
    fieldPath: ".endpoint",
    reason: "FieldValueRequired",
  },
  (t) => t.endpoint !== undefined || !(t.tracingEnabled || t.metricsEnabled),
);
export type TelemetryConfig = z.output<typeof TelemetryConfigSchema>;
export type TelemetryConfigInput = z.input<typeof TelemetryConfigSchema>;

/** Whether the block asks for any export at all (otherwise the runtime loads no OpenTelemetry code). */
export const telemetryEnabled = (
  t: TelemetryConfig | undefined,
): t is TelemetryConfig & { endpoint: string } =>
  t !== undefined && t.endpoint !== undefined && (t.tracingEnabled || t.metricsEnabled);

/** The collector's base URL: a URL as given, or host:port with the scheme insecure selects. */
export function otlpBaseUrl(t: { endpoint?: string | undefined; insecure?: boolean | undefined }): string {
  const e = t.endpoint ?? "";
  const url = /^https?:\/\//.test(e) ? e : `${t.insecure ? "http" : "https"}://${e}`;
  return url.replace(/\/+$/, "");
}
