import { describe, expect, it } from "vitest";
import {
  MCPTelemetryConfigSpecSchema,
  otlpBaseUrl,
  TelemetryConfigSchema,
  telemetryEnabled,
} from "../../src/index.ts";

describe("config.telemetry", () => {
  it("is off by default and takes ToolHive's defaults", () => {
    const t = TelemetryConfigSchema.parse({});
    expect(t).toMatchObject({
      tracingEnabled: false,
      metricsEnabled: false,
      samplingRate: "0.05",
      insecure: false,
      useLegacyAttributes: true,
    });
    expect(telemetryEnabled(t)).toBe(false);
    expect(telemetryEnabled(TelemetryConfigSchema.parse({ endpoint: "c:4318", tracingEnabled: true }))).toBe(
      true,
    );
  });

  it.each([
    ["an endpoint with neither signal", { endpoint: "c:4318" }, "endpoint requires"],
    ["a signal without an endpoint", { metricsEnabled: true }, "need an endpoint"],
    ["a sampling rate above 1", { endpoint: "c:4318", tracingEnabled: true, samplingRate: "2" }, "0 to 1"],
    ["an endpoint with a space", { endpoint: "a b", tracingEnabled: true }, "host[:port]"],
  ])("refuses %s", (_, input, message) => {
    const r = TelemetryConfigSchema.safeParse(input);
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => i.message).join("; ")).toContain(message);
  });

  it.each([
    [{ endpoint: "otel.monitoring:4318" }, "https://otel.monitoring:4318"],
    [{ endpoint: "otel.monitoring:4318", insecure: true }, "http://otel.monitoring:4318"],
    [{ endpoint: "http://127.0.0.1:4318/" }, "http://127.0.0.1:4318"],
    [{ endpoint: "https://collector.example/otlp" }, "https://collector.example/otlp"],
  ])("builds the collector URL from %j", (t, url) => {
    expect(otlpBaseUrl(t)).toBe(url);
  });
});

describe("MCPTelemetryConfig spec", () => {
  it("refuses a header both plain and secret", () => {
    const r = MCPTelemetryConfigSpecSchema.safeParse({
      openTelemetry: {
        enabled: true,
        endpoint: "c:4318",
        headers: { "x-api-key": "a" },
        sensitiveHeaders: [{ name: "x-api-key", secretKeyRef: { name: "s", key: "k" } }],
      },
    });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.message).toContain("both headers and sensitiveHeaders");
  });
});
