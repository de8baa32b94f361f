// The OpenTelemetry-backed Telemetry: spans and OTLP/HTTP (JSON) export with the slim trace and
// metrics SDKs, a W3C trace-context propagator and an AsyncLocalStorage context manager, so a
// span started around a request is the parent of whatever that request awaits. Imported only by
// start.ts, and only when config.telemetry enables an export.
import type { IncomingHttpHeaders } from "node:http";
import {
  type Attributes,
  type Context,
  context,
  type DiagLogger,
  DiagLogLevel,
  diag,
  type Histogram,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPMetricExporter } from "@opentelemetry/exporter-metrics-otlp-http";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { MeterProvider, PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics";
import {
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from "@opentelemetry/sdk-trace";
import {
  ATTR_ERROR_TYPE,
  ATTR_SERVICE_NAME,
  ATTR_SERVICE_VERSION,
} from "@opentelemetry/semantic-conventions";
import { otlpBaseUrl, type TelemetryConfig } from "@vmcp/shared-types";
import type { Logger } from "../logger.ts";
import type { McpRequestInfo, Outcome, StepInfo, Telemetry } from "./hooks.ts";

// The MCP semantic conventions are still "incubating": their names are copied here rather than
// imported from the package's unstable entry point, as the package itself recommends.
const MCP_METHOD = "mcp.method.name";
const MCP_SESSION = "mcp.session.id";
const MCP_RESOURCE_URI = "mcp.resource.uri";
const JSONRPC_REQUEST_ID = "jsonrpc.request.id";
const TOOL_NAME = "gen_ai.tool.name";
const PROMPT_NAME = "gen_ai.prompt.name";
const BACKEND = "vmcp.backend.name";
const STEP_ID = "vmcp.composite.step.id";
const STEP_TYPE = "vmcp.composite.step.type";

const METRIC_NAMES = {
  server: "mcp.server.operation.duration",
  client: "mcp.client.operation.duration",
  step: "vmcp.composite.step.duration",
} as const;

/** Seconds buckets of the MCP semantic conventions' operation duration. */
const DURATION_BUCKETS = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 120, 300];

export interface OtelOptions {
  config: TelemetryConfig & { endpoint: string };
  /** service.name when the config names none (the server's name). */
  defaultServiceName: string;
  serviceVersion: string;
  /** Header values already read from the environment (config.headersEnv). */
  secretHeaders: Record<string, string>;
  env: NodeJS.ProcessEnv;
  log: Logger;
}

export interface OtelTelemetry extends Telemetry {
  shutdown(): Promise<void>;
}

const envMs = (env: NodeJS.ProcessEnv, name: string, fallback: number): number => {
  const n = Number(env[name]);
  return Number.isFinite(n) && n > 0 ? n : fallback;
};

function targetAttributes(req: McpRequestInfo, attrs: Attributes): Attributes {
  attrs[MCP_METHOD] = req.method;
  if (req.target !== undefined) {
    if (req.method === "tools/call") attrs[TOOL_NAME] = req.target;
    else if (req.method === "prompts/get") attrs[PROMPT_NAME] = req.target;
    else if (req.method.startsWith("resources/")) attrs[MCP_RESOURCE_URI] = req.target;
  }
  return attrs;
}

const spanName = (req: McpRequestInfo): string =>
  req.target !== undefined && (req.method === "tools/call" || req.method === "prompts/get")
    ? `${req.method} ${req.target}`
    : req.method;

/** A BackendError's kind (timeout, unreachable, http, ...), else the error's class name. */
function errorType(err: unknown): string {
  const kind = (err as { kind?: unknown } | undefined)?.kind;
  if (typeof kind === "string") return kind;
  return err instanceof Error ? err.name : "error";
}

function diagLogger(log: Logger): DiagLogger {
  const warn = (message: string, ...args: unknown[]) =>
    log.warn({ args: args.map((a) => (a instanceof Error ? a.message : String(a))) }, `otel: ${message}`);
  const none = () => {};
  return { error: warn, warn, info: none, debug: none, verbose: none };
}

export function createOtelTelemetry(o: OtelOptions): OtelTelemetry {
  const cfg = o.config;
  const base = otlpBaseUrl(cfg);
  const headers = { ...cfg.headers, ...o.secretHeaders };
  const resourceAttrs: Attributes = { ...cfg.customAttributes };
  for (const name of cfg.environmentVariables ?? []) {
    const v = o.env[name];
    if (v !== undefined) resourceAttrs[name] = v;
  }
  resourceAttrs[ATTR_SERVICE_NAME] = cfg.serviceName ?? o.defaultServiceName;
  resourceAttrs[ATTR_SERVICE_VERSION] = cfg.serviceVersion ?? o.serviceVersion;
  const resource = resourceFromAttributes(resourceAttrs);
  diag.setLogger(diagLogger(o.log), DiagLogLevel.WARN);

  let tracerProvider: TracerProvider | undefined;
  let tracer: Tracer | undefined;
  if (cfg.tracingEnabled) {
    tracerProvider = new TracerProvider({
      resource,
      sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(Number(cfg.samplingRate)) }),
      spanProcessors: [
        // Bounded: at most maxQueueSize spans wait for export; beyond that new ones are dropped.
        new BatchSpanProcessor({
          exporter: new OTLPTraceExporter({ url: `${base}/v1/traces`, headers }),
          maxQueueSize: 2048,
          maxExportBatchSize: 512,
          scheduledDelayMillis: envMs(o.env, "OTEL_BSP_SCHEDULE_DELAY", 5000),
        }),
      ],
    });
    tracer = tracerProvider.getTracer("vmcp-runtime", o.serviceVersion);
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  }

  let meterProvider: MeterProvider | undefined;
  let histograms: Record<keyof typeof METRIC_NAMES, Histogram> | undefined;
  if (cfg.metricsEnabled) {
    meterProvider = new MeterProvider({
      resource,
      readers: [
        new PeriodicExportingMetricReader({
          exporter: new OTLPMetricExporter({ url: `${base}/v1/metrics`, headers }),
          exportIntervalMillis: envMs(o.env, "OTEL_METRIC_EXPORT_INTERVAL", 60_000),
        }),
      ],
    });
    const meter = meterProvider.getMeter("vmcp-runtime", o.serviceVersion);
    const histogram = (name: string, description: string) =>
      meter.createHistogram(name, {
        unit: "s",
        description,
        advice: { explicitBucketBoundaries: DURATION_BUCKETS },
      });
    histograms = {
      server: histogram(METRIC_NAMES.server, "MCP requests served to clients, by method and outcome."),
      client: histogram(
        METRIC_NAMES.client,
        "MCP requests sent to backends, by backend, method and outcome.",
      ),
      step: histogram(METRIC_NAMES.step, "Composite workflow steps, by step type and outcome."),
    };
  }

  /** Runs `fn` in `ctx`, ends `span` and records the duration when it settles. */
  function around<T>(
    span: Span | undefined,
    ctx: Context | undefined,
    record: ((seconds: number, err: unknown) => void) | undefined,
    fn: () => T,
  ): T {
    const start = performance.now();
    const finish = (err: unknown) => {
      if (span) {
        if (err !== undefined) {
          span.setAttribute(ATTR_ERROR_TYPE, errorType(err));
          span.setStatus({
            code: SpanStatusCode.ERROR,
            message: err instanceof Error ? err.message : String(err),
          });
        }
        span.end();
      }
      record?.((performance.now() - start) / 1000, err);
    };
    let out: T;
    try {
      out = ctx ? context.with(ctx, fn) : fn();
    } catch (err) {
      finish(err);
      throw err;
    }
    if (out instanceof Promise) {
      return out.then(
        (v) => {
          finish(undefined);
          return v;
        },
        (err: unknown) => {
          finish(err);
          throw err;
        },
      ) as T;
    }
    finish(undefined);
    return out;
  }

  /** Outcomes of the active request (set by outcome()), read when it ends. */
  const outcomes = new WeakMap<Span, Outcome>();
  const metricAttrs = (attrs: Attributes, err: unknown, outcome?: Outcome): Attributes => {
    const type = err !== undefined ? errorType(err) : outcome && outcome !== "ok" ? outcome : undefined;
    return type ? { ...attrs, [ATTR_ERROR_TYPE]: type } : attrs;
  };

  return {
    on: true,
    serve(headers: IncomingHttpHeaders, req: McpRequestInfo, fn) {
      const attrs = targetAttributes(req, {});
      if (req.sessionId) attrs[MCP_SESSION] = req.sessionId;
      if (req.requestId !== undefined) attrs[JSONRPC_REQUEST_ID] = String(req.requestId);
      let span: Span | undefined;
      let ctx: Context | undefined;
      if (tracer) {
        const parent = propagation.extract(ROOT_CONTEXT, headers);
        span = tracer.startSpan(spanName(req), { kind: SpanKind.SERVER, attributes: attrs }, parent);
        ctx = trace.setSpan(parent, span);
      }
      const h = histograms?.server;
      const metric = { [MCP_METHOD]: req.method };
      const s = span;
      return around(
        span,
        ctx,
        h ? (sec, err) => h.record(sec, metricAttrs(metric, err, s && outcomes.get(s))) : undefined,
        fn,
      );
    },
    outcome(outcome) {
      const span = trace.getActiveSpan();
      if (!span) return;
      outcomes.set(span, outcome);
      if (outcome !== "ok" && outcome !== "cancelled") {
        span.setAttribute(ATTR_ERROR_TYPE, outcome);
        span.setStatus({ code: SpanStatusCode.ERROR });
      }
    },
    backendCall(backend, req, fn) {
      const attrs = targetAttributes(req, { [BACKEND]: backend });
      const span = tracer?.startSpan(spanName(req), { kind: SpanKind.CLIENT, attributes: attrs });
      const ctx = span ? trace.setSpan(context.active(), span) : undefined;
      const h = histograms?.client;
      const metric = { [MCP_METHOD]: req.method, [BACKEND]: backend };
      return around(span, ctx, h ? (sec, err) => h.record(sec, metricAttrs(metric, err)) : undefined, fn);
    },
    step(step: StepInfo, fn) {
      const attrs: Attributes = { [STEP_ID]: step.id, [STEP_TYPE]: step.type };
      if (step.tool) attrs[TOOL_NAME] = step.tool;
      const span = tracer?.startSpan(`workflow step ${step.id}`, {
        kind: SpanKind.INTERNAL,
        attributes: attrs,
      });
      const ctx = span ? trace.setSpan(context.active(), span) : undefined;
      const h = histograms?.step;
      const metric = { [STEP_TYPE]: step.type };
      return around(span, ctx, h ? (sec, err) => h.record(sec, metricAttrs(metric, err)) : undefined, fn);
    },
    inject(h) {
      if (!tracer || !trace.getActiveSpan()) return h;
      const carrier = { ...h };
      propagation.inject(context.active(), carrier);
      return carrier;
    },
    async shutdown() {
      await Promise.allSettled([tracerProvider?.shutdown(), meterProvider?.shutdown()]);
      if (tracer) {
        context.disable();
        propagation.disable();
      }
      diag.disable();
    },
  };
}
