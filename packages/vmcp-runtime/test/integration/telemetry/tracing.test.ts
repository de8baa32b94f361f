// OpenTelemetry end to end: the real `vmcp serve` process exporting over OTLP/HTTP to a receiver
// the test runs, SDK backends that record the trace context they receive, and an SDK client that
// sends its own traceparent. The span tree of a composite call is checked link by link.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from "@vmcp/testenv/otlp-receiver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { type Register, type StartedBackend, startBackend } from "../../fixtures/backend.ts";
import { spawnNode } from "../../fixtures/process.ts";
import { servingUrl } from "../../fixtures/serve-process.ts";

const MAIN = join(import.meta.dirname, "../../../src/main.ts");
const REPORT_LOADS = join(import.meta.dirname, "../../fixtures/report-otel-loads.ts");

/** traceparent headers each backend received, by tool. */
const seen: Record<string, string[]> = {};
const recording =
  (tool: string, answer: (text: string) => Record<string, unknown>): Register =>
  (server) => {
    server.registerTool(tool, { inputSchema: { text: z.string() } }, async ({ text }, extra) => {
      const tp = extra.requestInfo?.headers.traceparent;
      seen[tool] = [...(seen[tool] ?? []), typeof tp === "string" ? tp : ""];
      const v = answer(text);
      return { content: [{ type: "text", text: JSON.stringify(v) }], structuredContent: v };
    });
  };

const COMPOSITE = [
  "compositeTools:",
  "  - name: shout",
  "    description: echo on alpha, then upper-case on beta",
  "    parameters: { type: object, properties: { text: { type: string } }, required: [text] }",
  "    steps:",
  "      - id: say",
  "        tool: alpha_echo",
  '        arguments: { text: "{{.params.text}}" }',
  "      - id: loud",
  "        tool: beta.upper",
  "        dependsOn: [say]",
  '        arguments: { text: "{{.steps.say.output.text}}!" }',
];

const hex = (bytes: number) => randomBytes(bytes).toString("hex");

/** OpenTelemetry packages the process loaded, other than the API: prom-client (the /metrics
 * registry) loads @opentelemetry/api by itself for exemplars, telemetry on or off. */
