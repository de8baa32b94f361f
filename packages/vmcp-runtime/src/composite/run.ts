// The workflow executor: a dependsOn DAG run eagerly (a step starts as soon as its dependencies are
// done, at most 10 at a time), with conditions, retries, continue/abort, elicitation, forEach, and
// per-step and whole-workflow deadlines that abort in-flight backend calls.
import { randomUUID } from "node:crypto";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { type CompositeToolConfig, isJsonObject, parseDuration, type WorkflowStep } from "@vmcp/shared-types";
import { abortable } from "../abortable.ts";
import { telemetry } from "../telemetry/hooks.ts";
import { coerceTo, propertyType } from "./coerce.ts";
import { buildOutput } from "./output.ts";
import { schemaProblem } from "./schema-check.ts";
import { renderCondition, renderText, renderValue } from "./templates.ts";
import { type ProgressUpdate, type StepState, type ToolInvoker, WorkflowError } from "./types.ts";

export const DEFAULT_WORKFLOW_TIMEOUT_MS = 30 * 60_000;
export const DEFAULT_STEP_TIMEOUT_MS = 5 * 60_000;
export const MAX_PARALLEL_STEPS = 10;
export const DEFAULT_RETRY_DELAY_MS = 1000;
export const MAX_RETRY_COUNT = 10;
export const MAX_ELICITATION_TIMEOUT_MS = 10 * 60_000;
export const DEFAULT_FOREACH_MAX_ITERATIONS = 100;
export const FOREACH_ITERATIONS_CAP = 1000;
export const DEFAULT_FOREACH_PARALLEL = 10;
export const FOREACH_PARALLEL_CAP = 50;

export interface RunOptions {
  /** Aborted when the client cancels the call (notifications/cancelled, disconnect). */
  signal?: AbortSignal | undefined;
  onProgress?: ((p: ProgressUpdate) => void) | undefined;
}

type InnerStep = NonNullable<WorkflowStep["step"]>;
type ToolLike = Pick<InnerStep, "tool" | "arguments" | "onError">;

/** What a step's span says about it. */
const stepInfo = (s: WorkflowStep) => ({
  id: s.id,
  type: s.type ?? "tool",
  ...(s.tool ? { tool: s.tool } : {}),
});

/** A failure of one step (as opposed to the workflow being cancelled or timing out). */
class StepFailure extends Error {}

/** An AbortSignal that fires `reason` after `ms`, or when `parent` fires. */
function deadline(
  parent: AbortSignal,
  ms: number,
  reason: () => unknown,
): { signal: AbortSignal; done(): void } {
  const ctl = new AbortController();
  const onParent = () => ctl.abort(parent.reason);
  if (parent.aborted) ctl.abort(parent.reason);
  else parent.addEventListener("abort", onParent, { once: true });
  const timer = setTimeout(() => ctl.abort(reason()), ms);
  timer.unref?.();
  return {
    signal: ctl.signal,
    done() {
      clearTimeout(timer);
      parent.removeEventListener("abort", onParent);
    },
  };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return abortable(
    new Promise<void>((r) => {
      const t = setTimeout(r, ms);
      signal.addEventListener("abort", () => clearTimeout(t), { once: true });
    }),
    signal,
  );
}

