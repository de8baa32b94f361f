// Contracts between the composite-tool engine and whoever hosts it (the gateway, or a test).
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";

export interface ProgressUpdate {
  progress: number;
  total?: number | undefined;
  message?: string | undefined;
}

export interface ElicitRequest {
  message: string;
  requestedSchema: Record<string, unknown>;
}

export interface ElicitResponse {
  action: "accept" | "decline" | "cancel";
  content?: Record<string, unknown> | undefined;
}

/** What a workflow needs from the outside world, bound to one client session and identity. */
export interface ToolInvoker {
  /** Calls a routed tool: an aggregated name (hidden tools included) or `<workload>.<tool>`. */
  callTool(
    name: string,
    args: Record<string, unknown>,
    opts: { signal: AbortSignal; onProgress?: ((p: ProgressUpdate) => void) | undefined },
  ): Promise<CallToolResult>;
  /** Asks the calling client through MCP `elicitation/create`. */
  elicit(req: ElicitRequest, signal: AbortSignal): Promise<ElicitResponse>;
  /** The tool behind a reference, for argument coercion and unknown-tool checks. */
  resolveTool(ref: string): { inputSchema?: Record<string, unknown> | undefined } | undefined;
}

export type StepStatus = "completed" | "failed" | "skipped";

/** What templates see as `.steps.<id>`. */
export interface StepState {
  status: StepStatus;
  output: unknown;
  content?: { text: string; resource?: string | undefined } | undefined;
  error?: string | undefined;
}

/** A workflow failure; `step` names the step that caused it when there is one. */
export class WorkflowError extends Error {
  readonly step: string | undefined;
  readonly kind: "step" | "timeout" | "cancelled" | "validation" | "output";
  constructor(kind: WorkflowError["kind"], message: string, step?: string) {
    super(message);
    this.name = "WorkflowError";
    this.kind = kind;
    this.step = step;
  }
}
