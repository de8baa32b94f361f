// The runtime's tracing and metrics hooks, as the request path sees them. While telemetry is off
// (the default) `telemetry.on` is false and every call site skips its hook on that one branch;
// this module imports nothing, so the OpenTelemetry SDK is loaded only by startTelemetry
// (./start.ts) when config.telemetry enables an export.
import type { IncomingHttpHeaders } from "node:http";

/** What a span or metric says about one MCP request. */
export interface McpRequestInfo {
  method: string;
  /** The tool or prompt name of tools/call and prompts/get, the URI of resources/read. */
  target?: string;
  sessionId?: string;
  requestId?: string | number;
}

export interface StepInfo {
  id: string;
  type: string;
  tool?: string;
}

/** How a request ended, as the gateway's own metrics count it. */
export type Outcome = "ok" | "error" | "unreachable" | "timeout" | "cancelled" | string;

export interface Telemetry {
  readonly on: boolean;
  /** A client request: continues the caller's W3C trace context; `fn` runs with the span active. */
  serve<T>(headers: IncomingHttpHeaders, req: McpRequestInfo, fn: () => T): T;
  /** How the active request ended (error outcomes mark its span). */
  outcome(outcome: Outcome): void;
  /** One request to a backend, a child of the active span. */
  backendCall<T>(backend: string, req: McpRequestInfo, fn: () => Promise<T>): Promise<T>;
  /** One step of a composite workflow, a child of the active span. */
  step<T>(step: StepInfo, fn: () => Promise<T>): Promise<T>;
  /** `headers` plus traceparent/tracestate of the active span (a new object), or `headers` itself. */
  inject(headers: Record<string, string>): Record<string, string>;
}

export const NO_TELEMETRY: Telemetry = {
  on: false,
  serve: (_h, _r, fn) => fn(),
  outcome: () => {},
  backendCall: (_b, _r, fn) => fn(),
  step: (_s, fn) => fn(),
  inject: (h) => h,
};

/** The process's telemetry: NO_TELEMETRY until startTelemetry installs the SDK-backed one. */
export let telemetry: Telemetry = NO_TELEMETRY;

export function installTelemetry(t: Telemetry): void {
  telemetry = t;
}

/** The request fields a span names, from a JSON-RPC request's params. */
export function requestInfo(
  method: string,
  params: Record<string, unknown> | undefined,
  id?: string | number,
  sessionId?: string,
): McpRequestInfo {
  const info: McpRequestInfo = { method };
  const target = params?.name ?? params?.uri;
  if (typeof target === "string") info.target = target.slice(0, 256);
  if (id !== undefined) info.requestId = id;
  if (sessionId) info.sessionId = sessionId;
  return info;
}
