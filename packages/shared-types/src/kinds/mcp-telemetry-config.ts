// MCPTelemetryConfig: an OpenTelemetry collector shared by the workloads of a namespace (ToolHive's
// kind, same fields). The service name stays per workload (telemetryConfigRef.serviceName), so two
// servers sharing a collector stay apart; credential headers come from Secrets, never the ConfigMap.
import * as z from "zod";
import { boundedRecord, mapList, withRule } from "../meta.ts";
import { CaBundleRefSchema, HeaderNameSchema, SecretKeyRefSchema } from "../refs.ts";
import { OtlpEndpointSchema, SamplingRateSchema } from "../telemetry.ts";
import { kindObject } from "./common.ts";
import { sharedConfigStatusShape } from "./mcp-authz-config.ts";

export const SensitiveHeaderSchema = z.strictObject({
  name: HeaderNameSchema.describe("Header name, e.g. Authorization or X-API-Key."),
  secretKeyRef: SecretKeyRefSchema.describe("Secret key holding the header's value."),
});

const HeadersSchema = boundedRecord(HeaderNameSchema, z.string().max(8192), 32);

export const MCPTelemetryOTelConfigSchema = withRule(
  z.strictObject({
    enabled: z.boolean().default(false).describe("Turn OpenTelemetry on (default false)."),
    endpoint: OtlpEndpointSchema.describe(
      "OTLP/HTTP collector: host:port (https, or http with insecure) or a URL.",
    ).optional(),
    insecure: z.boolean().default(false).describe("Plain http:// to a host:port endpoint."),
    headers: HeadersSchema.describe(
      "Headers sent to the collector; use sensitiveHeaders for credentials.",
    ).optional(),
    sensitiveHeaders: mapList(SensitiveHeaderSchema, ["name"], 32)
      .describe("Headers whose values come from Secrets (mounted as env vars, never in the ConfigMap).")
      .optional(),
    resourceAttributes: boundedRecord(z.string().min(1).max(255), z.string().max(4096), 64)
      .describe("Resource attributes on every signal (service.name is set per workload).")
      .optional(),
    metrics: z
      .strictObject({
        enabled: z.boolean().default(false).describe("Export OTLP metrics (default false)."),
      })
      .describe("OTLP metrics.")
      .optional(),
    tracing: z
      .strictObject({
        enabled: z.boolean().default(false).describe("Export traces (default false)."),
        samplingRate: SamplingRateSchema.default("0.05").describe(
          "Share of new traces sampled, 0 to 1 (default 0.05).",
        ),
      })
      .describe("Traces.")
      .optional(),
    useLegacyAttributes: z
      .boolean()
      .default(true)
      .describe("Accepted for ToolHive compatibility; only current attribute names are emitted."),
    caBundleRef: CaBundleRefSchema.describe(
      "CA bundle for TLS to the collector (not implemented by this gateway; Valid=False).",
    ).optional(),
  }),
  {
    rule: "!has(self.headers) || !has(self.sensitiveHeaders) || self.sensitiveHeaders.all(sh, !(sh.name in self.headers))",
    message: "a header name cannot appear in both headers and sensitiveHeaders",
  },
  (o) => !o.headers || !(o.sensitiveHeaders ?? []).some((h) => h.name in (o.headers ?? {})),
);
export type MCPTelemetryOTelConfig = z.output<typeof MCPTelemetryOTelConfigSchema>;

export const MCPTelemetryConfigSpecSchema = z.strictObject({
  openTelemetry: MCPTelemetryOTelConfigSchema.describe("OTLP endpoint, tracing and metrics.").optional(),
  prometheus: z
    .strictObject({
      enabled: z
        .boolean()
        .default(false)
        .describe("Accepted for ToolHive compatibility: the runtime always serves /metrics."),
    })
    .describe("Prometheus scraping (always on in this runtime).")
    .optional(),
});
export type MCPTelemetryConfigSpec = z.output<typeof MCPTelemetryConfigSpecSchema>;

export const MCPTelemetryConfigStatusSchema = z.strictObject(sharedConfigStatusShape);

export const MCPTelemetryConfigSchema = kindObject(
  "MCPTelemetryConfig",
  MCPTelemetryConfigSpecSchema.prefault({}),
  MCPTelemetryConfigStatusSchema,
);
export type MCPTelemetryConfig = z.output<typeof MCPTelemetryConfigSchema>;

/** A workload's reference to an MCPTelemetryConfig: the collector is shared, the service name is not. */
export const TelemetryConfigRefSchema = z
  .strictObject({
    name: z.string().min(1).max(253).describe("MCPTelemetryConfig in the same namespace."),
    serviceName: z
      .string()
      .min(1)
      .max(255)
      .describe("service.name of this workload's signals; default the workload's name.")
      .optional(),
  })
  .describe("An MCPTelemetryConfig (same namespace) with this workload's service name.");
export type TelemetryConfigRef = z.output<typeof TelemetryConfigRefSchema>;
