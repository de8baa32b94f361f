// Composite tool annotations: derived from the tools its steps call, so a
// workflow that calls a destructive tool is not advertised as safe. An explicit hint may make the
// tool look riskier than its steps, never safer: a definition that tries is not advertised.
import type { ToolAnnotations } from "@modelcontextprotocol/sdk/types.js";
import type { CompositeToolConfig } from "@vmcp/shared-types";

type Hints = Required<
  Pick<ToolAnnotations, "readOnlyHint" | "destructiveHint" | "idempotentHint" | "openWorldHint">
>;

/** MCP's defaults for a tool that says nothing: may write, may destroy, not idempotent, open world. */
function effective(a: ToolAnnotations | undefined): Hints {
  const readOnlyHint = a?.readOnlyHint ?? false;
  return {
    readOnlyHint,
    destructiveHint: !readOnlyHint && (a?.destructiveHint ?? true),
    idempotentHint: readOnlyHint || (a?.idempotentHint ?? false),
    openWorldHint: a?.openWorldHint ?? true,
  };
}

export function stepToolRefs(def: CompositeToolConfig): string[] {
  const refs: string[] = [];
  for (const s of def.steps) {
    if (s.type === "forEach" && s.step) refs.push(s.step.tool);
    else if (s.type === "tool" && s.tool) refs.push(s.tool);
  }
  return refs;
}

export type DerivedAnnotations = { ok: true; annotations: ToolAnnotations } | { ok: false; reason: string };

export function deriveAnnotations(
  def: CompositeToolConfig,
  stepAnnotations: (ref: string) => ToolAnnotations | undefined,
): DerivedAnnotations {
  const steps = stepToolRefs(def).map((r) => effective(stepAnnotations(r)));
  const derived: Hints = {
    readOnlyHint: steps.every((h) => h.readOnlyHint),
    destructiveHint: steps.some((h) => h.destructiveHint),
    idempotentHint: steps.every((h) => h.idempotentHint),
    openWorldHint: steps.some((h) => h.openWorldHint),
  };
  const explicit = def.annotations ?? {};
  const safer: string[] = [];
  if (explicit.readOnlyHint === true && !derived.readOnlyHint) safer.push("readOnlyHint: true");
  if (explicit.destructiveHint === false && derived.destructiveHint) safer.push("destructiveHint: false");
  if (explicit.idempotentHint === true && !derived.idempotentHint) safer.push("idempotentHint: true");
  if (explicit.openWorldHint === false && derived.openWorldHint) safer.push("openWorldHint: false");
  if (safer.length > 0) {
    return { ok: false, reason: `annotations ${safer.join(", ")} claim more safety than the steps' tools` };
  }
  const out: ToolAnnotations = { ...derived };
  for (const [k, v] of Object.entries(explicit)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return { ok: true, annotations: out };
}
