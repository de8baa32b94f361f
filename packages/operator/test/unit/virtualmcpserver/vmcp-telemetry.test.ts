import type { V1Deployment } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { evaluate } from "../../../src/builders/evaluate.ts";
import { generateVmcpConfig } from "../../../src/builders/vmcp-config.ts";
import { configHash } from "../../../src/kit/hash.ts";
import { telemetryConfig, vmcp, world } from "./fixtures.ts";

const opts = { image: "vmcp:test" };
const collector = (otel: Record<string, unknown> = {}) =>
  telemetryConfig("otel", {
    openTelemetry: {
      enabled: true,
      endpoint: "otel-collector.monitoring:4318",
      insecure: true,
      headers: { "x-tenant": "team-a" },
      sensitiveHeaders: [
        { name: "x-api-key", secretKeyRef: { name: "otel-creds", key: "key" } },
        { name: "authorization", secretKeyRef: { name: "otel-creds", key: "token" } },
      ],
      resourceAttributes: { "deployment.environment": "prod" },
      tracing: { enabled: true, samplingRate: "0.25" },
      metrics: { enabled: true },
      ...otel,
    },
  });
const referencing = (ref: Record<string, unknown> = { name: "otel" }) => vmcp({ telemetryConfigRef: ref });

describe("telemetryConfigRef -> the runtime's telemetry block", () => {
  it("renders the MCPTelemetryConfig with the workload's service name and its secrets as env var names", () => {
    const gen = generateVmcpConfig(world({ vmcp: referencing(), telemetryConfigs: [collector()] }));
    if (!gen.ok) throw new Error(gen.message);
    expect(gen.value.config.telemetry).toEqual({
      endpoint: "otel-collector.monitoring:4318",
      serviceName: "demo",
      tracingEnabled: true,
      metricsEnabled: true,
      samplingRate: "0.25",
      insecure: true,
      headers: { "x-tenant": "team-a" },
      headersEnv: { authorization: "VMCP_OTEL_HEADER_0", "x-api-key": "VMCP_OTEL_HEADER_1" },
      customAttributes: { "deployment.environment": "prod" },
      enablePrometheusMetricsPath: false,
      useLegacyAttributes: true,
    });
    expect(gen.conditions).toContainEqual(
      expect.objectContaining({ type: "TelemetryConfigRefValidated", status: "True" }),
    );
    const named = generateVmcpConfig(
      world({
        vmcp: referencing({ name: "otel", serviceName: "gateway-a" }),
        telemetryConfigs: [collector()],
      }),
    );
    expect(named.ok && named.value.config.telemetry?.serviceName).toBe("gateway-a");
  });

  it("fills the header env vars from the Secrets, keeps the values out of the ConfigMap, and publishes the hash", () => {
    const ev = evaluate(world({ vmcp: referencing(), telemetryConfigs: [collector()] }), opts);
    expect(ev.blocked).toBeUndefined();
    expect(ev.telemetryConfigHash).toBe(configHash(collector().spec));
    const cm = ev.objects.find((o) => o.kind === "ConfigMap") as { data?: Record<string, string> };
    expect(JSON.stringify(cm.data)).not.toContain("otel-creds");
    const dep = ev.objects.find((o) => o.kind === "Deployment") as V1Deployment;
    const env = dep.spec?.template.spec?.containers[0]?.env ?? [];
    expect(env).toContainEqual({
      name: "VMCP_OTEL_HEADER_0",
      valueFrom: { secretKeyRef: { name: "otel-creds", key: "token" } },
    });
    expect(env).toContainEqual({
      name: "VMCP_OTEL_HEADER_1",
      valueFrom: { secretKeyRef: { name: "otel-creds", key: "key" } },
    });
  });

  it("writes no telemetry block while the MCPTelemetryConfig is disabled (the hash is still published)", () => {
    const ev = evaluate(
      world({ vmcp: referencing(), telemetryConfigs: [collector({ enabled: false })] }),
      opts,
    );
    const cm = ev.objects.find((o) => o.kind === "ConfigMap") as { data?: Record<string, string> };
    expect(cm.data?.["config.yaml"]).not.toContain("telemetry");
    expect(ev.telemetryConfigHash).toBeDefined();
  });

  it.each([
    ["missing", [], "Referenced MCPTelemetryConfig otel not found", "TelemetryConfigRefNotFound"],
    [
      "without signals",
      [collector({ tracing: { enabled: false }, metrics: { enabled: false } })],
      "endpoint requires at least one of tracing or metrics",
      "TelemetryConfigRefNotValid",
    ],
    [
      "with a CA bundle",
      [collector({ caBundleRef: { configMapRef: { name: "ca" } } })],
      "caBundleRef is not implemented",
      "TelemetryConfigRefNotValid",
    ],
  ])(
    "an MCPTelemetryConfig %s blocks the rollout with a condition naming it",
    (_, configs, message, reason) => {
      const ev = evaluate(world({ vmcp: referencing(), telemetryConfigs: configs }), opts);
      expect(ev.objects).toEqual([]);
      expect(ev.blocked?.message).toContain(message);
      expect(ev.conditions).toContainEqual(
        expect.objectContaining({ type: "TelemetryConfigRefValidated", status: "False", reason }),
      );
    },
  );

  it("passes spec.config.telemetry through when no reference is set", () => {
    const gen = generateVmcpConfig(
      world({ vmcp: vmcp({ config: { telemetry: { endpoint: "c:4318", metricsEnabled: true } } }) }),
    );
    expect(gen.ok && gen.value.config.telemetry).toMatchObject({ endpoint: "c:4318", metricsEnabled: true });
  });
});
