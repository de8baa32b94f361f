// One composite tool call on behalf of one client session: the workflow's steps go out on the
// client's own backend sessions (its identity, its auth, its log level), and everything the client
// must see during the call (elicitation, backend server->client requests, progress) goes on the
// call's own SSE stream.
import {
  type CallToolResult,
  CallToolResultSchema,
  ElicitResultSchema,
} from "@modelcontextprotocol/sdk/types.js";
import { redact } from "@vmcp/shared-types";
import { CallCancel } from "../backends/cancel.ts";
import { type BackendSession, type CallSink, isSessionGone } from "../backends/types.ts";
import type { ElicitRequest, ElicitResponse, ProgressUpdate, ToolInvoker } from "../composite/index.ts";
import type { RuntimeHealth } from "../health/types.ts";
import { isObject, type JsonRpcRequest } from "../protocol/jsonrpc.ts";
import { attribute } from "./attribution.ts";
import type { CompositeCatalog, CompositeState } from "./composite-host.ts";
import type { ClientSession } from "./session.ts";
import type { AggregateView } from "./types.ts";

export interface CompositeCallInput {
  session: ClientSession;
  health: RuntimeHealth;
  composites: CompositeCatalog;
  compositeState: CompositeState;
  view: AggregateView;
  name: string;
  args: Record<string, unknown> | undefined;
  progressToken: string | number | undefined;
  /** The client's response for this call; events switch it to SSE. */
  sink: CallSink;
  signal: AbortSignal;
  /** Authorization of one step: a denial message, or undefined when the caller may call it. */
  authorizeStep?:
    | ((
        ref: string,
        route: { backend: string; name: string },
        args: Record<string, unknown>,
      ) => string | undefined)
    | undefined;
}

let seq = 0;

/** A step's failure whose message is already attributed and safe for the caller. */
class StepError extends Error {}

export function runCompositeCall(i: CompositeCallInput): Promise<CallToolResult> {
  const invoker: ToolInvoker = {
    callTool: (ref, args, opts) => callRoutedTool(i, ref, args, opts.signal),
    elicit: (req, signal) => elicit(i, req, signal),
    resolveTool: (ref) => {
      const t = i.composites.resolveTool(i.view, ref);
      return t ? { inputSchema: t.inputSchema } : undefined;
    },
  };
  const token = i.progressToken;
  const onProgress =
    token === undefined
      ? undefined
      : (p: ProgressUpdate) =>
          i.sink.event(
            JSON.stringify({
              jsonrpc: "2.0",
              method: "notifications/progress",
              params: { progressToken: token, ...p },
            }),
          );
  return i.compositeState.composite.call(i.name, i.args, { invoker, signal: i.signal, onProgress });
}

async function elicit(
  i: CompositeCallInput,
  req: ElicitRequest,
  signal: AbortSignal,
): Promise<ElicitResponse> {
  if (!isObject(i.session.clientCapabilities.elicitation))
    throw new Error("the client does not support elicitation");
  const answer = await i.session.requestClient(
    "elicitation/create",
    { message: req.message, requestedSchema: req.requestedSchema },
    (data) => i.sink.event(data),
    signal,
  );
  if (isObject(answer.error)) throw new Error(`elicitation failed: ${String(answer.error.message)}`);
  const parsed = ElicitResultSchema.safeParse(answer.result);
  if (!parsed.success) throw new Error("the client answered elicitation/create with an invalid result");
  return { action: parsed.data.action, content: parsed.data.content };
}

async function callRoutedTool(
  i: CompositeCallInput,
  ref: string,
  args: Record<string, unknown>,
  signal: AbortSignal,
): Promise<CallToolResult> {
  const route = i.composites.route(i.view, ref);
  if (!route) throw new Error(`unknown tool "${ref}"`);
  const denied = i.authorizeStep?.(ref, route, args);
  if (denied) throw new Error(denied);
  const backend = route.backend;
  if (!i.health.routable(backend)) throw new Error(`backend '${backend}' is unavailable (circuit open)`);
  // Own ids: this backend session also carries the client's direct calls (client ids).
  const id = `vmcp-wf-${++seq}`;
  const msg: JsonRpcRequest = {
    jsonrpc: "2.0",
    id,
    method: "tools/call",
    params: { name: route.name, arguments: args },
  };
  const body = JSON.stringify(msg);
  try {
    let bs = await i.session.backendSession(backend);
    let answer: unknown;
    try {
      answer = await exchange(i, bs, msg, body, signal);
    } catch (err) {
      if (!isSessionGone(err)) throw err;
      i.session.dropBackend(backend, bs);
      bs = await i.session.backendSession(backend);
      answer = await exchange(i, bs, msg, body, signal);
    }
    if (i.health.get(backend).health !== "healthy") i.health.ok(backend);
    if (!isObject(answer)) throw new StepError(`backend '${backend}' sent no answer`);
    if (isObject(answer.error)) throw new StepError(redact(String(answer.error.message)));
    const result = CallToolResultSchema.safeParse(answer.result);
    if (!result.success) throw new StepError(`backend '${backend}' sent an invalid tools/call result`);
    return result.data;
  } catch (err) {
    if (signal.aborted || !(err instanceof Error) || err instanceof StepError) throw err;
    const f = attribute(backend, err, i.composites.timeoutMs(backend));
    if (f.scope === "backend") i.health.failed(backend, f.message);
    throw new StepError(f.message);
  }
}

/** The raw forward path with a sink that keeps our answer and relays everything else (backend
 * server->client requests, log messages) to the client's stream. Abort tells the backend first
 * (notifications/cancelled), then stops waiting, as a client cancellation does. */
async function exchange(
  i: CompositeCallInput,
  bs: BackendSession,
  msg: JsonRpcRequest,
  body: string,
  signal: AbortSignal,
): Promise<unknown> {
  signal.throwIfAborted();
  const inner = new AbortController();
  const onAbort = () => {
    const cancel = JSON.stringify({
      jsonrpc: "2.0",
      method: "notifications/cancelled",
      params: { requestId: msg.id, reason: "the composite tool call was cancelled" },
    });
    void bs
      .send(cancel)
      .catch(() => {})
      .finally(() => inner.abort(signal.reason));
  };
  signal.addEventListener("abort", onAbort, { once: true });
  const sink = new CaptureSink(msg.id as string, (data) => i.sink.event(data));
  try {
    await bs.forward(msg, body, sink, CallCancel.from(inner.signal));
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
  if (sink.error) throw new Error(sink.error);
  return sink.answer;
}

class CaptureSink implements CallSink {
  answer: unknown;
  error: string | undefined;
  #id: string;
  #relay: (data: string) => void;
  #done = false;

  constructor(id: string, relay: (data: string) => void) {
    this.#id = id;
    this.#relay = relay;
  }

  get done(): boolean {
    return this.#done;
  }

  json(body: Uint8Array | string): void {
    this.#done = true;
    try {
      this.answer = JSON.parse(typeof body === "string" ? body : Buffer.from(body).toString("utf8"));
    } catch {
      this.error = "the backend sent invalid JSON";
    }
  }

  startStream(): void {}

  event(data: string): void {
    let v: unknown;
    try {
      v = JSON.parse(data);
    } catch {
      return;
    }
    if (isObject(v) && v.id === this.#id && !("method" in v)) {
      this.answer = v;
      return;
    }
    this.#relay(data);
  }

  end(): void {
    this.#done = true;
  }

  fail(_code: number, message: string): void {
    this.#done = true;
    this.error = message;
  }
}
