// MCPTelemetryConfig through the real operator and API server into the runtime's config: the API
// server fills ToolHive's defaults, the controller reports Valid, the config hash and the servers
// that reference it, and the operator renders telemetryConfigRef into config.telemetry with the
// credential headers as env vars from their Secrets. A config that cannot work turns Valid=False
// and fails the server that uses it.
import { createLogger } from "@vmcp/kube-kit/logger";
import { type RunningOperator, startOperator } from "@vmcp/operator";
import { mcpTelemetryConfigController } from "@vmcp/operator/controllers/mcptelemetryconfig";
import { createVirtualMCPServerController } from "@vmcp/operator/controllers/virtualmcpserver/controller";
import { createNamespace, type TestNamespace } from "@vmcp/testenv";
import { testKubeConfig } from "@vmcp/testenv/vitest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfigText } from "../../../src/config/load.ts";
import {
  cond,
  createCr,
  deleteCr,
  GROUP_NAME,
  getCr,
  type Obj,
  patchSpec,
  patchStatus,
  vmcpConfigYaml,
  waitFor,
} from "../status-k8s/harness.ts";

const kc = testKubeConfig();
let ns: TestNamespace;
let op: RunningOperator;

const mergePatchSpec = (name: string, spec: unknown) =>
  patchSpec(kc, ns.name, "mcptelemetryconfigs", name, spec);
const configYaml = (vmcp: string) => vmcpConfigYaml(kc, ns.name, vmcp);

beforeAll(async () => {
  ns = await createNamespace(kc, "rt-otel-ref");
  op = await startOperator({
    kc,
    namespace: ns.name,
    leaderElection: false,
    controllers: [createVirtualMCPServerController, mcpTelemetryConfigController],
    logger: createLogger({ level: "warn" }),
  });
  await createCr(kc, ns.name, "mcpgroups", GROUP_NAME, {});
  await patchStatus(kc, ns.name, "mcpgroups", GROUP_NAME, { phase: "Ready" });
}, 60_000);

afterAll(async () => {
  await op?.stop();
  await ns?.delete();
});

describe("MCPTelemetryConfig and telemetryConfigRef", () => {
  it("round-trips with ToolHive's defaults and is reported Valid with a config hash", async () => {
    await createCr(kc, ns.name, "mcptelemetryconfigs", "minimal", {
      openTelemetry: { endpoint: "otel:4318", tracing: { enabled: true } },
    });
    const stored = (await getCr(kc, ns.name, "mcptelemetryconfigs", "minimal")) as Obj & {
      spec: { openTelemetry: Record<string, unknown> };
    };
    expect(stored.spec.openTelemetry).toEqual({
      enabled: false,
      endpoint: "otel:4318",
      insecure: false,
      tracing: { enabled: true, samplingRate: "0.05" },
      useLegacyAttributes: true,
    });
    const ready = await waitFor("minimal Valid=True", async () => {
      const o = await getCr(kc, ns.name, "mcptelemetryconfigs", "minimal");
      return cond(o, "Valid")?.status === "True" ? o : undefined;
    });
    expect(ready.status.configHash).toMatch(/^[0-9a-f]{8,}$/);
    expect(ready.status.referenceCount).toBe(0);
  });

  it("renders into the server's config.telemetry, tracks the server, and a bad change fails it", async () => {
    await createCr(kc, ns.name, "mcptelemetryconfigs", "collector", {
      openTelemetry: {
        enabled: true,
        endpoint: "otel-collector.monitoring:4318",
        insecure: true,
        sensitiveHeaders: [{ name: "authorization", secretKeyRef: { name: "otel-token", key: "token" } }],
        tracing: { enabled: true, samplingRate: "0.5" },
        metrics: { enabled: true },
      },
    });
    await createCr(kc, ns.name, "virtualmcpservers", "traced", {
      groupRef: { name: GROUP_NAME },
      incomingAuth: { type: "anonymous" },
      telemetryConfigRef: { name: "collector", serviceName: "traced-gateway" },
    });
    const yaml = await waitFor("config.yaml", () => configYaml("traced"));
    expect(yaml).not.toContain("otel-token");
    const loaded = loadConfigText(yaml, { VMCP_OTEL_HEADER_0: "Bearer from-the-secret" });
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
    expect(loaded.config.telemetry).toMatchObject({
      endpoint: "otel-collector.monitoring:4318",
      serviceName: "traced-gateway",
      tracingEnabled: true,
      metricsEnabled: true,
      samplingRate: "0.5",
      insecure: true,
      headersEnv: { authorization: "VMCP_OTEL_HEADER_0" },
    });

    const referenced = await waitFor("collector referenced by traced", async () => {
      const o = await getCr(kc, ns.name, "mcptelemetryconfigs", "collector");
      return o.status?.referenceCount === 1 ? o : undefined;
    });
    expect(referenced.status.referencingWorkloads).toEqual([{ kind: "VirtualMCPServer", name: "traced" }]);
    const server = await waitFor("traced telemetryConfigHash", async () => {
      const o = await getCr(kc, ns.name, "virtualmcpservers", "traced");
      return o.status?.telemetryConfigHash ? o : undefined;
    });
    expect(server.status.telemetryConfigHash).toBe(referenced.status.configHash);
    expect(cond(server, "TelemetryConfigRefValidated")?.status).toBe("True");

    // Neither signal left: the MCPTelemetryConfig says so, and so does the server that uses it.
    await mergePatchSpec("collector", {
      openTelemetry: { tracing: { enabled: false }, metrics: { enabled: false } },
    });
    const invalid = await waitFor("collector Valid=False", async () => {
      const o = await getCr(kc, ns.name, "mcptelemetryconfigs", "collector");
      return cond(o, "Valid")?.status === "False" ? o : undefined;
    });
    expect(cond(invalid, "Valid")?.message).toContain("requires at least one of tracing or metrics");
    const failed = await waitFor("traced TelemetryConfigRefValidated=False", async () => {
      const o = await getCr(kc, ns.name, "virtualmcpservers", "traced");
      return cond(o, "TelemetryConfigRefValidated")?.status === "False" && o.status?.phase === "Failed"
        ? o
        : undefined;
    });
    expect(cond(failed, "ConfigGenerated")?.reason).toBe("TelemetryConfigInvalid");

    await deleteCr(kc, ns.name, "virtualmcpservers", "traced");
    await waitFor("collector unreferenced", async () => {
      const o = await getCr(kc, ns.name, "mcptelemetryconfigs", "collector");
      return o.status?.referenceCount === 0;
    });
  });
});
