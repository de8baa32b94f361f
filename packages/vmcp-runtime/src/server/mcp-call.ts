import type { ServerResponse } from "node:http";
import { redact } from "@vmcp/shared-types";
import { ANONYMOUS_IDENTITY } from "../auth/identity.ts";
import { stepDenial } from "../authz/gate.ts";
import { CallCancel } from "../backends/cancel.ts";
import { isSessionGone } from "../backends/types.ts";
import type { CallOutcome } from "../metrics.ts";
import { ErrorCodes, isObject, type JsonRpcRequest, resultResponse } from "../protocol/jsonrpc.ts";
import { attribute } from "./attribution.ts";
import { runCompositeCall } from "./composite-call.ts";
import type { CompositeCatalog } from "./composite-host.ts";
import type { RequestObserver } from "./mcp-observe.ts";
import { LOCAL, type McpHandlerOptions, methodLabel } from "./mcp-options.ts";
import type { CallRecord, ClientSession } from "./session.ts";
import { HttpCallSink } from "./sink.ts";
import type { AggregateView } from "./types.ts";

type CallOptions = Pick<McpHandlerOptions, "health" | "catalog" | "log" | "composite" | "authz">;

/** Calls that run until their answer is streamed back: a request forwarded to a backend, or a
 * composite tool run in the gateway. Both are registered on the client session alike, so
 * notifications/cancelled and a client disconnect abort either. */
export class CallRunner {
  readonly #o: CallOptions;
  readonly #observer: RequestObserver;

  constructor(o: CallOptions, observer: RequestObserver) {
    this.#o = o;
    this.#observer = observer;
  }

  /** Registers the call, aborts it when the client goes away, and observes how it ended. */
  async #run(
    s: ClientSession,
    msg: JsonRpcRequest,
    res: ServerResponse,
    startNs: bigint,
    who: { backend: string; label: string },
    body: (sink: HttpCallSink, cancel: CallCancel, record: CallRecord) => Promise<CallOutcome>,
  ): Promise<void> {
    const sink = new HttpCallSink(res, msg.id);
    const cancel = new CallCancel();
    const key = msg.id;
    const record: CallRecord = { backend: who.backend, controller: cancel, session: undefined };
    s.calls.set(key, record);
    s.inflight++;
    // 'close' comes once per response: `on` spares the wrapper `once` builds per call.
    res.on("close", () => {
      if (!sink.done) cancel.abort();
    });
    let outcome: CallOutcome = "error";
    try {
      outcome = await body(sink, cancel, record);
    } finally {
      s.inflight--;
      s.calls.delete(key);
      this.#observer.observe(who.backend, msg, who.label, outcome, startNs);
    }
  }

  /** Raw JSON-RPC to the client's own session with `backend`; a session the backend lost is
   * re-opened once and the request sent again. */
  forward(
    s: ClientSession,
    backend: string,
    msg: JsonRpcRequest,
    body: string,
    res: ServerResponse,
    startNs: bigint,
  ): Promise<void> {
    const health = this.#o.health;
    if (!health.routable(backend)) {
      this.unavailable(backend, msg, res, startNs);
      return Promise.resolve();
    }
    return this.#run(s, msg, res, startNs, { backend, label: msg.method }, async (sink, cancel, record) => {
      try {
        // An open backend session is taken as it is: no promise and turn per call.
        let bs = s.openBackend(backend) ?? (await s.backendSession(backend));
        record.session = bs;
        try {
          await bs.forward(msg, body, sink, cancel);
        } catch (err) {
          if (!isSessionGone(err)) throw err;
          // The backend restarted or expired our session; open a new one and retry.
          this.#o.log.info({ backend, session: s.id }, "backend session lost; re-initializing");
          s.dropBackend(backend, bs);
          bs = await s.backendSession(backend);
          record.session = bs;
          await bs.forward(msg, body, sink, cancel);
        }
        if (health.get(backend).health !== "healthy") health.ok(backend);
        return "ok";
      } catch (err) {
        const timeoutMs = this.#o.catalog.entry(backend)?.spec.timeoutMs ?? 0;
        const f = attribute(backend, err, timeoutMs);
        if (f.reason === "cancelled") sink.abandon();
        else {
          if (f.scope === "backend") health.failed(backend, f.message);
          sink.fail(f.code, f.message, { backend, scope: f.scope, reason: f.reason });
          this.#o.log.warn(
            { backend, method: msg.method, scope: f.scope, err: f.message },
            "backend call failed",
          );
        }
        return f.outcome;
      }
    });
  }

  /** A composite tool runs here, in the gateway, on the client's own backend sessions. */
  composite(
    s: ClientSession,
    msg: JsonRpcRequest,
    name: string,
    view: AggregateView,
    res: ServerResponse,
    startNs: bigint,
  ): Promise<void> {
    const composites = this.#o.composite as CompositeCatalog;
    const authz = this.#o.authz;
    const params = msg.params ?? {};
    const meta = isObject(params._meta) ? params._meta : undefined;
    const token = meta?.progressToken;
    return this.#run(s, msg, res, startNs, { backend: LOCAL, label: "tools/call" }, async (sink, cancel) => {
      const signal = cancel.signal;
      try {
        const result = await runCompositeCall({
          session: s,
          health: this.#o.health,
          composites,
          compositeState: composites.forView(view),
          view,
          name,
          args: isObject(params.arguments) ? params.arguments : undefined,
          progressToken: typeof token === "string" || typeof token === "number" ? token : undefined,
          sink,
          signal,
          authorizeStep: authz
            ? (ref, route, args) =>
                stepDenial(authz, s.identity ?? ANONYMOUS_IDENTITY, view, ref, route, args)
            : undefined,
        });
        if (signal.aborted) {
          sink.abandon();
          return "cancelled";
        }
        sink.json(resultResponse(msg.id, result));
        return result.isError ? "error" : "ok";
      } catch (err) {
        if (signal.aborted) {
          sink.abandon();
          return "cancelled";
        }
        const message = err instanceof Error ? err.message : String(err);
        this.#o.log.warn({ tool: name, err: message }, "composite tool failed");
        sink.fail(ErrorCodes.InternalError, `composite tool "${name}": ${message}`);
        return "error";
      }
    });
  }

  /** A backend withdrawn for health (circuit open, unhealthy): fail at once, saying why and when
   * the gateway tries it again, rather than "unknown tool" for a name the client saw listed. */
  unavailable(backend: string, msg: JsonRpcRequest, res: ServerResponse, startNs: bigint): void {
    const v = this.#o.health.unavailable(backend);
    const why = v ? { ...v, reason: redact(v.reason) } : { reason: "circuit open" };
    const retry = why.retryAfter ? `; retry after ${why.retryAfter}` : "";
    const data: Record<string, string> = { backend, reason: why.reason };
    if (why.retryAfter) data.retryAfter = why.retryAfter;
    new HttpCallSink(res, msg.id).fail(
      ErrorCodes.BackendError,
      `backend '${backend}' is unavailable (${why.reason})${retry}`,
      data,
    );
    this.#observer.observe(backend, msg, methodLabel(msg.method), "unreachable", startNs);
  }
}
