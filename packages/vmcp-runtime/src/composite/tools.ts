// What the gateway needs from composite tools: validation at startup, the Tool entries to
// advertise, and a call handler that runs a workflow and answers with an MCP CallToolResult.
import type { CallToolResult, Tool, ToolAnnotations } from "@modelcontextprotocol/sdk/types.js";
import {
  type CompositeToolConfig,
  CompositeToolConfigSchema,
  type CompositeValidationError,
  validateCompositeTool,
} from "@vmcp/shared-types";
import { deriveAnnotations } from "./annotations.ts";
import { errorResult, toCallToolResult } from "./output.ts";
import { type RunOptions, runWorkflow } from "./run.ts";
import { type ToolInvoker, WorkflowError } from "./types.ts";

export function compositeToolAsMcpTool(def: CompositeToolConfig): Tool {
  const tool: Tool = {
    name: def.name,
    inputSchema: (def.parameters as Tool["inputSchema"] | undefined) ?? { type: "object", properties: {} },
  };
  if (def.description !== undefined) tool.description = def.description;
  if (def.annotations) {
    const { title, ...hints } = def.annotations;
    tool.annotations = { ...hints, ...(title !== undefined ? { title } : {}) };
    if (title !== undefined) tool.title = title;
  }
  return tool;
}

export interface CompositeDefinitionError {
  tool: string;
  errors: CompositeValidationError[];
}

export class CompositeValidationFailure extends Error {
  readonly problems: CompositeDefinitionError[];
  constructor(problems: CompositeDefinitionError[]) {
    super(
      `invalid composite tools: ${problems
        .map((p) => `${p.tool}: ${p.errors.map((e) => e.message).join("; ")}`)
        .join(" | ")}`,
    );
    this.name = "CompositeValidationFailure";
    this.problems = problems;
  }
}

/**
 * Startup validation of every definition: schema, templates, DAG, unique names, and (when
 * `toolExists` is given) that every step names a routable tool, hidden ones included.
 * Returns the problems; an empty list means all definitions can run.
 */
export function validateCompositeTools(
  defs: readonly unknown[],
  toolExists?: (ref: string) => boolean,
): CompositeDefinitionError[] {
  const problems: CompositeDefinitionError[] = [];
  const names = new Set<string>();
  defs.forEach((def, i) => {
    const name =
      typeof def === "object" && def !== null && typeof (def as { name?: unknown }).name === "string"
        ? (def as { name: string }).name
        : `compositeTools[${i}]`;
    const errors = validateCompositeTool(def, toolExists ? { toolExists } : {});
    if (names.has(name))
      errors.push({ reason: "SchemaInvalid", message: `duplicate composite tool name "${name}"` });
    names.add(name);
    if (errors.length > 0) problems.push({ tool: name, errors });
  });
  return problems;
}

export interface CompositeDeps {
  /** Whether a step's tool reference routes somewhere (aggregate + resolveToolRef). */
  toolExists?: (ref: string) => boolean;
  /** Names the gateway already advertises; a composite tool may not shadow one. */
  reservedNames?: Iterable<string>;
  /**
   * Annotations of the tool behind a step reference. When given, advertised annotations are derived
   * from the steps, and a definition whose explicit hints claim more safety is not advertised.
   */
  stepAnnotations?: (ref: string) => ToolAnnotations | undefined;
}

export interface CompositeCallContext {
  invoker: ToolInvoker;
  signal?: AbortSignal | undefined;
  onProgress?: RunOptions["onProgress"];
}

export interface CompositeTools {
  tools: Tool[];
  /** Definitions left out, and why (annotation conflicts). */
  warnings: string[];
  has(name: string): boolean;
  /** Runs the named composite tool; workflow failures come back as `isError` results. */
  call(
    name: string,
    args: Record<string, unknown> | undefined,
    ctx: CompositeCallContext,
  ): Promise<CallToolResult>;
}

/** Validates the definitions (throws CompositeValidationFailure) and returns the gateway hooks. */
export function createCompositeTools(defs: readonly unknown[], deps: CompositeDeps = {}): CompositeTools {
  const problems = validateCompositeTools(defs, deps.toolExists);
  const reserved = new Set(deps.reservedNames ?? []);
  for (const d of defs) {
    const name = (d as { name?: unknown }).name;
    if (typeof name === "string" && reserved.has(name)) {
      problems.push({
        tool: name,
        errors: [
          { reason: "SchemaInvalid", message: `composite tool "${name}" collides with a backend tool` },
        ],
      });
    }
  }
  if (problems.length > 0) throw new CompositeValidationFailure(problems);
  const byName = new Map<string, CompositeToolConfig>();
  const tools: Tool[] = [];
  const warnings: string[] = [];
  for (const d of defs) {
    const def = CompositeToolConfigSchema.parse(d);
    const tool = compositeToolAsMcpTool(def);
    if (deps.stepAnnotations) {
      const derived = deriveAnnotations(def, deps.stepAnnotations);
      if (!derived.ok) {
        warnings.push(`composite tool "${def.name}" not advertised: ${derived.reason}`);
        continue;
      }
      tool.annotations = derived.annotations;
    }
    byName.set(def.name, def);
    tools.push(tool);
  }
  tools.sort((a, b) => (a.name < b.name ? -1 : 1));
  return {
    tools,
    warnings,
    has: (name) => byName.has(name),
    async call(name, args, ctx) {
      const def = byName.get(name);
      if (!def) return errorResult(`Unknown composite tool: ${name}`);
      try {
        const output = await runWorkflow(def, args ?? {}, ctx.invoker, {
          signal: ctx.signal,
          onProgress: ctx.onProgress,
        });
        return toCallToolResult(output);
      } catch (e) {
        if (e instanceof WorkflowError) return errorResult(`composite tool "${name}": ${e.message}`);
        throw e;
      }
    },
  };
}
