// Validation of a composite tool definition that both the operator (VirtualMCPCompositeToolDefinition
// status) and the runtime (before running a workflow) use. It takes the raw spec, because a definition
// the API server accepted may still be invalid (cycles cannot be expressed in CEL), and reports every
// problem it finds as a readable message with the condition reason of reference §1.11.
import { CompositeToolConfigSchema, findDependencyCycle } from "./composite.ts";

export type CompositeValidationReason = "SchemaInvalid" | "TemplateInvalid" | "DependencyCycle";

export interface CompositeValidationError {
  reason: CompositeValidationReason;
  message: string;
}

interface RawStep {
  id?: unknown;
  dependsOn?: unknown;
  arguments?: unknown;
  condition?: unknown;
  collection?: unknown;
  step?: unknown;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Minimal Go-template syntax check: every `{{` is closed by `}}`, no stray `}}` outside an action,
 * no empty action, and quotes and parentheses inside an action balance (a `}}` inside a quoted
 * string does not close the action). Returns an error text or undefined. (The full template
 * validator arrives with the composite tool engine.)
 */
export function checkTemplate(text: string): string | undefined {
  let i = 0;
  while (i < text.length) {
    if (text.startsWith("}}", i)) return `unexpected "}}" at offset ${i}`;
    if (!text.startsWith("{{", i)) {
      i++;
      continue;
    }
    const open = i;
    let k = open + 2;
    let depth = 0;
    let quote: string | undefined;
    let closed = -1;
    for (; k < text.length; k++) {
      const c = text[k];
      if (quote) {
        if (c === "\\" && quote === '"') k++;
        else if (c === quote) quote = undefined;
        continue;
      }
      if (text.startsWith("}}", k)) {
        closed = k;
        break;
      }
      if (text.startsWith("{{", k)) return `unclosed action starting at offset ${open}`;
      if (c === '"' || c === "`" || c === "'") quote = c;
      else if (c === "(") depth++;
      else if (c === ")" && --depth < 0) return `unbalanced parentheses in action at offset ${open}`;
    }
    if (closed < 0) {
      return quote
        ? `unterminated string in action at offset ${open}`
        : `unclosed action starting at offset ${open}`;
    }
    const action = text
      .slice(open + 2, closed)
      .replace(/^-\s/, "")
      .replace(/\s-$/, "");
    if (action.trim() === "") return `empty action at offset ${open}`;
    if (depth !== 0) return `unbalanced parentheses in action at offset ${open}`;
    i = closed + 2;
  }
  return undefined;
}

function templatesOf(step: RawStep, where: string): [string, string][] {
  const out: [string, string][] = [];
  if (typeof step.condition === "string") out.push([`${where}.condition`, step.condition]);
  if (typeof step.collection === "string") out.push([`${where}.collection`, step.collection]);
  // Only top-level string argument values are templated (reference §1.11).
  if (isRecord(step.arguments)) {
    for (const [k, v] of Object.entries(step.arguments)) {
      if (typeof v === "string") out.push([`${where}.arguments.${k}`, v]);
    }
  }
  if (isRecord(step.step)) out.push(...templatesOf(step.step as RawStep, `${where}.step`));
  return out;
}

function outputTemplates(props: unknown, where: string): [string, string][] {
  if (!isRecord(props)) return [];
  const out: [string, string][] = [];
  for (const [name, p] of Object.entries(props)) {
    if (!isRecord(p)) continue;
    if (typeof p.value === "string") out.push([`${where}.${name}.value`, p.value]);
    out.push(...outputTemplates(p.properties, `${where}.${name}.properties`));
  }
  return out;
}

// Zod messages for problems the structural pass below already reports in its own words.
const COVERED = [/cycle/i, /duplicate entry for key id/i, /dependsOn must name/i, /unknown step/i];

/** Validates a composite tool spec; an empty list means valid. */
export function validateCompositeTool(spec: unknown): CompositeValidationError[] {
  const errors: CompositeValidationError[] = [];
  const s = isRecord(spec) ? spec : {};
  const steps: RawStep[] = Array.isArray(s.steps) ? (s.steps.filter(isRecord) as RawStep[]) : [];

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

  const templates = steps.flatMap((st, i) =>
    templatesOf(st, `steps[${typeof st.id === "string" ? st.id : i}]`),
  );
  templates.push(
    ...outputTemplates(isRecord(s.output) ? s.output.properties : undefined, "output.properties"),
  );
  for (const [where, text] of templates) {
    const problem = checkTemplate(text);
    if (problem)
      errors.push({ reason: "TemplateInvalid", message: `${where}: invalid template: ${problem}` });
  }

  const parsed = CompositeToolConfigSchema.safeParse(spec);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      if (COVERED.some((re) => re.test(issue.message))) continue;
      const path = issue.path.map(String).join(".");
      errors.push({ reason: "SchemaInvalid", message: path ? `${path}: ${issue.message}` : issue.message });
    }
  }
  return errors;
}