async function mapLimit<T, R>(
  items: T[],
  limit: number,
  fn: (item: T, i: number) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** `.steps.<id>.output`: structuredContent, or a map derived from the content (ToolHive's shape). */
export function stepResultState(r: CallToolResult): Pick<StepState, "output" | "content"> {
  const texts: string[] = [];
  let resource: string | undefined;
  for (const c of r.content ?? []) {
    if (c.type === "text") texts.push(c.text);
    else if (c.type === "resource" && resource === undefined) {
      const res = c.resource as { text?: unknown; uri?: unknown };
      resource = typeof res.text === "string" ? res.text : String(res.uri);
    }
  }
  let output: Record<string, unknown>;
  if (isJsonObject(r.structuredContent)) output = r.structuredContent;
  else {
    output = {};
    texts.forEach((t, i) => {
      output[i === 0 ? "text" : `text_${i}`] = t;
    });
  }
  return { output, content: { text: texts.join("\n"), resource } };
}

function errorText(r: CallToolResult): string {
  const text = (r.content ?? [])
    .filter((c): c is { type: "text"; text: string } => c.type === "text")
    .map((c) => c.text)
    .join("\n");
  return text || "tool returned an error";
}

function applyParameterDefaults(schema: unknown, params: Record<string, unknown>): Record<string, unknown> {
  const out = { ...params };
  const props = isJsonObject(schema) && isJsonObject(schema.properties) ? schema.properties : {};
  for (const [k, p] of Object.entries(props)) {
    if (out[k] === undefined && isJsonObject(p) && p.default !== undefined) out[k] = p.default;
  }
  const required = isJsonObject(schema) && Array.isArray(schema.required) ? schema.required : [];
  const missing = required.filter((r): r is string => typeof r === "string" && out[r] === undefined);
  if (missing.length > 0) {
    throw new WorkflowError("validation", `missing required parameter(s): ${missing.join(", ")}`);
  }
  const wrong = schemaProblem(schema, out);
  if (wrong)
    throw new WorkflowError("validation", `invalid parameters: ${wrong.replace(/(^|, )data/g, "$1params")}`);
  return out;
}

class WorkflowRun {
  readonly def: CompositeToolConfig;
  readonly invoker: ToolInvoker;
  readonly params: Record<string, unknown>;
  readonly steps = new Map<string, StepState>();
  readonly vars: Record<string, unknown> = {};
  readonly id = randomUUID();
  readonly started = Date.now();
  readonly ctl = new AbortController();
  readonly onProgress: RunOptions["onProgress"];
  skipRemaining = false;
  finished = 0;

  constructor(
    def: CompositeToolConfig,
    params: Record<string, unknown>,
    invoker: ToolInvoker,
    o: RunOptions,
  ) {
    this.def = def;
    this.params = params;
    this.invoker = invoker;
    this.onProgress = o.onProgress;
  }

  get signal(): AbortSignal {
    return this.ctl.signal;
  }

  data(forEach?: Record<string, unknown>): Record<string, unknown> {
    return {
      params: this.params,
      steps: Object.fromEntries(this.steps),
      vars: this.vars,
      workflow: {
        id: this.id,
        duration_ms: Date.now() - this.started,
        step_count: this.def.steps.length,
        status: "running",
        start_time: new Date(this.started).toISOString().replace(/\.\d{3}Z$/, "Z"),
      },
      ...(forEach ? { forEach } : {}),
    };
  }

  /** Runs the DAG; resolves when every step is done (or skip_remaining stopped it). */
  schedule(): Promise<void> {
    const steps = this.def.steps;
    const waiting = new Map(steps.map((s) => [s.id, new Set(s.dependsOn ?? [])]));
    let running = 0;
    return new Promise<void>((resolve, reject) => {
      let failed = false;
      const fail = (e: unknown) => {
        if (failed) return;
        failed = true;
        if (!this.ctl.signal.aborted) this.ctl.abort(e);
        reject(e);
      };
      if (this.ctl.signal.aborted) return fail(this.ctl.signal.reason);
      this.ctl.signal.addEventListener("abort", () => fail(this.ctl.signal.reason), { once: true });
      const pump = () => {
        if (failed) return;
        if (!this.skipRemaining) {
          for (const s of steps) {
            if (running >= MAX_PARALLEL_STEPS) break;
            if (waiting.get(s.id)?.size !== 0) continue;
            waiting.delete(s.id);
            running++;
            (telemetry.on ? telemetry.step(stepInfo(s), () => this.runStep(s)) : this.runStep(s)).then(() => {
              running--;
              this.finished++;
              this.onProgress?.({
                progress: this.finished,
                total: steps.length,
                message: `step ${s.id} done`,
              });
              for (const deps of waiting.values()) deps.delete(s.id);
              pump();
            }, fail);
          }
        }
        if (running === 0) {
          if (waiting.size === 0 || this.skipRemaining) resolve();
          else
            fail(
              new WorkflowError("validation", `steps never became ready: ${[...waiting.keys()].join(", ")}`),
            );
        }
      };
      pump();
    });
  }

  async runStep(step: WorkflowStep): Promise<void> {
    if (step.condition !== undefined) {
      let run: boolean;
      try {
        run = renderCondition(step.condition, this.data());
      } catch (e) {
        throw new WorkflowError("step", `step "${step.id}": condition: ${(e as Error).message}`, step.id);
      }
      if (!run) {
        this.steps.set(step.id, { status: "skipped", output: step.defaultResults ?? {} });
        return;
      }
    }
    const limit =
      step.type === "elicitation"
        ? Math.min(
            step.timeout ? parseDuration(step.timeout) : DEFAULT_STEP_TIMEOUT_MS,
            MAX_ELICITATION_TIMEOUT_MS,
          )
        : step.timeout
          ? parseDuration(step.timeout)
          : DEFAULT_STEP_TIMEOUT_MS;
    const dl = deadline(
      this.signal,
      limit,
      () => new WorkflowError("timeout", `step "${step.id}" timed out after ${limit}ms`, step.id),
    );
    try {
      if (step.type === "elicitation") await this.elicitationStep(step, dl.signal);
      else if (step.type === "forEach")
        await this.withErrorPolicy(step, () => this.forEachStep(step, dl.signal));
      else {
        await this.withErrorPolicy(step, async () => {
          const r = await this.callWithRetry({ ...step, tool: step.tool ?? "" }, this.data(), dl.signal);
          this.steps.set(step.id, { status: "completed", ...stepResultState(r) });
        });
      }
    } finally {
      dl.done();
    }
  }

  /** onError abort (default) / continue; retry is handled inside the call. */
  async withErrorPolicy(step: WorkflowStep, body: () => Promise<void>): Promise<void> {
    try {
      await body();
    } catch (e) {
      // Cancellation and the workflow deadline are never "step failures" to continue past.
      if (this.signal.aborted) throw this.signal.reason;
      const message = e instanceof Error ? e.message : String(e);
      if (step.onError?.action === "continue") {
        this.steps.set(step.id, { status: "failed", output: step.defaultResults ?? {}, error: message });
        return;
      }
      this.steps.set(step.id, { status: "failed", output: {}, error: message });
      // A step deadline already names the step.
      if (e instanceof WorkflowError) throw e;
      throw new WorkflowError("step", `step "${step.id}" failed: ${message}`, step.id);
    }
  }

  renderArguments(step: ToolLike, data: unknown): Record<string, unknown> {
    const schema = this.invoker.resolveTool(step.tool)?.inputSchema;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(step.arguments ?? {})) {
      if (typeof v !== "string") {
        out[k] = v;
        continue;
      }
      const type = propertyType(schema, k);
      const wantsJson = type === "object" || type === "array";
      const rendered = wantsJson ? renderValue(v, data) : renderText(v, data);
      const c = coerceTo(rendered, type);
      out[k] = c.ok ? c.value : typeof rendered === "string" ? rendered : JSON.stringify(rendered);
    }
    return out;
  }

  async callWithRetry(step: ToolLike, data: unknown, signal: AbortSignal): Promise<CallToolResult> {
    const retry = step.onError?.action === "retry";
    const attempts = retry ? Math.min(step.onError?.retryCount ?? 1, MAX_RETRY_COUNT) + 1 : 1;
    const base = step.onError?.retryDelay ? parseDuration(step.onError.retryDelay) : DEFAULT_RETRY_DELAY_MS;
    let lastError: unknown;
    for (let attempt = 0; attempt < attempts; attempt++) {
      if (attempt > 0) await sleep(Math.min(base * 2 ** (attempt - 1), base * 60), signal);
      try {
        const args = this.renderArguments(step, data);
        const r = await abortable(this.invoker.callTool(step.tool, args, { signal }), signal);
        if (r.isError) throw new StepFailure(`tool ${step.tool}: ${errorText(r)}`);
        return r;
      } catch (e) {
        if (signal.aborted) throw signal.reason;
        lastError = e;
      }
    }
    const msg = lastError instanceof Error ? lastError.message : String(lastError);
    throw new StepFailure(attempts > 1 ? `${msg} (after ${attempts} attempts)` : msg);
  }

  async elicitationStep(step: WorkflowStep, signal: AbortSignal): Promise<void> {
    const message = renderText(step.message ?? "", this.data());
    const requestedSchema = step.schema ?? { type: "object", properties: {} };
    let r: Awaited<ReturnType<ToolInvoker["elicit"]>>;
    try {
      r = await abortable(this.invoker.elicit({ message, requestedSchema }, signal), signal);
    } catch (e) {
      if (signal.aborted) throw signal.reason;
      throw new WorkflowError(
        "step",
        `step "${step.id}": elicitation failed: ${(e as Error).message}`,
        step.id,
      );
    }
    const output = { action: r.action, content: r.content ?? {} };
    if (r.action === "accept") {
      const wrong = schemaProblem(requestedSchema, output.content);
      if (wrong)
        throw new WorkflowError(
          "step",
          `step "${step.id}": the accepted elicitation content does not match the requested schema: ${wrong.replace(/(^|, )data/g, "$1content")}`,
          step.id,
        );
      this.steps.set(step.id, { status: "completed", output });
      return;
    }
    const policy = (r.action === "decline" ? step.onDecline : step.onCancel)?.action ?? "abort";
    const verb = r.action === "decline" ? "declined" : "cancelled";
    if (policy === "abort") {
      this.steps.set(step.id, { status: "failed", output, error: `user ${verb}` });
      throw new WorkflowError("step", `step "${step.id}": the user ${verb} the elicitation`, step.id);
    }
    this.steps.set(step.id, { status: policy === "continue" ? "completed" : "skipped", output });
    if (policy === "skip_remaining") this.skipRemaining = true;
  }

  async forEachStep(step: WorkflowStep, signal: AbortSignal): Promise<void> {
    const inner = step.step as InnerStep;
    let items = renderValue(step.collection ?? "", this.data());
    if (typeof items === "string") {
      const text = items;
      try {
        items = JSON.parse(text) as unknown;
      } catch {
        throw new StepFailure(
          `collection must render a JSON array, got ${JSON.stringify(text.slice(0, 200))}`,
        );
      }
    }
    if (!Array.isArray(items)) throw new StepFailure("collection must evaluate to an array");
    const max = Math.min(step.maxIterations ?? DEFAULT_FOREACH_MAX_ITERATIONS, FOREACH_ITERATIONS_CAP);
    if (items.length > max) {
      throw new StepFailure(`collection has ${items.length} items, more than maxIterations ${max}`);
    }
    const itemVar = step.itemVar ?? "item";
    const parallel = Math.min(step.maxParallel ?? DEFAULT_FOREACH_PARALLEL, FOREACH_PARALLEL_CAP);
    let completed = 0;
    let failed = 0;
    const iterations = await mapLimit(items, parallel, async (item, index) => {
      const data = this.data({ [itemVar]: item, index });
      if (inner.condition !== undefined && !renderCondition(inner.condition, data)) return null;
      const innerLimit = inner.timeout ? parseDuration(inner.timeout) : undefined;
      const dl = innerLimit
        ? deadline(
            signal,
            innerLimit,
            () => new StepFailure(`iteration ${index} timed out after ${innerLimit}ms`),
          )
        : undefined;
      try {
        const r = await this.callWithRetry(inner, data, dl?.signal ?? signal);
        completed++;
        return stepResultState(r).output;
      } catch (e) {
        if (signal.aborted) throw signal.reason;
        if (inner.onError?.action === "continue") {
          failed++;
          return null;
        }
        throw new StepFailure(`iteration ${index}: ${(e as Error).message}`);
      } finally {
        dl?.done();
      }
    });
    this.steps.set(step.id, {
      status: "completed",
      output: { iterations, count: items.length, completed, failed },
    });
  }

  /** Without `output`: the output of the last step (in definition order) that has a result. */
  lastStepOutput(): unknown {
    for (let i = this.def.steps.length - 1; i >= 0; i--) {
      const s = this.steps.get((this.def.steps[i] as WorkflowStep).id);
      if (s) return s.output;
    }
    return {};
  }
}

/**
 * Runs a validated composite tool definition. Resolves with the workflow's output value; rejects
 * with a WorkflowError that names the failing step, the deadline, or the cancellation.
 */
export async function runWorkflow(
  def: CompositeToolConfig,
  params: Record<string, unknown>,
  invoker: ToolInvoker,
  opts: RunOptions = {},
): Promise<unknown> {
  const run = new WorkflowRun(def, applyParameterDefaults(def.parameters, params), invoker, opts);
  const limit = def.timeout ? parseDuration(def.timeout) : DEFAULT_WORKFLOW_TIMEOUT_MS;
  const timer = setTimeout(
    () => run.ctl.abort(new WorkflowError("timeout", `workflow "${def.name}" timed out after ${limit}ms`)),
    limit,
  );
  timer.unref?.();
  const onCancel = () =>
    run.ctl.abort(new WorkflowError("cancelled", `workflow "${def.name}" was cancelled by the client`));
  if (opts.signal?.aborted) onCancel();
  opts.signal?.addEventListener("abort", onCancel, { once: true });
  try {
    await run.schedule();
    if (!def.output) return run.lastStepOutput();
    return buildOutput(def.output, {
      ...run.data(),
      workflow: { ...(run.data().workflow as object), status: "completed" },
    });
  } catch (e) {
    if (e instanceof WorkflowError) throw e;
    throw new WorkflowError("step", e instanceof Error ? e.message : String(e));
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener("abort", onCancel);
  }
}
