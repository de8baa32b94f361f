// Validation of a composite tool definition that both the operator (VirtualMCPCompositeToolDefinition
// status) and the runtime (before running a workflow) use. It takes the raw spec, because a definition
// the API server accepted may still be invalid (cycles cannot be expressed in CEL), and reports every
// problem it finds as a readable message with the condition reason ToolHive uses.
import { CompositeToolConfigSchema, findDependencyCycle } from "./composite.ts";
import { isJsonObject } from "./json.ts";
import type { ParsedTemplate } from "./template/ast.ts";
import { parseTemplate, TemplateError, templateParseError } from "./template/index.ts";
import { referencedStepOutputs } from "./template/refs.ts";

export type CompositeValidationReason =
  | "SchemaInvalid"
  | "TemplateInvalid"
  | "DependencyCycle"
  | "ToolNotFound";

export interface CompositeValidationError {
  reason: CompositeValidationReason;
  message: string;
}

export interface CompositeValidationOptions {
  /**
   * Whether a step's `tool` names a routable tool (advertised, hidden, or `<workload>.<tool>`).
   * The runtime passes it at startup; the operator omits it (it does not know the backends' tools).
   */
  toolExists?: (ref: string) => boolean;
}

interface RawStep {
  id?: unknown;
  type?: unknown;
  tool?: unknown;
  dependsOn?: unknown;
  arguments?: unknown;
  condition?: unknown;
  collection?: unknown;
  message?: unknown;
  schema?: unknown;
  onError?: unknown;
  defaultResults?: unknown;
  step?: unknown;
}

/**
 * Parses a template with the composite-tool template parser (a Go text/template subset, see
 * docs/composite-tools.md). Returns the parse error with line:column, or undefined when it parses.
 */
export function checkTemplate(text: string): string | undefined {
  return templateParseError(text);
}

function templatesOf(step: RawStep, where: string): [string, string][] {
  const out: [string, string][] = [];
  if (typeof step.condition === "string") out.push([`${where}.condition`, step.condition]);
  if (typeof step.collection === "string") out.push([`${where}.collection`, step.collection]);
  if (typeof step.message === "string") out.push([`${where}.message`, step.message]);
  // Only top-level string argument values are templated.
  if (isJsonObject(step.arguments)) {
    for (const [k, v] of Object.entries(step.arguments)) {
      if (typeof v === "string") out.push([`${where}.arguments.${k}`, v]);
    }
  }
  if (isJsonObject(step.step)) out.push(...templatesOf(step.step as RawStep, `${where}.step`));
  return out;
}

function outputTemplates(props: unknown, where: string): [string, string][] {
  if (!isJsonObject(props)) return [];
  const out: [string, string][] = [];
  for (const [name, p] of Object.entries(props)) {
    if (!isJsonObject(p)) continue;
    if (typeof p.value === "string") out.push([`${where}.${name}.value`, p.value]);
    out.push(...outputTemplates(p.properties, `${where}.${name}.properties`));
  }
  return out;
}

/** ToolHive's bounds on an elicitation's requested schema. */
export const MAX_ELICITATION_SCHEMA_BYTES = 100 * 1024;
export const MAX_ELICITATION_SCHEMA_DEPTH = 10;

function depthOf(v: unknown): number {
  if (typeof v !== "object" || v === null) return 0;
  const children = Array.isArray(v) ? v : Object.values(v);
  return 1 + children.reduce<number>((m, c) => Math.max(m, depthOf(c)), 0);
}

/** A step that may end without running (condition false, or failed with onError continue). */
function mayBeSkipped(st: RawStep): boolean {
  const action = isJsonObject(st.onError) ? st.onError.action : undefined;
  return typeof st.condition === "string" || action === "continue";
}

// Zod messages for problems the structural pass below already reports in its own words.
const COVERED = [/cycle/i, /duplicate entry for key id/i, /dependsOn must name/i, /unknown step/i];

function dependsOnTransitively(deps: Map<string, string[]>, from: string, target: string): boolean {
  const seen = new Set<string>();
  const stack = [...(deps.get(from) ?? [])];
  while (stack.length > 0) {
    const d = stack.pop() as string;
    if (d === target) return true;
    if (seen.has(d)) continue;
    seen.add(d);
    stack.push(...(deps.get(d) ?? []));
  }
  return false;
}