const otelPackagesLoaded = (stderr: string): string[] => [
  ...new Set(
    [...stderr.matchAll(/^otel-module-loaded \S*\/node_modules\/(@opentelemetry\/[^/]+)\//gm)]
      .map((m) => m[1] as string)
      .filter((p) => p !== "@opentelemetry/api"),
  ),
];

describe("OpenTelemetry tracing", () => {
  let dir: string;
  let alpha: StartedBackend;
  let beta: StartedBackend;
  let receiver: OtlpReceiver;

  const serve = async (name: string, telemetry: string[]) => {
    const file = join(dir, name);
    await writeFile(
      file,
      [
        `name: ${name.replace(/\W/g, "-")}`,
        "groupRef: g",
        "incomingAuth: { type: anonymous }",
        "backends:",
        `  - { name: alpha, url: "${alpha.url}", transport: streamable-http }`,
        `  - { name: beta, url: "${beta.url}", transport: streamable-http }`,
        ...COMPOSITE,
        ...telemetry,
        "",
      ].join("\n"),
    );
    return spawnNode(["--import", REPORT_LOADS, MAIN, "serve", "--config", file, "--port", "0"], servingUrl, {
      env: {
        ...process.env,
        OTEL_BSP_SCHEDULE_DELAY: "50",
        OTEL_METRIC_EXPORT_INTERVAL: "200",
        OTLP_TOKEN: "Bearer otlp-secret",
      },
    });
  };

  const shout = async (url: string, headers: Record<string, string>) => {
    const client = new Client({ name: "tracing-test", version: "1" });
    await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
    try {
      return (await client.callTool({ name: "shout", arguments: { text: "hi" } })) as CallToolResult;
    } finally {
      await client.close();
    }
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "vmcp-otel-"));
    receiver = await startOtlpReceiver();
    [alpha, beta] = await Promise.all([
      startBackend({ name: "alpha", register: recording("echo", (text) => ({ text })) }),
      startBackend({ name: "beta", register: recording("upper", (text) => ({ upper: text.toUpperCase() })) }),
    ]);
  });

  afterAll(async () => {
    await Promise.all([alpha?.close(), beta?.close(), receiver?.close()]);
    await rm(dir, { recursive: true, force: true });
  });

  it("exports the span tree of a composite call: client -> server -> steps -> backend calls", async () => {
    const gw = await serve("traced.yaml", [
      "telemetry:",
      `  endpoint: ${receiver.url}`,
      "  tracingEnabled: true",
      "  metricsEnabled: true",
      '  samplingRate: "0"',
      "  serviceName: vmcp-traced",
      "  headers: { x-tenant: team-a }",
      "  headersEnv: { authorization: OTLP_TOKEN }",
    ]);
    try {
      const traceId = hex(16);
      const clientSpanId = hex(8);
      for (const k of Object.keys(seen)) delete seen[k];
      const result = await shout(gw.value, { traceparent: `00-${traceId}-${clientSpanId}-01` });
      expect(result.isError).toBeFalsy();
      expect(JSON.stringify(result.structuredContent ?? result.content)).toContain("HI!");

      // The sampling rate is 0: everything below is sampled only because the client's
      // traceparent says so.
      const byName = (spans: ReceivedSpan[], name: string) =>
        spans.find((s) => s.traceId === traceId && s.name === name);
      const spans = await receiver.waitFor(
        (s) =>
          byName(s, "tools/call shout") !== undefined &&
          s.filter(
            (x) => x.traceId === traceId && x.kind === 3 && x.attributes["gen_ai.tool.name"] !== undefined,
          ).length >= 2,
      );
      const server = byName(spans, "tools/call shout") as ReceivedSpan;
      expect(server).toMatchObject({
        parentSpanId: clientSpanId,
        kind: 2,
        attributes: { "mcp.method.name": "tools/call", "gen_ai.tool.name": "shout" },
        resource: { "service.name": "vmcp-traced" },
      });
      expect(server.attributes["mcp.session.id"]).toEqual(expect.any(String));

      const say = byName(spans, "workflow step say") as ReceivedSpan;
      const loud = byName(spans, "workflow step loud") as ReceivedSpan;
      for (const [step, tool] of [
        [say, "alpha_echo"],
        [loud, "beta.upper"],
      ] as const) {
        expect(step).toMatchObject({
          parentSpanId: server.spanId,
          kind: 1,
          attributes: { "vmcp.composite.step.type": "tool", "gen_ai.tool.name": tool },
        });
      }

      const calls = spans.filter(
        (s) => s.traceId === traceId && s.kind === 3 && s.name.startsWith("tools/call"),
      );
      const echo = calls.find((c) => c.parentSpanId === say.spanId);
      const upper = calls.find((c) => c.parentSpanId === loud.spanId);
      expect(echo?.attributes).toEqual({
        "mcp.method.name": "tools/call",
        "gen_ai.tool.name": "echo",
        "vmcp.backend.name": "alpha",
      });
      expect(upper?.attributes).toEqual({
        "mcp.method.name": "tools/call",
        "gen_ai.tool.name": "upper",
        "vmcp.backend.name": "beta",
      });

      // Each backend saw the trace, with its own call's span as the parent.
      expect(seen.echo).toEqual([`00-${traceId}-${echo?.spanId}-01`]);
      expect(seen.upper).toEqual([`00-${traceId}-${upper?.spanId}-01`]);

      // Metrics arrive on their own schedule; the collector headers came with every export.
      await receiver.waitFor(() => receiver.metricNames.has("mcp.server.operation.duration"));
      expect([...receiver.metricNames].sort()).toEqual(
        expect.arrayContaining([
          "mcp.client.operation.duration",
          "mcp.server.operation.duration",
          "vmcp.composite.step.duration",
        ]),
      );
      expect(receiver.lastHeaders()).toMatchObject({
        "x-tenant": "team-a",
        authorization: "Bearer otlp-secret",
      });
      expect(otelPackagesLoaded(gw.stderr())).toEqual(
        expect.arrayContaining(["@opentelemetry/sdk-trace", "@opentelemetry/exporter-trace-otlp-http"]),
      );
    } finally {
      await gw.stop();
    }
  });

  it("with telemetry off loads no OpenTelemetry SDK module and sends no traceparent", async () => {
    const gw = await serve("untraced.yaml", []);
    try {
      for (const k of Object.keys(seen)) delete seen[k];
      const before = receiver.spans.length;
      const result = await shout(gw.value, { traceparent: `00-${hex(16)}-${hex(8)}-01` });
      expect(result.isError).toBeFalsy();
      expect(seen.echo).toEqual([""]);
      expect(seen.upper).toEqual([""]);
      expect(otelPackagesLoaded(gw.stderr())).toEqual([]);
      expect(receiver.spans.length).toBe(before);
    } finally {
      await gw.stop();
    }
  });
});
