import type { AuditDecision } from "../audit/events.ts";
import type { Identity } from "../backends/types.ts";
import type { CallOutcome } from "../metrics.ts";
import type { JsonRpcRequest } from "../protocol/jsonrpc.ts";
import { telemetry } from "../telemetry/hooks.ts";
import type { McpHandlerOptions } from "./mcp-options.ts";

/** Who asked and what policy said, for the audit event written when the request finishes. */
export interface AuditContext {
  identity: Identity | undefined;
  decision: AuditDecision;
}

/** Metrics for every answered request, the audit event, and with --debug one log line: what was
 * asked, of whom, how long it took and how it ended. Never arguments: they are the caller's data. */
export class RequestObserver {
  readonly #o: Pick<McpHandlerOptions, "metrics" | "audit" | "log">;
  readonly #auditCtx = new WeakMap<JsonRpcRequest, AuditContext>();

  constructor(o: Pick<McpHandlerOptions, "metrics" | "audit" | "log">) {
    this.#o = o;
  }

  /** The audit context of a request, when auditing is on (its decision is filled in later). */
  audited(msg: JsonRpcRequest, identity: Identity | undefined): AuditContext | undefined {
    if (!this.#o.audit) return undefined;
    const ctx: AuditContext = { identity, decision: "unchecked" };
    this.#auditCtx.set(msg, ctx);
    return ctx;
  }

  observe(backend: string, msg: JsonRpcRequest, label: string, outcome: CallOutcome, startNs: bigint): void {
    if (telemetry.on) telemetry.outcome(outcome);
    this.#o.metrics.observe(backend, label, outcome, startNs);
    if (this.#o.audit) {
      const ctx = this.#auditCtx.get(msg);
      this.#o.audit.record({
        method: msg.method,
        params: msg.params,
        identity: ctx?.identity,
        backend,
        decision: ctx?.decision ?? "unchecked",
        outcome,
        durationMs: Number(process.hrtime.bigint() - startNs) / 1e6,
        time: new Date(),
      });
    }
    if (!this.#o.log.isLevelEnabled("debug")) return;
    const name = msg.params?.name;
    const line: Record<string, unknown> = {
      method: label,
      backend,
      durationMs: Number(process.hrtime.bigint() - startNs) / 1e6,
      outcome,
    };
    if (msg.method === "tools/call" && typeof name === "string") line.tool = name.slice(0, 128);
    this.#o.log.debug(line, "request");
  }
}