/** Validates a composite tool spec; an empty list means valid. */
export function validateCompositeTool(
  spec: unknown,
  opts: CompositeValidationOptions = {},
): CompositeValidationError[] {
  const errors: CompositeValidationError[] = [];
  const s = isJsonObject(spec) ? spec : {};
  const steps: RawStep[] = Array.isArray(s.steps) ? (s.steps.filter(isJsonObject) as RawStep[]) : [];

  const seen = new Set<string>();
  const ids = new Set<string>();
  for (const st of steps) {
    if (typeof st.id !== "string") continue;
    if (seen.has(st.id)) errors.push({ reason: "SchemaInvalid", message: `duplicate step id "${st.id}"` });
    seen.add(st.id);
    ids.add(st.id);
  }
  const graph: { id: string; dependsOn: string[] }[] = [];
  for (const st of steps) {
    if (typeof st.id !== "string") continue;
    const deps = Array.isArray(st.dependsOn)
      ? st.dependsOn.filter((d): d is string => typeof d === "string")
      : [];
    for (const d of deps) {
      if (!ids.has(d)) {
        errors.push({ reason: "SchemaInvalid", message: `step "${st.id}" depends on unknown step "${d}"` });
      }
    }
    graph.push({ id: st.id, dependsOn: deps });
  }
  const cycle = findDependencyCycle(graph);
  if (cycle) errors.push({ reason: "DependencyCycle", message: `dependency cycle: ${cycle.join(" -> ")}` });

  const templates: [string, string, string | undefined][] = steps.flatMap((st, i) =>
    templatesOf(st, `steps[${typeof st.id === "string" ? st.id : i}]`).map(
      ([w, t]) =>
        [w, t, typeof st.id === "string" ? st.id : undefined] as [string, string, string | undefined],
    ),
  );
  templates.push(
    ...outputTemplates(isJsonObject(s.output) ? s.output.properties : undefined, "output.properties").map(
      ([w, t]) => [w, t, undefined] as [string, string, string | undefined],
    ),
  );
  const parsed: [string, ParsedTemplate, string | undefined][] = [];
  for (const [where, text, owner] of templates) {
    try {
      parsed.push([where, parseTemplate(text), owner]);
    } catch (e) {
      if (!(e instanceof TemplateError)) throw e;
      errors.push({ reason: "TemplateInvalid", message: `${where}: invalid template: ${e.message}` });
    }
  }

  // ToolHive's rule: a step that may not run must give defaultResults if later templates read its output.
  const byId = new Map(steps.filter((st) => typeof st.id === "string").map((st) => [st.id as string, st]));
  const reported = new Set<string>();
  const deps = new Map(graph.map((g) => [g.id, g.dependsOn]));
  for (const [where, tpl, owner] of parsed) {
    for (const ref of referencedStepOutputs(tpl)) {
      const target = byId.get(ref);
      if (!target) {
        // It would render as "<no value>" on every call.
        errors.push({ reason: "SchemaInvalid", message: `${where} reads unknown step "${ref}"` });
        continue;
      }
      // Steps without an order between them run in parallel: the read would race the write.
      if (owner !== undefined && ref !== owner && !cycle && !dependsOnTransitively(deps, owner, ref)) {
        errors.push({
          reason: "SchemaInvalid",
          message: `${where} reads step "${ref}", which step "${owner}" does not depend on (add it to dependsOn)`,
        });
        continue;
      }
      if (ref === owner || reported.has(ref)) continue;
      if (mayBeSkipped(target) && !isJsonObject(target.defaultResults)) {
        reported.add(ref);
        errors.push({
          reason: "SchemaInvalid",
          message: `step "${ref}" can be skipped and ${where} reads its output, so it needs defaultResults`,
        });
      }
    }
  }

  for (const st of steps) {
    if (!isJsonObject(st.schema)) continue;
    const where = `steps[${String(st.id)}].schema`;
    if (Buffer.byteLength(JSON.stringify(st.schema), "utf8") > MAX_ELICITATION_SCHEMA_BYTES) {
      errors.push({
        reason: "SchemaInvalid",
        message: `${where}: larger than ${MAX_ELICITATION_SCHEMA_BYTES} bytes`,
      });
    }
    if (depthOf(st.schema) > MAX_ELICITATION_SCHEMA_DEPTH) {
      errors.push({
        reason: "SchemaInvalid",
        message: `${where}: nested deeper than ${MAX_ELICITATION_SCHEMA_DEPTH}`,
      });
    }
  }

  if (opts.toolExists) {
    for (const st of steps) {
      const inner = isJsonObject(st.step) ? (st.step as RawStep) : undefined;
      const tool = st.type === "forEach" ? inner?.tool : st.tool;
      if (typeof tool === "string" && !opts.toolExists(tool)) {
        errors.push({
          reason: "ToolNotFound",
          message: `step "${String(st.id)}" calls unknown tool "${tool}" (neither a routed tool name nor <workload>.<tool>)`,
        });
      }
    }
  }

  const zodParsed = CompositeToolConfigSchema.safeParse(spec);
  if (!zodParsed.success) {
    for (const issue of zodParsed.error.issues) {
      if (COVERED.some((re) => re.test(issue.message))) continue;
      const path = issue.path.map(String).join(".");
      errors.push({ reason: "SchemaInvalid", message: path ? `${path}: ${issue.message}` : issue.message });
    }
  }
  return errors;
}
