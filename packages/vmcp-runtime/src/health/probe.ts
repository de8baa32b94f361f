import type { FetchLike, Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import {
  ErrorCode,
  ListPromptsResultSchema,
  ListResourcesResultSchema,
  ListToolsResultSchema,
  McpError,
} from "@modelcontextprotocol/sdk/types.js";
import { type Dispatcher, fetch as undiciFetch } from "undici";
import { BackendError, type OutgoingAuth } from "../backends/types.ts";
import type { BackendSpec } from "../registry/types.ts";
import type { CheckResult } from "./state-machine.ts";

export interface ProbeTarget {
  spec: Pick<BackendSpec, "name" | "url" | "transport">;
  dispatcher: Dispatcher;
  auth: OutgoingAuth;
  /** The gateway's own session with the backend (the catalog's control session). */
  control?: ControlPing | undefined;
}

export interface ControlPing {
  /** `ping` on the established session; false when there is none to reuse. */
  ping(timeoutMs: number, signal: AbortSignal): Promise<boolean>;
}

function codeChain(err: unknown): string[] {
  const codes: string[] = [];
  let e: unknown = err;
  for (let i = 0; i < 5 && e && typeof e === "object"; i++) {
    const c = (e as { code?: unknown }).code;
    if (typeof c === "string") codes.push(c);
    e = (e as { cause?: unknown }).cause;
  }
  return codes;
}

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause instanceof Error ? `: ${err.cause.message}` : "";
  return `${err.message}${cause}`.slice(0, 300);
}

/** Maps what a probe saw to a result kind; `httpStatus` is the last status the backend answered. */
export function classifyFailure(
  err: unknown,
  httpStatus: number | undefined,
  timedOut: boolean,
): CheckResult {
  const message = describe(err);
  if (httpStatus === 401 || httpStatus === 403)
    return { ok: false, kind: "auth", message: `HTTP ${httpStatus}` };
  if (httpStatus === 429) return { ok: false, kind: "pressure", message: "HTTP 429 Too Many Requests" };
  if (timedOut) return { ok: false, kind: "timeout", message };
  const codes = codeChain(err);
  if (codes.includes("ECONNREFUSED") || /ECONNREFUSED/.test(message))
    return { ok: false, kind: "refused", message: "connection refused" };
  return { ok: false, kind: "error", message };
}

/**
 * One active health check. A `ping` on the control session when there is one: one small request,
 * where a new session costs the backend an initialize, a listing of every capability and a
 * DELETE (docs/performance.md, "Health probes", has the measurement). A ping that times out or
 * finds the port closed is the verdict (a new session would see the same, only later); any
 * other failure (session expired, ping not implemented, an HTTP error) is checked with a new
 * session, so the verdict is never worse than a full check would give.
 */
export async function probeBackend(t: ProbeTarget, timeoutMs: number): Promise<CheckResult> {
  if (t.control) {
    const pinged = await pingControl(t.control, timeoutMs);
    if (pinged) return pinged;
  }
  return probeNewSession(t, timeoutMs);
}

async function pingControl(control: ControlPing, timeoutMs: number): Promise<CheckResult | undefined> {
  const started = performance.now();
  const deadline = new Deadline(timeoutMs);
  try {
    if (!(await control.ping(timeoutMs, deadline.signal))) return undefined;
    return { ok: true, latencyMs: Math.round(performance.now() - started) };
  } catch (err) {
    const sdkTimeout =
      (err instanceof McpError && err.code === ErrorCode.RequestTimeout) ||
      (err instanceof BackendError && err.kind === "timeout");
    const r = classifyFailure(err, undefined, deadline.passed || sdkTimeout);
    return !r.ok && (r.kind === "timeout" || r.kind === "refused") ? r : undefined;
  } finally {
    deadline.clear();
  }
}

/**
 * A check on a fresh MCP session with the backend's own outgoing auth (marked as a
 * health check, so token exchange uses client credentials), `initialize`, then one page of every
 * capability the backend advertises (never an unadvertised one: TS-SDK servers answer -32601),
 * then the session is terminated so probes never leak backend sessions.
 */
export async function probeNewSession(t: ProbeTarget, timeoutMs: number): Promise<CheckResult> {
  const started = performance.now();
  const deadline = new Deadline(timeoutMs);
  let httpStatus: number | undefined;
  const fetch: FetchLike = async (url, init) => {
    const headers = new Headers(init?.headers);
    for (const [k, v] of Object.entries(await t.auth.headers({ healthCheck: true, signal: deadline.signal })))
      headers.set(k, v);
    const signal = init?.signal ? AbortSignal.any([init.signal, deadline.signal]) : deadline.signal;
    const opts = { ...(init ?? {}), headers, signal, dispatcher: t.dispatcher } as unknown as Parameters<
      typeof undiciFetch
    >[1];
    const res = (await undiciFetch(url, opts)) as unknown as Response;
    if (res.status >= 400) httpStatus = res.status;
    return res;
  };
  // The SDK Client only for this fallback: it stays off the start-up and first-call path.
  const [{ Client }, { SSEClientTransport }, { StreamableHTTPClientTransport }] = await Promise.all([
    import("@modelcontextprotocol/sdk/client/index.js"),
    import("@modelcontextprotocol/sdk/client/sse.js"),
    import("@modelcontextprotocol/sdk/client/streamableHttp.js"),
  ]);
  const url = new URL(t.spec.url);
  const transport: Transport =
    t.spec.transport === "sse"
      ? new SSEClientTransport(url, { fetch, eventSourceInit: { fetch } })
      : new StreamableHTTPClientTransport(url, { fetch, reconnectionOptions: noReconnect });
  const client = new Client({ name: "vmcp-health", version: "0.1.0" }, { capabilities: {} });
  const opts = { timeout: timeoutMs, signal: deadline.signal };
  try {
    await client.connect(transport, opts);
    const caps = client.getServerCapabilities() ?? {};
    await Promise.all([
      caps.tools ? client.request({ method: "tools/list", params: {} }, ListToolsResultSchema, opts) : null,
      caps.resources
        ? client.request({ method: "resources/list", params: {} }, ListResourcesResultSchema, opts)
        : null,
      caps.prompts
        ? client.request({ method: "prompts/list", params: {} }, ListPromptsResultSchema, opts)
        : null,
    ]);
    return { ok: true, latencyMs: Math.round(performance.now() - started) };
  } catch (err) {
    return classifyFailure(err, httpStatus, deadline.passed);
  } finally {
    deadline.clear();
    if (transport instanceof StreamableHTTPClientTransport && transport.sessionId)
      await transport.terminateSession().catch(() => {});
    await client.close().catch(() => {});
  }
}

/** A check's time limit: its signal aborts with a TimeoutError once the time has passed. */
class Deadline {
  readonly #abort = new AbortController();
  readonly #timer: NodeJS.Timeout;
  #passed = false;

  constructor(ms: number) {
    this.#timer = setTimeout(() => {
      this.#passed = true;
      this.#abort.abort(new DOMException("health check timed out", "TimeoutError"));
    }, ms);
  }

  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  get passed(): boolean {
    return this.#passed;
  }

  clear(): void {
    clearTimeout(this.#timer);
  }
}

const noReconnect = {
  initialReconnectionDelay: 1000,
  maxReconnectionDelay: 1000,
  reconnectionDelayGrowFactor: 1,
  maxRetries: 0,
};
