// The SDK-backed hooks on their own, exporting to a local OTLP/HTTP receiver: parent links through
// awaits, and how failures and error outcomes mark spans.
import { TelemetryConfigSchema, telemetryEnabled } from "@vmcp/shared-types";
import { type OtlpReceiver, startOtlpReceiver } from "@vmcp/testenv/otlp-receiver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../../src/logger.ts";
import { createOtelTelemetry, type OtelTelemetry } from "../../../src/telemetry/otel.ts";

let receiver: OtlpReceiver;
let t: OtelTelemetry;

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  const config = TelemetryConfigSchema.parse({
    endpoint: receiver.url,
    tracingEnabled: true,
    samplingRate: "1",
  });
  if (!telemetryEnabled(config)) throw new Error("the test config must enable an export");
  t = createOtelTelemetry({
    config,
    defaultServiceName: "unit",
    serviceVersion: "0.0.0",
    secretHeaders: {},
    env: { OTEL_BSP_SCHEDULE_DELAY: "20" },
    log: silentLogger(),
  });
});

afterAll(async () => {
  await t?.shutdown();
  await receiver?.close();
});

const timeout = Object.assign(new Error("backend 'slow' did not answer within 10ms"), { kind: "timeout" });

describe("OpenTelemetry hooks", () => {
  it("nests a backend call under the request across awaits and marks the failed call and the request", async () => {
    let injected: Record<string, string> = {};
    await t.serve({}, { method: "tools/call", target: "slow_tool", requestId: 7 }, async () => {
      await new Promise((r) => setTimeout(r, 1));
      await t
        .backendCall("slow", { method: "tools/call", target: "tool" }, async () => {
          injected = t.inject({ accept: "application/json" });
          throw timeout;
        })
        .catch(() => {});
      t.outcome("timeout");
    });
    const spans = await receiver.waitFor((s) => s.some((x) => x.name === "tools/call slow_tool"));
    const server = spans.find((s) => s.name === "tools/call slow_tool");
    const client = spans.find((s) => s.name === "tools/call tool");
    expect(server).toMatchObject({
      parentSpanId: "",
      statusCode: 2,
      attributes: { "error.type": "timeout", "jsonrpc.request.id": "7" },
      resource: { "service.name": "unit", "service.version": "0.0.0" },
    });
    expect(client).toMatchObject({
      traceId: server?.traceId,
      parentSpanId: server?.spanId,
      kind: 3,
      statusCode: 2,
      attributes: { "error.type": "timeout", "vmcp.backend.name": "slow" },
    });
    expect(injected).toEqual({
      accept: "application/json",
      traceparent: `00-${server?.traceId}-${client?.spanId}-01`,
    });
  });

  it("injects nothing outside a span and leaves the headers object alone", () => {
    const headers = { accept: "application/json" };
    expect(t.inject(headers)).toBe(headers);
  });
});
